// Layouts and kernels a plan chooses: convolutions after a Winograd one
// read its 16-channel blocks as they are, a Concat of blocked branches
// copies each into its slice of the output (at batch 1, has them written
// there, growing DenseNet concatenations too), residuals are overwritten in
// place, a one-row Gemm streams large weights through its own kernel, and a
// first layer of few channels and its pool run Convoy's own kernels on
// plain layouts; all compute what the reference computes.
#include <algorithm>
#include <cmath>
#include <string>
#include <tuple>
#include <vector>

#include "engine/exec/plan_builder.h"
#include "engine/ops/narrow_conv.h"
#include "engine/ops/plain_pool.h"
#include "engine/passes/graph_passes.h"
#include "engine/onnx/onnx_loader.h"
#include "gtest/gtest.h"
#include "tests/engine/testing/onnx_builder.h"
#include "tests/engine/testing/reference_ops.h"

namespace convoy::engine {
namespace {

float MaxDifference(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.shape(), b.shape());
  float worst = 0;
  for (int64_t i = 0; i < a.num_elements(); ++i) {
    worst = std::max(worst, std::fabs(a.data<float>()[i] - b.data<float>()[i]));
  }
  return worst;
}

// Weights of a convolution from `in` to `out` channels, scaled to keep
// values near 1 layer after layer.
Tensor Weights(int64_t out, int64_t in, int64_t k, uint32_t seed) {
  return testing::Normal({out, in, k, k}, seed, 1.0f / std::sqrt(static_cast<float>(in * k * k)));
}

reference::ConvParams Same(int64_t k) {
  reference::ConvParams p;
  p.pads = std::vector<int64_t>(4, k / 2);
  return p;
}

absl::StatusOr<std::unique_ptr<Plan>> Compile(const ir::Graph& graph, const Tensor& x,
                                              const std::vector<std::string>& outputs,
                                              WeightCache& weights, bool winograd = true) {
  PlanOptions options;
  options.max_value_bytes = int64_t{1} << 30;
  options.winograd = winograd;
  return PlanBuilder::Build(graph, dnnl::engine(dnnl::engine::kind::cpu, 0), {&x}, outputs,
                            options, weights);
}

// A ResNet bottleneck's shape: 1x1, 3x3 (Winograd, writing 16-channel
// blocks), then two 1x1 convolutions. Only x and the first convolution's
// output need a reorder (into the layouts the first two convolutions
// read); the 1x1 convolutions after the Winograd one read its blocks.
TEST(PlanLayoutTest, ConvolutionsAfterAWinogradOneReadItsBlocks) {
  const Tensor w1 = Weights(64, 64, 1, 1), w2 = Weights(64, 64, 3, 2);
  const Tensor w3 = Weights(128, 64, 1, 3), w4 = Weights(64, 128, 1, 4);
  testing::OnnxBuilder b;
  b.AddInput("x", {"N", 64, 14, 14});
  for (const auto& [name, w] : {std::pair{"w1", &w1}, {"w2", &w2}, {"w3", &w3}, {"w4", &w4}}) {
    b.AddInitializer(name, *w);
  }
  b.AddNode("Conv", {"x", "w1"}, {"c1"});
  b.AddNode("Relu", {"c1"}, {"r1"});
  b.AddNode("Conv", {"r1", "w2"}, {"c2"}, {testing::IntsAttr("pads", {1, 1, 1, 1})});
  b.AddNode("Relu", {"c2"}, {"r2"});
  b.AddNode("Conv", {"r2", "w3"}, {"c3"});
  b.AddNode("Conv", {"c3", "w4"}, {"y"});
  b.AddOutput("y");
  absl::StatusOr<ir::Graph> graph = ParseOnnxModel(b.Serialize(), "bottleneck.onnx");
  ASSERT_TRUE(graph.ok()) << graph.status();
  WeightCache weights;
  for (int64_t batch : {1, 8}) {
    const Tensor x = testing::Normal({batch, 64, 14, 14}, 10 + batch, 1.0f);
    absl::StatusOr<std::unique_ptr<Plan>> plan = Compile(*graph, x, {"y"}, weights);
    ASSERT_TRUE(plan.ok()) << plan.status();
    EXPECT_LE((*plan)->steps(dnnl::primitive::kind::reorder), 2) << "batch " << batch;
    absl::StatusOr<std::vector<Tensor>> y = (*plan)->Run({&x});
    ASSERT_TRUE(y.ok()) << y.status();
    using namespace reference;
    const Tensor r2 = Relu(Conv(Relu(Conv(x, w1, nullptr, Same(1))), w2, nullptr, Same(3)));
    const Tensor expected = Conv(Conv(r2, w3, nullptr, Same(1)), w4, nullptr, Same(1));
    EXPECT_LT(MaxDifference((*y)[0], expected), 1e-3) << "batch " << batch;
  }
}

// 3x3 convolutions of x (32 channels) to each of `widths` channels, named
// b0, b1... after the weights already in `w`; returns their names.
std::vector<std::string> AddBranches(testing::OnnxBuilder& b, const std::vector<int64_t>& widths,
                                     std::vector<Tensor>& w, uint32_t seed) {
  std::vector<std::string> names;
  for (int64_t width : widths) {
    const std::string name = "b" + std::to_string(w.size());
    w.push_back(Weights(width, 32, 3, seed + static_cast<uint32_t>(w.size())));
    b.AddInitializer("w" + name, w.back());
    b.AddNode("Conv", {"x", "w" + name}, {name}, {testing::IntsAttr("pads", {1, 1, 1, 1})});
    names.push_back(name);
  }
  return names;
}

// Inception-like branches of 3x3 convolutions concatenated. With widths
// that are multiples of 16, every branch's blocks fit its slice of a
// blocked output; with a branch of 8 channels (its blocks padded to 16),
// oneDNN lays the output out plain, and each branch is copied into its
// slice all the same.
TEST(PlanLayoutTest, ConcatenationsOfBlockedBranchesMatchTheReference) {
  const std::vector<int64_t> aligned = {16, 32, 16, 48}, misaligned = {16, 8, 32};
  testing::OnnxBuilder b;
  b.AddInput("x", {"N", 32, 10, 10});
  std::vector<Tensor> w;
  auto branches = [&](const std::vector<int64_t>& widths, const std::string& out) {
    b.AddNode("Concat", AddBranches(b, widths, w, 20), {out}, {testing::IntAttr("axis", 1)});
    b.AddOutput(out);
  };
  branches(aligned, "y1");
  branches(misaligned, "y2");
  absl::StatusOr<ir::Graph> graph = ParseOnnxModel(b.Serialize(), "branches.onnx");
  ASSERT_TRUE(graph.ok()) << graph.status();
  WeightCache weights;
  const Tensor x = testing::Normal({3, 32, 10, 10}, 30, 1.0f);
  absl::StatusOr<std::unique_ptr<Plan>> plan = Compile(*graph, x, {"y1", "y2"}, weights);
  ASSERT_TRUE(plan.ok()) << plan.status();
  // Both are copies into slices (7 reorders), none oneDNN's concat.
  EXPECT_EQ((*plan)->steps(dnnl::primitive::kind::concat), 0);
  EXPECT_GE((*plan)->steps(dnnl::primitive::kind::reorder), 7);
  absl::StatusOr<std::vector<Tensor>> y = (*plan)->Run({&x});
  ASSERT_TRUE(y.ok()) << y.status();
  std::vector<Tensor> parts;
  for (const Tensor& weight : w) parts.push_back(reference::Conv(x, weight, nullptr, Same(3)));
  const Tensor y1 = reference::Concat({parts.begin(), parts.begin() + 4}, 1);
  const Tensor y2 = reference::Concat({parts.begin() + 4, parts.end()}, 1);
  EXPECT_LT(MaxDifference((*y)[0], y1), 1e-3);
  EXPECT_LT(MaxDifference((*y)[1], y2), 1e-3);
}

// At batch 1, a slice of 16-channel blocks starting at a multiple of 16 is
// one run of bytes laid out as the branch's own output: each branch then
// writes straight into its slice, and the Concat copies nothing. A branch
// that is placed already (concatenated twice) is copied; values that share
// the bytes of the output (a branch read after the Concat, or requested)
// keep their values. At batch 3 every branch is copied.
TEST(PlanLayoutTest, AtBatchOneBranchesAreWrittenIntoTheirSlices) {
  testing::OnnxBuilder b;
  b.AddInput("x", {"N", 32, 10, 10});
  std::vector<Tensor> w;
  b.AddNode("Concat", AddBranches(b, {16, 32, 16, 48}, w, 70), {"y"},
            {testing::IntAttr("axis", 1)});
  b.AddNode("Concat", {"b1", "b1"}, {"twice"}, {testing::IntAttr("axis", 1)});
  b.AddNode("Relu", {"b0"}, {"r"});
  for (const char* out : {"y", "twice", "r", "b2"}) b.AddOutput(out);
  absl::StatusOr<ir::Graph> graph = ParseOnnxModel(b.Serialize(), "slices.onnx");
  ASSERT_TRUE(graph.ok()) << graph.status();
  std::vector<int> reorders;
  for (int64_t batch : {1, 3}) {
    WeightCache weights;
    const Tensor x = testing::Normal({batch, 32, 10, 10}, 80 + batch, 1.0f);
    absl::StatusOr<std::unique_ptr<Plan>> plan =
        Compile(*graph, x, {"y", "twice", "r", "b2"}, weights);
    ASSERT_TRUE(plan.ok()) << plan.status();
    reorders.push_back((*plan)->steps(dnnl::primitive::kind::reorder));
    absl::StatusOr<std::vector<Tensor>> out = (*plan)->Run({&x});
    ASSERT_TRUE(out.ok()) << out.status();
    std::vector<Tensor> parts;
    for (const Tensor& weight : w) parts.push_back(reference::Conv(x, weight, nullptr, Same(3)));
    EXPECT_LT(MaxDifference((*out)[0], reference::Concat(parts, 1)), 1e-3) << "batch " << batch;
    EXPECT_LT(MaxDifference((*out)[1], reference::Concat({parts[1], parts[1]}, 1)), 1e-3)
        << "batch " << batch;
    EXPECT_LT(MaxDifference((*out)[2], reference::Relu(parts[0])), 1e-3) << "batch " << batch;
    EXPECT_LT(MaxDifference((*out)[3], parts[2]), 1e-3) << "batch " << batch;
  }
  // The four copies into y's slices, at batch 3 only.
  EXPECT_EQ(reorders[0], reorders[1] - 4);
}

// An Inception block at batch 1: a 1x1 branch (which oneDNN computes
// channels-last) beside 3x3 branches (in 16-channel blocks) concatenated,
// then the average pooling PyTorch exports as a spatial Pad and a pooling
// without pads, and a 1x1 convolution. The concatenation and the padding
// keep the blocks: the 3x3 branches are written into their slices, the 1x1
// branch is copied in, the Pad copies once, and the pooling and the 1x1
// convolution after it read the blocks as they are. (With the concatenation
// and the padding laid out plain, the plan took one reorder more, and the
// pooling read the plain layout.)
TEST(PlanLayoutTest, AnInceptionBlockKeepsItsChannelBlocks) {
  const Tensor w1 = Weights(16, 32, 1, 120), w3a = Weights(32, 32, 3, 121),
               w3b = Weights(16, 32, 3, 122), wp = Weights(32, 64, 1, 123);
  testing::OnnxBuilder b;
  b.AddInput("x", {"N", 32, 10, 10});
  for (const auto& [name, w] :
       {std::pair{"w1", &w1}, {"w3a", &w3a}, {"w3b", &w3b}, {"wp", &wp}}) {
    b.AddInitializer(name, *w);
  }
  b.AddNode("Conv", {"x", "w1"}, {"a"});
  b.AddNode("Conv", {"x", "w3a"}, {"c"}, {testing::IntsAttr("pads", {1, 1, 1, 1})});
  b.AddNode("Conv", {"x", "w3b"}, {"d"}, {testing::IntsAttr("pads", {1, 1, 1, 1})});
  b.AddNode("Concat", {"a", "c", "d"}, {"cat"}, {testing::IntAttr("axis", 1)});
  b.AddInitializer("pads", Tensor::FromInt64s({8}, {0, 0, 1, 1, 0, 0, 1, 1}));
  b.AddNode("Pad", {"cat", "pads"}, {"padded"});
  b.AddNode("AveragePool", {"padded"}, {"pooled"}, {testing::IntsAttr("kernel_shape", {3, 3})});
  b.AddNode("Conv", {"pooled", "wp"}, {"y"});
  b.AddOutput("y");
  absl::StatusOr<ir::Graph> graph = ParseOnnxModel(b.Serialize(), "inception.onnx");
  ASSERT_TRUE(graph.ok()) << graph.status();
  WeightCache weights;
  const Tensor x = testing::Normal({1, 32, 10, 10}, 124, 1.0f);
  absl::StatusOr<std::unique_ptr<Plan>> plan = Compile(*graph, x, {"y"}, weights);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_LE((*plan)->steps(dnnl::primitive::kind::reorder), 4);
  absl::StatusOr<std::vector<Tensor>> y = (*plan)->Run({&x});
  ASSERT_TRUE(y.ok()) << y.status();
  using namespace reference;
  const Tensor cat = Concat({Conv(x, w1, nullptr, Same(1)), Conv(x, w3a, nullptr, Same(3)),
                             Conv(x, w3b, nullptr, Same(3))},
                            1);
  PoolParams pool;
  pool.kernel_shape = {3, 3};
  const Tensor expected =
      Conv(AveragePool(Pad(cat, {0, 0, 1, 1, 0, 0, 1, 1}, 0.0f), pool), wp, nullptr, Same(1));
  EXPECT_LT(MaxDifference((*y)[0], expected), 1e-3);
}

// A DenseNet block: each 3x3 layer reads the concatenation of every output
// before it, and the next Concat repeats all of them. Nested by
// NestGrowingConcats, at batch 1 each concatenation is placed in the next
// one's room and no Concat copies anything; without the pass the second
// and third copy the two and three outputs placed already.
TEST(PlanLayoutTest, AtBatchOneGrowingConcatenationsShareOneBuffer) {
  testing::OnnxBuilder b;
  b.AddInput("x", {"N", 16, 8, 8});
  std::vector<Tensor> w = {Weights(32, 16, 3, 90)};
  b.AddInitializer("w0", w[0]);
  b.AddNode("Conv", {"x", "w0"}, {"c0"}, {testing::IntsAttr("pads", {1, 1, 1, 1})});
  std::vector<std::string> pieces = {"c0"};
  for (int k = 1; k <= 3; ++k) {
    const std::string n = "n" + std::to_string(k), weight = "w" + std::to_string(k);
    w.push_back(Weights(16, 32 + 16 * (k - 1), 3, 90 + k));
    b.AddInitializer(weight, w.back());
    b.AddNode("Conv", {k == 1 ? "c0" : "p" + std::to_string(k - 1), weight}, {n},
              {testing::IntsAttr("pads", {1, 1, 1, 1})});
    pieces.push_back(n);
    b.AddNode("Concat", pieces, {"p" + std::to_string(k)}, {testing::IntAttr("axis", 1)});
  }
  b.AddOutput("p3");
  absl::StatusOr<ir::Graph> flat = ParseOnnxModel(b.Serialize(), "dense.onnx");
  ASSERT_TRUE(flat.ok()) << flat.status();
  ir::Graph nested = *flat;
  ASSERT_TRUE(NestGrowingConcats(nested).ok());
  for (int64_t batch : {1, 3}) {
    const Tensor x = testing::Normal({batch, 16, 8, 8}, 95 + batch, 1.0f);
    std::vector<Tensor> parts = {reference::Conv(x, w[0], nullptr, Same(3))};
    for (size_t k = 1; k < w.size(); ++k) {
      parts.push_back(reference::Conv(reference::Concat(parts, 1), w[k], nullptr, Same(3)));
    }
    const Tensor expected = reference::Concat(parts, 1);
    int reorders[2];
    for (const ir::Graph* graph : {&*flat, &nested}) {
      WeightCache weights;
      absl::StatusOr<std::unique_ptr<Plan>> plan = Compile(*graph, x, {"p3"}, weights);
      ASSERT_TRUE(plan.ok()) << plan.status();
      reorders[graph == &nested] = (*plan)->steps(dnnl::primitive::kind::reorder);
      absl::StatusOr<std::vector<Tensor>> y = (*plan)->Run({&x});
      ASSERT_TRUE(y.ok()) << y.status();
      EXPECT_LT(MaxDifference((*y)[0], expected), 1e-3) << "batch " << batch;
    }
    if (batch == 1) {
      EXPECT_EQ(reorders[0] - reorders[1], 5);
    }
  }
}

// Global pooling written as a reduction over the spatial axes (MnasNet's and
// ShuffleNet's export) of a convolution's blocked output: a pooling step,
// not oneDNN's reference reduction, with or without the kept axes.
TEST(PlanLayoutTest, AMeanOverTheSpatialAxesIsAPooling) {
  const Tensor w = Weights(32, 16, 3, 110);
  for (int64_t keepdims : {1, 0}) {
    testing::OnnxBuilder b;
    b.AddInput("x", {"N", 16, 9, 9});
    b.AddInitializer("w", w);
    b.AddNode("Conv", {"x", "w"}, {"c"}, {testing::IntsAttr("pads", {1, 1, 1, 1})});
    b.AddNode("ReduceMean", {"c"}, {"y"},
              {testing::IntsAttr("axes", {2, 3}), testing::IntAttr("keepdims", keepdims)});
    b.AddOutput("y");
    absl::StatusOr<ir::Graph> graph = ParseOnnxModel(b.Serialize(), "pool.onnx");
    ASSERT_TRUE(graph.ok()) << graph.status();
    WeightCache weights;
    const Tensor x = testing::Normal({2, 16, 9, 9}, 111, 1.0f);
    absl::StatusOr<std::unique_ptr<Plan>> plan = Compile(*graph, x, {"y"}, weights);
    ASSERT_TRUE(plan.ok()) << plan.status();
    EXPECT_EQ((*plan)->steps(dnnl::primitive::kind::pooling_v2), 1);
    EXPECT_EQ((*plan)->steps(dnnl::primitive::kind::reduction), 0);
    absl::StatusOr<std::vector<Tensor>> y = (*plan)->Run({&x});
    ASSERT_TRUE(y.ok()) << y.status();
    const Tensor expected = reference::Reduce("ReduceMean", reference::Conv(x, w, nullptr, Same(3)),
                                              {2, 3}, keepdims != 0);
    EXPECT_LT(MaxDifference((*y)[0], expected), 1e-4) << "keepdims " << keepdims;
  }
}

// Squeeze-excitation's scale: a convolution's output times a per-channel
// value computed from it. oneDNN has a jit kernel for that broadcast in the
// convolution's own layout, so the Mul needs no reorder to plain and back.
TEST(PlanLayoutTest, APerChannelScaleKeepsTheConvolutionsLayout) {
  const Tensor w = Weights(48, 16, 1, 120);
  testing::OnnxBuilder b;
  b.AddInput("x", {"N", 16, 7, 7});
  b.AddInitializer("w", w);
  b.AddNode("Conv", {"x", "w"}, {"c"});
  b.AddNode("GlobalAveragePool", {"c"}, {"s"});
  b.AddNode("Mul", {"c", "s"}, {"y"});
  b.AddOutput("y");
  absl::StatusOr<ir::Graph> graph = ParseOnnxModel(b.Serialize(), "scale.onnx");
  ASSERT_TRUE(graph.ok()) << graph.status();
  for (int64_t batch : {1, 3}) {
    WeightCache weights;
    const Tensor x = testing::Normal({batch, 16, 7, 7}, 121, 1.0f);
    absl::StatusOr<std::unique_ptr<Plan>> plan = Compile(*graph, x, {"y"}, weights);
    ASSERT_TRUE(plan.ok()) << plan.status();
    // At most x's reorder into the convolution's layout.
    EXPECT_LE((*plan)->steps(dnnl::primitive::kind::reorder), 1) << "batch " << batch;
    absl::StatusOr<std::vector<Tensor>> y = (*plan)->Run({&x});
    ASSERT_TRUE(y.ok()) << y.status();
    const Tensor c = reference::Conv(x, w, nullptr, Same(1));
    const Tensor s = reference::Reduce("ReduceMean", c, {2, 3}, true);
    EXPECT_LT(MaxDifference((*y)[0], reference::Binary(reference::BinaryOp::kMul, c, s)), 1e-4) << "batch " << batch;
  }
}

// ResNeXt's grouped 3x3 convolution of its second stage (8 channels per
// group) writes 8-channel blocks; the 1x1 convolution after it could read
// them as they are only with AVX2's kernel. On a machine with AVX-512 it
// takes its own layout and AVX-512 kernel instead: no convolution runs
// narrower vectors than the widest one in the plan.
TEST(PlanLayoutTest, NoConvolutionTakesNarrowerVectorsToSaveAReorder) {
  const Tensor wg = Weights(256, 8, 3, 130), w1 = Weights(512, 256, 1, 131);
  testing::OnnxBuilder b;
  b.AddInput("x", {"N", 256, 28, 28});
  b.AddInitializer("wg", wg);
  b.AddInitializer("w1", w1);
  b.AddNode("Conv", {"x", "wg"}, {"g"},
            {testing::IntAttr("group", 32), testing::IntsAttr("pads", {1, 1, 1, 1})});
  b.AddNode("Conv", {"g", "w1"}, {"y"});
  b.AddOutput("y");
  absl::StatusOr<ir::Graph> graph = ParseOnnxModel(b.Serialize(), "grouped.onnx");
  ASSERT_TRUE(graph.ok()) << graph.status();
  WeightCache weights;
  const Tensor x = testing::Normal({1, 256, 28, 28}, 132, 1.0f);
  absl::StatusOr<std::unique_ptr<Plan>> plan = Compile(*graph, x, {"y"}, weights);
  ASSERT_TRUE(plan.ok()) << plan.status();
  const std::vector<std::string> kernels =
      (*plan)->implementations(dnnl::primitive::kind::convolution);
  ASSERT_EQ(kernels.size(), 2u);
  const bool avx512 = std::any_of(kernels.begin(), kernels.end(), [](const std::string& k) {
    return k.find("avx512") != std::string::npos;
  });
  for (const std::string& kernel : kernels) {
    EXPECT_FALSE(avx512 && kernel.find("avx2") != std::string::npos) << kernel;
  }
  absl::StatusOr<std::vector<Tensor>> y = (*plan)->Run({&x});
  ASSERT_TRUE(y.ok()) << y.status();
  reference::ConvParams grouped = Same(3);
  grouped.group = 32;
  const Tensor expected =
      reference::Conv(reference::Conv(x, wg, nullptr, grouped), w1, nullptr, Same(1));
  EXPECT_LT(MaxDifference((*y)[0], expected), 1e-3);
}

// VGG-16's 512-channel 3x3 layer at 14x14. At batch 8 its Winograd
// kernel transforms the weights on every run and takes them in a direct
// layout: the cache then holds a copy a reorder reads back, so the file's
// bytes can be released. At batch 1 the kernel keeps them transformed
// (a copy no reorder reads). Both compute what direct convolutions do.
TEST(PlanLayoutTest, LargeWinogradWeightsAreTransformedEachRunAtLargeBatches) {
  const Tensor w = Weights(512, 512, 3, 40);
  testing::OnnxBuilder b;
  b.AddInput("x", {"N", 512, 14, 14});
  b.AddInitializer("w", w);
  b.AddNode("Conv", {"x", "w"}, {"y"}, {testing::IntsAttr("pads", {1, 1, 1, 1})});
  b.AddOutput("y");
  absl::StatusOr<ir::Graph> graph = ParseOnnxModel(b.Serialize(), "conv512.onnx");
  ASSERT_TRUE(graph.ok()) << graph.status();
  const Tensor& file_weights = graph->initializers.at("w");
  for (int64_t batch : {1, 8}) {
    WeightCache weights, direct_weights;
    const Tensor x = testing::Normal({batch, 512, 14, 14}, 50 + batch, 1.0f);
    absl::StatusOr<std::unique_ptr<Plan>> plan = Compile(*graph, x, {"y"}, weights);
    absl::StatusOr<std::unique_ptr<Plan>> direct =
        Compile(*graph, x, {"y"}, direct_weights, /*winograd=*/false);
    ASSERT_TRUE(plan.ok()) << plan.status();
    ASSERT_TRUE(direct.ok()) << direct.status();
    EXPECT_EQ(weights.HoldsCopyOf(file_weights), batch == 8) << "batch " << batch;
    absl::StatusOr<std::vector<Tensor>> y = (*plan)->Run({&x});
    absl::StatusOr<std::vector<Tensor>> expected = (*direct)->Run({&x});
    ASSERT_TRUE(y.ok()) << y.status();
    ASSERT_TRUE(expected.ok()) << expected.status();
    EXPECT_LT(MaxDifference((*y)[0], (*expected)[0]), 1e-3) << "batch " << batch;
  }
}

// Residual blocks with the Add fused into the convolution (a sum post-op
// over a destination holding the residual). The convolution writes over
// the residual's own buffer where nothing reads the residual after it; a
// residual that a later node reads, or that is a requested output, is
// copied into the destination first. Every output matches the graph run
// as the file has it.
TEST(PlanLayoutTest, ResidualsAreOverwrittenOnlyWhereNothingReadsThemLater) {
  const Tensor w1 = Weights(32, 32, 3, 60), w2 = Weights(32, 32, 3, 61);
  const Tensor w3 = Weights(32, 32, 3, 62), w4 = Weights(32, 32, 1, 63);
  const Tensor w5 = Weights(32, 32, 1, 64);
  testing::OnnxBuilder b;
  b.AddInput("x", {"N", 32, 8, 8});
  for (const auto& [name, w] :
       {std::pair{"w1", &w1}, {"w2", &w2}, {"w3", &w3}, {"w4", &w4}, {"w5", &w5}}) {
    b.AddInitializer(name, *w);
  }
  const auto pads = testing::IntsAttr("pads", {1, 1, 1, 1});
  b.AddNode("Conv", {"x", "w1"}, {"c1"}, {pads});
  b.AddNode("Relu", {"c1"}, {"r1"});
  b.AddNode("Conv", {"r1", "w2"}, {"c2"}, {pads});
  b.AddNode("Relu", {"c2"}, {"r2"});
  b.AddNode("Conv", {"r2", "w3"}, {"c3"}, {pads});
  b.AddNode("Add", {"c3", "r1"}, {"s1"});  // r1's last reader.
  b.AddNode("Relu", {"s1"}, {"y1"});
  b.AddNode("Conv", {"y1", "w4"}, {"c4"});
  b.AddNode("Add", {"c4", "r2"}, {"y"});  // r2 is read again below.
  b.AddNode("Conv", {"r2", "w5"}, {"c5"});
  b.AddNode("Add", {"c5", "y"}, {"z"});  // y's last reader.
  b.AddOutput("z");
  absl::StatusOr<ir::Graph> file = ParseOnnxModel(b.Serialize(), "residuals.onnx");
  ASSERT_TRUE(file.ok()) << file.status();
  ir::Graph fused = *file;
  ASSERT_TRUE(OptimizeGraph(fused).ok());
  ASSERT_EQ(fused.nodes.size(), 5u);  // The convolutions, with the Adds and Relus fused.
  const Tensor x = testing::Normal({2, 32, 8, 8}, 65, 1.0f);
  // Copies of a residual: r2's alone, then r1's too when it is an output.
  for (const auto& [outputs, copies] :
       {std::pair{std::vector<std::string>{"z"}, 1}, {std::vector<std::string>{"z", "r1"}, 2}}) {
    WeightCache weights, file_weights;
    absl::StatusOr<std::unique_ptr<Plan>> plan =
        Compile(fused, x, outputs, weights, /*winograd=*/false);
    absl::StatusOr<std::unique_ptr<Plan>> reference =
        Compile(*file, x, outputs, file_weights, /*winograd=*/false);
    ASSERT_TRUE(plan.ok()) << plan.status();
    ASSERT_TRUE(reference.ok()) << reference.status();
    EXPECT_EQ((*plan)->cpu_steps(), copies) << outputs.size() << " outputs";
    absl::StatusOr<std::vector<Tensor>> y = (*plan)->Run({&x});
    absl::StatusOr<std::vector<Tensor>> expected = (*reference)->Run({&x});
    ASSERT_TRUE(y.ok()) << y.status();
    ASSERT_TRUE(expected.ok()) << expected.status();
    for (size_t i = 0; i < outputs.size(); ++i) {
      EXPECT_LT(MaxDifference((*y)[i], (*expected)[i]), 1e-4) << outputs[i];
    }
  }
}

// Relu(alpha · x op(B) + beta · C), x of 70 columns, 45 outputs (a partial
// last block of 16), the Relu fused into the Gemm.
ir::Graph FullyConnected(const Tensor& b, const Tensor& c, bool trans_b) {
  testing::OnnxBuilder builder;
  builder.AddInput("x", {"N", 70});
  builder.AddInitializer("b", b);
  builder.AddInitializer("c", c);
  builder.AddNode("Gemm", {"x", "b", "c"}, {"g"},
                  {testing::IntAttr("transB", trans_b), testing::FloatAttr("alpha", 2.0f),
                   testing::FloatAttr("beta", 0.5f)});
  builder.AddNode("Relu", {"g"}, {"y"});
  builder.AddOutput("y");
  absl::StatusOr<ir::Graph> graph = ParseOnnxModel(builder.Serialize(), "fc.onnx");
  EXPECT_TRUE(graph.ok()) << graph.status();
  EXPECT_TRUE(OptimizeGraph(*graph).ok());
  EXPECT_EQ(graph->nodes.size(), 1u);
  return *graph;
}

// A float32 Gemm of one row with large constant weights runs in
// BlockedGemv (a step of its own) with a oneDNN step adding C and the
// fused activation; with more rows, or smaller weights, it stays a oneDNN
// matmul. Either way it computes what the reference computes.
TEST(PlanLayoutTest, OneRowOfLargeGemmWeightsStreamsThroughItsOwnStep) {
  const Tensor c = testing::Normal({45}, 2, 1.0f);
  for (bool trans_b : {false, true}) {
    const Tensor b = trans_b ? testing::Normal({45, 70}, 3, 1.0f) : testing::Normal({70, 45}, 4, 1.0f);
    const ir::Graph graph = FullyConnected(b, c, trans_b);
    reference::GemmParams gemm{false, trans_b, 2.0f, 0.5f};
    // Weights of 12600 bytes: streamed from a threshold of 12600 down.
    for (const auto& [rows, threshold, streamed] :
         {std::tuple{1, 12600, true}, {1, 12601, false}, {2, 1, false}}) {
      const Tensor x = testing::Normal({rows, 70}, 5 + rows, 1.0f);
      PlanOptions options;
      options.max_value_bytes = int64_t{1} << 30;
      options.streamed_weights_bytes = threshold;
      WeightCache weights;
      absl::StatusOr<std::unique_ptr<Plan>> plan = PlanBuilder::Build(
          graph, dnnl::engine(dnnl::engine::kind::cpu, 0), {&x}, {"y"}, options, weights);
      ASSERT_TRUE(plan.ok()) << plan.status();
      const std::string where = "transB " + std::to_string(trans_b) + ", " + std::to_string(rows) +
                                " rows, threshold " + std::to_string(threshold);
      EXPECT_EQ((*plan)->cpu_steps(), streamed ? 1 : 0) << where;
      EXPECT_EQ((*plan)->steps(dnnl::primitive::kind::matmul), streamed ? 0 : 1) << where;
      absl::StatusOr<std::vector<Tensor>> y = (*plan)->Run({&x});
      ASSERT_TRUE(y.ok()) << y.status();
      const Tensor expected = reference::Relu(reference::Gemm(x, b, &c, gemm));
      EXPECT_LT(MaxDifference((*y)[0], expected), 1e-4) << where;
    }
  }
}

// LeNet-5's first layers: a Conv from 1 to 6 channels with a Tanh fused
// into it, a 2x2 AveragePool, a Conv to 16 channels. On a processor with
// AVX-512 the first two run Convoy's own kernels, writing plain layouts:
// the convolution's kernel applies the Tanh, no reorder runs, and the only
// oneDNN step is the second convolution, reading the pool's output as it
// is. Elsewhere oneDNN runs all three.
TEST(PlanLayoutTest, AFirstLayerOfFewChannelsAndItsPoolRunOnPlainLayouts) {
  const Tensor w1 = Weights(6, 1, 5, 140), w2 = Weights(16, 6, 5, 141);
  const Tensor b1 = testing::Normal({6}, 142, 0.1f);
  testing::OnnxBuilder b;
  b.AddInput("x", {"N", 1, 32, 32});
  b.AddInitializer("w1", w1);
  b.AddInitializer("b1", b1);
  b.AddInitializer("w2", w2);
  b.AddNode("Conv", {"x", "w1", "b1"}, {"c1"});
  b.AddNode("Tanh", {"c1"}, {"t1"});
  b.AddNode("AveragePool", {"t1"}, {"p1"},
            {testing::IntsAttr("kernel_shape", {2, 2}), testing::IntsAttr("strides", {2, 2})});
  b.AddNode("Conv", {"p1", "w2"}, {"y"});
  b.AddOutput("y");
  absl::StatusOr<ir::Graph> graph = ParseOnnxModel(b.Serialize(), "lenet.onnx");
  ASSERT_TRUE(graph.ok()) << graph.status();
  ASSERT_TRUE(OptimizeGraph(*graph).ok());
  const bool own = NarrowConvIsFaster() && PlainPool2x2IsFaster();
  for (int64_t batch : {1, 5}) {
    WeightCache weights;
    const Tensor x = testing::Normal({batch, 1, 32, 32}, 143, 1.0f);
    absl::StatusOr<std::unique_ptr<Plan>> plan = Compile(*graph, x, {"y"}, weights);
    ASSERT_TRUE(plan.ok()) << plan.status();
    if (own) {
      EXPECT_EQ((*plan)->cpu_steps(), 2) << "batch " << batch;
      EXPECT_EQ((*plan)->steps(dnnl::primitive::kind::convolution), 1) << "batch " << batch;
      EXPECT_EQ((*plan)->steps(dnnl::primitive::kind::eltwise), 0) << "batch " << batch;
      EXPECT_EQ((*plan)->steps(dnnl::primitive::kind::pooling_v2), 0) << "batch " << batch;
      EXPECT_EQ((*plan)->steps(dnnl::primitive::kind::reorder), 0) << "batch " << batch;
    }
    absl::StatusOr<std::vector<Tensor>> y = (*plan)->Run({&x});
    ASSERT_TRUE(y.ok()) << y.status();
    reference::PoolParams pool;
    pool.kernel_shape = pool.strides = {2, 2};
    const Tensor expected = reference::Conv(
        reference::AveragePool(reference::Tanh(reference::Conv(x, w1, &b1, {})), pool), w2,
        nullptr, {});
    EXPECT_LT(MaxDifference((*y)[0], expected), 1e-5) << "batch " << batch;
  }
}

}  // namespace
}  // namespace convoy::engine
