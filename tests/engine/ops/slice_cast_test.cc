// Slice, Split and Cast, run through Model: Slice on run-time data (unit
// steps, other steps, negative steps, clamped bounds, default axes, opset
// 9's attributes) against a reference gather, and folded on constants;
// Split by sizes (attribute, input), in equal parts, by num_outputs (opset
// 18), folded, and its errors; Cast
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
// --- Split

struct SplitCase {
  std::string name;
  int64_t opset;
  Shape x;
  int64_t axis;
  std::vector<int64_t> sizes;  // What the outputs should get along the axis.
  // How the node says it: the split attribute (< 13), the split input
  // (>= 13), num_outputs (>= 18), or nothing (equal parts).
  enum { kAttribute, kInput, kNumOutputs, kEqual } given;
};

// Runs a Split of x [N, ...] (N dynamic) as the case gives it, and expects
// each output to be its part of x.
void ExpectSplitParts(const SplitCase& c) {
  SCOPED_TRACE(c.name);
  OnnxBuilder b;
  b.SetOpset(c.opset);
  std::vector<Dim> dims = {Dim("N")};
  for (size_t d = 1; d < c.x.size(); ++d) dims.push_back(Dim(c.x[d]));
  b.AddInput("x", dims);
  std::vector<std::string> inputs = {"x"}, outputs;
  Attributes attributes = {IntAttr("axis", c.axis)};
  for (size_t i = 0; i < c.sizes.size(); ++i) outputs.push_back("y" + std::to_string(i));
  if (c.given == SplitCase::kAttribute) attributes.push_back(IntsAttr("split", c.sizes));
  if (c.given == SplitCase::kInput) {
    b.AddInitializer("split", Int64Vector(c.sizes));
    inputs.push_back("split");
  }
  if (c.given == SplitCase::kNumOutputs) {
    attributes.push_back(IntAttr("num_outputs", static_cast<int64_t>(c.sizes.size())));
  }
  b.AddNode("Split", inputs, outputs, attributes);
  for (const std::string& out : outputs) b.AddOutput(out);
  absl::StatusOr<std::unique_ptr<Model>> model = Load(b, "split");
  ASSERT_TRUE(model.ok()) << model.status();
  std::mt19937 rng(static_cast<uint32_t>(c.opset));
  const Tensor x = Random(rng, c.x);
  absl::StatusOr<std::vector<Tensor>> y = (*model)->Run({{"x", x}});
  ASSERT_TRUE(y.ok()) << y.status();
  ASSERT_EQ(y->size(), c.sizes.size());
  const int64_t axis = c.axis < 0 ? c.axis + static_cast<int64_t>(c.x.size()) : c.axis;
  Ints start(c.x.size(), 0);
  for (size_t i = 0; i < c.sizes.size(); ++i) {
    Shape part = c.x;
    part[axis] = c.sizes[i];
    EXPECT_EQ((*y)[i].shape(), part) << "output " << i;
    EXPECT_TRUE(BitwiseEqual((*y)[i], SliceOf(x, start, Ints(c.x.size(), 1), part)))
        << "output " << i;
    start[axis] += c.sizes[i];
  }
}

TEST(SplitOpTest, CopiesEachPartOfTheAxis) {
  for (const SplitCase& c : std::vector<SplitCase>{
           {"ChannelsAttribute", 11, {2, 10, 3, 4}, 1, {3, 7}, SplitCase::kAttribute},
           {"ChannelsInput", 13, {2, 10, 3, 4}, 1, {4, 1, 5}, SplitCase::kInput},
           {"EqualHalves", 13, {3, 8, 5, 5}, 1, {4, 4}, SplitCase::kEqual},
           {"LastAxisNegative", 13, {2, 3, 9}, -1, {2, 2, 5}, SplitCase::kInput},
           {"AnEmptyPart", 13, {2, 6, 2}, 1, {0, 6}, SplitCase::kInput},
           {"NumOutputsDividing", 18, {2, 12, 3}, 1, {4, 4, 4}, SplitCase::kNumOutputs},
           // ceil(7 / 3) = 3 channels a part, the last smaller.
           {"NumOutputsLastSmaller", 18, {2, 7, 3}, 1, {3, 3, 1}, SplitCase::kNumOutputs},
       }) {
    ExpectSplitParts(c);
  }
}

// Split(Shape(x)) folds: its second part, [H, W], makes x [N, 2, 3, 4]
// into [2N, 3, 4].
TEST(SplitOpTest, FoldsShapeArithmetic) {
  OnnxBuilder b;
  b.AddInput("x", {Dim("N"), 2, 3, 4});
  b.AddInitializer("rest", Int64Vector({-1}));
  b.AddNode("Shape", {"x"}, {"shape"});
  b.AddNode("Split", {"shape"}, {"nc", "hw"});
  b.AddNode("Concat", {"rest", "hw"}, {"target"}, {IntAttr("axis", 0)});
  b.AddNode("Reshape", {"x", "target"}, {"y"});
  b.AddOutput("y");
  absl::StatusOr<std::unique_ptr<Model>> model = Load(b, "split_fold");
  ASSERT_TRUE(model.ok()) << model.status();
  std::mt19937 rng(5);
  const Tensor x = Random(rng, {3, 2, 3, 4});
  absl::StatusOr<std::vector<Tensor>> y = (*model)->Run({{"x", x}});
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ((*y)[0].shape(), (Shape{6, 3, 4}));
  EXPECT_TRUE(BitwiseEqual((*y)[0], x.Reshaped({6, 3, 4})));
}

TEST(SplitOpTest, RefusesSizesThatDoNotFitTheAxis) {
  struct Bad {
    int64_t opset;
    std::vector<int64_t> sizes;
    int outputs;
    Attributes extra;
    std::string message;
  };
  for (const Bad& bad : std::vector<Bad>{
           {13, {3, 4}, 2, {}, "add up to 7, not the axis size 8"},
           {13, {4, 4}, 3, {}, "2 sizes for 3 outputs"},
           {13, {9, -1}, 2, {}, "split size 9 is out of range"},
           {13, {}, 3, {}, "does not split into 3 equal parts"},
           {18, {}, 2, {IntAttr("num_outputs", 3)}, "num_outputs is 3 but the node has 2"},
           {18, {4, 4}, 2, {IntAttr("num_outputs", 2)}, "not both"},
           {18, {}, 2, {IntAttr("num_outputs", 0)}, "num_outputs is 0; at least 1"},
       }) {
    SCOPED_TRACE(bad.message);
    OnnxBuilder b;
    b.SetOpset(bad.opset);
    b.AddInput("x", {2, 8});
    std::vector<std::string> inputs = {"x"}, outputs;
    if (!bad.sizes.empty()) {
      b.AddInitializer("split", Int64Vector(bad.sizes));
      inputs.push_back("split");
    }
    for (int i = 0; i < bad.outputs; ++i) outputs.push_back("y" + std::to_string(i));
    Attributes attributes = bad.extra;
    attributes.push_back(IntAttr("axis", 1));
    b.AddNode("Split", inputs, outputs, attributes, "split1");
    for (const std::string& out : outputs) b.AddOutput(out);
    absl::StatusOr<std::unique_ptr<Model>> model = Load(b, "split_bad");
    ASSERT_FALSE(model.ok());
    EXPECT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(model.status().message()), HasSubstr("node 'split1'"));
    EXPECT_THAT(std::string(model.status().message()), HasSubstr(bad.message));
  }
}

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
