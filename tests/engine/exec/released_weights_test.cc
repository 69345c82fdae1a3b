// Weights whose bytes the load-time plan releases (PlanOptions::
// release_weights) are restored from the weight cache's copies by plans
// compiled afterwards, which compute what they would have computed.
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "engine/exec/plan_builder.h"
#include "engine/onnx/onnx_loader.h"
#include "gtest/gtest.h"
#include "tests/engine/testing/onnx_builder.h"
#include "tests/engine/testing/reference_ops.h"

namespace convoy::engine {
namespace {

// x [N,4,6,6] → Conv w (pads 1) → grouped Conv wg (2 groups) → Relu
// → Flatten → Gemm fc (transB) → y [N,10]; fc is also the weight of a
// second Gemm without transB, so one tensor is seen through two views.
struct Net {
  Tensor w = testing::Normal({8, 4, 3, 3}, 1, 0.5f);
  Tensor wg = testing::Normal({8, 4, 3, 3}, 2, 0.5f);
  Tensor fc = testing::Normal({288, 288}, 3, 0.5f);

  std::string Onnx() const {
    testing::OnnxBuilder b;
    b.AddInput("x", {"N", 4, 6, 6});
    b.AddInitializer("w", w);
    b.AddInitializer("wg", wg);
    b.AddInitializer("fc", fc);
    b.AddNode("Conv", {"x", "w"}, {"c1"}, {testing::IntsAttr("pads", {1, 1, 1, 1})});
    b.AddNode("Conv", {"c1", "wg"}, {"c2"},
              {testing::IntsAttr("pads", {1, 1, 1, 1}), testing::IntAttr("group", 2)});
    b.AddNode("Relu", {"c2"}, {"r"});
    b.AddNode("Flatten", {"r"}, {"f"});
    b.AddNode("Gemm", {"f", "fc"}, {"g"}, {testing::IntAttr("transB", 1)});
    b.AddNode("Gemm", {"g", "fc"}, {"y"});
    b.AddOutput("y");
    return b.Serialize();
  }

  Tensor Expected(const Tensor& x) const {
    reference::ConvParams pad1;
    pad1.pads = {1, 1, 1, 1};
    reference::ConvParams grouped = pad1;
    grouped.group = 2;
    Tensor r = reference::Relu(reference::Conv(reference::Conv(x, w, nullptr, pad1), wg, nullptr, grouped));
    Tensor f = r.Reshaped({x.shape()[0], 288});
    reference::GemmParams trans_b;
    trans_b.trans_b = true;
    return reference::Gemm(reference::Gemm(f, fc, nullptr, trans_b), fc, nullptr, {});
  }
};

float MaxDifference(const Tensor& a, const Tensor& b) {
  float worst = 0;
  for (int64_t i = 0; i < a.num_elements(); ++i) {
    worst = std::max(worst, std::fabs(a.data<float>()[i] - b.data<float>()[i]));
  }
  return worst;
}

TEST(ReleasedWeightsTest, LaterPlansRestoreWhatTheyNeedAndComputeTheSame) {
  const Net net;
  absl::StatusOr<ir::Graph> graph = ParseOnnxModel(net.Onnx(), "net.onnx");
  ASSERT_TRUE(graph.ok()) << graph.status();
  const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  WeightCache weights;
  PlanOptions options;
  options.max_value_bytes = int64_t{1} << 30;

  std::set<std::string> released;
  PlanOptions releasing = options;
  releasing.release_weights = [&](const std::string& name) {
    released.insert(name);
    graph->initializers.at(name).ReleaseBytes();
  };
  auto run = [&](int64_t batch, const PlanOptions& plan_options) {
    const Tensor x = testing::Normal({batch, 4, 6, 6}, 10 + batch, 0.5f);
    absl::StatusOr<std::unique_ptr<Plan>> plan =
        PlanBuilder::Build(*graph, engine, {&x}, {"y"}, plan_options, weights);
    ASSERT_TRUE(plan.ok()) << plan.status();
    absl::StatusOr<std::vector<Tensor>> y = (*plan)->Run({&x});
    ASSERT_TRUE(y.ok()) << y.status();
    EXPECT_LT(MaxDifference((*y)[0], net.Expected(x)), 1e-3) << "batch " << batch;
  };

  run(1, releasing);
  // Both convolutions' weights are reordered for oneDNN, so held twice
  // until released; fc may be read in place, in which case it must stay.
  EXPECT_TRUE(released.count("w")) << "w not released";
  EXPECT_TRUE(released.count("wg")) << "wg not released";
  for (const std::string& name : released) {
    EXPECT_FALSE(graph->initializers.at(name).has_bytes()) << name;
  }
  for (int64_t batch : {1, 3, 16, 64}) run(batch, options);
}

// A plan's size (what the plan cache budgets) is its activations: the
// weights' copies belong to the cache, grouped-weight views included.
TEST(ReleasedWeightsTest, PlanBytesLeaveTheCachedWeightsOut) {
  testing::OnnxBuilder b;
  b.AddInput("x", {"N", 64, 2, 2});
  const Tensor w = testing::Normal({64, 64, 3, 3}, 6, 0.5f);
  const Tensor wg = testing::Normal({64, 32, 3, 3}, 7, 0.5f);
  b.AddInitializer("w", w);
  b.AddInitializer("wg", wg);
  // Dilated, so that no Winograd kernel (with its scratch memory) applies.
  b.AddNode("Conv", {"x", "w"}, {"c1"},
            {testing::IntsAttr("pads", {2, 2, 2, 2}), testing::IntsAttr("dilations", {2, 2})});
  b.AddNode("Conv", {"c1", "wg"}, {"y"},
            {testing::IntsAttr("pads", {1, 1, 1, 1}), testing::IntAttr("group", 2)});
  b.AddOutput("y");
  absl::StatusOr<ir::Graph> graph = ParseOnnxModel(b.Serialize(), "grouped.onnx");
  ASSERT_TRUE(graph.ok()) << graph.status();
  const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  WeightCache weights;
  PlanOptions options;
  options.max_value_bytes = int64_t{1} << 30;
  const Tensor x = testing::Normal({1, 64, 2, 2}, 8, 0.5f);
  absl::StatusOr<std::unique_ptr<Plan>> plan =
      PlanBuilder::Build(*graph, engine, {&x}, {"y"}, options, weights);
  ASSERT_TRUE(plan.ok()) << plan.status();
  // Three 1 KB activations and the convolutions' scratch memory (14 KB
  // here), against 147 KB and 74 KB of weights.
  EXPECT_LT((*plan)->activation_bytes(), int64_t{32} << 10);
}

TEST(ReleasedWeightsTest, ACopyRestoresThePlainValuesThroughItsView) {
  const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  Tensor fc = testing::Normal({6, 10}, 4, 0.5f);
  const Tensor original = fc;
  // The transposed view a Gemm with transB reads, copied in a blocked layout.
  const dnnl::memory::desc view({10, 6}, dnnl::memory::data_type::f32, {1, 10});
  const dnnl::memory::desc blocked({10, 6}, dnnl::memory::data_type::f32,
                                   dnnl::memory::format_tag::BA16a16b);
  WeightCache weights;
  weights.GetOrMake(&fc, view, blocked, [&] {
    dnnl::memory src(view, engine, fc.raw_data());
    dnnl::memory dst(blocked, engine);
    dnnl::reorder(src, dst).execute(stream, src, dst);
    stream.wait();
    return dst;
  });
  ASSERT_TRUE(weights.HoldsCopyOf(fc));
  fc.ReleaseBytes();
  EXPECT_FALSE(fc.has_bytes());

  Tensor restored(DataType::kFloat32, {6, 10});
  weights.CopyPlain(&fc, restored.raw_data(), engine);
  EXPECT_EQ(MaxDifference(restored, original), 0.0f);
}

TEST(ReleasedWeightsTest, OnlyLosslessCopiesThatBorrowNothingCount) {
  const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  Tensor w = testing::Normal({8, 4, 3, 3}, 5, 0.5f);
  const dnnl::memory::desc plain({8, 4, 3, 3}, dnnl::memory::data_type::f32,
                                 dnnl::memory::format_tag::abcd);
  const dnnl::memory::desc bf16({8, 4, 3, 3}, dnnl::memory::data_type::bf16,
                                dnnl::memory::format_tag::abcd);
  WeightCache weights;
  weights.GetOrMake(&w, plain, bf16, [&] { return dnnl::memory(bf16, engine); });
  EXPECT_FALSE(weights.HoldsCopyOf(w)) << "bf16 loses the values";

  const dnnl::memory::desc nhwc({8, 4, 3, 3}, dnnl::memory::data_type::f32,
                                dnnl::memory::format_tag::acdb);
  weights.GetOrMake(&w, plain, nhwc, [&] { return dnnl::memory(nhwc, engine); });
  EXPECT_TRUE(weights.HoldsCopyOf(w));

  const dnnl::memory::desc grouped({2, 4, 4, 3, 3}, dnnl::memory::data_type::f32,
                                   dnnl::memory::format_tag::abcde);
  weights.GetOrMake(&w, grouped, grouped, [&] { return dnnl::memory(grouped, engine, w.raw_data()); });
  EXPECT_FALSE(weights.HoldsCopyOf(w)) << "an entry reads the bytes in place";
}

// Winograd convolutions keep their weights transformed: all the values are
// in there, as float32, but no reorder reads them back.
TEST(ReleasedWeightsTest, AWinogradTransformIsNoCopy) {
  const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  Tensor w = testing::Normal({64, 64, 3, 3}, 9, 0.5f);
  auto any = [](dnnl::memory::dims dims) {
    return dnnl::memory::desc(dims, dnnl::memory::data_type::f32, dnnl::memory::format_tag::any);
  };
  dnnl::convolution_forward::primitive_desc pd;
  try {
    pd = dnnl::convolution_forward::primitive_desc(
        {dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_winograd,
         any({8, 64, 14, 14}), any({64, 64, 3, 3}), any({8, 64, 14, 14}), {1, 1}, {1, 1}, {1, 1}},
        engine);
  } catch (const dnnl::error&) {
    GTEST_SKIP() << "oneDNN has no Winograd convolution on this CPU";
  }
  ASSERT_EQ(pd.weights_desc().data.format_kind, dnnl_format_kind_wino);
  const dnnl::memory::desc plain({64, 64, 3, 3}, dnnl::memory::data_type::f32,
                                 dnnl::memory::format_tag::abcd);
  WeightCache weights;
  weights.GetOrMake(&w, plain, pd.weights_desc(),
                    [&] { return dnnl::memory(pd.weights_desc(), engine); });
  EXPECT_FALSE(weights.HoldsCopyOf(w));
}

}  // namespace
}  // namespace convoy::engine
