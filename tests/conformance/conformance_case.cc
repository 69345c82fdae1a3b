#include "tests/conformance/conformance_case.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "engine/onnx/tensor_proto.h"
#include "onnx/onnx_pb.h"

namespace convoy {
namespace conformance {
namespace {

namespace fs = std::filesystem;

constexpr absl::string_view kDataSetPrefix = "test_data_set_";

void AddTypeProto(const onnx::TypeProto& type, std::set<std::string>& out) {
  switch (type.value_case()) {
    case onnx::TypeProto::kTensorType:
      out.insert(engine::DataTypeNameOf(type.tensor_type().elem_type()));
      break;
    case onnx::TypeProto::kSequenceType:
      out.insert("SEQUENCE");
      break;
    case onnx::TypeProto::kOptionalType:
      out.insert("OPTIONAL");
      break;
    case onnx::TypeProto::kMapType:
      out.insert("MAP");
      break;
    case onnx::TypeProto::kSparseTensorType:
      out.insert("SPARSE_TENSOR");
      break;
    default:
      out.insert("UNDEFINED");
      break;
  }
}

void AddAttribute(const onnx::AttributeProto& attr, std::set<std::string>& out) {
  using onnx::AttributeProto;
  switch (attr.type()) {
    case AttributeProto::TENSOR:
      out.insert(engine::DataTypeNameOf(attr.t().data_type()));
      break;
    case AttributeProto::TENSORS:
      for (const onnx::TensorProto& t : attr.tensors()) out.insert(engine::DataTypeNameOf(t.data_type()));
      break;
    case AttributeProto::SPARSE_TENSOR:
    case AttributeProto::SPARSE_TENSORS:
      out.insert("SPARSE_TENSOR");
      break;
    default:
      break;
  }
  // Element types chosen by attribute: Cast(to), EyeLike/RandomNormal(dtype).
  if (attr.type() == AttributeProto::INT && (attr.name() == "to" || attr.name() == "dtype")) {
    out.insert(engine::DataTypeNameOf(static_cast<int>(attr.i())));
  }
}

void AddConstantValue(const onnx::AttributeProto& attr, std::set<std::string>& out) {
  const std::string& name = attr.name();
  if (name == "value_float" || name == "value_floats") out.insert("FLOAT");
  if (name == "value_int" || name == "value_ints") out.insert("INT64");
  if (name == "value_string" || name == "value_strings") out.insert("STRING");
}

// "test_data_set_12" -> 12; -1 for anything else.
int DataSetIndex(const std::string& dir_name) {
  int index = -1;
  if (!absl::StartsWith(dir_name, kDataSetPrefix) ||
      !absl::SimpleAtoi(absl::string_view(dir_name).substr(kDataSetPrefix.size()), &index)) {
    return -1;
  }
  return index;
}

}  // namespace

std::vector<ConformanceCase> ListCases(const std::string& root,
                                       const std::vector<std::string>& suites) {
  std::vector<ConformanceCase> cases;
  for (const std::string& suite : suites) {
    std::vector<ConformanceCase> in_suite;
    std::error_code error;
    for (const fs::directory_entry& entry : fs::directory_iterator(root + "/" + suite, error)) {
      if (!fs::exists(entry.path() / "model.onnx")) continue;
      in_suite.push_back({suite, entry.path().filename().string(), entry.path().string()});
    }
    std::sort(in_suite.begin(), in_suite.end(),
              [](const ConformanceCase& a, const ConformanceCase& b) { return a.name < b.name; });
    cases.insert(cases.end(), in_suite.begin(), in_suite.end());
  }
  return cases;
}

absl::StatusOr<ModelFeatures> ReadModelFeatures(const std::string& model_path) {
  std::ifstream file(model_path, std::ios::binary);
  if (!file) return absl::NotFoundError(absl::StrCat("cannot open '", model_path, "'"));
  std::ostringstream bytes;
  bytes << file.rdbuf();
  onnx::ModelProto model;
  if (!model.ParseFromString(bytes.str())) {
    return absl::InvalidArgumentError(absl::StrCat("'", model_path, "' is not a ModelProto"));
  }

  ModelFeatures features;
  for (const onnx::OperatorSetIdProto& id : model.opset_import()) {
    if (id.domain().empty() || id.domain() == "ai.onnx") features.opset = id.version();
  }
  const onnx::GraphProto& graph = model.graph();
  for (const auto* values : {&graph.input(), &graph.output(), &graph.value_info()}) {
    for (const onnx::ValueInfoProto& value : *values) AddTypeProto(value.type(), features.elem_types);
  }
  for (const onnx::TensorProto& init : graph.initializer()) {
    features.elem_types.insert(engine::DataTypeNameOf(init.data_type()));
  }
  if (graph.sparse_initializer_size() > 0) features.elem_types.insert("SPARSE_TENSOR");

  for (const onnx::NodeProto& node : graph.node()) {
    const bool default_domain = node.domain().empty() || node.domain() == "ai.onnx";
    features.op_types.insert(default_domain ? node.op_type()
                                            : absl::StrCat(node.domain(), ":", node.op_type()));
    for (const onnx::AttributeProto& attr : node.attribute()) {
      AddAttribute(attr, features.elem_types);
      if (node.op_type() == "Constant") AddConstantValue(attr, features.elem_types);
    }
  }
  return features;
}

std::vector<std::string> ListTestDataSets(const std::string& case_dir) {
  std::vector<std::pair<int, std::string>> indexed;
  std::error_code error;
  for (const fs::directory_entry& entry : fs::directory_iterator(case_dir, error)) {
    const int index = DataSetIndex(entry.path().filename().string());
    if (index >= 0 && entry.is_directory()) indexed.emplace_back(index, entry.path().string());
  }
  std::sort(indexed.begin(), indexed.end());
  std::vector<std::string> dirs;
  for (auto& [index, dir] : indexed) dirs.push_back(std::move(dir));
  return dirs;
}

absl::StatusOr<std::vector<engine::Tensor>> ReadTensorFiles(const std::string& data_set_dir,
                                                            absl::string_view prefix) {
  std::vector<engine::Tensor> tensors;
  for (int k = 0;; ++k) {
    const std::string path = absl::StrCat(data_set_dir, "/", prefix, "_", k, ".pb");
    if (!fs::exists(path)) break;
    absl::StatusOr<engine::Tensor> tensor = engine::ReadTensorProtoFile(path);
    if (!tensor.ok()) return tensor.status();
    tensors.push_back(*std::move(tensor));
  }
  return tensors;
}

}  // namespace conformance
}  // namespace convoy
