// The ranges an int8 plan quantizes by (int8_ranges.h): which values take a
// neighbour's range, and that an inception block then runs on 8 bits from
// its input's quantization to its output's, computing what float32 does
// within int8's rounding.
#include "engine/exec/int8_ranges.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "engine/exec/plan_builder.h"
#include "engine/onnx/onnx_loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/engine/testing/onnx_builder.h"
#include "tests/engine/testing/reference_ops.h"

namespace convoy::engine {
namespace {

using testing::IntAttr;
using testing::IntsAttr;

ir::Graph Parse(const testing::OnnxBuilder& b) {
  absl::StatusOr<ir::Graph> graph = ParseOnnxModel(b.Serialize(), "block.onnx");
  EXPECT_TRUE(graph.ok()) << graph.status();
  return graph.ok() ? *std::move(graph) : ir::Graph();
}

Calibration Ranges(std::initializer_list<std::pair<const std::string, ValueRange>> ranges) {
  Calibration calibration;
  for (const auto& [name, range] : ranges) calibration.ranges[name] = range;
  return calibration;
}

// The range a value took, or {-1, -1} for none.
ValueRange RangeOf(const Calibration& calibration, const std::string& name) {
  auto it = calibration.ranges.find(name);
  return it == calibration.ranges.end() ? ValueRange{-1, -1} : it->second;
}

// The range a tensor's values take, as a calibration records it.
ValueRange RangeOf(const Tensor& t) {
  const float* d = t.data<float>();
  const auto [lo, hi] = std::minmax_element(d, d + t.num_elements());
  return ValueRange{*lo, *hi};
}

// max |got - want| under 5% of max |want|: int8's rounding.
::testing::AssertionResult WithinInt8Rounding(const Tensor& got, const Tensor& want) {
  float worst = 0, largest = 0;
  for (int64_t i = 0; i < want.num_elements(); ++i) {
    worst = std::max(worst, std::fabs(got.data<float>()[i] - want.data<float>()[i]));
    largest = std::max(largest, std::fabs(want.data<float>()[i]));
  }
  if (worst < 0.05f * largest) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "max |int8 - float| " << worst << " of max " << largest;
}

MATCHER_P2(IsRange, min, max, "") { return arg.min == min && arg.max == max; }

const std::vector<onnx::AttributeProto> kPool3 = {IntsAttr("kernel_shape", {3, 3}),
                                                  IntsAttr("pads", {1, 1, 1, 1})};

// x [N, 8, 6, 6] → two 1x1 convolutions "a" and "b" → Concat "cat".
testing::OnnxBuilder Branches() {
  testing::OnnxBuilder b;
  b.AddInput("x", {"N", 8, 6, 6});
  b.AddInitializer("w1", testing::Normal({8, 8, 1, 1}, 1, 0.3f));
  b.AddInitializer("w2", testing::Normal({8, 8, 1, 1}, 2, 0.3f));
  b.AddNode("Conv", {"x", "w1"}, {"a"});
  b.AddNode("Conv", {"x", "w2"}, {"b"});
  b.AddNode("Concat", {"a", "b"}, {"cat"}, {IntAttr("axis", 1)});
  return b;
}

// Branches, with cat read by a convolution "y" (so calibrated) and by a
// pool (`pool`: MaxPool, or AveragePool counting its pads as Inception's
// do) before another, "z".
testing::OnnxBuilder Block(const std::string& pool = "MaxPool") {
  testing::OnnxBuilder b = Branches();
  b.AddInitializer("w3", testing::Normal({8, 16, 1, 1}, 3, 0.3f));
  b.AddInitializer("w4", testing::Normal({8, 16, 1, 1}, 4, 0.3f));
  b.AddNode("Conv", {"cat", "w3"}, {"y"});
  std::vector<onnx::AttributeProto> attributes = kPool3;
  if (pool == "AveragePool") attributes.push_back(IntAttr("count_include_pad", 1));
  b.AddNode(pool, {"cat"}, {"pooled"}, attributes);
  b.AddNode("Conv", {"pooled", "w4"}, {"z"});
  b.AddOutput("y");
  b.AddOutput("z");
  return b;
}

TEST(Int8RangesTest, ConcatInputsAndPoolOutputsTakeTheirNeighboursRange) {
  const Calibration ranges = PropagateInt8Ranges(
      Parse(Block()), Ranges({{"x", {-1, 1}}, {"cat", {-2, 3}}, {"pooled", {-1, 2.5f}}}));
  EXPECT_THAT(RangeOf(ranges, "a"), IsRange(-2, 3));
  EXPECT_THAT(RangeOf(ranges, "b"), IsRange(-2, 3));
  EXPECT_THAT(RangeOf(ranges, "pooled"), IsRange(-2, 3)) << "the pool's input range holds its outputs";
  EXPECT_THAT(RangeOf(ranges, "x"), IsRange(-1, 1));
  EXPECT_THAT(RangeOf(ranges, "y"), IsRange(-1, -1));
}

TEST(Int8RangesTest, AValueReadOtherwiseOrReturnedKeepsItsRange) {
  testing::OnnxBuilder b = Block();
  b.AddNode("Relu", {"a"}, {"r"});  // a read by another operator too
  b.AddOutput("r");
  b.AddOutput("pooled");  // returned: float32
  const Calibration ranges = PropagateInt8Ranges(
      Parse(b), Ranges({{"x", {-1, 1}}, {"cat", {-2, 3}}, {"pooled", {-1, 2.5f}}, {"b", {0, 1}}}));
  EXPECT_THAT(RangeOf(ranges, "a"), IsRange(-1, -1));
  EXPECT_THAT(RangeOf(ranges, "b"), IsRange(0, 1)) << "its own range stays";
  EXPECT_THAT(RangeOf(ranges, "pooled"), IsRange(-1, 2.5f));
}

// A product whose weights come at run time reads float32 (it cannot run in
// int8), so it would read an 8-bit concatenation rounded.
TEST(Int8RangesTest, AProductOfRunTimeWeightsReadsRealValues) {
  testing::OnnxBuilder b = Branches();
  b.AddInput("w", {8, 16, 1, 1});
  b.AddNode("Conv", {"cat", "w"}, {"y"});
  b.AddOutput("y");
  const Calibration ranges = PropagateInt8Ranges(Parse(b), Ranges({{"x", {-1, 1}}, {"cat", {-2, 3}}}));
  EXPECT_THAT(RangeOf(ranges, "a"), IsRange(-1, -1));
  EXPECT_THAT(RangeOf(ranges, "b"), IsRange(-1, -1));
}

// A stem: conv "c" → max pool "p" → conv "d", and with `residual` p added
// to d after, as a ResNet block's identity shortcut reads it.
ir::Graph Stem(bool residual) {
  testing::OnnxBuilder b;
  b.AddInput("x", {"N", 8, 6, 6});
  b.AddInitializer("w1", testing::Normal({8, 8, 1, 1}, 1, 0.3f));
  b.AddInitializer("w2", testing::Normal({8, 8, 1, 1}, 2, 0.3f));
  b.AddNode("Conv", {"x", "w1"}, {"c"});
  b.AddNode("MaxPool", {"c"}, {"p"}, kPool3);
  b.AddNode("Conv", {"p", "w2"}, {"d"});
  if (residual) b.AddNode("Add", {"d", "p"}, {"y"});
  b.AddOutput(residual ? "y" : "d");
  return Parse(b);
}

TEST(Int8RangesTest, APoolReadAsAResidualStaysAsMeasured) {
  const Calibration measured = Ranges({{"x", {-1, 1}}, {"p", {0, 2}}});
  // The residual would read 8 bits: nothing changes.
  EXPECT_EQ(PropagateInt8Ranges(Stem(true), measured).ranges.size(), 2u);
  // Read by the convolution alone, the pool's input takes its range and
  // the pool keeps 8 bits.
  const Calibration ranges = PropagateInt8Ranges(Stem(false), measured);
  EXPECT_THAT(RangeOf(ranges, "c"), IsRange(0, 2));
  EXPECT_THAT(RangeOf(ranges, "p"), IsRange(0, 2));
}

// The block at batch 2, compiled in int8 with the ranges the reference
// values take: with the propagated ranges, the branches are written in 8
// bits and concatenated and pooled so, with fewer reorders than with the
// measured ranges alone (where each branch writes float32 and each reader
// quantizes it again); both compute the reference within int8's rounding.
// The average pool's output has a range of its own, into which it rescales.
class InceptionBlockTest : public ::testing::TestWithParam<std::string> {};

TEST_P(InceptionBlockTest, StaysInEightBits) {
  const bool average = GetParam() == "AveragePool";
  const ir::Graph graph = Parse(Block(GetParam()));
  const Tensor x = testing::Normal({2, 8, 6, 6}, 9, 1.0f);
  using namespace reference;
  ConvParams one;
  const Tensor a = Conv(x, graph.initializers.at("w1"), nullptr, one);
  const Tensor b = Conv(x, graph.initializers.at("w2"), nullptr, one);
  const Tensor cat = Concat({a, b}, 1);
  PoolParams pool;
  pool.kernel_shape = {3, 3};
  pool.pads = {1, 1, 1, 1};
  pool.count_include_pad = true;
  const Tensor pooled = average ? AveragePool(cat, pool) : MaxPool(cat, pool);
  const Tensor y = Conv(cat, graph.initializers.at("w3"), nullptr, one);
  const Tensor z = Conv(pooled, graph.initializers.at("w4"), nullptr, one);
  const Calibration measured =
      Ranges({{"x", RangeOf(x)}, {"cat", RangeOf(cat)}, {"pooled", RangeOf(pooled)}});
  const Calibration propagated = PropagateInt8Ranges(graph, measured);
  int reorders[2] = {0, 0};
  for (int variant = 0; variant < 2; ++variant) {
    PlanOptions options;
    options.max_value_bytes = int64_t{1} << 30;
    options.calibration = variant == 0 ? &measured : &propagated;
    WeightCache weights;
    absl::StatusOr<std::unique_ptr<Plan>> plan = PlanBuilder::Build(
        graph, dnnl::engine(dnnl::engine::kind::cpu, 0), {&x}, {"y", "z"}, options, weights);
    ASSERT_TRUE(plan.ok()) << plan.status();
    reorders[variant] = (*plan)->steps(dnnl::primitive::kind::reorder);
    absl::StatusOr<std::vector<Tensor>> out = (*plan)->Run({&x});
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_TRUE(WithinInt8Rounding((*out)[0], y)) << (variant == 0 ? "measured" : "propagated");
    EXPECT_TRUE(WithinInt8Rounding((*out)[1], z)) << (variant == 0 ? "measured" : "propagated");
  }
  EXPECT_LT(reorders[1], reorders[0]) << "measured ranges alone: " << reorders[0] << " reorders";
}

INSTANTIATE_TEST_SUITE_P(Pools, InceptionBlockTest, ::testing::Values("MaxPool", "AveragePool"));

// A max pool's output keeps its input's scale, which a second convolution
// reads too; concatenated with a branch that takes the concatenation's
// range, it is rescaled into its slice, and the concatenation stays in 8
// bits: the plan's reorders are x's quantization and the two copies into
// the concatenation's slices (strided in channels-last), one of them
// rescaling. With the concatenation on float32, as before, there were 6.
TEST(Int8RangesTest, AConcatenationRescalesAnInputStoredAtAnotherScale) {
  testing::OnnxBuilder b;
  b.AddInput("x", {"N", 8, 6, 6});
  for (int i = 1; i <= 4; ++i) {
    b.AddInitializer("w" + std::to_string(i), testing::Normal({8, i == 4 ? 16 : 8, 1, 1}, i, 0.3f));
  }
  b.AddNode("Conv", {"x", "w1"}, {"c"});
  b.AddNode("Conv", {"c", "w2"}, {"d"});
  b.AddNode("MaxPool", {"c"}, {"p"}, kPool3);
  b.AddNode("Conv", {"x", "w3"}, {"e"});
  b.AddNode("Concat", {"p", "e"}, {"cat"}, {IntAttr("axis", 1)});
  b.AddNode("Conv", {"cat", "w4"}, {"y"});
  b.AddOutput("d");
  b.AddOutput("y");
  const ir::Graph graph = Parse(b);
  const Tensor x = testing::Normal({2, 8, 6, 6}, 9, 1.0f);
  using namespace reference;
  ConvParams one;
  PoolParams pool;
  pool.kernel_shape = {3, 3};
  pool.pads = {1, 1, 1, 1};
  const Tensor c = Conv(x, graph.initializers.at("w1"), nullptr, one);
  const Tensor d = Conv(c, graph.initializers.at("w2"), nullptr, one);
  const Tensor e = Conv(x, graph.initializers.at("w3"), nullptr, one);
  const Tensor cat = Concat({MaxPool(c, pool), e}, 1);
  const Tensor y = Conv(cat, graph.initializers.at("w4"), nullptr, one);
  const Calibration ranges = PropagateInt8Ranges(
      graph, Ranges({{"x", RangeOf(x)}, {"c", RangeOf(c)}, {"cat", RangeOf(cat)}}));
  ASSERT_THAT(RangeOf(ranges, "p"), IsRange(RangeOf(c).min, RangeOf(c).max));
  ASSERT_THAT(RangeOf(ranges, "e"), IsRange(RangeOf(cat).min, RangeOf(cat).max));
  PlanOptions options;
  options.max_value_bytes = int64_t{1} << 30;
  options.calibration = &ranges;
  WeightCache weights;
  absl::StatusOr<std::unique_ptr<Plan>> plan = PlanBuilder::Build(
      graph, dnnl::engine(dnnl::engine::kind::cpu, 0), {&x}, {"d", "y"}, options, weights);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ((*plan)->steps(dnnl::primitive::kind::reorder), 3);
  absl::StatusOr<std::vector<Tensor>> out = (*plan)->Run({&x});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_TRUE(WithinInt8Rounding((*out)[0], d));
  EXPECT_TRUE(WithinInt8Rounding((*out)[1], y));
}

}  // namespace
}  // namespace convoy::engine
