// Every operator, run through Model on seeded random input and compared
// with the naive reference in tests/engine/testing/reference_ops.h.
//
// One parameterised test, NodeTest.MatchesReference (op_test_util.h), runs
// every single-node case; each operator's case list covers its attributes,
// with odd spatial sizes and channel counts that are not multiples of 16 so
// that oneDNN's blocked layouts have a ragged tail. Conv and the pools are
// in window_ops_test.cc, chains of operators in op_chains_test.cc, and runs
// of one Model at several shapes and from several threads in
// model_run_test.cc.
#include <cmath>
#include <optional>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/engine/ops/op_test_util.h"
#include "tests/engine/testing/onnx_builder.h"
#include "tests/engine/testing/reference_ops.h"

namespace convoy::engine::testing {
namespace {

TEST_P(NodeTest, MatchesReference) {
  const NodeCase& c = GetParam();
  absl::StatusOr<Tensor> actual = RunNodeCase(c);
  ASSERT_TRUE(actual.ok()) << actual.status();
  std::vector<Tensor> values;
  for (const Operand& o : c.operands) values.push_back(o.value);
  EXPECT_TRUE(MatchesReference(*actual, c.reference(values)));
}

// --- LRN and BatchNormalization

std::vector<NodeCase> LrnCases() {
  struct Spec {
    std::string name;
    Shape x;
    reference::LrnParams params;
  };
  const std::vector<Spec> specs = {
      {"AlexNetDefaults", {1, 7, 5, 5}, {5, 1e-4f, 0.75f, 1.0f}},
      {"StrongAlphaBias2Batch3", {3, 19, 7, 9}, {3, 0.5f, 0.75f, 2.0f}},
      {"SizeOne", {1, 16, 4, 5}, {1, 1.0f, 0.5f, 1.0f}},
      {"WindowWiderThanChannels", {2, 5, 3, 3}, {7, 0.8f, 0.6f, 1.5f}},
      {"OneD", {2, 9, 11}, {5, 0.3f, 0.75f, 1.0f}},
      {"ThreeD", {1, 6, 3, 4, 5}, {3, 0.3f, 0.75f, 1.0f}},
  };
  std::mt19937 rng(5005);
  std::vector<NodeCase> cases;
  for (const Spec& s : specs) {
    NodeCase c{s.name, "LRN", {Input("x", Random(rng, s.x, -2.0f, 2.0f))}};
    c.attributes = {IntAttr("size", s.params.size), FloatAttr("alpha", s.params.alpha),
                    FloatAttr("beta", s.params.beta), FloatAttr("bias", s.params.bias)};
    c.symbolic_batch = true;
    c.reference = [p = s.params](const std::vector<Tensor>& in) {
      return reference::Lrn(in[0], p);
    };
    cases.push_back(std::move(c));
  }
  return cases;
}
INSTANTIATE_TEST_SUITE_P(LRN, NodeTest, ::testing::ValuesIn(LrnCases()), CaseName);

std::vector<NodeCase> BatchNormCases() {
  const std::vector<std::tuple<std::string, Shape, float>> specs = {
      {"Rank4Batch3", {3, 19, 7, 9}, 1e-5f},
      {"Rank2", {2, 12}, 1e-5f},
      {"Rank3", {2, 5, 11}, 1e-3f},
      {"Rank5", {1, 4, 3, 5, 6}, 1e-5f},
      {"LargeEpsilon", {1, 16, 4, 4}, 0.5f}};
  std::mt19937 rng(6006);
  std::vector<NodeCase> cases;
  for (const auto& [name, shape, epsilon] : specs) {
    const Shape per_channel = {shape[1]};
    NodeCase c{
        name,
        "BatchNormalization",
        {Input("x", Random(rng, shape, -2.0f, 2.0f)), Init("scale", Random(rng, per_channel)),
         Init("bias", Random(rng, per_channel)), Init("mean", Random(rng, per_channel)),
         Init("var", Random(rng, per_channel, 0.1f, 2.0f))}};
    c.attributes = {FloatAttr("epsilon", epsilon)};
    c.symbolic_batch = true;
    c.reference = [epsilon = epsilon](const std::vector<Tensor>& in) {
      return reference::BatchNormalization(in[0], in[1], in[2], in[3], in[4], epsilon);
    };
    cases.push_back(std::move(c));
  }
  return cases;
}
std::vector<NodeCase> LayerNormCases() {
  std::mt19937 rng(6006);
  auto layer_norm = [](int64_t axis, float epsilon) {
    return [axis, epsilon](const std::vector<Tensor>& in) {
      return reference::LayerNormalization(in[0], in[1], in.size() > 2 ? &in[2] : nullptr, axis,
                                           epsilon);
    };
  };
  auto norm_case = [&](std::string name, Shape x, int64_t axis, bool bias, Attributes attrs,
                       float epsilon) {
    const int64_t a = axis < 0 ? axis + static_cast<int64_t>(x.size()) : axis;
    const Shape normalised(x.begin() + a, x.end());
    NodeCase c{std::move(name), "LayerNormalization",
               {Input("x", Random(rng, x, -3.0f, 3.0f)), Init("scale", Random(rng, normalised))},
               std::move(attrs), layer_norm(axis, epsilon)};
    if (bias) c.operands.push_back(Init("bias", Random(rng, normalised)));
    c.symbolic_batch = true;
    return c;
  };
  return {
      // ConvNeXt: channels last, normalised over C, epsilon 1e-6.
      norm_case("ChannelsLastConvNeXt", {2, 7, 7, 96}, -1, true, {FloatAttr("epsilon", 1e-6f)},
                1e-6f),
      norm_case("DefaultAxisNoBias", {3, 5, 17}, -1, false, {}, 1e-5f),
      norm_case("FromAxis1", {2, 4, 5, 6}, 1, true, {IntAttr("axis", 1)}, 1e-5f),
      norm_case("NegativeAxis2", {2, 4, 5, 6}, -2, true, {IntAttr("axis", -2)}, 1e-5f),
  };
}
INSTANTIATE_TEST_SUITE_P(LayerNormalization, NodeTest, ::testing::ValuesIn(LayerNormCases()),
                         CaseName);

INSTANTIATE_TEST_SUITE_P(BatchNormalization, NodeTest, ::testing::ValuesIn(BatchNormCases()),
                         CaseName);

// --- Gemm and MatMul

std::vector<NodeCase> GemmCases() {
  struct Spec {
    std::string name;
    Shape a, b;
    std::optional<Shape> c;
    reference::GemmParams params;
    bool b_is_input = false;
    int64_t opset = 17;
  };
  const std::vector<Spec> specs = {
      {"PlainVectorC", {5, 7}, {7, 9}, Shape{9}, {}},
      {"TransBFullyConnected", {3, 13}, {10, 13}, Shape{10}, {false, true}},
      {"TransAMatrixC", {7, 5}, {7, 9}, Shape{5, 9}, {true, false}},
      {"TransABColumnC", {7, 5}, {9, 7}, Shape{5, 1}, {true, true, 0.5f, 2.0f}},
      {"AlphaBetaMatrixC", {5, 7}, {7, 9}, Shape{5, 9}, {false, false, 0.25f, -1.5f}},
      {"RowC", {5, 7}, {7, 9}, Shape{1, 9}, {false, false, 1.0f, 0.5f}},
      {"ScalarC", {5, 7}, {7, 9}, Shape{}, {false, false, 1.0f, 3.0f}},
      {"NoC", {5, 7}, {7, 9}, std::nullopt, {false, false, 2.0f, 1.0f}},
      {"BetaZeroIgnoresC", {5, 7}, {7, 9}, Shape{5, 9}, {false, false, 1.0f, 0.0f}},
      {"BFromInputTransB", {4, 6}, {9, 6}, Shape{9}, {false, true}, true},
      {"BFromInputTransAB", {6, 4}, {9, 6}, Shape{4, 9}, {true, true, 0.5f, 1.0f}, true},
      {"Opset9", {5, 7}, {7, 9}, Shape{9}, {false, false, 1.0f, 1.0f}, false, 9},
  };
  std::mt19937 rng(7007);
  std::vector<NodeCase> cases;
  for (const Spec& s : specs) {
    NodeCase c{s.name, "Gemm", {Input("a", Random(rng, s.a))}};
    Tensor b = Random(rng, s.b);
    c.operands.push_back(s.b_is_input ? Input("b", b) : Init("b", b));
    if (s.c) c.operands.push_back(Init("c", Random(rng, *s.c)));
    c.attributes = {IntAttr("transA", s.params.trans_a), IntAttr("transB", s.params.trans_b),
                    FloatAttr("alpha", s.params.alpha), FloatAttr("beta", s.params.beta)};
    c.opset = s.opset;
    c.reference = [p = s.params](const std::vector<Tensor>& in) {
      return reference::Gemm(in[0], in[1], in.size() > 2 ? &in[2] : nullptr, p);
    };
    cases.push_back(std::move(c));
  }
  return cases;
}
INSTANTIATE_TEST_SUITE_P(Gemm, NodeTest, ::testing::ValuesIn(GemmCases()), CaseName);

std::vector<NodeCase> MatMulCases() {
  const std::vector<std::tuple<std::string, Shape, Shape, bool>> specs = {
      {"MatrixConstantB", {5, 7}, {7, 9}, false},
      {"MatrixBothInputs", {5, 7}, {7, 9}, true},
      {"Batched", {3, 5, 7}, {3, 7, 9}, true},
      {"BroadcastBatch", {2, 1, 5, 7}, {3, 7, 4}, true},
      {"BatchedTimesConstant", {4, 5, 7}, {7, 6}, false},
      // One weight matrix for all rows: run as one product of 2*3*4 rows.
      {"ChannelsLastTimesConstant", {2, 3, 4, 7}, {7, 6}, false},
      {"BatchedTimesUnitBatch", {2, 5, 7}, {1, 7, 6}, true},
      {"VectorTimesMatrix", {7}, {7, 9}, false},
      {"MatrixTimesVector", {5, 7}, {7}, true},
      {"VectorDotVector", {7}, {7}, true},
      {"VectorTimesBatched", {7}, {2, 7, 9}, true},
      {"BatchedTimesVector", {2, 5, 7}, {7}, false},
  };
  std::mt19937 rng(8008);
  std::vector<NodeCase> cases;
  for (const auto& [name, a, b, b_is_input] : specs) {
    Tensor tb = Random(rng, b);
    NodeCase c{
        name, "MatMul", {Input("a", Random(rng, a)), b_is_input ? Input("b", tb) : Init("b", tb)}};
    c.reference = [](const std::vector<Tensor>& in) { return reference::MatMul(in[0], in[1]); };
    cases.push_back(std::move(c));
  }
  return cases;
}
INSTANTIATE_TEST_SUITE_P(MatMul, NodeTest, ::testing::ValuesIn(MatMulCases()), CaseName);

// --- Add, Sub, Mul, Div, Sum

std::vector<NodeCase> BinaryCases() {
  struct Spec {
    std::string name;
    Shape a, b;
    bool b_constant;
  };
  const std::vector<Spec> specs = {
      {"SameShape", {3, 5, 7, 9}, {3, 5, 7, 9}, false},
      {"PerChannelConstant", {3, 5, 7, 9}, {5, 1, 1}, true},
      {"ScalarConstant", {3, 5, 7, 9}, {}, true},
      {"OneElement", {2, 5, 7}, {1}, false},
      {"LastAxis", {3, 5, 7, 9}, {9}, true},
      {"BothBroadcast", {3, 1, 7, 1}, {1, 5, 1, 9}, false},
      {"SmallerFirst", {5, 1, 1}, {3, 5, 7, 9}, false},
      {"LowerRankSameTail", {3, 5, 7, 9}, {5, 7, 9}, false},
      {"ScalarInput", {3, 5, 7}, {}, false},
      {"BothScalars", {}, {}, false},
      {"Matrix", {4, 10}, {4, 10}, true},
  };
  const std::vector<std::pair<std::string, reference::BinaryOp>> ops = {
      {"Add", reference::BinaryOp::kAdd},
      {"Sub", reference::BinaryOp::kSub},
      {"Mul", reference::BinaryOp::kMul},
      {"Div", reference::BinaryOp::kDiv}};
  std::mt19937 rng(9009);
  std::vector<NodeCase> cases;
  for (const auto& [op, kind] : ops) {
    for (const Spec& s : specs) {
      Tensor b = op == "Div" ? AwayFromZero(rng, s.b) : Random(rng, s.b);
      NodeCase c{absl::StrCat(op, "_", s.name),
                 op,
                 {Input("a", Random(rng, s.a)), s.b_constant ? Init("b", b) : Input("b", b)}};
      c.reference = [kind = kind](const std::vector<Tensor>& in) {
        return reference::Binary(kind, in[0], in[1]);
      };
      cases.push_back(std::move(c));
    }
    // A constant on the left of a run-time value (1 - x, 1 / x).
    for (const auto& [name, a] : {std::pair{"ConstantFirstSameShape", Shape{3, 5, 7}},
                                  std::pair{"ConstantFirstBroadcast", Shape{5, 1}}}) {
      NodeCase c{absl::StrCat(op, "_", name),
                 op,
                 {Init("a", Random(rng, a)),
                  Input("b", op == "Div" ? AwayFromZero(rng, {3, 5, 7}) : Random(rng, {3, 5, 7}))}};
      c.reference = [kind = kind](const std::vector<Tensor>& in) {
        return reference::Binary(kind, in[0], in[1]);
      };
      cases.push_back(std::move(c));
    }
  }
  const std::vector<std::pair<std::string, std::vector<Shape>>> sums = {
      {"Sum_One", {{3, 5, 7}}},
      {"Sum_TwoSameShape", {{3, 5, 7}, {3, 5, 7}}},
      {"Sum_ThreeBroadcast", {{2, 5, 7, 9}, {5, 1, 1}, {9}}},
      {"Sum_FourMatrices", {{4, 10}, {4, 10}, {1, 10}, {4, 10}}},
      {"Sum_BroadcastFirst", {{5, 1, 1}, {2, 5, 7, 9}, {2, 5, 7, 9}}},
  };
  for (const auto& [name, shapes] : sums) {
    NodeCase c{name, "Sum"};
    for (size_t i = 0; i < shapes.size(); ++i) {
      c.operands.push_back(Input(absl::StrCat("x", i), Random(rng, shapes[i])));
    }
    c.reference = [](const std::vector<Tensor>& in) { return reference::Sum(in); };
    cases.push_back(std::move(c));
  }
  return cases;
}
INSTANTIATE_TEST_SUITE_P(Binary, NodeTest, ::testing::ValuesIn(BinaryCases()), CaseName);

// --- Activations

std::vector<NodeCase> ActivationCases() {
  std::mt19937 rng(10010);
  std::vector<NodeCase> cases;
  using Fn = std::function<Tensor(const std::vector<Tensor>&)>;
  const std::vector<std::tuple<std::string, std::string, Attributes, Fn>> unary = {
      {"Relu", "Relu", {}, [](const std::vector<Tensor>& in) { return reference::Relu(in[0]); }},
      {"LeakyReluDefaultAlpha",
       "LeakyRelu",
       {},
       [](const std::vector<Tensor>& in) { return reference::LeakyRelu(in[0], 0.01f); }},
      {"LeakyReluAlpha0_2",
       "LeakyRelu",
       {FloatAttr("alpha", 0.2f)},
       [](const std::vector<Tensor>& in) { return reference::LeakyRelu(in[0], 0.2f); }},
      {"Tanh", "Tanh", {}, [](const std::vector<Tensor>& in) { return reference::Tanh(in[0]); }},
      {"Sigmoid",
       "Sigmoid",
       {},
       [](const std::vector<Tensor>& in) { return reference::Sigmoid(in[0]); }},
      {"HardSigmoidDefaults",
       "HardSigmoid",
       {},
       [](const std::vector<Tensor>& in) { return reference::HardSigmoid(in[0], 0.2f, 0.5f); }},
      {"HardSigmoidTorchAlpha",  // torch exports Hardsigmoid with alpha 1/6.
       "HardSigmoid",
       {FloatAttr("alpha", 1.0f / 6), FloatAttr("beta", 0.5f)},
       [](const std::vector<Tensor>& in) {
         return reference::HardSigmoid(in[0], 1.0f / 6, 0.5f);
       }},
      {"HardSigmoidNegativeAlpha",
       "HardSigmoid",
       {FloatAttr("alpha", -0.3f), FloatAttr("beta", 0.25f)},
       [](const std::vector<Tensor>& in) { return reference::HardSigmoid(in[0], -0.3f, 0.25f); }},
      {"HardSwish",
       "HardSwish",
       {},
       [](const std::vector<Tensor>& in) { return reference::HardSwish(in[0]); }},
      {"Erf", "Erf", {}, [](const std::vector<Tensor>& in) { return reference::Erf(in[0]); }},
      // Opset 20's operator, which FuseGelu writes for the spelled-out form.
      {"Gelu",
       "Gelu",
       {},
       [](const std::vector<Tensor>& in) { return reference::Gelu(in[0], false); }},
      {"GeluTanh",
       "Gelu",
       {testing::StringAttr("approximate", "tanh")},
       [](const std::vector<Tensor>& in) { return reference::Gelu(in[0], true); }},
      // Opset 24's operator: SiLU by default, x * sigmoid(alpha * x).
      {"Swish",
       "Swish",
       {},
       [](const std::vector<Tensor>& in) { return reference::Swish(in[0], 1.0f); }},
      {"SwishAlpha",
       "Swish",
       {FloatAttr("alpha", 0.6f)},
       [](const std::vector<Tensor>& in) { return reference::Swish(in[0], 0.6f); }},
  };
  for (const auto& [name, op, attributes, fn] : unary) {
    for (const Shape& shape : {Shape{3, 5, 7, 9}, Shape{4, 10}}) {
      NodeCase c{absl::StrCat(name, "_Rank", shape.size()),
                 op,
                 {Input("x", Random(rng, shape, -4.0f, 4.0f))},
                 attributes,
                 fn};
      c.symbolic_batch = true;
      if (op == "Swish") c.opset = 24;
      cases.push_back(std::move(c));
    }
  }
  const Shape shape = {2, 5, 7, 9};
  auto clip = [](float lo, float hi) {
    return [lo, hi](const std::vector<Tensor>& in) { return reference::Clip(in[0], lo, hi); };
  };
  auto x = [&] { return Input("x", Random(rng, shape, -4.0f, 4.0f)); };
  cases.push_back({"ClipMinMax",
                   "Clip",
                   {x(), Init("lo", Scalar(-1.5f)), Init("hi", Scalar(2.0f))},
                   {},
                   clip(-1.5f, 2.0f)});
  cases.push_back(
      {"ClipMinOnly", "Clip", {x(), Init("lo", Scalar(0.0f))}, {}, clip(0.0f, INFINITY)});
  cases.push_back({"ClipMaxOnly",
                   "Clip",
                   {x(), Omitted(), Init("hi", Scalar(6.0f))},
                   {},
                   clip(-INFINITY, 6.0f)});
  cases.push_back({"ClipNoBounds", "Clip", {x()}, {}, clip(-INFINITY, INFINITY)});
  auto positive = [&] { return Input("x", Random(rng, shape, 0.01f, 4.0f)); };
  cases.push_back({"Sqrt", "Sqrt", {positive()}, {},
                   [](const std::vector<Tensor>& in) { return reference::Sqrt(in[0]); }});
  for (const auto& [name, exponent] :
       std::vector<std::pair<std::string, float>>{{"Square", 2.0f}, {"Half", 0.5f}, {"Cube", 3.0f}}) {
    const float e = exponent;
    cases.push_back({"Pow" + name, "Pow", {positive(), Init("e", Scalar(e))}, {},
                     [e](const std::vector<Tensor>& in) { return reference::Pow(in[0], e); }});
  }
  cases.push_back({"ClipRuntimeBounds",
                   "Clip",
                   {x(), Input("lo", Scalar(-0.5f)), Input("hi", Scalar(1.25f))},
                   {},
                   clip(-0.5f, 1.25f)});
  cases.push_back({"ClipConstantMinRuntimeMax",
                   "Clip",
                   {x(), Init("lo", Scalar(-2.0f)), Input("hi", Scalar(0.75f))},
                   {},
                   clip(-2.0f, 0.75f)});
  cases.push_back({"ClipOpset6Attributes",
                   "Clip",
                   {x()},
                   {FloatAttr("min", -1.0f), FloatAttr("max", 3.0f)},
                   clip(-1.0f, 3.0f),
                   6});
  return cases;
}
INSTANTIATE_TEST_SUITE_P(Activation, NodeTest, ::testing::ValuesIn(ActivationCases()), CaseName);

// --- Softmax and LogSoftmax

std::vector<NodeCase> SoftmaxCases() {
  std::mt19937 rng(11011);
  std::vector<NodeCase> cases;
  for (const bool log : {false, true}) {
    const std::string op = log ? "LogSoftmax" : "Softmax";
    auto along = [log](int64_t axis) {
      return [log, axis](const std::vector<Tensor>& in) {
        return log ? reference::LogSoftmax(in[0], axis) : reference::Softmax(in[0], axis);
      };
    };
    // Opset 1-12: the input is coerced to 2-D at `axis` and normalised per row.
    auto coerced = [log](int64_t axis) {
      return [log, axis](const std::vector<Tensor>& in) {
        const Shape& s = in[0].shape();
        const int64_t outer = NumElements(Shape(s.begin(), s.begin() + axis));
        Tensor flat = in[0].Reshaped({outer, in[0].num_elements() / outer});
        return (log ? reference::LogSoftmax(flat, 1) : reference::Softmax(flat, 1)).Reshaped(s);
      };
    };
    auto x = [&](Shape shape) { return Input("x", Random(rng, std::move(shape), -5.0f, 5.0f)); };
    cases.push_back({op + "_DefaultAxis", op, {x({2, 10})}, {}, along(-1)});
    cases.push_back({op + "_LastAxis3D", op, {x({3, 5, 7})}, {IntAttr("axis", -1)}, along(-1)});
    cases.push_back({op + "_Axis1", op, {x({3, 5, 7})}, {IntAttr("axis", 1)}, along(1)});
    cases.push_back({op + "_Axis0", op, {x({3, 5, 7})}, {IntAttr("axis", 0)}, along(0)});
    cases.push_back({op + "_ChannelsOf4D", op, {x({2, 19, 3, 5})}, {IntAttr("axis", 1)}, along(1)});
    cases.push_back(
        {op + "_Opset11Axis1Coerced", op, {x({2, 3, 4, 5})}, {IntAttr("axis", 1)}, coerced(1), 11});
    cases.push_back({op + "_Opset11DefaultAxis", op, {x({3, 10})}, {}, coerced(1), 11});
  }
  return cases;
}
INSTANTIATE_TEST_SUITE_P(Softmax, NodeTest, ::testing::ValuesIn(SoftmaxCases()), CaseName);

// --- Concat, Transpose, Pad, Gather

std::vector<NodeCase> DataMovementCases() {
  std::mt19937 rng(12012);
  auto in = [&](std::string name, Shape shape) {
    return Input(std::move(name), Random(rng, std::move(shape)));
  };
  auto concat = [](int64_t axis) {
    return [axis](const std::vector<Tensor>& t) { return reference::Concat(t, axis); };
  };
  auto transpose = [](Ints perm) {
    return [perm](const std::vector<Tensor>& t) { return reference::Transpose(t[0], perm); };
  };
  auto pad = [](Ints pads, float value) {
    return
        [pads, value](const std::vector<Tensor>& t) { return reference::Pad(t[0], pads, value); };
  };
  auto gather = [](Ints indices, Shape indices_shape, int64_t axis) {
    return [=](const std::vector<Tensor>& t) {
      return reference::Gather(t[0], indices, indices_shape, axis);
    };
  };
  std::vector<NodeCase> cases = {
      {"Concat_Channels",
       "Concat",
       {in("a", {3, 5, 7, 9}), in("b", {3, 2, 7, 9})},
       {IntAttr("axis", 1)},
       concat(1)},
      {"Concat_ThreeInputs",
       "Concat",
       {in("a", {2, 5, 4}), in("b", {2, 3, 4}), in("c", {2, 1, 4})},
       {IntAttr("axis", 1)},
       concat(1)},
      {"Concat_Batch",
       "Concat",
       {in("a", {1, 3, 4, 5}), in("b", {2, 3, 4, 5})},
       {IntAttr("axis", 0)},
       concat(0)},
      {"Concat_NegativeAxis",
       "Concat",
       {in("a", {2, 3, 4}), in("b", {2, 3, 6})},
       {IntAttr("axis", -1)},
       concat(-1)},
      {"Concat_ConstantSecond",
       "Concat",
       {in("a", {2, 3, 4, 5}), Init("b", Random(rng, {2, 3, 1, 5}))},
       {IntAttr("axis", 2)},
       concat(2)},
      {"Transpose_ToNHWC",
       "Transpose",
       {in("x", {3, 5, 7, 9})},
       {IntsAttr("perm", {0, 2, 3, 1})},
       transpose({0, 2, 3, 1})},
      {"Transpose_FromNHWC",
       "Transpose",
       {in("x", {3, 7, 9, 5})},
       {IntsAttr("perm", {0, 3, 1, 2})},
       transpose({0, 3, 1, 2})},
      {"Transpose_DefaultReverses", "Transpose", {in("x", {3, 5, 7})}, {}, transpose({})},
      {"Transpose_Matrix",
       "Transpose",
       {in("x", {4, 11})},
       {IntsAttr("perm", {1, 0})},
       transpose({1, 0})},
      {"Transpose_Rank5",
       "Transpose",
       {in("x", {2, 3, 4, 5, 6})},
       {IntsAttr("perm", {4, 0, 2, 1, 3})},
       transpose({4, 0, 2, 1, 3})},
      {"Pad_SpatialZero",
       "Pad",
       {in("x", {1, 3, 5, 7}), Init("pads", Int64Vector({0, 0, 1, 2, 0, 0, 3, 1}))},
       {},
       pad({0, 0, 1, 2, 0, 0, 3, 1}, 0.0f)},
      {"Pad_ConstantValue",
       "Pad",
       {in("x", {2, 3, 5, 7}), Init("pads", Int64Vector({0, 0, 2, 2, 0, 0, 2, 2})),
        Init("v", Scalar(1.5f))},
       {},
       pad({0, 0, 2, 2, 0, 0, 2, 2}, 1.5f)},
      {"Pad_EveryDimension",
       "Pad",
       {in("x", {2, 3, 4}), Init("pads", Int64Vector({1, 0, 2, 1, 2, 0}))},
       {},
       pad({1, 0, 2, 1, 2, 0}, 0.0f)},
      {"Pad_RuntimeValue",
       "Pad",
       {in("x", {1, 3, 4, 5}), Init("pads", Int64Vector({0, 1, 1, 0, 0, 0, 1, 2})),
        Input("v", Scalar(-2.5f))},
       {},
       pad({0, 1, 1, 0, 0, 0, 1, 2}, -2.5f)},
      {"Pad_Opset2Attributes",
       "Pad",
       {in("x", {1, 3, 4, 5})},
       {IntsAttr("pads", {0, 0, 1, 1, 0, 0, 2, 0}), FloatAttr("value", 0.25f)},
       pad({0, 0, 1, 1, 0, 0, 2, 0}, 0.25f),
       2},
      // Opset 18: pads for the listed axes only, begins then ends.
      {"Pad_Opset18Axes",
       "Pad",
       {in("x", {1, 3, 5, 7}), Init("pads", Int64Vector({1, 2, 3, 1})), Init("v", Scalar(0.5f)),
        Init("axes", Int64Vector({2, -1}))},
       {},
       pad({0, 0, 1, 2, 0, 0, 3, 1}, 0.5f),
       18},
      {"Pad_Opset18AxesUnordered",
       "Pad",
       {in("x", {2, 3, 4}), Init("pads", Int64Vector({2, 1, 0, 3})), Omitted(),
        Init("axes", Int64Vector({2, 0}))},
       {},
       pad({1, 0, 2, 3, 0, 0}, 0.0f),
       18},
      {"Gather_Axis0",
       "Gather",
       {in("x", {5, 4, 3}), Init("i", Int64Vector({4, 0, 2}))},
       {},
       gather({4, 0, 2}, {3}, 0)},
      {"Gather_Axis1Matrix",
       "Gather",
       {in("x", {2, 6, 3}), Init("i", Int64s({2, 2}, {0, 5, -1, 2}))},
       {IntAttr("axis", 1)},
       gather({0, 5, -1, 2}, {2, 2}, 1)},
      {"Gather_ScalarIndex",
       "Gather",
       {in("x", {2, 6, 3}), Init("i", Int64s({}, {-2}))},
       {IntAttr("axis", -1)},
       gather({-2}, {}, -1)},
  };
  return cases;
}
INSTANTIATE_TEST_SUITE_P(DataMovement, NodeTest, ::testing::ValuesIn(DataMovementCases()),
                         CaseName);

// --- Operators that only re-index: the reference is the input reshaped.

std::vector<NodeCase> ViewCases() {
  std::mt19937 rng(13013);
  auto x = [&](Shape shape) { return Input("x", Random(rng, std::move(shape))); };
  auto reshaped = [](Shape out) {
    return [out](const std::vector<Tensor>& t) { return t[0].Reshaped(out); };
  };
  return {
      {"Flatten_Default", "Flatten", {x({3, 5, 7, 9})}, {}, reshaped({3, 315})},
      {"Flatten_Axis2", "Flatten", {x({3, 5, 7, 9})}, {IntAttr("axis", 2)}, reshaped({15, 63})},
      {"Flatten_Axis0", "Flatten", {x({3, 5, 7})}, {IntAttr("axis", 0)}, reshaped({1, 105})},
      {"Flatten_NegativeAxis", "Flatten", {x({3, 5, 7})}, {IntAttr("axis", -1)}, reshaped({15, 7})},
      {"Reshape_CopyAndInfer",
       "Reshape",
       {x({3, 5, 7}), Init("s", Int64Vector({0, -1}))},
       {},
       reshaped({3, 35})},
      {"Reshape_InferFirst",
       "Reshape",
       {x({3, 5, 6}), Init("s", Int64Vector({-1, 10}))},
       {},
       reshaped({9, 10})},
      {"Reshape_Explicit",
       "Reshape",
       {x({3, 5, 6}), Init("s", Int64Vector({5, 3, 2, 3}))},
       {},
       reshaped({5, 3, 2, 3})},
      {"Squeeze_AxesInput",
       "Squeeze",
       {x({3, 1, 7, 1}), Init("axes", Int64Vector({1, -1}))},
       {},
       reshaped({3, 7})},
      {"Squeeze_AllOnes", "Squeeze", {x({1, 5, 1, 1})}, {}, reshaped({5})},
      {"Squeeze_Opset11Attribute",
       "Squeeze",
       {x({3, 1, 7, 1})},
       {IntsAttr("axes", {3})},
       reshaped({3, 1, 7}),
       11},
      {"Unsqueeze_AxesInput",
       "Unsqueeze",
       {x({3, 7}), Init("axes", Int64Vector({0, 3}))},
       {},
       reshaped({1, 3, 7, 1})},
      {"Unsqueeze_Opset11Attribute",
       "Unsqueeze",
       {x({3, 7})},
       {IntsAttr("axes", {-1})},
       reshaped({3, 7, 1}),
       11},
      {"Identity", "Identity", {x({3, 5, 7})}, {}, reshaped({3, 5, 7})},
      {"Dropout_Opset12Ratio",
       "Dropout",
       {x({3, 5, 7}), Init("ratio", Scalar(0.5f))},
       {},
       reshaped({3, 5, 7}),
       12},
      {"Dropout_Opset10Attribute",
       "Dropout",
       {x({3, 5})},
       {FloatAttr("ratio", 0.3f)},
       reshaped({3, 5}),
       10},
  };
}
INSTANTIATE_TEST_SUITE_P(View, NodeTest, ::testing::ValuesIn(ViewCases()), CaseName);

TEST(ShapeOpTest, FoldsShapeOfConvOutputForEachBatchSize) {
  std::mt19937 rng(14014);
  OnnxBuilder b;
  b.AddInput("x", {"N", 3, 9, 11});
  b.AddInitializer("w", Random(rng, {5, 3, 3, 3}));
  b.AddNode("Conv", {"x", "w"}, {"c"}, {IntsAttr("strides", {2, 2})});
  b.AddNode("Shape", {"c"}, {"all"});
  b.AddNode("Shape", {"c"}, {"spatial"}, {IntAttr("start", 2)});
  b.AddNode("Shape", {"c"}, {"middle"}, {IntAttr("start", 1), IntAttr("end", -1)});
  b.AddOutput("all", onnx::TensorProto::INT64);
  b.AddOutput("spatial", onnx::TensorProto::INT64);
  b.AddOutput("middle", onnx::TensorProto::INT64);
  auto model = Load(b, "shape");
  ASSERT_TRUE(model.ok()) << model.status();
  for (int64_t batch : {1, 4}) {
    auto out = (*model)->Run({{"x", Random(rng, {batch, 3, 9, 11})}});
    ASSERT_TRUE(out.ok()) << out.status();
    ASSERT_EQ(out->size(), 3u);
    EXPECT_THAT((*out)[0].values<int64_t>(), ::testing::ElementsAre(batch, 5, 4, 5));
    EXPECT_THAT((*out)[1].values<int64_t>(), ::testing::ElementsAre(4, 5));
    EXPECT_THAT((*out)[2].values<int64_t>(), ::testing::ElementsAre(5, 4));
  }
}

TEST(ConstantOpTest, ConstantNodeFeedsAnAdd) {
  std::mt19937 rng(15015);
  const Tensor bias = Random(rng, {5, 1, 1});
  OnnxBuilder b;
  b.AddInput("x", {"N", 5, 3, 4});
  b.AddNode("Constant", {}, {"bias"}, {testing::TensorAttr("value", bias)});
  b.AddNode("Add", {"x", "bias"}, {"y"});
  b.AddOutput("y");
  auto model = Load(b, "constant");
  ASSERT_TRUE(model.ok()) << model.status();
  const Tensor x = Random(rng, {2, 5, 3, 4});
  auto out = (*model)->Run({{"x", x}});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_TRUE(MatchesReference((*out)[0], reference::Binary(reference::BinaryOp::kAdd, x, bias)));
}

}  // namespace
}  // namespace convoy::engine::testing
