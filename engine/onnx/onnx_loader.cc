#include "engine/onnx/onnx_loader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <limits>

#include "absl/cleanup/cleanup.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/onnx/tensor_proto.h"
#include "onnx/onnx_pb.h"

namespace convoy::engine {
namespace {

class Translator {
 public:
  explicit Translator(const std::string& source) { graph_.source = source; }

  // Takes the initializers' raw data out of `model` rather than copying it.
  absl::StatusOr<ir::Graph> Translate(onnx::ModelProto& model) {
    if (!model.has_graph() || model.ir_version() <= 0) {
      return Invalid("not an ONNX model (no graph or no ir_version)");
    }
    CONVOY_RETURN_IF_ERROR(ReadOpset(model));
    onnx::GraphProto& g = *model.mutable_graph();
    for (onnx::TensorProto& t : *g.mutable_initializer()) CONVOY_RETURN_IF_ERROR(AddInitializer(t));
    if (g.sparse_initializer_size() > 0) return Unsupported("sparse initializers are not supported");
    for (const onnx::ValueInfoProto& v : g.input()) {
      if (graph_.initializers.count(v.name()) > 0) continue;  // IR < 4 lists them as inputs too.
      absl::StatusOr<TensorInfo> info = ReadValueInfo(v, "graph input");
      if (!info.ok()) return info.status();
      CONVOY_RETURN_IF_ERROR(Define(info->name, "graph input"));
      graph_.inputs.push_back(*std::move(info));
    }
    for (int i = 0; i < g.node_size(); ++i) CONVOY_RETURN_IF_ERROR(AddNode(g.node(i), i));
    for (const onnx::ValueInfoProto& v : g.output()) {
      absl::StatusOr<TensorInfo> info = ReadValueInfo(v, "graph output");
      if (!info.ok()) return info.status();
      if (!defined_.contains(info->name)) {
        return Invalid(absl::StrCat("graph output '", info->name, "' is never defined"));
      }
      graph_.outputs.push_back(*std::move(info));
    }
    if (graph_.outputs.empty()) return Invalid("the graph has no outputs");
    return std::move(graph_);
  }

 private:
  absl::Status Invalid(absl::string_view message) const {
    return absl::InvalidArgumentError(absl::StrCat(graph_.source, ": ", message));
  }
  absl::Status Unsupported(absl::string_view message) const {
    return absl::UnimplementedError(absl::StrCat(graph_.source, ": ", message));
  }

  absl::Status ReadOpset(const onnx::ModelProto& model) {
    std::string others;
    for (const onnx::OperatorSetIdProto& id : model.opset_import()) {
      if (id.domain().empty() || id.domain() == "ai.onnx") {
        graph_.opset = id.version();
      } else {
        absl::StrAppend(&others, others.empty() ? "" : ", ", "'", id.domain(), "'");
      }
    }
    if (graph_.opset == 0 && !others.empty()) {
      return Unsupported(absl::StrCat("only operator domain(s) ", others,
                                      " are imported; only the default ONNX domain is supported"));
    }
    if (graph_.opset == 0) return Invalid("no opset_import for the default ONNX domain");
    if (graph_.opset < kMinOpset || graph_.opset > kMaxOpset) {
      return Unsupported(absl::StrCat("opset ", graph_.opset, " is outside the supported range ",
                                      kMinOpset, " to ", kMaxOpset));
    }
    return absl::OkStatus();
  }

  absl::Status Define(const std::string& name, absl::string_view what) {
    if (name.empty()) return Invalid(absl::StrCat("a ", what, " has an empty name"));
    if (!defined_.insert(name).second) {
      return Invalid(absl::StrCat("value '", name, "' is defined twice (again as ", what, ")"));
    }
    return absl::OkStatus();
  }

  absl::Status AddInitializer(onnx::TensorProto& t) {
    absl::StatusOr<Tensor> value =
        TakeTensorFromProto(&t, absl::StrCat(graph_.source, ": initializer '", t.name(), "'"));
    if (!value.ok()) return value.status();
    CONVOY_RETURN_IF_ERROR(Define(t.name(), "initializer"));
    graph_.initializers.emplace(t.name(), *std::move(value));
    return absl::OkStatus();
  }

  absl::StatusOr<TensorInfo> ReadValueInfo(const onnx::ValueInfoProto& v, absl::string_view what) {
    TensorInfo info;
    info.name = v.name();
    const std::string where = absl::StrCat(what, " '", v.name(), "'");
    if (!v.type().has_tensor_type()) return Unsupported(absl::StrCat(where, " is not a tensor"));
    const onnx::TypeProto::Tensor& t = v.type().tensor_type();
    switch (t.elem_type()) {
      case onnx::TensorProto::FLOAT:
        info.type = DataType::kFloat32;
        break;
      case onnx::TensorProto::INT64:
        info.type = DataType::kInt64;
        break;
      default:
        return Unsupported(absl::StrCat(where, " has element type ", DataTypeNameOf(t.elem_type()),
                                        "; only FLOAT and INT64 are supported"));
    }
    if (!t.has_shape()) {
      if (what == "graph output") return info;  // Inferred; outputs need no declared shape.
      return Invalid(absl::StrCat(where, " has no shape"));
    }
    for (const onnx::TensorShapeProto::Dimension& d : t.shape().dim()) {
      if (d.has_dim_value()) {
        if (d.dim_value() < 0) return Invalid(absl::StrCat(where, " has a negative dimension"));
        info.shape.push_back(d.dim_value());
      } else {
        info.shape.push_back(-1);
      }
    }
    return info;
  }

  absl::Status AddNode(const onnx::NodeProto& n, int index) {
    ir::Node node;
    node.op_type = n.op_type();
    node.name = n.name().empty() ? absl::StrCat(n.op_type(), "_", index) : n.name();
    if (!node_names_.insert(node.name).second) node.name = absl::StrCat(node.name, "_", index);
    auto error = [&](absl::StatusCode code, absl::string_view message) {
      return ir::NodeError(code, graph_, node, message);
    };
    if (!n.domain().empty() && n.domain() != "ai.onnx") {
      return error(absl::StatusCode::kUnimplemented,
                   absl::StrCat("operator domain '", n.domain(), "' is not supported"));
    }
    for (const onnx::AttributeProto& a : n.attribute()) {
      if (absl::StartsWith(a.name(), "convoy.")) {
        return error(absl::StatusCode::kInvalidArgument,
                     absl::StrCat("attribute '", a.name(), "' uses the reserved prefix 'convoy.'"));
      }
      absl::Status s = AddAttribute(a, node);
      if (!s.ok()) return error(s.code(), s.message());
    }
    for (const std::string& in : n.input()) {
      if (!in.empty() && !defined_.contains(in)) {
        return error(absl::StatusCode::kInvalidArgument,
                     absl::StrCat("input '", in,
                                  "' is not a graph input, an initializer or an earlier node's output"));
      }
      node.inputs.push_back(in);
    }
    for (const std::string& out : n.output()) {
      if (!out.empty()) {
        absl::Status s = Define(out, absl::StrCat("output of node '", node.name, "'"));
        if (!s.ok()) return s;
      }
      node.outputs.push_back(out);
    }
    if (node.op_type == "Constant") return FoldConstant(node);
    graph_.nodes.push_back(std::move(node));
    return absl::OkStatus();
  }

  absl::Status AddAttribute(const onnx::AttributeProto& a, ir::Node& node) {
    switch (a.type()) {
      case onnx::AttributeProto::INT:
        node.attributes.Set(a.name(), static_cast<int64_t>(a.i()));
        return absl::OkStatus();
      case onnx::AttributeProto::FLOAT:
        node.attributes.Set(a.name(), a.f());
        return absl::OkStatus();
      case onnx::AttributeProto::STRING:
        node.attributes.Set(a.name(), a.s());
        return absl::OkStatus();
      case onnx::AttributeProto::INTS:
        node.attributes.Set(a.name(), std::vector<int64_t>(a.ints().begin(), a.ints().end()));
        return absl::OkStatus();
      case onnx::AttributeProto::FLOATS:
        node.attributes.Set(a.name(), std::vector<float>(a.floats().begin(), a.floats().end()));
        return absl::OkStatus();
      case onnx::AttributeProto::TENSOR: {
        absl::StatusOr<Tensor> t = TensorFromProto(a.t(), absl::StrCat("attribute '", a.name(), "'"));
        if (!t.ok()) return t.status();
        node.attributes.Set(a.name(), *std::move(t));
        return absl::OkStatus();
      }
      default:
        return absl::UnimplementedError(
            absl::StrCat("attribute '", a.name(), "' has a kind (graph, sparse tensor, type or ",
                         "list of those) that is not supported"));
    }
  }

  // Constant nodes become initializers: they are values known at load time.
  absl::Status FoldConstant(const ir::Node& node) {
    auto error = [&](absl::StatusCode code, absl::string_view message) {
      return ir::NodeError(code, graph_, node, message);
    };
    if (node.outputs.size() != 1 || node.outputs[0].empty() || !node.inputs.empty()) {
      return error(absl::StatusCode::kInvalidArgument, "Constant takes no input and has one output");
    }
    const auto& attrs = node.attributes.all();
    if (attrs.size() != 1) {
      return error(absl::StatusCode::kInvalidArgument, "Constant needs exactly one value attribute");
    }
    const auto& [name, value] = *attrs.begin();
    Tensor t;
    if (name == "value" && std::holds_alternative<Tensor>(value)) {
      t = std::get<Tensor>(value);
    } else if (name == "value_float" && std::holds_alternative<float>(value)) {
      t = Tensor::FromFloats({}, {std::get<float>(value)});
    } else if (name == "value_floats" && std::holds_alternative<std::vector<float>>(value)) {
      const auto& v = std::get<std::vector<float>>(value);
      t = Tensor::FromFloats({static_cast<int64_t>(v.size())}, v);
    } else if (name == "value_int" && std::holds_alternative<int64_t>(value)) {
      t = Tensor::FromInt64s({}, {std::get<int64_t>(value)});
    } else if (name == "value_ints" && std::holds_alternative<std::vector<int64_t>>(value)) {
      const auto& v = std::get<std::vector<int64_t>>(value);
      t = Tensor::FromInt64s({static_cast<int64_t>(v.size())}, v);
    } else {
      return error(absl::StatusCode::kUnimplemented,
                   absl::StrCat("Constant attribute '", name, "' is not supported"));
    }
    graph_.initializers.emplace(node.outputs[0], std::move(t));
    return absl::OkStatus();
  }

  ir::Graph graph_;
  absl::flat_hash_set<std::string> defined_;
  absl::flat_hash_set<std::string> node_names_;
};

absl::Status NotAModel(const std::string& source) {
  return absl::InvalidArgumentError(
      absl::StrCat(source, ": not an ONNX model (the protobuf does not parse; truncated?)"));
}

}  // namespace

absl::StatusOr<ir::Graph> ParseOnnxModel(absl::string_view bytes, const std::string& source) {
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": larger than 2 GiB"));
  }
  onnx::ModelProto model;
  if (!model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return NotAModel(source);
  }
  return Translator(source).Translate(model);
}

absl::StatusOr<ir::Graph> ReadOnnxModel(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::NotFoundError(absl::StrCat(path, ": cannot open the file"));
  absl::Cleanup close_fd = [fd] { close(fd); };
  struct stat info;
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a regular file"));
  }
  if (info.st_size > std::numeric_limits<int>::max()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": larger than 2 GiB"));
  }
  // Parsed straight from the file: the bytes are never held whole in
  // memory beside the message.
  onnx::ModelProto model;
  if (!model.ParseFromFileDescriptor(fd)) {
    return NotAModel(path);
  }
  return Translator(path).Translate(model);
}

}  // namespace convoy::engine
