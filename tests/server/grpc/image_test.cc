// Encoded images and multi-crop over the wire: BYTES inputs decoded and
// preprocessed as config.pbtxt says, 10-crop equal to the mean of ten
// independent crops, tensors larger than the model cropped alike, and every
// kind of bad image refused with a reason.
#include <turbojpeg.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/engine/testing/test_images.h"
#include "tests/server/testing/score_expectations.h"
#include "tests/server/testing/server_fixture.h"

namespace convoy {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;
using engine::testing_images::EncodePng;
using testing::ExpectNear;
using testing::RunningServer;
using testing::Softmax;
using testing::StartServer;
using testing::TestRepository;

constexpr int kSize = 28;    // Fashion-MNIST images.
constexpr int kPad = 4;      // -> 36 x 36, crops of 32 shifted by up to 2 pixels each way.
constexpr int kCrop = 32;
constexpr int kPadded = kSize + 2 * kPad;
constexpr float kMean = 0.25f;
constexpr float kStd = 0.5f;

// The zoo's trained LeNet-5 with preprocessing for 28 x 28 gray images.
constexpr char kConfig[] = R"pb(
name: "fmnist"
platform: "onnxruntime_onnx"
max_batch_size: 32
input [ { name: "input" data_type: TYPE_FP32 dims: [ 1, 32, 32 ] } ]
output [ { name: "logits" data_type: TYPE_FP32 dims: [ 10 ] label_filename: "labels.txt" } ]
preprocessing { pad: 4 mean: 0.25 std: 0.5 }
)pb";

// A seeded random gray or colour image.
engine::Image RandomImage(int height, int width, int channels, uint32_t seed) {
  std::mt19937 rng(seed);
  return engine::testing_images::RandomImage(rng, height, width, channels);
}

std::string EncodeJpeg(const engine::Image& image, int quality = 95) {
  return engine::testing_images::EncodeJpeg(image, quality, TJSAMP_444);
}

// The image padded and normalised as the config says: [36 x 36] floats.
std::vector<float> Padded(const engine::Image& image) {
  std::vector<float> out(kPadded * kPadded, (0.0f - kMean) / kStd);
  for (int y = 0; y < kSize; ++y) {
    for (int x = 0; x < kSize; ++x) {
      out[(y + kPad) * kPadded + x + kPad] = (image.at(y, x, 0) / 255.0f - kMean) / kStd;
    }
  }
  return out;
}

// One 32 x 32 window of a padded image, mirrored on request.
std::vector<float> Window(const std::vector<float>& padded, int top, int left, bool mirrored) {
  std::vector<float> out(kCrop * kCrop);
  for (int y = 0; y < kCrop; ++y) {
    for (int x = 0; x < kCrop; ++x) {
      const int source_x = left + (mirrored ? kCrop - 1 - x : x);
      out[y * kCrop + x] = padded[(top + y) * kPadded + source_x];
    }
  }
  return out;
}

class ImageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(testing::ZooDir().empty()) << "CONVOY_ZOO_DIR not set: run through ctest";
    repository_.AddZooModel("lenet5-fmnist", "fmnist", kConfig);
    repository_.WriteFile("scale/config.pbtxt", testing::ScaleModelConfig("scale"));
    repository_.WriteFile("scale/1/model.onnx", testing::ScaleModelOnnx(2.0f));
    running_ = StartServer(repository_);
    ASSERT_NE(running_.client, nullptr);
  }

  // crops 0: no multicrop parameter.
  inference::ModelInferRequest ImagesRequest(const std::vector<std::string>& files, int64_t crops = 0) {
    inference::ModelInferRequest request;
    request.set_model_name("fmnist");
    client::AddBytesInput(&request, "input", files);
    if (crops != 0) (*request.mutable_parameters())["multicrop"].set_int64_param(crops);
    return request;
  }

  absl::StatusOr<std::vector<float>> Logits(const inference::ModelInferRequest& request) {
    absl::StatusOr<inference::ModelInferResponse> response = running_.client->Infer(request);
    if (!response.ok()) return response.status();
    absl::StatusOr<client::Fp32Output> output = client::GetFp32Output(*response, "logits");
    if (!output.ok()) return output.status();
    return output->values;
  }

  // Logits of FP32 tensors [N, 1, side, side].
  std::vector<float> TensorLogits(const std::vector<float>& pixels, int side, int64_t crops = 0) {
    inference::ModelInferRequest request;
    request.set_model_name("fmnist");
    const int64_t n = static_cast<int64_t>(pixels.size()) / (side * side);
    client::AddFp32Input(&request, "input", {n, 1, side, side}, pixels);
    if (crops > 0) (*request.mutable_parameters())["multicrop"].set_int64_param(crops);
    absl::StatusOr<std::vector<float>> logits = Logits(request);
    EXPECT_TRUE(logits.ok()) << logits.status();
    return logits.ok() ? *logits : std::vector<float>{};
  }

  // The mean of the softmax of the ten crops, each sent as its own request.
  std::vector<float> TenCropsOneByOne(const engine::Image& image) {
    const std::vector<float> padded = Padded(image);
    const int far = kPadded - kCrop;
    const int windows[5][2] = {{far / 2, far / 2}, {0, 0}, {0, far}, {far, 0}, {far, far}};
    std::vector<float> mean(10, 0.0f);
    for (bool mirrored : {false, true}) {
      for (const auto& window : windows) {
        const std::vector<float> probabilities =
            Softmax(TensorLogits(Window(padded, window[0], window[1], mirrored), kCrop));
        for (int c = 0; c < 10; ++c) mean[c] += probabilities[c] / 10;
      }
    }
    return mean;
  }

  void ExpectInvalidImage(const std::string& file, const std::string& reason) {
    absl::StatusOr<std::vector<float>> logits = Logits(ImagesRequest({EncodePng(RandomImage(kSize, kSize, 1, 1)), file}));
    ASSERT_FALSE(logits.ok()) << reason;
    EXPECT_EQ(logits.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(logits.status().message()), HasSubstr("input 'input', image 1: "));
    EXPECT_THAT(std::string(logits.status().message()), HasSubstr(reason));
  }

  TestRepository repository_;
  RunningServer running_;
};

TEST_F(ImageTest, EncodedPngsGiveTheOutputOfTheirPreprocessedTensors) {
  const std::vector<engine::Image> images = {RandomImage(kSize, kSize, 1, 1), RandomImage(kSize, kSize, 1, 2)};
  std::vector<float> centres;
  for (const engine::Image& image : images) {
    const std::vector<float> window = Window(Padded(image), kPad / 2, kPad / 2, false);
    centres.insert(centres.end(), window.begin(), window.end());
  }
  absl::StatusOr<std::vector<float>> logits = Logits(ImagesRequest({EncodePng(images[0]), EncodePng(images[1])}));
  ASSERT_TRUE(logits.ok()) << logits.status();
  ExpectNear(*logits, TensorLogits(centres, kCrop), 1e-4f);
}

TEST_F(ImageTest, ColourJpegsAreConvertedToTheModelsGray) {
  // A flat colour survives JPEG exactly; its BT.601 luma is what the model sees.
  engine::Image flat{kSize, kSize, 3, {}};
  for (int i = 0; i < kSize * kSize; ++i) flat.pixels.insert(flat.pixels.end(), {200, 100, 50});
  const float luma = std::round(0.299f * 200 + 0.587f * 100 + 0.114f * 50);
  engine::Image gray{kSize, kSize, 1, std::vector<uint8_t>(kSize * kSize, static_cast<uint8_t>(luma))};
  absl::StatusOr<std::vector<float>> from_jpeg = Logits(ImagesRequest({EncodeJpeg(flat, 100)}));
  ASSERT_TRUE(from_jpeg.ok()) << from_jpeg.status();
  ExpectNear(*from_jpeg, TensorLogits(Window(Padded(gray), kPad / 2, kPad / 2, false), kCrop), 1e-3f);
}

TEST_F(ImageTest, TenCropIsTheMeanOfTenIndependentCrops) {
  const engine::Image image = RandomImage(kSize, kSize, 1, 7);
  absl::StatusOr<std::vector<float>> combined = Logits(ImagesRequest({EncodePng(image)}, 10));
  ASSERT_TRUE(combined.ok()) << combined.status();
  ExpectNear(*combined, TenCropsOneByOne(image), 1e-5f);
}

TEST_F(ImageTest, LargerTensorsAreCroppedLikeImages) {
  const engine::Image image = RandomImage(kSize, kSize, 1, 11);
  const std::vector<float> padded = Padded(image);
  ExpectNear(TensorLogits(padded, kPadded, 10), TenCropsOneByOne(image), 1e-5f);
  // One crop of a larger tensor is its centre.
  ExpectNear(TensorLogits(padded, kPadded), TensorLogits(Window(padded, kPad / 2, kPad / 2, false), kCrop), 1e-5f);
}

TEST_F(ImageTest, TenCropOfOneImageIsOneExecutionOfTenItems) {
  ASSERT_TRUE(Logits(ImagesRequest({EncodePng(RandomImage(kSize, kSize, 1, 3))}, 10)).ok());
  auto statistics = running_.client->ModelStatistics("fmnist");
  ASSERT_TRUE(statistics.ok()) << statistics.status();
  EXPECT_EQ(statistics->model_stats(0).inference_count(), 10);
  EXPECT_EQ(statistics->model_stats(0).execution_count(), 1);
  EXPECT_EQ(statistics->model_stats(0).inference_stats().success().count(), 1);
}

TEST_F(ImageTest, ManyImagesSpreadOverSeveralBatchesKeepTheirOrder) {
  // 7 images x 10 crops with max_batch_size 32: three batches of whole images.
  std::vector<std::string> files;
  std::vector<float> expected;
  for (uint32_t seed = 20; seed < 27; ++seed) {
    files.push_back(EncodePng(RandomImage(kSize, kSize, 1, seed)));
    absl::StatusOr<std::vector<float>> one = Logits(ImagesRequest({files.back()}, 10));
    ASSERT_TRUE(one.ok()) << one.status();
    expected.insert(expected.end(), one->begin(), one->end());
  }
  absl::StatusOr<std::vector<float>> all = Logits(ImagesRequest(files, 10));
  ASSERT_TRUE(all.ok()) << all.status();
  ExpectNear(*all, expected, 1e-5f);
}

TEST_F(ImageTest, MulticropAnswersTheClassificationExtension) {
  inference::ModelInferRequest request = ImagesRequest({EncodePng(RandomImage(kSize, kSize, 1, 5))}, 5);
  auto* output = request.add_outputs();
  output->set_name("logits");
  (*output->mutable_parameters())["classification"].set_int64_param(3);
  absl::StatusOr<inference::ModelInferResponse> response = running_.client->Infer(request);
  ASSERT_TRUE(response.ok()) << response.status();
  absl::StatusOr<std::vector<std::string>> top = client::GetBytesOutput(*response, "logits");
  ASSERT_TRUE(top.ok()) << top.status();
  ASSERT_THAT(*top, SizeIs(3));
  float total = 0;
  for (const std::string& entry : *top) total += std::stof(entry.substr(0, entry.find(':')));
  EXPECT_GT(total, 0.0f);
  EXPECT_LE(total, 1.0f + 1e-5f);  // Probabilities now, not logits.
}

TEST_F(ImageTest, RefusesBadImagesWithAReason) {
  const std::string png = EncodePng(RandomImage(kSize, kSize, 1, 9));
  ExpectInvalidImage("", "empty");
  ExpectInvalidImage("GIF89a\x01\x00\x01\x00", "not a JPEG or PNG");
  ExpectInvalidImage(png.substr(0, png.size() / 2), "PNG");
  std::string corrupt = png;
  for (size_t i = corrupt.size() / 2; i < corrupt.size() / 2 + 8; ++i) corrupt[i] = static_cast<char>(~corrupt[i]);
  ExpectInvalidImage(corrupt, "PNG");
  const std::string jpeg = EncodeJpeg(RandomImage(kSize, kSize, 1, 9));
  ExpectInvalidImage(jpeg.substr(0, jpeg.size() - 40), "JPEG");
  ExpectInvalidImage(EncodePng(engine::Image{5000, 5000, 1, std::vector<uint8_t>(5000 * 5000, 0)}),
                     "exceeds the limit");
  // Over 16 MiB encoded: refused before decoding.
  ExpectInvalidImage(png + std::string((16 << 20) + 1 - png.size(), '\0'), "exceeds");
  // Smaller than the crop even after padding.
  ExpectInvalidImage(EncodePng(RandomImage(20, 20, 1, 1)), "does not fit");
}

TEST_F(ImageTest, RefusesImageRequestsAModelCannotTake) {
  const std::string png = EncodePng(RandomImage(kSize, kSize, 1, 9));
  inference::ModelInferRequest to_scale;
  to_scale.set_model_name("scale");
  client::AddBytesInput(&to_scale, "x", {png});
  auto result = running_.client->Infer(to_scale);
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("takes no encoded images"));

  for (int64_t crops : {2, 3, 11, -10}) {
    result = running_.client->Infer(ImagesRequest({png}, crops));
    ASSERT_FALSE(result.ok()) << crops;
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(result.status().message()), HasSubstr("'multicrop' must be an int64 of 1, 5 or 10"));
  }
  inference::ModelInferRequest text_crops = ImagesRequest({png});
  (*text_crops.mutable_parameters())["multicrop"].set_string_param("10");
  EXPECT_FALSE(running_.client->Infer(text_crops).ok());

  inference::ModelInferRequest scale_crops;
  scale_crops.set_model_name("scale");
  client::AddFp32Input(&scale_crops, "x", {1, 4}, std::vector<float>(4, 1.0f));
  (*scale_crops.mutable_parameters())["multicrop"].set_int64_param(5);
  result = running_.client->Infer(scale_crops);
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("multicrop needs a model with one FP32 image input"));

  inference::ModelInferRequest small;
  small.set_model_name("fmnist");
  client::AddFp32Input(&small, "input", {1, 1, 30, 30}, std::vector<float>(900, 0.0f));
  result = running_.client->Infer(small);
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("(or larger images, which are cropped)"));
}

}  // namespace
}  // namespace convoy
