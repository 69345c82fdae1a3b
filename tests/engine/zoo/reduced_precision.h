// The check the bf16 and int8 zoo tests share: a model's outputs in a
// reduced precision against PyTorch's float32 outputs, and against the
// float32 engine's, on the zoo's reference batch.
#ifndef CONVOY_TESTS_ENGINE_ZOO_REDUCED_PRECISION_H_
#define CONVOY_TESTS_ENGINE_ZOO_REDUCED_PRECISION_H_

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/api/model.h"
#include "engine/api/tensor.h"
#include "engine/io/npy.h"
#include "gtest/gtest.h"

namespace convoy::testing {

// A zoo model's file and the folder of its reference input.npy and
// output.npy: a served model's (models/, refs/) or an extra one's.
struct ZooModelFiles {
  std::filesystem::path model;
  std::filesystem::path refs;
};

inline ZooModelFiles FindZooModel(const std::filesystem::path& zoo, const std::string& name) {
  if (std::filesystem::exists(zoo / "models" / name)) {
    return {zoo / "models" / name / "1" / "model.onnx", zoo / "refs" / name};
  }
  return {zoo / "extra" / name / "model.onnx", zoo / "extra" / name};
}

// The first output of the model at `path`, loaded with `options`, on `input`.
inline absl::StatusOr<Tensor> RunZooModel(const std::filesystem::path& path,
                                          const ModelOptions& options, const Tensor& input) {
  absl::StatusOr<std::unique_ptr<Model>> model = Model::Load(path.string(), options);
  if (!model.ok()) return model.status();
  absl::StatusOr<std::vector<Tensor>> out = (*model)->Run({{(*model)->inputs()[0].name, input}});
  if (!out.ok()) return out.status();
  return (*out)[0];
}

// `got` (precision `label`) against `torch` [rows, classes]: every output
// finite; max |got - torch| <= relative_tolerance * max |torch|; the same
// top-1 wherever torch's top two are further apart than that; and `got`
// not equal to `fp32`, the float32 engine's outputs (the precision ran).
// Prints the error and how many rows agree on top-1.
inline void ExpectCloseToTorch(const std::string& model, const std::string& label,
                               const Tensor& got_tensor, const Tensor& torch,
                               const Tensor& fp32, float relative_tolerance) {
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
  std::cout << model << ": max |" << label << " - torch| = " << max_diff << " ("
            << max_diff / max_ref << " of max |torch|), top-1 as torch on " << agreed << " of "
            << rows << "\n";
  EXPECT_LE(max_diff, tolerance);
  EXPECT_GT(max_diff_fp32, 0) << label << " and fp32 outputs are identical: " << label
                              << " did not run";
}

}  // namespace convoy::testing

#endif  // CONVOY_TESTS_ENGINE_ZOO_REDUCED_PRECISION_H_
