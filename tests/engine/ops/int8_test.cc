// Precision::kInt8: convolutions calibrated by Calibrator run on 8-bit
// integers and stay within quantization error of the float32 reference,
// in every arrangement the int8 plan treats apart (u8 and s8 inputs, 8-bit
// outputs read by the next int8 convolution, signed and unsigned
// residuals, grouped weights, values read by float32
// operators); and a model without a usable calibration is refused.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "engine/api/calibration.h"
#include "engine/api/model.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/engine/ops/op_test_util.h"
#include "tests/engine/ops/reference_net.h"

namespace convoy::engine::testing {
namespace {

using ::testing::HasSubstr;

// Calibrates `net` on `samples` (float32), then loads it in int8.
absl::StatusOr<std::unique_ptr<Model>> LoadInt8(const ReferenceNet& net,
                                                const std::vector<Tensor>& samples) {
  absl::StatusOr<std::unique_ptr<Model>> fp32 =
      Model::LoadFromBytes(net.Serialize(), "net.onnx", {});
  if (!fp32.ok()) return fp32.status();
  Calibrator calibrator(**fp32);
  for (const Tensor& x : samples) {
    if (absl::Status s = calibrator.Add({{"x", x}}); !s.ok()) return s;
  }
  ModelOptions options;
  options.precision = Precision::kInt8;
  options.calibration = std::make_shared<const Calibration>(calibrator.calibration());
  return Model::LoadFromBytes(net.Serialize(), "net.onnx", options);
}

// max |actual - expected| <= tolerance * max |expected|, and not equal to
// the float32 result bit for bit (int8 arithmetic ran).
::testing::AssertionResult WithinQuantizationError(const Tensor& actual, const Tensor& expected,
                                                   float tolerance) {
  if (actual.shape() != expected.shape()) {
    return ::testing::AssertionFailure() << "shape " << ShapeToString(actual.shape()) << " vs "
                                         << ShapeToString(expected.shape());
  }
  float max_ref = 0, max_diff = 0;
  for (int64_t i = 0; i < expected.num_elements(); ++i) {
    max_ref = std::max(max_ref, std::fabs(expected.data<float>()[i]));
    max_diff = std::max(max_diff, std::fabs(actual.data<float>()[i] - expected.data<float>()[i]));
  }
  if (max_diff > tolerance * max_ref) {
    return ::testing::AssertionFailure() << "max |int8 - reference| = " << max_diff << ", "
                                         << max_diff / max_ref << " of max |reference|";
  }
  if (max_diff == 0) return ::testing::AssertionFailure() << "int8 equals float32 exactly";
  return ::testing::AssertionSuccess() << max_diff / max_ref;
}

void ExpectCloseToReference(const ReferenceNet& net, const Shape& shape, float tolerance,
                            uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<Tensor> samples;
  for (int i = 0; i < 4; ++i) samples.push_back(Random(rng, shape));
  absl::StatusOr<std::unique_ptr<Model>> model = LoadInt8(net, samples);
  ASSERT_TRUE(model.ok()) << model.status();
  const Tensor x = Random(rng, shape);
  absl::StatusOr<std::vector<Tensor>> out = (*model)->Run({{"x", x}});
  ASSERT_TRUE(out.ok()) << out.status();
  const std::vector<Tensor> expected = net.Reference(x);
  for (size_t i = 0; i < expected.size(); ++i) {
    ::testing::AssertionResult close = WithinQuantizationError((*out)[i], expected[i], tolerance);
    EXPECT_TRUE(close) << net.outputs()[i];
    std::cout << net.outputs()[i] << ": " << close.message() << "\n";
  }
}

TEST(Int8Test, ConvolutionChainsStayWithinQuantizationError) {
  // x goes below zero (s8); each ReLU'd output is read by the next
  // convolution in u8 straight from its producer; the last one writes
  // float32 for the pool.
  ReferenceNet net(31031, {1, 8, 12, 12});
  std::string y = net.Relu(net.Conv("x", 16, {3, 3}, Padded(1)));
  y = net.Relu(net.Conv(y, 32, {3, 3}, Padded(1, 2)));
  y = net.Relu(net.Conv(y, 32, {1, 1}));
  net.Output(net.GlobalAveragePool(y));
  ExpectCloseToReference(net, {2, 8, 12, 12}, 3e-2f, 1);
}

TEST(Int8Test, GroupedAndUnactivatedConvolutions) {
  // A signed output (no ReLU) read in s8, and grouped weights scaled per
  // output channel across groups.
  ReferenceNet net(32032, {1, 8, 10, 10});
  std::string y = net.Conv("x", 16, {3, 3}, Padded(1));
  y = net.Relu(net.Conv(y, 16, {3, 3}, Padded(1, 1, /*group=*/4)));
  net.Output(net.Conv(y, 8, {1, 1}));
  ExpectCloseToReference(net, {2, 8, 10, 10}, 3e-2f, 2);
}

TEST(Int8Test, ResidualBlocksWithSignedAndNonNegativeResiduals) {
  // ResNet's two blocks: one whose residual is a projection (a conv
  // without ReLU, below zero too, held in s8 under the block's u8
  // output), one whose residual is the block's ReLU'd input.
  ReferenceNet net(33033, {1, 16, 8, 8});
  const std::string stem = net.Relu(net.Conv("x", 16, {3, 3}, Padded(1)));
  const std::string projection = net.Conv(stem, 32, {1, 1});
  std::string body = net.Relu(net.Conv(stem, 32, {3, 3}, Padded(1)));
  const std::string block1 = net.Relu(net.Add(net.Conv(body, 32, {3, 3}, Padded(1)), projection));
  body = net.Relu(net.Conv(block1, 32, {3, 3}, Padded(1)));
  const std::string block2 = net.Relu(net.Add(net.Conv(body, 32, {3, 3}, Padded(1)), block1));
  net.Output(net.Relu(net.Conv(block2, 8, {1, 1})));
  ExpectCloseToReference(net, {2, 16, 8, 8}, 4e-2f, 3);
}

TEST(Int8Test, EightBitOutputOfAnActivationThatDoesNotCommuteWithScaling) {
  // Conv → Tanh (fused) → Conv: the first output is stored in s8, so the
  // Tanh must run on real values and only its result be scaled.
  std::mt19937 rng(13);
  const Tensor w1 = Random(rng, {8, 3, 3, 3}), w2 = Random(rng, {4, 8, 3, 3});
  OnnxBuilder builder;
  builder.AddInput("x", {"N", 3, 7, 7});
  builder.AddInitializer("w1", w1);
  builder.AddInitializer("w2", w2);
  builder.AddNode("Conv", {"x", "w1"}, {"c1"}, {IntsAttr("pads", {1, 1, 1, 1})});
  builder.AddNode("Tanh", {"c1"}, {"t"});
  builder.AddNode("Conv", {"t", "w2"}, {"y"});
  builder.AddOutput("y");
  auto fp32 = Model::LoadFromBytes(builder.Serialize(), "tanh.onnx", {});
  ASSERT_TRUE(fp32.ok()) << fp32.status();
  Calibrator calibrator(**fp32);
  ASSERT_TRUE(calibrator.Add({{"x", Random(rng, {4, 3, 7, 7})}}).ok());
  ASSERT_LT(calibrator.calibration().ranges.at("t").min, 0);  // s8
  ModelOptions options;
  options.precision = Precision::kInt8;
  options.calibration = std::make_shared<const Calibration>(calibrator.calibration());
  auto model = Model::LoadFromBytes(builder.Serialize(), "tanh.onnx", options);
  ASSERT_TRUE(model.ok()) << model.status();
  const Tensor x = Random(rng, {2, 3, 7, 7});
  auto out = (*model)->Run({{"x", x}});
  ASSERT_TRUE(out.ok()) << out.status();
  reference::ConvParams pad1;
  pad1.pads = {1, 1, 1, 1};
  const Tensor expected =
      reference::Conv(reference::Tanh(reference::Conv(x, w1, nullptr, pad1)), w2, nullptr, {});
  EXPECT_TRUE(WithinQuantizationError((*out)[0], expected, 3e-2f));
}

TEST(Int8Test, EightBitValuesReadByFloatOperatorsAndRequestedAsOutputs) {
  // `a` is stored in 8 bits for the convolution that reads it; the pool,
  // the concat and a request for it as an output all see float32.
  ReferenceNet net(34034, {1, 4, 9, 9});
  const std::string a = net.Relu(net.Conv("x", 16, {3, 3}, Padded(1)));
  const std::string b = net.Relu(net.Conv(a, 16, {3, 3}, Padded(1)));
  net.Output(net.Concat({net.MaxPool(a, PoolWindow(3, 1, 1)), b}));
  net.Output(a);
  ExpectCloseToReference(net, {3, 4, 9, 9}, 3e-2f, 4);
}

// Every path an 8-bit value takes between convolutions: a projection
// block (its s8 shortcut held under a u8 output), an identity block (its
// residual written over where it lies), a Pad + AveragePool branch (folded
// into one pool averaging 8 bits) and a max pool branch (rescaled into the
// concatenation).
ReferenceNet EightBitPaths() {
  ReferenceNet net(35035, {1, 3, 8, 8});
  const std::string stem = net.Relu(net.Conv("x", 8, {3, 3}, Padded(1)));
  const std::string projection = net.Conv(stem, 16, {1, 1});
  std::string y = net.Relu(net.Add(net.Conv(net.Relu(net.Conv(stem, 16, {3, 3}, Padded(1))), 16,
                                            {3, 3}, Padded(1)),
                                   projection));
  y = net.Relu(net.Add(net.Conv(net.Relu(net.Conv(y, 16, {1, 1})), 16, {1, 1}), y));
  const std::string averaged =
      net.Conv(net.AveragePool(net.Pad(y, {0, 0, 1, 1, 0, 0, 1, 1}, 0.0f), PoolWindow(3, 1, 0)), 8,
               {1, 1});
  const std::string pooled = net.MaxPool(y, PoolWindow(3, 1, 1));
  net.Output(net.Relu(net.Conv(net.Concat({averaged, pooled, net.Conv(y, 8, {1, 1})}), 8, {1, 1})));
  return net;
}

TEST(Int8Test, EightBitPathsStayWithinQuantizationError) {
  ExpectCloseToReference(EightBitPaths(), {2, 3, 8, 8}, 5e-2f, 7);
}

// A row's answer is the same alone as among others: the scales come from
// the calibration, never from the batch, on every 8-bit path.
TEST(Int8Test, EveryBatchSizeUsesTheSameScales) {
  const ReferenceNet net = EightBitPaths();
  std::mt19937 rng(5);
  absl::StatusOr<std::unique_ptr<Model>> model = LoadInt8(net, {Random(rng, {8, 3, 8, 8})});
  ASSERT_TRUE(model.ok()) << model.status();
  const Tensor x = Random(rng, {5, 3, 8, 8});
  auto together = (*model)->Run({{"x", x}});
  ASSERT_TRUE(together.ok()) << together.status();
  const int64_t row = x.num_elements() / 5, out_row = (*together)[0].num_elements() / 5;
  for (int64_t i = 0; i < 5; ++i) {
    const Tensor one = Tensor::FromFloats({1, 3, 8, 8}, {x.data<float>() + i * row, size_t(row)});
    auto alone = (*model)->Run({{"x", one}});
    ASSERT_TRUE(alone.ok()) << alone.status();
    EXPECT_TRUE(std::equal((*alone)[0].data<float>(), (*alone)[0].data<float>() + out_row,
                           (*together)[0].data<float>() + i * out_row))
        << "row " << i;
  }
}

TEST(Int8Test, UncalibratedConvolutionsStayFloat) {
  // A calibration that covers the second convolution only: the first runs
  // in float32 and its result is exact.
  ReferenceNet net(36036, {1, 3, 6, 6});
  const std::string a = net.Conv("x", 8, {3, 3}, Padded(1));
  net.Output(a);
  net.Output(net.Conv(net.Relu(a), 4, {1, 1}));
  absl::StatusOr<std::unique_ptr<Model>> fp32 = Model::LoadFromBytes(net.Serialize(), "net.onnx", {});
  ASSERT_TRUE(fp32.ok()) << fp32.status();
  std::mt19937 rng(6);
  Calibrator calibrator(**fp32);
  ASSERT_TRUE(calibrator.Add({{"x", Random(rng, {4, 3, 6, 6})}}).ok());
  auto calibration = std::make_shared<Calibration>(calibrator.calibration());
  ASSERT_EQ(calibration->ranges.erase("x"), 1u);
  ModelOptions options;
  options.precision = Precision::kInt8;
  options.calibration = calibration;
  auto model = Model::LoadFromBytes(net.Serialize(), "net.onnx", options);
  ASSERT_TRUE(model.ok()) << model.status();
  const Tensor x = Random(rng, {2, 3, 6, 6});
  auto out = (*model)->Run({{"x", x}});
  ASSERT_TRUE(out.ok()) << out.status();
  const std::vector<Tensor> expected = net.Reference(x);
  EXPECT_TRUE(MatchesReference((*out)[0], expected[0]));
  EXPECT_TRUE(WithinQuantizationError((*out)[1], expected[1], 3e-2f));
}

TEST(Int8Test, CalibratedValuesAreTheInputsOfConvolutionsAndGemms) {
  ReferenceNet net(37037, {1, 3, 6, 6});
  const std::string a = net.Relu(net.Conv("x", 8, {3, 3}, Padded(1)));
  const std::string flat = net.Flatten(net.Conv(a, 4, {1, 1}));
  net.Output(net.Dense(flat, 4 * 36, 3));
  auto model = Model::LoadFromBytes(net.Serialize(), "net.onnx", {});
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ((*model)->calibrated_values(), (std::vector<std::string>{"x", a, flat}));
}

TEST(Int8Test, ClassifierGemmsStayWithinQuantizationError) {
  // Gemm with transB (PyTorch's Linear), a fused ReLU between the two.
  ReferenceNet net(42042, {1, 4, 6, 6});
  const std::string features = net.Flatten(net.Relu(net.Conv("x", 8, {3, 3}, Padded(1))));
  net.Output(net.Dense(net.Relu(net.Dense(features, 8 * 36, 64)), 64, 10));
  ExpectCloseToReference(net, {3, 4, 6, 6}, 3e-2f, 10);
}

TEST(Int8Test, GemmWithoutTransposeScalesEachColumn) {
  // y = 0.5 · x·B + 2 · C, B [K, N] scaled per column, C broadcast by row.
  std::mt19937 rng(11);
  const Tensor b = Random(rng, {24, 16});
  const Tensor c = Random(rng, {16});
  // Columns of very different magnitudes: one scale for all would lose the small ones.
  Tensor scaled_b = b;
  for (int64_t k = 0; k < 24; ++k) {
    for (int64_t n = 0; n < 16; ++n) scaled_b.data<float>()[k * 16 + n] *= std::pow(2.0f, n % 8 - 4);
  }
  OnnxBuilder builder;
  builder.AddInput("x", {"N", 24});
  builder.AddInitializer("B", scaled_b);
  builder.AddInitializer("C", c);
  builder.AddNode("Gemm", {"x", "B", "C"}, {"y"},
                  {FloatAttr("alpha", 0.5f), FloatAttr("beta", 2.0f)});
  builder.AddOutput("y");
  auto fp32 = Model::LoadFromBytes(builder.Serialize(), "gemm.onnx", {});
  ASSERT_TRUE(fp32.ok()) << fp32.status();
  // A non-negative input (u8): per-column weight scales.
  Calibrator calibrator(**fp32);
  ASSERT_TRUE(calibrator.Add({{"x", Random(rng, {8, 24}, 0.0f, 1.0f)}}).ok());
  ModelOptions options;
  options.precision = Precision::kInt8;
  options.calibration = std::make_shared<const Calibration>(calibrator.calibration());
  auto model = Model::LoadFromBytes(builder.Serialize(), "gemm.onnx", options);
  ASSERT_TRUE(model.ok()) << model.status();
  const Tensor x = Random(rng, {5, 24}, 0.0f, 1.0f);
  auto out = (*model)->Run({{"x", x}});
  ASSERT_TRUE(out.ok()) << out.status();
  reference::GemmParams params;
  params.alpha = 0.5f;
  params.beta = 2.0f;
  const Tensor expected = reference::Gemm(x, scaled_b, &c, params);
  // Each column against its own magnitude.
  for (int64_t n = 0; n < 16; ++n) {
    float max_ref = 0, max_diff = 0;
    for (int64_t m = 0; m < 5; ++m) {
      const float want = expected.data<float>()[m * 16 + n] - 2.0f * c.data<float>()[n];
      max_ref = std::max(max_ref, std::fabs(want));
      max_diff = std::max(max_diff, std::fabs((*out)[0].data<float>()[m * 16 + n] -
                                              expected.data<float>()[m * 16 + n]));
    }
    EXPECT_LE(max_diff, 3e-2f * max_ref) << "column " << n;
  }
  EXPECT_TRUE(WithinQuantizationError((*out)[0], expected, 3e-2f));
}

TEST(Int8Test, GemmOfSignedInputStaysWithinQuantizationError) {
  // A signed input (s8): one weight scale for the whole matrix.
  ReferenceNet net(43043, {1, 40});
  net.Output(net.Dense(net.Dense("x", 40, 32), 32, 8));
  ExpectCloseToReference(net, {6, 40}, 3e-2f, 12);
}

TEST(Int8Test, CalibratorRecordsTheRangeOfEveryBatch) {
  ReferenceNet net(38038, {1, 2, 5, 5});
  const std::string a = net.Relu(net.Conv("x", 4, {3, 3}, Padded(1)));
  net.Output(net.Conv(a, 2, {1, 1}));
  auto model = Model::LoadFromBytes(net.Serialize(), "net.onnx", {});
  ASSERT_TRUE(model.ok()) << model.status();
  std::mt19937 rng(8);
  const Tensor low = Random(rng, {3, 2, 5, 5}, -2.0f, 0.5f);
  const Tensor high = Random(rng, {2, 2, 5, 5}, -0.5f, 3.0f);
  Calibrator calibrator(**model);
  ASSERT_TRUE(calibrator.Add({{"x", low}}).ok());
  ASSERT_TRUE(calibrator.Add({{"x", high}}).ok());
  const Calibration& c = calibrator.calibration();
  EXPECT_EQ(c.samples, 5);
  ASSERT_EQ(c.ranges.size(), 2u);
  auto [low_min, low_max] = std::minmax_element(low.data<float>(), low.data<float>() + low.num_elements());
  auto [high_min, high_max] = std::minmax_element(high.data<float>(), high.data<float>() + high.num_elements());
  EXPECT_EQ(c.ranges.at("x").min, std::min(*low_min, *high_min));
  EXPECT_EQ(c.ranges.at("x").max, std::max(*low_max, *high_max));
  float a_max = 0;
  for (const Tensor& x : {low, high}) {
    const Tensor r = net.Reference(x, {a})[0];
    a_max = std::max(a_max, *std::max_element(r.data<float>(), r.data<float>() + r.num_elements()));
  }
  EXPECT_EQ(c.ranges.at(a).min, 0.0f);
  EXPECT_NEAR(c.ranges.at(a).max, a_max, 1e-5f * a_max);
}

TEST(Int8Test, LoadWithoutCalibrationIsRefused) {
  ReferenceNet net(39039, {1, 2, 5, 5});
  net.Output(net.Conv("x", 2, {3, 3}));
  ModelOptions options;
  options.precision = Precision::kInt8;
  auto from_bytes = Model::LoadFromBytes(net.Serialize(), "net.onnx", options);
  EXPECT_EQ(from_bytes.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(from_bytes.status().message(), HasSubstr("needs a calibration"));

  const std::string path = ::testing::TempDir() + "/int8_uncalibrated.onnx";
  {
    std::ofstream out(path, std::ios::binary);
    out << net.Serialize();
  }
  std::filesystem::remove(CalibrationPathFor(path));
  auto from_file = Model::Load(path, options);
  EXPECT_EQ(from_file.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(from_file.status().message(),
              HasSubstr("there is none at " + path + ".calibration; make one with: "
                        "convoy-calibrate --model " + path));
}

TEST(Int8Test, CalibrationOfAnotherModelIsRefused) {
  ReferenceNet net(40040, {1, 2, 5, 5});
  net.Output(net.Conv("x", 2, {3, 3}));
  auto other = std::make_shared<Calibration>();
  other->ranges["conv_input_of_another_model"] = {0, 1};
  ModelOptions options;
  options.precision = Precision::kInt8;
  options.calibration = other;
  auto model = Model::LoadFromBytes(net.Serialize(), "net.onnx", options);
  EXPECT_EQ(model.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(model.status().message(),
              HasSubstr("covers none of the 1 values int8 quantizes (such as 'x')"));
}

TEST(Int8Test, CalibrationFileBesideTheModelIsUsed) {
  ReferenceNet net(41041, {1, 2, 5, 5});
  net.Output(net.Relu(net.Conv(net.Relu(net.Conv("x", 8, {3, 3}, Padded(1))), 4, {3, 3})));
  const std::string path = ::testing::TempDir() + "/int8_calibrated.onnx";
  {
    std::ofstream out(path, std::ios::binary);
    out << net.Serialize();
  }
  auto fp32 = Model::Load(path, {});
  ASSERT_TRUE(fp32.ok()) << fp32.status();
  std::mt19937 rng(9);
  Calibrator calibrator(**fp32);
  ASSERT_TRUE(calibrator.Add({{"x", Random(rng, {4, 2, 5, 5})}}).ok());
  ASSERT_TRUE(WriteCalibration(calibrator.calibration(), CalibrationPathFor(path)).ok());
  ModelOptions options;
  options.precision = Precision::kInt8;
  auto model = Model::Load(path, options);
  ASSERT_TRUE(model.ok()) << model.status();
  const Tensor x = Random(rng, {2, 2, 5, 5});
  auto out = (*model)->Run({{"x", x}});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_TRUE(WithinQuantizationError((*out)[0], net.Reference(x)[0], 3e-2f));
}

}  // namespace
}  // namespace convoy::engine::testing
