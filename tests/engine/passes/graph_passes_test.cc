// Each rewrite pass changes the graph as it says, declines where its
// preconditions fail, and leaves the outputs equal to the unoptimised
// graph's (|a - b| <= 1e-5 * max(1, max |b|): folding reorders float math).
#include "engine/passes/graph_passes.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "engine/api/model.h"
#include "engine/exec/fold_constants.h"
#include "engine/onnx/onnx_loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/engine/testing/onnx_builder.h"

namespace convoy::engine {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::FloatAttr;
using testing::IntAttr;
using testing::IntsAttr;
using testing::OnnxBuilder;

Tensor Random(std::mt19937& rng, Shape shape, float lo = -1.0f, float hi = 1.0f) {
  std::uniform_real_distribution<float> dist(lo, hi);
  Tensor t(DataType::kFloat32, std::move(shape));
  for (int64_t i = 0; i < t.num_elements(); ++i) t.data<float>()[i] = dist(rng);
  return t;
}

ir::Graph Parse(const OnnxBuilder& b) {
  absl::StatusOr<ir::Graph> graph = ParseOnnxModel(b.Serialize(), "test.onnx");
  EXPECT_TRUE(graph.ok()) << graph.status();
  return graph.ok() ? *std::move(graph) : ir::Graph{};
}

std::vector<std::string> OpTypes(const ir::Graph& graph) {
  std::vector<std::string> ops;
  for (const ir::Node& node : graph.nodes) ops.push_back(node.op_type);
  return ops;
}

// Runs the model optimised and not, on the same random input, and expects
// the same outputs.
void ExpectSameOutputs(const OnnxBuilder& b, const Shape& input_shape) {
  std::mt19937 rng(7);
  const Tensor x = Random(rng, input_shape);
  std::vector<Tensor> results[2];
  for (bool optimize : {false, true}) {
    ModelOptions options;
    options.optimize = optimize;
    auto model = Model::LoadFromBytes(b.Serialize(), "test.onnx", options);
    ASSERT_TRUE(model.ok()) << model.status();
    auto out = (*model)->Run({{"x", x}});
    ASSERT_TRUE(out.ok()) << out.status();
    results[optimize] = *std::move(out);
  }
  ASSERT_EQ(results[0].size(), results[1].size());
  for (size_t i = 0; i < results[0].size(); ++i) {
    const Tensor& want = results[0][i];
    const Tensor& got = results[1][i];
    ASSERT_EQ(got.shape(), want.shape());
    float max_ref = 0, max_diff = 0;
    for (int64_t e = 0; e < want.num_elements(); ++e) {
      max_ref = std::max(max_ref, std::fabs(want.data<float>()[e]));
      max_diff = std::max(max_diff, std::fabs(got.data<float>()[e] - want.data<float>()[e]));
    }
    EXPECT_LE(max_diff, 1e-5f * std::max(1.0f, max_ref)) << "output " << i;
  }
}

// x [2,3,6,6] → Conv "conv" (8 channels, 3x3, pad 1) → c.
OnnxBuilder WithConv(std::mt19937& rng, bool bias = true) {
  OnnxBuilder b;
  b.AddInput("x", {"N", 3, 6, 6});
  b.AddInitializer("w", Random(rng, {8, 3, 3, 3}));
  std::vector<std::string> inputs = {"x", "w"};
  if (bias) {
    b.AddInitializer("b", Random(rng, {8}));
    inputs.push_back("b");
  }
  b.AddNode("Conv", inputs, {"c"}, {IntsAttr("pads", {1, 1, 1, 1})}, "conv");
  return b;
}

void AddBatchNorm(OnnxBuilder& b, std::mt19937& rng, const std::string& in, const std::string& out) {
  b.AddInitializer("scale", Random(rng, {8}, 0.5f, 1.5f));
  b.AddInitializer("shift", Random(rng, {8}));
  b.AddInitializer("mean", Random(rng, {8}));
  b.AddInitializer("var", Random(rng, {8}, 0.1f, 2.0f));
  b.AddNode("BatchNormalization", {in, "scale", "shift", "mean", "var"}, {out},
            {FloatAttr("epsilon", 1e-3f)}, "bn");
}

TEST(FoldBatchNormIntoConvTest, FoldsIntoConvWithAndWithoutBias) {
  for (bool bias : {true, false}) {
    std::mt19937 rng(1);
    OnnxBuilder b = WithConv(rng, bias);
    AddBatchNorm(b, rng, "c", "y");
    b.AddOutput("y");
    ir::Graph graph = Parse(b);
    ASSERT_TRUE(FoldBatchNormIntoConv(graph).ok());
    EXPECT_THAT(OpTypes(graph), ElementsAre("Conv")) << "bias " << bias;
    EXPECT_EQ(graph.nodes[0].outputs[0], "y");
    ExpectSameOutputs(b, {2, 3, 6, 6});
  }
}

TEST(FoldBatchNormIntoConvTest, DeclinesWhenTheConvOutputHasAnotherReader) {
  std::mt19937 rng(2);
  OnnxBuilder b = WithConv(rng);
  AddBatchNorm(b, rng, "c", "n");
  b.AddNode("Add", {"n", "c"}, {"y"});
  b.AddOutput("y");
  ir::Graph graph = Parse(b);
  ASSERT_TRUE(FoldBatchNormIntoConv(graph).ok());
  EXPECT_THAT(OpTypes(graph), ElementsAre("Conv", "BatchNormalization", "Add"));
  ExpectSameOutputs(b, {2, 3, 6, 6});
}

TEST(FoldBatchNormIntoConvTest, DeclinesRunTimeStatistics) {
  std::mt19937 rng(3);
  OnnxBuilder b = WithConv(rng);
  b.AddInput("mean", {8});
  b.AddInitializer("scale", Random(rng, {8}));
  b.AddInitializer("shift", Random(rng, {8}));
  b.AddInitializer("var", Random(rng, {8}, 0.1f, 2.0f));
  b.AddNode("BatchNormalization", {"c", "scale", "shift", "mean", "var"}, {"y"});
  b.AddOutput("y");
  ir::Graph graph = Parse(b);
  ASSERT_TRUE(FoldBatchNormIntoConv(graph).ok());
  EXPECT_THAT(OpTypes(graph), ElementsAre("Conv", "BatchNormalization"));
}

TEST(FuseActivationsTest, FusesEachActivationIntoConv) {
  const std::vector<std::pair<std::string, std::vector<onnx::AttributeProto>>> cases = {
      {"Relu", {}},
      {"LeakyRelu", {FloatAttr("alpha", 0.2f)}},
      {"Tanh", {}},
      {"Sigmoid", {}},
      {"HardSwish", {}},
      {"HardSigmoid", {}},
      {"HardSigmoid", {FloatAttr("alpha", 1.0f / 6), FloatAttr("beta", 0.5f)}}};
  for (const auto& [op, attrs] : cases) {
    std::mt19937 rng(4);
    OnnxBuilder b = WithConv(rng);
    b.AddNode(op, {"c"}, {"y"}, attrs);
    b.AddOutput("y");
    ir::Graph graph = Parse(b);
    ASSERT_TRUE(FuseActivations(graph).ok());
    EXPECT_THAT(OpTypes(graph), ElementsAre("Conv")) << op;
    EXPECT_EQ(*graph.nodes[0].attributes.GetString(kActivationAttr, ""), op);
    ExpectSameOutputs(b, {2, 3, 6, 6});
  }
}

TEST(FuseActivationsTest, FusesClipWithConstantBoundsAndDeclinesRunTimeBounds) {
  std::mt19937 rng(5);
  OnnxBuilder b = WithConv(rng);
  b.AddInitializer("lo", Tensor::FromFloats({}, {-0.5f}));
  b.AddInitializer("hi", Tensor::FromFloats({}, {0.5f}));
  b.AddNode("Clip", {"c", "lo", "hi"}, {"y"});
  b.AddOutput("y");
  ir::Graph graph = Parse(b);
  ASSERT_TRUE(FuseActivations(graph).ok());
  EXPECT_THAT(OpTypes(graph), ElementsAre("Conv"));
  ExpectSameOutputs(b, {2, 3, 6, 6});

  OnnxBuilder runtime = WithConv(rng);
  runtime.AddInput("lo", {});
  runtime.AddNode("Clip", {"c", "lo"}, {"y"});
  runtime.AddOutput("y");
  ir::Graph kept = Parse(runtime);
  ASSERT_TRUE(FuseActivations(kept).ok());
  EXPECT_THAT(OpTypes(kept), ElementsAre("Conv", "Clip"));
}

// x [N, 12] → Gemm (5 outputs, with bias) → g.
OnnxBuilder WithGemm(std::mt19937& rng) {
  OnnxBuilder b;
  b.AddInput("x", {"N", 12});
  b.AddInitializer("w", Random(rng, {5, 12}));
  b.AddInitializer("b", Random(rng, {5}));
  b.AddNode("Gemm", {"x", "w", "b"}, {"g"}, {testing::IntAttr("transB", 1)});
  return b;
}

TEST(FuseActivationsTest, FusesReluIntoGemm) {
  std::mt19937 rng(6);
  OnnxBuilder b = WithGemm(rng);
  b.AddNode("Relu", {"g"}, {"y"});
  b.AddOutput("y");
  ir::Graph graph = Parse(b);
  ASSERT_TRUE(FuseActivations(graph).ok());
  EXPECT_THAT(OpTypes(graph), ElementsAre("Gemm"));
  ExpectSameOutputs(b, {3, 12});
}

// Opset 24's Swish is SiLU with alpha 1, which a Conv takes as its post-op
// (or runs as its SiLU pass); another alpha stays a node of its own.
TEST(FuseActivationsTest, FusesOpset24SwishOfAlphaOneIntoConv) {
  for (float alpha : {1.0f, 0.5f}) {
    SCOPED_TRACE(alpha);
    std::mt19937 rng(24);
    OnnxBuilder b = WithConv(rng);
    b.SetOpset(24);
    b.AddNode("Swish", {"c"}, {"y"}, {FloatAttr("alpha", alpha)});
    b.AddOutput("y");
    ir::Graph graph = Parse(b);
    ASSERT_TRUE(FuseActivations(graph).ok());
    if (alpha == 1.0f) {
      EXPECT_THAT(OpTypes(graph), ElementsAre("Conv"));
    } else {
      EXPECT_THAT(OpTypes(graph), ElementsAre("Conv", "Swish"));
    }
    ExpectSameOutputs(b, {2, 3, 6, 6});
  }
}

TEST(FuseActivationsTest, FusesReluIntoAStandaloneBatchNormButNoOtherActivation) {
  for (const std::string op : {"Relu", "Sigmoid"}) {
    std::mt19937 rng(11);
    OnnxBuilder b;
    b.AddInput("x", {"N", 8, 5, 5});
    AddBatchNorm(b, rng, "x", "n");
    b.AddNode(op, {"n"}, {"y"});
    b.AddOutput("y");
    ir::Graph graph = Parse(b);
    ASSERT_TRUE(FuseActivations(graph).ok());
    if (op == "Relu") {
      EXPECT_THAT(OpTypes(graph), ElementsAre("BatchNormalization"));
    } else {
      EXPECT_THAT(OpTypes(graph), ElementsAre("BatchNormalization", op));
    }
    ExpectSameOutputs(b, {2, 8, 5, 5});
  }
}

TEST(FuseActivationsTest, DeclinesWhenTheConvOutputIsAGraphOutput) {
  std::mt19937 rng(7);
  OnnxBuilder b = WithConv(rng);
  b.AddNode("Relu", {"c"}, {"y"});
  b.AddOutput("c");
  b.AddOutput("y");
  ir::Graph graph = Parse(b);
  ASSERT_TRUE(FuseActivations(graph).ok());
  EXPECT_THAT(OpTypes(graph), ElementsAre("Conv", "Relu"));
  ExpectSameOutputs(b, {2, 3, 6, 6});
}

TEST(FuseGatedActivationsTest, ConvTimesItsSigmoidOrHardSigmoidBecomesOneConv) {
  struct Case {
    std::string gate;
    std::vector<onnx::AttributeProto> attrs;
    bool gate_first;  // Mul(gate, c) rather than Mul(c, gate)
    std::string fused;
  };
  const std::vector<Case> cases = {
      {"Sigmoid", {}, false, "Swish"},
      {"Sigmoid", {}, true, "Swish"},
      {"HardSigmoid", {FloatAttr("alpha", 1.0f / 6), FloatAttr("beta", 0.5f)}, false, "HardSwish"},
      {"HardSigmoid", {FloatAttr("alpha", 1.0f / 6)}, true, "HardSwish"}};
  for (const Case& c : cases) {
    std::mt19937 rng(8);
    OnnxBuilder b = WithConv(rng);
    b.AddNode(c.gate, {"c"}, {"g"}, c.attrs);
    b.AddNode("Mul", c.gate_first ? std::vector<std::string>{"g", "c"}
                                  : std::vector<std::string>{"c", "g"},
              {"y"});
    b.AddOutput("y");
    ir::Graph graph = Parse(b);
    ASSERT_TRUE(FuseGatedActivations(graph).ok());
    EXPECT_THAT(OpTypes(graph), ElementsAre("Conv")) << c.gate;
    EXPECT_EQ(*graph.nodes[0].attributes.GetString(kActivationAttr, ""), c.fused);
    EXPECT_EQ(graph.nodes[0].outputs[0], "y");
    ExpectSameOutputs(b, {2, 3, 6, 6});
  }
}

TEST(FuseGatedActivationsTest, FusesIntoGemm) {
  std::mt19937 rng(9);
  OnnxBuilder b = WithGemm(rng);
  b.AddNode("Sigmoid", {"g"}, {"s"});
  b.AddNode("Mul", {"g", "s"}, {"y"});
  b.AddOutput("y");
  ir::Graph graph = Parse(b);
  ASSERT_TRUE(FuseGatedActivations(graph).ok());
  EXPECT_THAT(OpTypes(graph), ElementsAre("Gemm"));
  ExpectSameOutputs(b, {3, 12});
}

TEST(FuseGatedActivationsTest, DeclinesOtherGatesAndSharedValues) {
  std::mt19937 rng(10);
  // HardSigmoid's default slope (0.2) is not hard-swish.
  OnnxBuilder slope = WithConv(rng);
  slope.AddNode("HardSigmoid", {"c"}, {"g"});
  slope.AddNode("Mul", {"c", "g"}, {"y"});
  slope.AddOutput("y");
  // The gate of another value (as in squeeze-excitation), not SiLU.
  OnnxBuilder other = WithConv(rng);
  other.AddInitializer("w2", Random(rng, {8, 3, 1, 1}));
  other.AddNode("Conv", {"x", "w2"}, {"s"}, {}, "side");
  other.AddNode("Sigmoid", {"s"}, {"g"});
  other.AddNode("Mul", {"c", "g"}, {"y"});
  other.AddOutput("y");
  // The Conv's output read by a third node.
  OnnxBuilder shared = WithConv(rng);
  shared.AddNode("Sigmoid", {"c"}, {"g"});
  shared.AddNode("Mul", {"c", "g"}, {"y"});
  shared.AddNode("Relu", {"c"}, {"r"});
  shared.AddOutput("y");
  shared.AddOutput("r");
  // The gate requested as an output.
  OnnxBuilder output = WithConv(rng);
  output.AddNode("Sigmoid", {"c"}, {"g"});
  output.AddNode("Mul", {"c", "g"}, {"y"});
  output.AddOutput("y");
  output.AddOutput("g");
  for (const OnnxBuilder* b : {&slope, &other, &shared, &output}) {
    ir::Graph graph = Parse(*b);
    const size_t nodes = graph.nodes.size();
    ASSERT_TRUE(FuseGatedActivations(graph).ok());
    EXPECT_EQ(graph.nodes.size(), nodes);
    EXPECT_FALSE(graph.nodes[0].attributes.Has(kActivationAttr));
  }
  ExpectSameOutputs(shared, {2, 3, 6, 6});
}

// x → Conv "conv" → c;  x → Conv "side" → s (the residual);  Add(c, s) → a.
OnnxBuilder WithResidual(std::mt19937& rng) {
  OnnxBuilder b = WithConv(rng);
  b.AddInitializer("w2", Random(rng, {8, 3, 1, 1}));
  b.AddNode("Conv", {"x", "w2"}, {"s"}, {}, "side");
  b.AddNode("Add", {"c", "s"}, {"a"});
  return b;
}

TEST(FuseResidualAddTest, ResidualAddAndReluBecomeTheConvsPostOps) {
  std::mt19937 rng(12);
  OnnxBuilder b = WithResidual(rng);
  b.AddNode("Relu", {"a"}, {"y"});
  b.AddOutput("y");
  ir::Graph graph = Parse(b);
  ASSERT_TRUE(OptimizeGraph(graph).ok());
  // The fused Conv sits where the Add was, after the residual's producer.
  EXPECT_THAT(OpTypes(graph), ElementsAre("Conv", "Conv"));
  EXPECT_EQ(graph.nodes[1].name, "conv");
  EXPECT_EQ(graph.nodes[1].inputs[3], "s");
  EXPECT_EQ(*graph.nodes[1].attributes.GetString(kActivationAttr, ""), "Relu");
  ExpectSameOutputs(b, {2, 3, 6, 6});
}

TEST(FuseResidualAddTest, DeclinesAConstantOperand) {
  std::mt19937 rng(13);
  OnnxBuilder b = WithConv(rng);
  b.AddInitializer("k", Random(rng, {8, 1, 1}));
  b.AddNode("Add", {"c", "k"}, {"y"});
  b.AddOutput("y");
  ir::Graph graph = Parse(b);
  ASSERT_TRUE(FuseResidualAdd(graph).ok());
  EXPECT_THAT(OpTypes(graph), ElementsAre("Conv", "Add"));
}

TEST(FuseResidualAddTest, AResidualThatBroadcastsIntoTheConvOutputStillMatches) {
  std::mt19937 rng(14);
  OnnxBuilder b = WithConv(rng);
  b.AddNode("GlobalAveragePool", {"c"}, {"g"});
  b.AddInitializer("w2", Random(rng, {8, 3, 3, 3}));
  b.AddNode("Conv", {"x", "w2"}, {"c2"}, {IntsAttr("pads", {1, 1, 1, 1})}, "conv2");
  b.AddNode("Add", {"c2", "g"}, {"a"});
  b.AddNode("Relu", {"a"}, {"y"});
  b.AddOutput("y");
  ir::Graph graph = Parse(b);
  ASSERT_TRUE(OptimizeGraph(graph).ok());
  EXPECT_THAT(OpTypes(graph), ElementsAre("Conv", "GlobalAveragePool", "Conv"));
  ExpectSameOutputs(b, {2, 3, 6, 6});
}

// x → Conv "c0" → c0, then three layers each concatenating every output so
// far (a DenseNet block): Conv(p_k) → n_{k+1}, Concat(c0, n1, ..., n_{k+1}) → p_{k+1}.
OnnxBuilder DenseBlock(std::mt19937& rng) {
  OnnxBuilder b;
  b.AddInput("x", {"N", 3, 5, 5});
  b.AddInitializer("w0", Random(rng, {4, 3, 1, 1}));
  b.AddNode("Conv", {"x", "w0"}, {"c0"});
  std::vector<std::string> pieces = {"c0"};
  std::string last = "c0";
  for (int k = 1; k <= 3; ++k) {
    const std::string n = "n" + std::to_string(k), w = "w" + std::to_string(k);
    b.AddInitializer(w, Random(rng, {2, 4 + 2 * (k - 1), 1, 1}));
    b.AddNode("Conv", {last, w}, {n});
    pieces.push_back(n);
    last = "p" + std::to_string(k);
    b.AddNode("Concat", pieces, {last}, {testing::IntAttr("axis", 1)});
  }
  b.AddOutput(last);
  return b;
}

TEST(NestGrowingConcatsTest, EachConcatTakesThePreviousOneAndItsNewInput) {
  std::mt19937 rng(12);
  OnnxBuilder b = DenseBlock(rng);
  ir::Graph graph = Parse(b);
  ASSERT_TRUE(NestGrowingConcats(graph).ok());
  std::vector<std::vector<std::string>> concats;
  for (const ir::Node& node : graph.nodes) {
    if (node.op_type == "Concat") concats.push_back(node.inputs);
  }
  EXPECT_THAT(concats, ElementsAre(ElementsAre("c0", "n1"), ElementsAre("p1", "n2"),
                                   ElementsAre("p2", "n3")));
  ExpectSameOutputs(b, {2, 3, 5, 5});
}

TEST(NestGrowingConcatsTest, DeclinesAnotherAxisOrOrder) {
  std::mt19937 rng(13);
  OnnxBuilder b;
  b.AddInput("x", {"N", 3, 5, 5});
  b.AddNode("Relu", {"x"}, {"a"});
  b.AddNode("Sigmoid", {"x"}, {"b"});
  b.AddNode("Concat", {"a", "b"}, {"p"}, {testing::IntAttr("axis", 1)});
  b.AddNode("Concat", {"a", "b", "x"}, {"q"}, {testing::IntAttr("axis", 2)});
  b.AddNode("Concat", {"b", "a", "x"}, {"r"}, {testing::IntAttr("axis", 1)});
  for (const char* out : {"p", "q", "r"}) b.AddOutput(out);
  ir::Graph graph = Parse(b);
  ASSERT_TRUE(NestGrowingConcats(graph).ok());
  EXPECT_THAT(graph.nodes[3].inputs, ElementsAre("a", "b", "x"));
  EXPECT_THAT(graph.nodes[4].inputs, ElementsAre("b", "a", "x"));
}

TEST(RemoveIdentitiesTest, ForwardsIdentityAndDropoutButKeepsGraphOutputs) {
  std::mt19937 rng(8);
  OnnxBuilder b = WithConv(rng);
  b.AddNode("Identity", {"c"}, {"i"});
  b.AddNode("Dropout", {"i"}, {"d"});
  b.AddNode("Relu", {"d"}, {"r"});
  b.AddNode("Identity", {"r"}, {"y"});
  b.AddOutput("y");
  ir::Graph graph = Parse(b);
  ASSERT_TRUE(RemoveIdentities(graph).ok());
  EXPECT_THAT(OpTypes(graph), ElementsAre("Conv", "Relu", "Identity"));
  EXPECT_EQ(graph.nodes[1].inputs[0], "c");
  ExpectSameOutputs(b, {2, 3, 6, 6});
}

TEST(RemoveIdentitiesTest, ForwardsPadByZeroButKeepsARealPad) {
  std::mt19937 rng(9);
  OnnxBuilder b = WithConv(rng);
  b.AddInitializer("zeros", Tensor::FromInt64s({8}, {0, 0, 0, 0, 0, 0, 0, 0}));
  b.AddInitializer("ones", Tensor::FromInt64s({8}, {0, 0, 1, 1, 0, 0, 1, 1}));
  b.AddNode("Pad", {"c", "zeros"}, {"p"});
  b.AddNode("AveragePool", {"p"}, {"a"}, {IntsAttr("kernel_shape", {2, 2})});
  b.AddNode("Pad", {"a", "ones"}, {"y"});
  b.AddOutput("y");
  ir::Graph graph = Parse(b);
  ASSERT_TRUE(RemoveIdentities(graph).ok());
  EXPECT_THAT(OpTypes(graph), ElementsAre("Conv", "AveragePool", "Pad"));
  EXPECT_EQ(graph.nodes[1].inputs[0], "c");
  ExpectSameOutputs(b, {2, 3, 6, 6});
}

// Conv → Pad by zeros on the spatial axes → AveragePool without pads, as
// PyTorch exports avg_pool2d(padding=1) (`pads`: the Pad's 8 values; `pool`:
// the pool's extra attributes).
OnnxBuilder PaddedAveragePool(std::mt19937& rng, const std::vector<int64_t>& pads,
                              std::vector<onnx::AttributeProto> pool = {}) {
  OnnxBuilder b = WithConv(rng);
  b.AddInitializer("pads", Tensor::FromInt64s({8}, pads));
  b.AddNode("Pad", {"c", "pads"}, {"p"});
  pool.push_back(IntsAttr("kernel_shape", {3, 3}));
  b.AddNode("AveragePool", {"p"}, {"y"}, pool);
  b.AddOutput("y");
  return b;
}

TEST(FoldPadIntoAveragePoolTest, APadByZerosBecomesThePoolsCountedPads) {
  std::mt19937 rng(21);
  for (const std::vector<int64_t>& pads :
       {std::vector<int64_t>{0, 0, 1, 1, 0, 0, 1, 1}, std::vector<int64_t>{0, 0, 2, 0, 0, 0, 1, 3}}) {
    const OnnxBuilder b = PaddedAveragePool(rng, pads, {IntsAttr("strides", {2, 1})});
    ir::Graph graph = Parse(b);
    ASSERT_TRUE(FoldPadIntoAveragePool(graph).ok());
    ASSERT_THAT(OpTypes(graph), ElementsAre("Conv", "AveragePool"));
    EXPECT_EQ(graph.nodes[1].inputs[0], "c");
    EXPECT_EQ(*graph.nodes[1].attributes.GetInts("pads", {}),
              std::vector<int64_t>({pads[2], pads[3], pads[6], pads[7]}));
    EXPECT_EQ(*graph.nodes[1].attributes.GetInt("count_include_pad", 0), 1);
    ExpectSameOutputs(b, {2, 3, 6, 6});
  }
}

TEST(FoldPadIntoAveragePoolTest, DeclinesWhatPaddingThePoolWouldChange) {
  std::mt19937 rng(22);
  const std::vector<int64_t> one = {0, 0, 1, 1, 0, 0, 1, 1};
  std::vector<OnnxBuilder> cases;
  cases.push_back(PaddedAveragePool(rng, {0, 1, 1, 1, 0, 0, 1, 1}));  // pads a channel
  cases.push_back(PaddedAveragePool(rng, one, {IntAttr("ceil_mode", 1)}));
  cases.push_back(PaddedAveragePool(rng, one, {IntsAttr("pads", {1, 1, 1, 1})}));
  cases.push_back(PaddedAveragePool(rng, one));
  cases.back().AddInitializer("one", Tensor::FromFloats({}, {1.0f}));  // pads by ones
  cases.back().proto().mutable_graph()->mutable_node(1)->add_input("one");
  cases.push_back(PaddedAveragePool(rng, one));
  cases.back().proto().mutable_graph()->mutable_node(1)->add_attribute()->CopyFrom(
      testing::StringAttr("mode", "reflect"));
  cases.push_back(PaddedAveragePool(rng, one));
  cases.back().AddOutput("p");  // the padded value is returned too
  for (size_t i = 0; i < cases.size(); ++i) {
    ir::Graph graph = Parse(cases[i]);
    ASSERT_TRUE(FoldPadIntoAveragePool(graph).ok());
    EXPECT_THAT(OpTypes(graph), ElementsAre("Conv", "Pad", "AveragePool")) << "case " << i;
  }
}

TEST(OptimizeGraphTest, ConvBatchNormDropoutReluBecomesOneConvAndDropsDeadWeights) {
  std::mt19937 rng(9);
  OnnxBuilder b = WithConv(rng);
  AddBatchNorm(b, rng, "c", "n");
  b.AddNode("Dropout", {"n"}, {"d"});
  b.AddNode("Relu", {"d"}, {"y"});
  b.AddOutput("y");
  ir::Graph graph = Parse(b);
  ASSERT_TRUE(OptimizeGraph(graph).ok());
  EXPECT_THAT(OpTypes(graph), ElementsAre("Conv"));
  EXPECT_EQ(graph.initializers.size(), 2u);  // The folded weight and bias only.
  ExpectSameOutputs(b, {2, 3, 6, 6});
}

TEST(OptimizeGraphTest, AFusedAwayValueCanOnlyBeRequestedWithoutOptimisation) {
  std::mt19937 rng(10);
  OnnxBuilder b = WithConv(rng);
  b.AddNode("Relu", {"c"}, {"y"});
  b.AddOutput("y");
  const Tensor x = Random(rng, {1, 3, 6, 6});
  RunOptions want_c;
  want_c.output_names = {"c"};

  auto optimised = Model::LoadFromBytes(b.Serialize(), "test.onnx", {});
  ASSERT_TRUE(optimised.ok());
  auto refused = (*optimised)->Run({{"x", x}}, want_c);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("optimize = false"));

  ModelOptions plain;
  plain.optimize = false;
  auto unoptimised = Model::LoadFromBytes(b.Serialize(), "test.onnx", plain);
  ASSERT_TRUE(unoptimised.ok());
  EXPECT_TRUE((*unoptimised)->Run({{"x", x}}, want_c).ok());
}

TEST(OptimizeGraphTest, FilesCannotSetTheReservedAttributes) {
  std::mt19937 rng(11);
  OnnxBuilder b = WithConv(rng);
  b.proto().mutable_graph()->mutable_node(0)->add_attribute()->CopyFrom(
      testing::StringAttr(kActivationAttr, "Relu"));
  b.AddOutput("c");
  auto model = Model::LoadFromBytes(b.Serialize(), "test.onnx", {});
  EXPECT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(model.status().message()), HasSubstr("reserved prefix"));
}

// --- FoldConstants (engine/exec/fold_constants.h), run before the passes.

// x → Conv(w × s, Relu(b)) → y: the exporter left the weights' scaling and
// the bias's Relu as nodes.
OnnxBuilder WithComputedWeights(std::mt19937& rng) {
  OnnxBuilder b;
  b.AddInput("x", {"N", 3, 6, 6});
  b.AddInitializer("w_raw", Random(rng, {8, 3, 3, 3}));
  b.AddInitializer("s", Random(rng, {8, 1, 1, 1}, 0.5f, 2.0f));
  b.AddInitializer("b_raw", Random(rng, {8}));
  b.AddNode("Mul", {"w_raw", "s"}, {"w"});
  b.AddNode("Relu", {"b_raw"}, {"b"});
  b.AddNode("Conv", {"x", "w", "b"}, {"y"}, {IntsAttr("pads", {1, 1, 1, 1})}, "conv");
  b.AddOutput("y");
  return b;
}

TEST(FoldConstantsTest, ComputedWeightsBecomeInitializers) {
  std::mt19937 rng(12);
  OnnxBuilder b = WithComputedWeights(rng);
  ir::Graph graph = Parse(b);
  EXPECT_EQ(FoldConstants(graph, int64_t{1} << 30), 2);
  EXPECT_THAT(OpTypes(graph), ElementsAre("Conv"));
  ASSERT_EQ(graph.initializers.count("b"), 1u);
  const Tensor& folded_bias = graph.initializers.at("b");
  const Tensor& raw_bias = graph.initializers.at("b_raw");
  for (int64_t i = 0; i < 8; ++i) {
    EXPECT_EQ(folded_bias.data<float>()[i], std::max(0.0f, raw_bias.data<float>()[i])) << i;
  }
  ExpectSameOutputs(b, {2, 3, 6, 6});
}

TEST(FoldConstantsTest, FoldedStatisticsLetBatchNormFoldIntoTheConv) {
  std::mt19937 rng(13);
  OnnxBuilder b = WithConv(rng);
  b.AddInitializer("scale", Random(rng, {8}, 0.5f, 1.5f));
  b.AddInitializer("shift", Random(rng, {8}));
  b.AddInitializer("mean", Random(rng, {8}));
  b.AddInitializer("std", Random(rng, {8}, 0.3f, 1.5f));
  b.AddNode("Mul", {"std", "std"}, {"var"});  // The variance, computed.
  b.AddNode("BatchNormalization", {"c", "scale", "shift", "mean", "var"}, {"y"}, {}, "bn");
  b.AddOutput("y");
  ir::Graph graph = Parse(b);
  EXPECT_EQ(FoldConstants(graph, int64_t{1} << 30), 1);
  ASSERT_TRUE(OptimizeGraph(graph).ok());
  EXPECT_THAT(OpTypes(graph), ElementsAre("Conv"));
  ExpectSameOutputs(b, {2, 3, 6, 6});
}

TEST(FoldConstantsTest, AFoldedValueCanBeAGraphOutputAndIsStillRequestable) {
  std::mt19937 rng(14);
  OnnxBuilder b;
  b.AddInput("x", {"N", 4});
  b.AddInitializer("w", Random(rng, {4, 2}));
  b.AddNode("Transpose", {"w"}, {"wt"});
  b.AddNode("Relu", {"wt"}, {"r"});
  b.AddNode("Gemm", {"x", "wt"}, {"y"}, {testing::IntAttr("transB", 1)});
  b.AddOutput("y");
  b.AddOutput("r");
  ir::Graph graph = Parse(b);
  EXPECT_EQ(FoldConstants(graph, int64_t{1} << 30), 2);
  EXPECT_THAT(OpTypes(graph), ElementsAre("Gemm"));
  ExpectSameOutputs(b, {3, 4});

  auto model = Model::LoadFromBytes(b.Serialize(), "test.onnx", {});
  ASSERT_TRUE(model.ok()) << model.status();
  RunOptions want_wt;
  want_wt.output_names = {"wt"};
  auto wt = (*model)->Run({{"x", Random(rng, {3, 4})}}, want_wt);
  ASSERT_TRUE(wt.ok()) << wt.status();
  ASSERT_EQ((*wt)[0].shape(), (Shape{2, 4}));
  const Tensor& w = graph.initializers.at("w");
  EXPECT_EQ((*wt)[0].data<float>()[1 * 4 + 3], w.data<float>()[3 * 2 + 1]);
}

TEST(FoldConstantsTest, LeavesNodesThatReadRunTimeValues) {
  std::mt19937 rng(15);
  OnnxBuilder b = WithConv(rng);
  b.AddNode("Relu", {"c"}, {"y"});
  b.AddOutput("y");
  ir::Graph graph = Parse(b);
  EXPECT_EQ(FoldConstants(graph, int64_t{1} << 30), 0);
  EXPECT_THAT(OpTypes(graph), ElementsAre("Conv", "Relu"));
}

TEST(FoldConstantsTest, DeclinesWhatDoesNotCompileAndLeavesTheErrorToTheLoad) {
  std::mt19937 rng(16);
  OnnxBuilder b = WithComputedWeights(rng);
  b.AddInitializer("bad_shape", Tensor::FromInt64s({2}, {5, 5}));
  b.AddNode("Reshape", {"b_raw", "bad_shape"}, {"unused"});  // 8 values into 25.
  b.AddNode("Add", {"y", "unused"}, {"z"});
  b.AddOutput("z");
  ir::Graph graph = Parse(b);
  EXPECT_EQ(FoldConstants(graph, int64_t{1} << 30), 0);
  EXPECT_EQ(graph.nodes.size(), 5u);
  auto model = Model::LoadFromBytes(b.Serialize(), "test.onnx", {});
  EXPECT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(model.status().message()), HasSubstr("Reshape"));
}

// A layer normalization spelled out over the last axis, its ReduceMeans'
// axes an attribute before opset 18 and an input from it; scale and bias
// after it.
OnnxBuilder SpelledOutLayerNorm(int64_t opset, std::mt19937& rng) {
  OnnxBuilder b;
  b.SetOpset(opset);
  b.AddInput("x", {"N", 4, 8});
  b.AddInitializer("two", Tensor::FromFloats({}, {2.0f}));
  b.AddInitializer("eps", Tensor::FromFloats({}, {1e-5f}));
  b.AddInitializer("scale", Random(rng, {8}));
  b.AddInitializer("bias", Random(rng, {8}));
  auto mean = [&](const std::string& in, const std::string& out) {
    if (opset >= 18) {
      b.AddInitializer(out + "_axes", Tensor::FromInt64s({1}, {-1}));
      b.AddNode("ReduceMean", {in, out + "_axes"}, {out});
    } else {
      b.AddNode("ReduceMean", {in}, {out}, {IntsAttr("axes", {-1})});
    }
  };
  mean("x", "m");
  b.AddNode("Sub", {"x", "m"}, {"d"});
  b.AddNode("Pow", {"d", "two"}, {"p"});
  mean("p", "v");
  b.AddNode("Add", {"v", "eps"}, {"ve"});
  b.AddNode("Sqrt", {"ve"}, {"s"});
  b.AddNode("Div", {"d", "s"}, {"n"});
  b.AddNode("Mul", {"n", "scale"}, {"sc"});
  b.AddNode("Add", {"sc", "bias"}, {"y"});
  b.AddOutput("y");
  return b;
}

TEST(FuseLayerNormTest, FusesTheSpelledOutFormWithAxesAsAttributeOrInput) {
  for (int64_t opset : {17, 18}) {
    SCOPED_TRACE(opset);
    std::mt19937 rng(18);
    OnnxBuilder b = SpelledOutLayerNorm(opset, rng);
    ir::Graph graph = Parse(b);
    ASSERT_TRUE(FuseLayerNorm(graph).ok());
    EXPECT_THAT(OpTypes(graph), ElementsAre("LayerNormalization"));
    ExpectSameOutputs(b, {2, 4, 8});
  }
}

TEST(FoldConstantsTest, DeclinesAValueOverTheSizeLimit) {
  std::mt19937 rng(17);
  OnnxBuilder b = WithComputedWeights(rng);
  ir::Graph graph = Parse(b);
  EXPECT_EQ(FoldConstants(graph, 8 * 3 * 3 * 3 * 4 - 1), 0);
  EXPECT_EQ(graph.nodes.size(), 3u);
}

}  // namespace
}  // namespace convoy::engine
