// Every zoo model, and every extra architecture the zoo exports only for
// testing, must reproduce PyTorch's outputs at batch 8 and at batch 1:
// max |engine - torch| <= 1e-4 * max(1, max |torch|), with the same top-1.
#include <algorithm>
#include <iostream>
#include <cmath>
#include <string>

#include "engine/api/model.h"
#include "engine/api/npy.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/engine/zoo/zoo_paths.h"

namespace convoy::engine {
namespace {

namespace fs = std::filesystem;

struct Reference {
  fs::path model;
  fs::path dir;  // input.npy and output.npy
};

int64_t ArgMax(const float* row, int64_t n) { return std::max_element(row, row + n) - row; }

// Compares rows [0, rows) of `got` with rows [first, first + rows) of `want`.
void ExpectMatches(const Tensor& got, const Tensor& want, int64_t first, const std::string& what) {
  const int64_t cols = want.shape()[1];
  ASSERT_EQ(got.shape()[1], cols) << what;
  const float* g = got.data<float>();
  const float* w = want.data<float>() + first * cols;
  const int64_t rows = got.shape()[0];
  float max_ref = 0, max_diff = 0;
  for (int64_t i = 0; i < rows * cols; ++i) {
    max_ref = std::max(max_ref, std::fabs(w[i]));
    max_diff = std::max(max_diff, std::fabs(g[i] - w[i]));
  }
  const float tolerance = 1e-4f * std::max(1.0f, max_ref);
  std::cout << what << ": max |engine - torch| = " << max_diff << " (tolerance " << tolerance
            << ")\n";
  EXPECT_LE(max_diff, tolerance)
      << what << ": max |engine - torch| = " << max_diff << ", max |torch| = " << max_ref;
  for (int64_t r = 0; r < rows; ++r) {
    EXPECT_EQ(ArgMax(g + r * cols, cols), ArgMax(w + r * cols, cols)) << what << " sample " << first + r;
  }
}

void CheckAgainstTorch(const Reference& ref) {
  if (!fs::exists(testing::ZooDir())) GTEST_SKIP() << "no zoo at " << testing::ZooDir();
  ASSERT_TRUE(fs::exists(ref.model)) << ref.model << " is missing: run tools/make_zoo.py";
  absl::StatusOr<std::unique_ptr<Model>> model = Model::Load(ref.model.string(), {});
  ASSERT_TRUE(model.ok()) << model.status();
  absl::StatusOr<Tensor> input = ReadNpy((ref.dir / "input.npy").string());
  absl::StatusOr<Tensor> output = ReadNpy((ref.dir / "output.npy").string());
  ASSERT_TRUE(input.ok()) << input.status();
  ASSERT_TRUE(output.ok()) << output.status();
  const std::string name = (*model)->inputs()[0].name;

  absl::StatusOr<std::vector<Tensor>> batch = (*model)->Run({{name, *input}});
  ASSERT_TRUE(batch.ok()) << batch.status();
  ExpectMatches((*batch)[0], *output, 0, "batch " + std::to_string(input->shape()[0]));

  Shape one = input->shape();
  one[0] = 1;
  const int64_t sample_size = NumElements(one);
  for (int64_t i = 0; i < input->shape()[0]; ++i) {
    Tensor sample = Tensor::FromFloats(one, {input->data<float>() + i * sample_size,
                                             static_cast<size_t>(sample_size)});
    absl::StatusOr<std::vector<Tensor>> single = (*model)->Run({{name, sample}});
    ASSERT_TRUE(single.ok()) << single.status();
    ExpectMatches((*single)[0], *output, i, "batch 1");
  }
}

class ZooModelTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ZooModelTest, MatchesPyTorchAtBatch8AndBatch1) {
  const fs::path zoo = testing::ZooDir();
  CheckAgainstTorch({zoo / "models" / GetParam() / "1" / "model.onnx", zoo / "refs" / GetParam()});
}

INSTANTIATE_TEST_SUITE_P(Zoo, ZooModelTest,
                         ::testing::Values("lenet5", "lenet5-fmnist", "lenet5-fmnist-seed1",
                                           "lenet5-fmnist-seed2", "alexnet", "alexnet-lrn", "vgg16",
                                           "vgg19", "resnet18", "resnet50", "resnet152", "googlenet",
                                           "nin"),
                         [](const auto& info) {
                           std::string n = info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

// Networks outside the zoo, one of each torchvision CNN family the zoo
// lacks, with the zoo's operators used differently (depthwise and group
// convolutions, Clip, computed reshapes, channel shuffles with Slice and
// Cast, dense concatenation, squeeze-excitation, ReduceMean pooling,
// asymmetric kernels) and the operators only they need (HardSigmoid,
// HardSwish, LayerNormalization and its opset 13 decomposition, Erf,
// channels-last MatMul), and LeNet-5 exported at several opsets.
class OtherArchitectureTest : public ::testing::TestWithParam<std::string> {};

TEST_P(OtherArchitectureTest, MatchesPyTorch) {
  const fs::path dir = testing::ZooDir() / "extra" / GetParam();
  CheckAgainstTorch({dir / "model.onnx", dir});
}

INSTANTIATE_TEST_SUITE_P(Extra, OtherArchitectureTest,
                         ::testing::Values("squeezenet1_1", "mobilenet_v2", "shufflenet_v2_x0_5",
                                           "densenet121", "efficientnet_b0", "convnext_tiny",
                                           "convnext_tiny-opset17", "efficientnet_v2_s",
                                           "mnasnet1_0", "mobilenet_v3_large",
                                           "mobilenet_v3_small-opset17", "regnet_y_400mf",
                                           "resnext50_32x4d", "wide_resnet50_2", "inception_v3",
                                           "lenet5-opset7", "lenet5-opset9", "lenet5-opset11",
                                           "lenet5-opset17"),
                         [](const auto& info) {
                           std::string n = info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

}  // namespace
}  // namespace convoy::engine
