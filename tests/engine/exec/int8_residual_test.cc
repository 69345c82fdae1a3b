// Residual blocks in int8 (engine/ops/conv.cc): the calibration covers the
// residual fused into a convolution, and an 8-bit destination holds it in
// 8 bits of its own: a signed projection shortcut under an unsigned
// output, a stored residual rescaled by the sum post-op where it lies. The
// blocks then run without a float32 value or a copy between their
// convolutions, computing what float32 does within int8's rounding; a
// residual read again later is copied, not written over.
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "engine/api/model.h"
#include "engine/exec/plan_builder.h"
#include "engine/onnx/onnx_loader.h"
#include "engine/passes/graph_passes.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/engine/testing/onnx_builder.h"

namespace convoy::engine {
namespace {

using testing::IntsAttr;
using ::testing::Contains;

const std::vector<onnx::AttributeProto> kPad1 = {IntsAttr("pads", {1, 1, 1, 1})};

// x [N, 8, 6, 6] → stem "s" (ReLU, u8) → two ResNet blocks → conv "z":
//   a projection block: y = ReLU(conv(conv(s)) + p), p = conv(s) without
//   ReLU (signed, under y's unsigned output);
//   an identity block: q = Clip(conv(conv(y)) + y, 0, 3), whose activation
//   does not commute with scaling, so the sum runs on real values, and
//   whose range is narrower than y's: held at q's scale, y would saturate.
// Weights of deviation 0.12 (about He's for 144 inputs) keep the values of
// every layer within a few units.
testing::OnnxBuilder Blocks() {
  testing::OnnxBuilder b;
  b.AddInput("x", {"N", 8, 6, 6});
  uint32_t seed = 0;
  auto conv = [&](const std::string& in, const std::string& out, int64_t ic, int64_t oc,
                  int64_t k) {
    const std::string w = out + ".w";
    b.AddInitializer(w, testing::Normal({oc, ic, k, k}, ++seed, 0.12f));
    b.AddNode("Conv", {in, w}, {out}, k == 3 ? kPad1 : std::vector<onnx::AttributeProto>{});
  };
  conv("x", "s0", 8, 16, 3);
  b.AddNode("Relu", {"s0"}, {"s"});
  conv("s", "p", 16, 16, 1);
  conv("s", "b0", 16, 16, 3);
  b.AddNode("Relu", {"b0"}, {"b"});
  conv("b", "c", 16, 16, 3);
  b.AddNode("Add", {"c", "p"}, {"y0"});
  b.AddNode("Relu", {"y0"}, {"y"});
  conv("y", "d0", 16, 16, 3);
  b.AddNode("Relu", {"d0"}, {"d"});
  conv("d", "e", 16, 16, 3);
  b.AddNode("Add", {"e", "y"}, {"q0"});
  b.AddInitializer("lo", testing::Filled({}, 0));
  b.AddInitializer("hi", testing::Filled({}, 3));
  b.AddNode("Clip", {"q0", "lo", "hi"}, {"q"});
  conv("q", "z", 16, 4, 1);
  b.AddOutput("z");
  return b;
}

// The float32 model's calibration on `x`.
Calibration Calibrate(const testing::OnnxBuilder& b, const Tensor& x) {
  absl::StatusOr<std::unique_ptr<Model>> fp32 =
      Model::LoadFromBytes(b.Serialize(), "block.onnx", {});
  EXPECT_TRUE(fp32.ok()) << fp32.status();
  if (!fp32.ok()) return {};
  Calibrator calibrator(**fp32);
  EXPECT_TRUE(calibrator.Add({{"x", x}}).ok());
  return calibrator.calibration();
}

struct Compiled {
  int reorders = 0;
  int cpu_steps = 0;
  std::vector<Tensor> out;
};

// The optimised graph compiled in int8 with `calibration` and run on x.
Compiled CompileAndRun(const testing::OnnxBuilder& b, const Calibration& calibration,
                       const std::vector<std::string>& outputs, const Tensor& x) {
  absl::StatusOr<ir::Graph> graph = ParseOnnxModel(b.Serialize(), "block.onnx");
  EXPECT_TRUE(graph.ok()) << graph.status();
  EXPECT_TRUE(OptimizeGraph(*graph).ok());
  PlanOptions options;
  options.max_value_bytes = int64_t{1} << 30;
  options.calibration = &calibration;
  WeightCache weights;
  absl::StatusOr<std::unique_ptr<Plan>> plan = PlanBuilder::Build(
      *graph, dnnl::engine(dnnl::engine::kind::cpu, 0), {&x}, outputs, options, weights);
  EXPECT_TRUE(plan.ok()) << plan.status();
  if (!plan.ok()) return {};
  Compiled compiled{(*plan)->steps(dnnl::primitive::kind::reorder), (*plan)->cpu_steps(), {}};
  absl::StatusOr<std::vector<Tensor>> out = (*plan)->Run({&x});
  EXPECT_TRUE(out.ok()) << out.status();
  if (out.ok()) compiled.out = *std::move(out);
  return compiled;
}

// What the float32 model computes for `outputs`.
std::vector<Tensor> Reference(const testing::OnnxBuilder& b,
                              const std::vector<std::string>& outputs, const Tensor& x) {
  absl::StatusOr<std::unique_ptr<Model>> fp32 =
      Model::LoadFromBytes(b.Serialize(), "block.onnx", {});
  EXPECT_TRUE(fp32.ok()) << fp32.status();
  if (!fp32.ok()) return {};
  absl::StatusOr<std::vector<Tensor>> out = (*fp32)->Run({{"x", x}}, {outputs});
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? *std::move(out) : std::vector<Tensor>{};
}

// max |got - want| as a fraction of max |want|.
float RelativeError(const Tensor& got, const Tensor& want) {
  float worst = 0, largest = 0;
  for (int64_t i = 0; i < want.num_elements(); ++i) {
    worst = std::max(worst, std::fabs(got.data<float>()[i] - want.data<float>()[i]));
    largest = std::max(largest, std::fabs(want.data<float>()[i]));
  }
  return worst / largest;
}

TEST(Int8ResidualTest, TheCalibrationCoversFusedResiduals) {
  const Calibration calibration = Calibrate(Blocks(), testing::Normal({2, 8, 6, 6}, 7, 1.0f));
  EXPECT_THAT(calibration.ranges, Contains(::testing::Key("p")));
  EXPECT_LT(calibration.ranges.at("p").min, 0) << "the projection is signed";
  EXPECT_THAT(calibration.ranges, Contains(::testing::Key("y")));
}

// With the residuals' ranges, the blocks run on 8 bits from the input's
// quantization to z: the projection is held in s8 under y's u8, y is
// rescaled where it lies, and no step copies a residual. Without them (a
// calibration made before residuals were calibrated), y is written in
// float32, quantized for the next block and copied into its destination.
TEST(Int8ResidualTest, BlocksHoldTheirResidualsInEightBits) {
  const testing::OnnxBuilder b = Blocks();
  const Tensor x = testing::Normal({2, 8, 6, 6}, 7, 1.0f);
  const Calibration calibration = Calibrate(b, x);
  Calibration without_residuals = calibration;
  without_residuals.ranges.erase("p");
  const std::vector<Tensor> want = Reference(b, {"z"}, x);
  ASSERT_EQ(want.size(), 1u);
  const Compiled held = CompileAndRun(b, calibration, {"z"}, x);
  const Compiled copied = CompileAndRun(b, without_residuals, {"z"}, x);
  ASSERT_EQ(held.out.size(), 1u);
  ASSERT_EQ(copied.out.size(), 1u);
  EXPECT_LT(RelativeError(held.out[0], want[0]), 0.05f);
  EXPECT_LT(RelativeError(copied.out[0], want[0]), 0.05f);
  EXPECT_EQ(held.cpu_steps, 0);
  EXPECT_LT(held.reorders + held.cpu_steps, copied.reorders + copied.cpu_steps)
      << "held: " << held.reorders << " reorders; without the residuals' ranges: "
      << copied.reorders << " reorders, " << copied.cpu_steps << " copies";
}

// p is returned as well as added: the sum must not write over it, so the
// destination gets a copy, and p comes back as the projection computed it.
TEST(Int8ResidualTest, AResidualReadAgainLaterIsCopied) {
  const testing::OnnxBuilder b = Blocks();
  const Tensor x = testing::Normal({2, 8, 6, 6}, 8, 1.0f);
  const Calibration calibration = Calibrate(b, x);
  const std::vector<Tensor> want = Reference(b, {"z", "p"}, x);
  ASSERT_EQ(want.size(), 2u);
  const Compiled compiled = CompileAndRun(b, calibration, {"z", "p"}, x);
  ASSERT_EQ(compiled.out.size(), 2u);
  EXPECT_LT(RelativeError(compiled.out[0], want[0]), 0.05f);
  EXPECT_LT(RelativeError(compiled.out[1], want[1]), 0.02f) << "p was written over";
}

}  // namespace
}  // namespace convoy::engine
