// Zoo models and extra architectures run in a reduced precision must stay
// close to PyTorch's float32 outputs at batch 8:
// max |engine - torch| <= tolerance * max |torch|, and the same top-1
// wherever float32's own top two classes are further apart than that (a
// closer call may flip under any rounding). Outputs must be finite, and
// differ from the float32 engine's, which shows the precision ran.
//
// Bf16: Precision::kBfloat16. The tolerance is 2e-2 where bfloat16 meets
// it. Deeper plain and depthwise networks with the zoo's seeded weights lose
// more: rounding every convolution's input to 8 significant bits costs what
// it costs, with float32 or bfloat16 outputs between layers alike (measured).
//
// Int8: Precision::kInt8, each model calibrated on its calibration samples
// (zoo_calibration.h). 8-bit activations lose more than bfloat16's 8
// significant bits where a layer's values spread over a wide range, and the
// zoo's seeded weights make wider ranges than trained ones.
//
// Every bound sits just above what the model measures, so that any
// regression shows; the measured errors are in docs/ENGINE.md.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "engine/api/model.h"
#include "engine/api/npy.h"
#include "gtest/gtest.h"
#include "tests/engine/zoo/zoo_calibration.h"
#include "tests/engine/zoo/zoo_paths.h"

namespace convoy::engine {
namespace {

namespace fs = std::filesystem;

struct PrecisionCase {
  std::string model;
  float relative_tolerance;
};

// A zoo model's file and the folder of its reference input.npy and
// output.npy: a served model's (models/, refs/) or an extra one's.
struct ZooModelFiles {
  fs::path model;
  fs::path refs;
};

ZooModelFiles FindZooModel(const std::string& name) {
  const fs::path zoo = testing::ZooDir();
  if (fs::exists(zoo / "models" / name)) {
    return {zoo / "models" / name / "1" / "model.onnx", zoo / "refs" / name};
  }
  return {zoo / "extra" / name / "model.onnx", zoo / "extra" / name};
}

// The first output of the model at `path`, loaded with `options`, on `input`.
absl::StatusOr<Tensor> RunModel(const fs::path& path, const ModelOptions& options,
                                const Tensor& input) {
  absl::StatusOr<std::unique_ptr<Model>> model = Model::Load(path.string(), options);
  if (!model.ok()) return model.status();
  absl::StatusOr<std::vector<Tensor>> out = (*model)->Run({{(*model)->inputs()[0].name, input}});
  if (!out.ok()) return out.status();
  return (*out)[0];
}

// `got` against `torch` [rows, classes] and the float32 engine's `fp32`,
// as the file comment says; prints the error and the top-1 agreement.
void ExpectCloseToTorch(const std::string& model, Precision precision, const Tensor& got_tensor,
                        const Tensor& torch, const Tensor& fp32, float relative_tolerance) {
  const int64_t rows = torch.shape()[0], cols = torch.shape()[1];
  const float* got = got_tensor.data<float>();
  const float* want = torch.data<float>();
  float max_ref = 0, max_diff = 0, max_diff_fp32 = 0;
  for (int64_t i = 0; i < rows * cols; ++i) {
    ASSERT_TRUE(std::isfinite(got[i])) << "output " << i << " is " << got[i];
    max_ref = std::max(max_ref, std::fabs(want[i]));
    max_diff = std::max(max_diff, std::fabs(got[i] - want[i]));
    max_diff_fp32 = std::max(max_diff_fp32, std::fabs(got[i] - fp32.data<float>()[i]));
  }
  const float tolerance = relative_tolerance * max_ref;
  int agreed = 0;
  for (int64_t r = 0; r < rows; ++r) {
    const float* g = got + r * cols;
    const float* w = want + r * cols;
    const bool same = std::max_element(g, g + cols) - g == std::max_element(w, w + cols) - w;
    agreed += same;
    std::vector<float> row(w, w + cols);
    std::partial_sort(row.begin(), row.begin() + 2, row.end(), std::greater<float>());
    if (row[0] - row[1] > tolerance) {
      EXPECT_TRUE(same) << "sample " << r;
    }
  }
  const absl::string_view label = PrecisionName(precision);
  std::cout << model << ": max |" << label << " - torch| = " << max_diff << " ("
            << max_diff / max_ref << " of max |torch|), top-1 as torch on " << agreed << " of "
            << rows << "\n";
  EXPECT_LE(max_diff, tolerance);
  EXPECT_GT(max_diff_fp32, 0) << label << " and fp32 outputs are identical: " << label
                              << " did not run";
}

void CheckPrecision(Precision precision, const PrecisionCase& c) {
  if (!fs::exists(testing::ZooDir())) GTEST_SKIP() << "no zoo at " << testing::ZooDir();
  const ZooModelFiles files = FindZooModel(c.model);
  ASSERT_TRUE(fs::exists(files.model)) << files.model << " is missing: run tools/make_zoo.py";
  absl::StatusOr<Tensor> input = ReadNpy((files.refs / "input.npy").string());
  absl::StatusOr<Tensor> torch = ReadNpy((files.refs / "output.npy").string());
  ASSERT_TRUE(input.ok() && torch.ok()) << input.status() << torch.status();
  ModelOptions options;
  options.precision = precision;
  if (precision == Precision::kInt8) {
    auto calibration = testing::CalibrateZooModel(files.model, files.refs);
    ASSERT_TRUE(calibration.ok()) << calibration.status();
    options.calibration = *calibration;
  }
  absl::StatusOr<Tensor> reduced = RunModel(files.model, options, *input);
  absl::StatusOr<Tensor> fp32 = RunModel(files.model, {}, *input);
  ASSERT_TRUE(reduced.ok()) << reduced.status();
  ASSERT_TRUE(fp32.ok()) << fp32.status();
  ExpectCloseToTorch(c.model, precision, *reduced, *torch, *fp32, c.relative_tolerance);
}

class Bf16Test : public ::testing::TestWithParam<PrecisionCase> {};
class Int8Test : public ::testing::TestWithParam<PrecisionCase> {};

TEST_P(Bf16Test, StaysCloseToPyTorch) { CheckPrecision(Precision::kBfloat16, GetParam()); }
TEST_P(Int8Test, StaysCloseToPyTorch) { CheckPrecision(Precision::kInt8, GetParam()); }

std::string CaseName(const ::testing::TestParamInfo<PrecisionCase>& info) {
  std::string n = info.param.model;
  std::replace(n.begin(), n.end(), '-', '_');
  return n;
}

INSTANTIATE_TEST_SUITE_P(
    Zoo, Bf16Test,
    ::testing::Values(PrecisionCase{"lenet5", 2e-2f}, PrecisionCase{"alexnet", 2e-2f},
                      PrecisionCase{"resnet18", 2e-2f}, PrecisionCase{"resnet50", 2e-2f},
                      PrecisionCase{"nin", 2e-2f}, PrecisionCase{"alexnet-lrn", 3e-2f},
                      PrecisionCase{"squeezenet1_1", 3e-2f}, PrecisionCase{"densenet121", 4e-2f},
                      PrecisionCase{"googlenet", 7e-2f}, PrecisionCase{"vgg16", 0.11f},
                      PrecisionCase{"efficientnet_b0", 0.2f},
                      PrecisionCase{"mobilenet_v2", 0.45f}),
    CaseName);

INSTANTIATE_TEST_SUITE_P(
    Zoo, Int8Test,
    ::testing::Values(PrecisionCase{"lenet5", 0.07f}, PrecisionCase{"resnet18", 0.08f},
                      PrecisionCase{"resnet50", 0.09f}, PrecisionCase{"alexnet", 0.25f},
                      PrecisionCase{"googlenet", 0.3f}, PrecisionCase{"vgg16", 0.4f}),
    CaseName);

}  // namespace
}  // namespace convoy::engine
