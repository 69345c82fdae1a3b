#include "tests/engine/ops/op_test_util.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace convoy::engine::testing {
namespace {

std::string CoordsOf(int64_t flat, const Shape& shape) {
  std::vector<int64_t> coords(shape.size());
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    coords[d] = flat % shape[d];
    flat /= shape[d];
  }
  return absl::StrCat("[", absl::StrJoin(coords, ","), "]");
}

}  // namespace

Tensor Random(std::mt19937& rng, Shape shape, float lo, float hi) {
  Tensor t(DataType::kFloat32, std::move(shape));
  std::uniform_real_distribution<float> dist(lo, hi);
  for (int64_t i = 0; i < t.num_elements(); ++i) t.data<float>()[i] = dist(rng);
  return t;
}

Tensor AwayFromZero(std::mt19937& rng, Shape shape) {
  Tensor t = Random(rng, std::move(shape), 0.5f, 1.5f);
  std::bernoulli_distribution negative(0.5);
  for (int64_t i = 0; i < t.num_elements(); ++i) {
    if (negative(rng)) t.data<float>()[i] = -t.data<float>()[i];
  }
  return t;
}

Tensor Int64s(Shape shape, const Ints& values) {
  return Tensor::FromInt64s(std::move(shape), values);
}

Tensor Int64Vector(const Ints& values) {
  return Int64s({static_cast<int64_t>(values.size())}, values);
}

Tensor Scalar(float value) { return Tensor::FromFloats({}, {value}); }

::testing::AssertionResult MatchesReference(const Tensor& actual, const Tensor& expected) {
  if (actual.type() != DataType::kFloat32 || actual.shape() != expected.shape()) {
    return ::testing::AssertionFailure()
           << "engine gave " << DataTypeName(actual.type()) << " " << ShapeToString(actual.shape())
           << ", reference " << ShapeToString(expected.shape());
  }
  double max_ref = 0;
  for (float v : expected.values<float>()) max_ref = std::max(max_ref, std::fabs(double{v}));
  const double tolerance = 1e-4 * std::max(1.0, max_ref);
  int64_t worst = -1, mismatches = 0;
  double worst_diff = 0;
  for (int64_t i = 0; i < expected.num_elements(); ++i) {
    double diff = std::fabs(double{actual.data<float>()[i]} - expected.data<float>()[i]);
    if (std::isnan(diff)) diff = std::numeric_limits<double>::infinity();
    if (diff > tolerance) ++mismatches;
    if (worst < 0 || diff > worst_diff) {
      worst = i;
      worst_diff = diff;
    }
  }
  if (mismatches == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << mismatches << " of " << expected.num_elements() << " elements of "
         << ShapeToString(expected.shape()) << " differ; worst at "
         << CoordsOf(worst, expected.shape()) << ": engine " << actual.data<float>()[worst]
         << ", reference " << expected.data<float>()[worst] << " (|diff| " << worst_diff
         << " > tolerance " << tolerance << ")";
}

void ExpectAllMatch(const std::vector<Tensor>& actual, const std::vector<Tensor>& expected,
                    const std::vector<std::string>& names) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i) {
    EXPECT_TRUE(MatchesReference(actual[i], expected[i])) << "value '" << names[i] << "'";
  }
}

bool BitwiseEqual(const Tensor& a, const Tensor& b) {
  return a.type() == b.type() && a.shape() == b.shape() && a.byte_size() == b.byte_size() &&
         std::memcmp(a.raw_data(), b.raw_data(), a.byte_size()) == 0;
}

std::vector<Dim> DimsOf(const Shape& shape, bool symbolic_batch) {
  std::vector<Dim> dims(shape.begin(), shape.end());
  if (symbolic_batch && !dims.empty()) dims[0] = Dim("N");
  return dims;
}

absl::StatusOr<std::unique_ptr<Model>> Load(const OnnxBuilder& builder, const std::string& name) {
  return Model::LoadFromBytes(builder.Serialize(), name + ".onnx", ModelOptions{});
}

Operand Input(std::string name, Tensor value) { return {std::move(name), std::move(value), false}; }
Operand Init(std::string name, Tensor value) { return {std::move(name), std::move(value), true}; }
Operand Omitted() { return {"", Tensor(), false}; }

void PrintTo(const NodeCase& c, std::ostream* os) { *os << c.op << "/" << c.name; }

std::string CaseName(const ::testing::TestParamInfo<NodeCase>& info) { return info.param.name; }

absl::StatusOr<Tensor> RunNodeCase(const NodeCase& c) {
  OnnxBuilder builder(c.opset);
  std::vector<std::string> inputs;
  std::vector<NamedTensor> feeds;
  for (size_t i = 0; i < c.operands.size(); ++i) {
    const Operand& o = c.operands[i];
    inputs.push_back(o.name);
    if (o.name.empty()) continue;
    if (o.initializer) {
      builder.AddInitializer(o.name, o.value);
      continue;
    }
    const int type =
        o.value.type() == DataType::kInt64 ? onnx::TensorProto::INT64 : onnx::TensorProto::FLOAT;
    builder.AddInput(o.name, DimsOf(o.value.shape(), i == 0 && c.symbolic_batch), type);
    feeds.push_back({o.name, o.value});
  }
  builder.AddNode(c.op, inputs, {"y"}, c.attributes, "node_under_test");
  builder.AddOutput("y");
  absl::StatusOr<std::unique_ptr<Model>> model = Load(builder, c.name);
  if (!model.ok()) return model.status();
  absl::StatusOr<std::vector<Tensor>> outputs = (*model)->Run(feeds);
  if (!outputs.ok()) return outputs.status();
  return (*outputs)[0];
}

}  // namespace convoy::engine::testing
