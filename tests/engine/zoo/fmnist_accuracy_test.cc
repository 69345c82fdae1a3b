// lenet5-fmnist, trained by tools/make_zoo.py, must make exactly PyTorch's
// prediction on each of the 10,000 Fashion-MNIST test images, and so score
// exactly PyTorch's accuracy; in bfloat16 its accuracy must stay within 0.2
// points of that, in int8 (calibrated on training images) within 0.5.
#include <cmath>
#include <fstream>
#include <regex>
#include <sstream>

#include "engine/api/model.h"
#include "engine/api/npy.h"
#include "gtest/gtest.h"
#include "tests/engine/zoo/zoo_calibration.h"
#include "tests/engine/zoo/zoo_paths.h"

namespace convoy::engine {
namespace {

namespace fs = std::filesystem;

double RecordedAccuracy(const fs::path& json) {
  std::ifstream in(json);
  std::stringstream text;
  text << in.rdbuf();
  std::smatch m;
  const std::string s = text.str();
  if (!std::regex_search(s, m, std::regex("\"test_accuracy\"\\s*:\\s*([0-9.eE+-]+)"))) return -1;
  return std::stod(m[1]);
}

struct Score {
  int64_t correct = 0;
  int64_t disagreements = 0;  // With PyTorch's predictions.
  int64_t n = 0;
  double accuracy() const { return static_cast<double>(correct) / n; }
};

void ScoreTestSet(Precision precision, Score* score) {
  const fs::path zoo = testing::ZooDir();
  const fs::path refs = zoo / "refs" / "lenet5-fmnist";
  const fs::path path = zoo / "models" / "lenet5-fmnist" / "1" / "model.onnx";
  ModelOptions options;
  options.precision = precision;
  if (precision == Precision::kInt8) {
    auto calibration = testing::CalibrateZooModel(path, refs);
    ASSERT_TRUE(calibration.ok()) << calibration.status();
    options.calibration = *calibration;
  }
  auto model = Model::Load(path.string(), options);
  ASSERT_TRUE(model.ok()) << model.status();
  auto images = ReadNpy((refs / "test_images.npy").string());
  auto labels = ReadNpy((refs / "test_labels.npy").string());
  auto torch = ReadNpy((refs / "test_predictions.npy").string());
  ASSERT_TRUE(images.ok() && labels.ok() && torch.ok())
      << images.status() << labels.status() << torch.status();
  const int64_t n = images->shape()[0];
  ASSERT_EQ(n, 10000);

  constexpr int64_t kBatch = 500;
  Shape shape = images->shape();
  shape[0] = kBatch;
  const int64_t image_size = NumElements(shape) / kBatch;
  score->n = n;
  for (int64_t start = 0; start < n; start += kBatch) {
    Tensor batch = Tensor::FromFloats(
        shape, {images->data<float>() + start * image_size, static_cast<size_t>(kBatch * image_size)});
    auto out = (*model)->Run({{(*model)->inputs()[0].name, batch}});
    ASSERT_TRUE(out.ok()) << out.status();
    const float* logits = (*out)[0].data<float>();
    for (int64_t i = 0; i < kBatch; ++i) {
      const int64_t predicted = std::max_element(logits + i * 10, logits + i * 10 + 10) - (logits + i * 10);
      score->disagreements += predicted != torch->data<int64_t>()[start + i];
      score->correct += predicted == labels->data<int64_t>()[start + i];
    }
  }
  std::cout << "lenet5-fmnist test accuracy (engine, " << PrecisionName(precision)
            << "): " << score->accuracy() * 100 << "% (" << score->correct << "/" << n
            << "), disagreements with PyTorch: " << score->disagreements << "\n";
}

TEST(FashionMnistAccuracyTest, EnginePredictsExactlyWhatPyTorchPredicts) {
  const fs::path zoo = testing::ZooDir();
  if (!fs::exists(zoo)) GTEST_SKIP() << "no zoo at " << zoo;
  Score score;
  ASSERT_NO_FATAL_FAILURE(ScoreTestSet(Precision::kFloat32, &score));
  EXPECT_EQ(score.disagreements, 0);
  EXPECT_DOUBLE_EQ(score.accuracy(),
                   RecordedAccuracy(zoo / "models" / "lenet5-fmnist" / "accuracy.json"));
}

TEST(FashionMnistAccuracyTest, Bfloat16StaysWithinAFifthOfAPoint) {
  const fs::path zoo = testing::ZooDir();
  if (!fs::exists(zoo)) GTEST_SKIP() << "no zoo at " << zoo;
  Score score;
  ASSERT_NO_FATAL_FAILURE(ScoreTestSet(Precision::kBfloat16, &score));
  EXPECT_LE(std::fabs(score.accuracy() -
                      RecordedAccuracy(zoo / "models" / "lenet5-fmnist" / "accuracy.json")),
            0.002);
}

TEST(FashionMnistAccuracyTest, Int8StaysWithinHalfAPoint) {
  const fs::path zoo = testing::ZooDir();
  if (!fs::exists(zoo)) GTEST_SKIP() << "no zoo at " << zoo;
  Score score;
  ASSERT_NO_FATAL_FAILURE(ScoreTestSet(Precision::kInt8, &score));
  EXPECT_LE(std::fabs(score.accuracy() -
                      RecordedAccuracy(zoo / "models" / "lenet5-fmnist" / "accuracy.json")),
            0.005);
  EXPECT_GT(score.disagreements, 0) << "int8 agrees with PyTorch on every image: did it run?";
}

}  // namespace
}  // namespace convoy::engine
