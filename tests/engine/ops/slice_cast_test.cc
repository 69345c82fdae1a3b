// Slice and Cast, run through Model: Slice on run-time data (unit steps,
// other steps, negative steps, clamped bounds, default axes, opset 9's
// attributes) against a reference gather, and folded on constants; Cast
// folding shape arithmetic, forwarding a value of its own type, and its
// errors for run-time conversions and types the engine lacks.
#include <random>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "onnx/onnx_pb.h"
#include "tests/engine/ops/op_test_util.h"
#include "tests/engine/testing/onnx_builder.h"

namespace convoy::engine::testing {
namespace {

using ::testing::HasSubstr;

// x[start0::step0, start1::step1, ...] for already clamped starts and counts.
Tensor SliceOf(const Tensor& x, const Ints& start, const Ints& step, const Shape& out) {
  const Shape& in = x.shape();
  Tensor y(DataType::kFloat32, out);
  for (int64_t i = 0; i < y.num_elements(); ++i) {
    int64_t rest = i, from = 0, stride = 1;
    for (int d = static_cast<int>(out.size()) - 1; d >= 0; --d) {
      from += (start[d] + (rest % out[d]) * step[d]) * stride;
      rest /= out[d];
      stride *= in[d];
    }
    y.data<float>()[i] = x.data<float>()[from];
  }
  return y;
}

auto Sliced(Ints start, Ints step, Shape out) {
  return [=](const std::vector<Tensor>& in) { return SliceOf(in[0], start, step, out); };
}

std::vector<NodeCase> SliceCases() {
  std::mt19937 rng(31031);
  auto x = [&](Shape s) { return Input("x", Random(rng, std::move(s))); };
  auto v = [](Ints values) { return Int64Vector(values); };
  return {
      // ShuffleNet's channel split: the first and second halves of axis 1.
      {"ChannelHalves",
       "Slice",
       {x({2, 24, 5, 7}), Init("s", v({12})), Init("e", v({24})), Init("a", v({1}))},
       {},
       Sliced({0, 12, 0, 0}, {1, 1, 1, 1}, {2, 12, 5, 7})},
      {"TwoAxesNegativeStarts",
       "Slice",
       {x({3, 8, 9}), Init("s", v({-5, 1})), Init("e", v({-1, 100})), Init("a", v({2, 1}))},
       {},
       Sliced({0, 1, 4}, {1, 1, 1}, {3, 7, 4})},
      {"DefaultAxes",
       "Slice",
       {x({6, 5}), Init("s", v({1, 0})), Init("e", v({4, 3}))},
       {},
       Sliced({1, 0}, {1, 1}, {3, 3})},
      {"StepTwo",
       "Slice",
       {x({2, 9, 4}), Init("s", v({1})), Init("e", v({9})), Init("a", v({-2})), Init("st", v({2}))},
       {},
       Sliced({0, 1, 0}, {1, 2, 1}, {2, 4, 4})},
      {"NegativeStepReverses",
       "Slice",
       {x({2, 7}), Init("s", v({-1})), Init("e", v({INT64_MIN})), Init("a", v({1})),
        Init("st", v({-1}))},
       {},
       Sliced({0, 6}, {1, -1}, {2, 7})},
      {"EmptyWhenStartPastEnd",
       "Slice",
       {x({4, 5}), Init("s", v({10})), Init("e", v({20})), Init("a", v({0}))},
       {},
       Sliced({0, 0}, {1, 1}, {0, 5})},
      {"Opset9Attributes",
       "Slice",
       {x({4, 6})},
       {IntsAttr("starts", {1}), IntsAttr("ends", {3}), IntsAttr("axes", {1})},
       Sliced({0, 1}, {1, 1}, {4, 2}),
       9},
  };
}
INSTANTIATE_TEST_SUITE_P(Slice, NodeTest, ::testing::ValuesIn(SliceCases()), CaseName);

// Reshape(x, Concat(Slice(Shape(x)), Cast(Div(...)))): torch's channel
// shuffle shape arithmetic folds to the shape [N, 2, C/2, H, W].
TEST(CastOpTest, FoldsShapeArithmetic) {
  OnnxBuilder b;
  b.AddInput("x", {Dim("N"), 8, 3, 3});
  b.AddInitializer("s", Int64Vector({0}));
  b.AddInitializer("e", Int64Vector({1}));
  b.AddInitializer("two", Int64Vector({2}));
  b.AddInitializer("c", Int64Vector({8}));
  b.AddInitializer("hw", Int64Vector({3, 3}));
  b.AddNode("Shape", {"x"}, {"shape"});
  b.AddNode("Slice", {"shape", "s", "e"}, {"n"});
  b.AddNode("Cast", {"two"}, {"groups"}, {IntAttr("to", onnx::TensorProto::INT64)});
  b.AddNode("Div", {"c", "two"}, {"half_div"});
  b.AddNode("Cast", {"half_div"}, {"half"}, {IntAttr("to", onnx::TensorProto::INT64)});
  b.AddNode("Concat", {"n", "groups", "half", "hw"}, {"target"}, {IntAttr("axis", 0)});
  b.AddNode("Reshape", {"x", "target"}, {"y"});
  b.AddOutput("y");
  absl::StatusOr<std::unique_ptr<Model>> model = Load(b, "cast_fold");
  ASSERT_TRUE(model.ok()) << model.status();
  std::mt19937 rng(1);
  const Tensor x = Random(rng, {3, 8, 3, 3});
  absl::StatusOr<std::vector<Tensor>> y = (*model)->Run({{"x", x}});
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ((*y)[0].shape(), (Shape{3, 2, 4, 3, 3}));
  EXPECT_TRUE(MatchesReference((*y)[0], x.Reshaped({3, 2, 4, 3, 3})));
}

TEST(CastOpTest, FloatToFloatForwardsRunTimeValue) {
  std::mt19937 rng(2);
  NodeCase c{"SameType", "Cast", {Input("x", Random(rng, {2, 5}))},
             {IntAttr("to", onnx::TensorProto::FLOAT)}};
  absl::StatusOr<Tensor> y = RunNodeCase(c);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_TRUE(BitwiseEqual(*y, c.operands[0].value));
}

TEST(CastOpTest, FoldsFloatConstantToInt64ByTruncation) {
  // -1.7 and 2.9 truncate to -1 and 2 (floor would give -2, rounding 3).
  OnnxBuilder b;
  b.AddInput("x", {2, 3});
  b.AddInitializer("f", Tensor::FromFloats({2}, {-1.7f, 2.9f}));
  b.AddNode("Cast", {"f"}, {"shape"}, {IntAttr("to", onnx::TensorProto::INT64)});
  b.AddNode("Reshape", {"x", "shape"}, {"y"});
  b.AddOutput("y");
  absl::StatusOr<std::unique_ptr<Model>> model = Load(b, "cast_trunc");
  ASSERT_TRUE(model.ok()) << model.status();
  std::mt19937 rng(4);
  absl::StatusOr<std::vector<Tensor>> y = (*model)->Run({{"x", Random(rng, {2, 3})}});
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ((*y)[0].shape(), (Shape{3, 2}));
}

TEST(CastOpTest, RefusesRunTimeConversionAndUnknownTypes) {
  std::mt19937 rng(3);
  NodeCase to_int{"ToInt64", "Cast", {Input("x", Random(rng, {2, 5}))},
                  {IntAttr("to", onnx::TensorProto::INT64)}};
  absl::StatusOr<Tensor> y = RunNodeCase(to_int);
  ASSERT_FALSE(y.ok());
  EXPECT_EQ(y.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(std::string(y.status().message()), HasSubstr("cast of a run-time float32"));

  NodeCase to_double{"ToDouble", "Cast", {Input("x", Random(rng, {2, 5}))},
                     {IntAttr("to", onnx::TensorProto::DOUBLE)}};
  y = RunNodeCase(to_double);
  ASSERT_FALSE(y.ok());
  EXPECT_EQ(y.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(std::string(y.status().message()), HasSubstr("cast to DOUBLE"));
}

}  // namespace
}  // namespace convoy::engine::testing
