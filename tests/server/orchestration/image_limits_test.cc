#include "server/orchestration/image_limits.h"

#include <random>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/engine/testing/test_images.h"

namespace convoy::server {
namespace {

using ::testing::HasSubstr;

// A 3 x 224 x 224 input, images resized to a shorter side of 256.
inference::ModelConfig ImageNetConfig() {
  inference::ModelConfig config;
  config.set_name("net");
  config.set_max_batch_size(32);
  inference::ModelInput* input = config.add_input();
  input->set_name("image");
  input->set_data_type(inference::TYPE_FP32);
  for (int64_t dim : {3, 224, 224}) input->add_dims(dim);
  inference::ImagePreprocessing* pre = config.mutable_preprocessing();
  pre->set_input("image");
  pre->set_color(inference::ImagePreprocessing::RGB);
  pre->set_resize_shorter_side(256);
  pre->set_scale(1.0f / 255);
  for (int c = 0; c < 3; ++c) {
    pre->add_mean(0.5f);
    pre->add_std(0.25f);
  }
  return config;
}

std::string Png(int height, int width) {
  std::mt19937 rng(height * 7919 + width);
  return engine::testing_images::EncodePng(engine::testing_images::RandomImage(rng, height, width, 3));
}

ModelRequest ImagesRequest(const std::vector<std::string>& files, int64_t crops) {
  ModelRequest request;
  request.inference.batch_size = static_cast<int64_t>(files.size());
  request.inference.inputs.push_back(
      {"image", engine::Tensor(engine::DataType::kFloat32, {request.inference.batch_size})});
  request.image = ImageInput{0, std::vector<absl::string_view>(files.begin(), files.end()), {}};
  request.crops = crops;
  return request;
}

TEST(ImageLimitsTest, RecordsEachImagesSizeFromItsHeaders) {
  const std::vector<std::string> files = {Png(300, 400), engine::testing_images::EncodeJpeg(
                                                             engine::testing_images::GradientImage(50, 70, 3), 90, 0)};
  ModelRequest request = ImagesRequest(files, 1);
  ASSERT_TRUE(CheckImageWork(&request, ImageNetConfig(), ImageLimits()).ok());
  ASSERT_EQ(request.image->sizes.size(), 2u);
  EXPECT_EQ(request.image->sizes[0].height, 300);
  EXPECT_EQ(request.image->sizes[0].width, 400);
  EXPECT_EQ(request.image->sizes[1].height, 50);
  EXPECT_EQ(request.image->sizes[1].width, 70);
}

TEST(ImageLimitsTest, RefusesAStripThatResizingWouldBlowUp) {
  // 4 x 3900 to a shorter side of 256: 256 x 249600, 4096 times the pixels.
  const std::vector<std::string> files = {Png(64, 64), Png(4, 3900)};
  ModelRequest request = ImagesRequest(files, 1);
  const absl::Status status = CheckImageWork(&request, ImageNetConfig(), ImageLimits());
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("input 'image', image 1: resizing its 4x3900 pixels"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("4096-fold, more than the limit of 256"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("--max-image-upscale"));
}

TEST(ImageLimitsTest, ModerateUpscalingOfSmallImagesIsAllowed) {
  const std::vector<std::string> files = {Png(32, 32), Png(16, 20)};  // 64x and 256x the pixels.
  ModelRequest request = ImagesRequest(files, 10);
  EXPECT_TRUE(CheckImageWork(&request, ImageNetConfig(), ImageLimits()).ok());
}

TEST(ImageLimitsTest, BoundsTheDecodedAndResizedPixelsOfTheWholeRequest) {
  const std::vector<std::string> files(5, Png(512, 512));  // 512^2 + 256^2 = 327680 each.
  ModelRequest request = ImagesRequest(files, 1);
  ImageLimits limits;
  limits.max_request_pixels = 4 * 327680;
  const absl::Status status = CheckImageWork(&request, ImageNetConfig(), limits);
  EXPECT_THAT(std::string(status.message()), HasSubstr("images 0 to 4 need 1638400 decoded and resized pixels"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("limit of 1310720 per request"));
  limits.max_request_pixels = 5 * 327680;
  EXPECT_TRUE(CheckImageWork(&request, ImageNetConfig(), limits).ok());
}

TEST(ImageLimitsTest, BoundsImagesTimesCrops) {
  const std::vector<std::string> files(4, Png(64, 64));
  ModelRequest request = ImagesRequest(files, 10);
  ImageLimits limits;
  limits.max_request_crops = 39;
  const absl::Status status = CheckImageWork(&request, ImageNetConfig(), limits);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("4 images of 10 crops make 40 crops, more than the limit of 39"));
}

TEST(ImageLimitsTest, AnImageThatIsNotOneIsRefusedBeforeAnyIsDecoded) {
  const std::vector<std::string> files = {Png(64, 64), "GIF89a..."};
  ModelRequest request = ImagesRequest(files, 1);
  const absl::Status status = CheckImageWork(&request, ImageNetConfig(), ImageLimits());
  EXPECT_THAT(std::string(status.message()), HasSubstr("input 'image', image 1: not a JPEG or PNG image"));
}

TEST(ImageLimitsTest, TheConfigOverridesTheServersLimits) {
  inference::ModelConfig config = ImageNetConfig();
  config.mutable_preprocessing()->set_max_upscale(10000);
  config.mutable_preprocessing()->set_max_request_pixels(1 << 28);
  config.mutable_preprocessing()->set_max_request_crops(5);
  const ImageLimits limits = ImageLimitsFor(ImageLimits(), config);
  EXPECT_EQ(limits.max_upscale, 10000);
  EXPECT_EQ(limits.max_request_pixels, 1 << 28);
  EXPECT_EQ(limits.max_request_crops, 5);
  const ImageLimits unchanged = ImageLimitsFor(ImageLimits(), ImageNetConfig());
  EXPECT_EQ(unchanged.max_upscale, ImageLimits().max_upscale);
  std::vector<std::string> files = {Png(4, 3900)};
  ModelRequest request = ImagesRequest(files, 1);
  EXPECT_TRUE(CheckImageWork(&request, config, limits).ok());
}

}  // namespace
}  // namespace convoy::server
