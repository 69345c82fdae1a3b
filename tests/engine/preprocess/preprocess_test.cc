#include "engine/preprocess/preprocess.h"

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "engine/preprocess/crop.h"
#include "engine/preprocess/resize.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace convoy::engine {
namespace {

using ::testing::HasSubstr;

PreprocessSpec ImageNetSpec() {
  PreprocessSpec spec;
  spec.order = ChannelOrder::kRgb;
  spec.resize_shorter_side = 256;
  spec.crop_height = 224;
  spec.crop_width = 224;
  spec.mean = {0.485f, 0.456f, 0.406f};
  spec.std = {0.229f, 0.224f, 0.225f};
  return spec;
}

void ExpectInvalid(const absl::Status& status, const std::string& message_part) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr(message_part));
}

TEST(ValidatePreprocessSpecTest, AcceptsTheImageNetSpec) {
  EXPECT_TRUE(ValidatePreprocessSpec(ImageNetSpec()).ok());
}

TEST(ValidatePreprocessSpecTest, ErrorsNameTheField) {
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const struct {
    std::function<void(PreprocessSpec&)> change;
    std::string message;
  } cases[] = {
      {[](PreprocessSpec& s) { s.crop_height = 0; }, "crop_height must be positive (got 0)"},
      {[](PreprocessSpec& s) { s.crop_width = -3; }, "crop_width must be positive (got -3)"},
      {[](PreprocessSpec& s) { s.crop_width = 70000; }, "crop_width must be at most 65536"},
      {[](PreprocessSpec& s) { s.resize_shorter_side = -1; },
       "resize_shorter_side must be non-negative (got -1)"},
      {[](PreprocessSpec& s) { s.resize_shorter_side = 1 << 20; },
       "resize_shorter_side must be at most 65536"},
      {[](PreprocessSpec& s) { s.pad = -2; }, "pad must be non-negative (got -2)"},
      {[](PreprocessSpec& s) { s.pad = 1 << 30; }, "pad must be at most 65536"},
      {[](PreprocessSpec& s) { s.mean = {0.5f}; },
       "mean needs 3 values (one per channel of the RGB spec), got 1"},
      {[](PreprocessSpec& s) { s.order = ChannelOrder::kGray; },
       "mean needs 1 values (one per channel of the gray spec), got 3"},
      {[](PreprocessSpec& s) { s.std = {}; },
       "std needs 3 values (one per channel of the RGB spec), got 0"},
      {[](PreprocessSpec& s) { s.std[1] = 0.0f; }, "std[1] must be positive and finite (got 0)"},
      {[](PreprocessSpec& s) { s.std[2] = -1.0f; }, "std[2] must be positive and finite"},
      {[nan](PreprocessSpec& s) { s.std[0] = nan; }, "std[0] must be positive and finite"},
      {[inf](PreprocessSpec& s) { s.mean[2] = inf; }, "mean[2] must be finite (got inf)"},
      {[inf](PreprocessSpec& s) { s.scale = inf; }, "scale must be finite (got inf)"},
      {[nan](PreprocessSpec& s) { s.scale = nan; }, "scale must be finite (got nan)"},
  };
  for (const auto& c : cases) {
    PreprocessSpec spec = ImageNetSpec();
    c.change(spec);
    ExpectInvalid(ValidatePreprocessSpec(spec), c.message);
  }
}

TEST(ResizedAndPaddedSizeTest, ResizesTheShorterSideThenPads) {
  PreprocessSpec spec = ImageNetSpec();
  spec.pad = 4;
  ImageSize size = ResizedAndPaddedSize(480, 640, spec);
  EXPECT_EQ(size.height, 256 + 8);
  EXPECT_EQ(size.width, 341 + 8);
  spec.resize_shorter_side = 0;
  size = ResizedAndPaddedSize(480, 640, spec);
  EXPECT_EQ(size.height, 488);
  EXPECT_EQ(size.width, 648);
}

Image MakeImage(int height, int width, int channels, std::vector<uint8_t> pixels) {
  return Image{height, width, channels, std::move(pixels)};
}

// The whole pipeline on a 2x2 image whose red channel resizes to the 4x4 of
// resize_test.cc's UpscalingTwoByTwoMatchesHandComputedValues and whose
// green and blue are constant (10 and 20):
//
//   R resized to shorter side 4     padded by 1 with 50 (P) to 6x6
//     0  25  75 100                 P  P   P   P   P   P
//    50  72 117 139                 P  0  25  75 100   P
//   150 167 200 216                 P 50  72 117 139   P
//   200 214 241 255                 P 150 167 200 216  P
//                                   P 200 214 241 255  P
//                                   P  P   P   P   P   P
//
// 3x3 crops of the 6x6: centre (2,2) (torchvision's round(1.5)), corners (0,0) (0,3) (3,0) (3,3),
// then the same mirrored. Output channels are B, G, R.
class PipelineTest : public ::testing::Test {
 protected:
  static constexpr int kPad = -1;  // Marks padding in the grids below.

  PipelineTest() {
    spec_.order = ChannelOrder::kBgr;
    spec_.resize_shorter_side = 4;
    spec_.pad = 1;
    spec_.pad_value = 50;
    spec_.crop_height = 3;
    spec_.crop_width = 3;
    spec_.mean = {0.1f, 0.2f, 0.3f};  // B, G, R
    spec_.std = {0.5f, 0.25f, 2.0f};
    for (uint8_t r : {0, 100, 200, 255}) image_.pixels.insert(image_.pixels.end(), {r, 10, 20});
  }

  // The 27 floats of one crop, from its red grid (kPad where padded).
  std::vector<float> Expected(const std::vector<int>& red) const {
    std::vector<float> out;
    for (int c = 0; c < 3; ++c) {
      for (int r : red) {
        const int v = r == kPad ? 50 : c == 0 ? 20 : c == 1 ? 10 : r;
        out.push_back((static_cast<float>(v) * spec_.scale - spec_.mean[c]) / spec_.std[c]);
      }
    }
    return out;
  }

  PreprocessSpec spec_;
  Image image_{2, 2, 3, {}};
};

TEST_F(PipelineTest, TenCropsMatchHandComputedValues) {
  const int P = kPad;
  const std::vector<std::vector<int>> red = {
      {72, 117, 139, 167, 200, 216, 214, 241, 255},  // centre
      {P, P, P, P, 0, 25, P, 50, 72},           // top-left
      {P, P, P, 75, 100, P, 117, 139, P},       // top-right
      {P, 150, 167, P, 200, 214, P, P, P},      // bottom-left
      {200, 216, P, 241, 255, P, P, P, P},      // bottom-right
      {139, 117, 72, 216, 200, 167, 255, 241, 214},  // the same, mirrored
      {P, P, P, 25, 0, P, 72, 50, P},          {P, P, P, P, 100, 75, P, 139, 117},
      {167, 150, P, 214, 200, P, P, P, P},     {P, 216, 200, P, 255, 241, P, P, P},
  };
  std::vector<float> out(10 * spec_.CropElements());
  ASSERT_TRUE(PreprocessImage(image_, spec_, 10, absl::MakeSpan(out)).ok());
  for (int i = 0; i < 10; ++i) {
    const std::vector<float> crop(out.begin() + i * 27, out.begin() + (i + 1) * 27);
    const std::vector<float> expected = Expected(red[i]);
    for (int k = 0; k < 27; ++k) {
      EXPECT_FLOAT_EQ(crop[k], expected[k]) << "crop " << i << " element " << k;
    }
  }
}

TEST_F(PipelineTest, OneCropIsTheFirstOfTen) {
  std::vector<float> ten(10 * spec_.CropElements());
  std::vector<float> one(spec_.CropElements());
  ASSERT_TRUE(PreprocessImage(image_, spec_, 10, absl::MakeSpan(ten)).ok());
  ASSERT_TRUE(PreprocessImage(image_, spec_, 1, absl::MakeSpan(one)).ok());
  EXPECT_EQ(one, std::vector<float>(ten.begin(), ten.begin() + 27));
}

TEST(PreprocessImageTest, TenCropsEqualCropsExtractedIndependently) {
  std::mt19937 rng(7);
  Image image{37, 45, 3, std::vector<uint8_t>(37 * 45 * 3)};
  for (uint8_t& p : image.pixels) p = static_cast<uint8_t>(rng() % 256);
  PreprocessSpec spec;
  spec.order = ChannelOrder::kBgr;
  spec.resize_shorter_side = 32;
  spec.pad = 2;
  spec.pad_value = 7;
  spec.crop_height = 24;
  spec.crop_width = 28;
  spec.scale = 1.0f / 128.0f;
  spec.mean = {0.9f, 1.0f, 1.1f};
  spec.std = {0.7f, 0.8f, 0.9f};
  std::vector<float> out(10 * spec.CropElements());
  ASSERT_TRUE(PreprocessImage(image, spec, 10, absl::MakeSpan(out)).ok());

  // The slow way: resize, pad, normalise the whole image into BGR planes,
  // then ExtractCrop each window.
  const Image resized = ResizeShorterSide(image, 32);
  ASSERT_EQ(resized.height, 32);
  ASSERT_EQ(resized.width, 38);  // 45 * 32 / 37 = 38.9, truncated
  const int height = 32 + 4;
  const int width = 38 + 4;
  std::vector<float> chw(3 * height * width);
  for (int c = 0; c < 3; ++c) {
    for (int y = 0; y < height; ++y) {
      for (int x = 0; x < width; ++x) {
        const bool inside = y >= 2 && y < 34 && x >= 2 && x < 40;
        const uint8_t v = inside ? resized.at(y - 2, x - 2, 2 - c) : 7;
        chw[(c * height + y) * width + x] = (v * spec.scale - spec.mean[c]) / spec.std[c];
      }
    }
  }
  absl::StatusOr<std::vector<CropWindow>> windows = CropWindows(height, width, 24, 28, 10);
  ASSERT_TRUE(windows.ok());
  for (int i = 0; i < 10; ++i) {
    std::vector<float> crop(spec.CropElements());
    ExtractCrop(chw, 3, height, width, (*windows)[i], 24, 28, absl::MakeSpan(crop));
    EXPECT_EQ(crop, std::vector<float>(out.begin() + i * crop.size(),
                                       out.begin() + (i + 1) * crop.size()))
        << "crop " << i;
  }
}

TEST(PreprocessImageTest, GrayImageWithoutResizeIsOnlyNormalised) {
  PreprocessSpec spec;
  spec.order = ChannelOrder::kGray;
  spec.crop_height = 2;
  spec.crop_width = 3;
  spec.mean = {0.5f};
  spec.std = {0.25f};
  const Image image = MakeImage(2, 3, 1, {0, 51, 102, 153, 204, 255});
  std::vector<float> out(6);
  ASSERT_TRUE(PreprocessImage(image, spec, 1, absl::MakeSpan(out)).ok());
  const float expected[] = {-2.0f, -1.2f, -0.4f, 0.4f, 1.2f, 2.0f};  // (v / 255 - 0.5) / 0.25
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(out[i], expected[i], 1e-6f) << i;
}

TEST(PreprocessImageTest, ChannelMismatchIsRefused) {
  const Image gray = MakeImage(4, 4, 1, std::vector<uint8_t>(16));
  PreprocessSpec spec = ImageNetSpec();
  spec.resize_shorter_side = 0;
  spec.crop_height = spec.crop_width = 4;
  std::vector<float> out(spec.CropElements());
  ExpectInvalid(PreprocessImage(gray, spec, 1, absl::MakeSpan(out)),
                "image has 1 channels but the RGB spec needs 3");
}

TEST(PreprocessImageTest, CropThatDoesNotFitIsRefused) {
  PreprocessSpec spec = ImageNetSpec();
  spec.resize_shorter_side = 0;
  const Image image = MakeImage(200, 300, 3, std::vector<uint8_t>(200 * 300 * 3));
  std::vector<float> out(spec.CropElements());
  ExpectInvalid(PreprocessImage(image, spec, 1, absl::MakeSpan(out)),
                "crop of 224x224 does not fit in 200x300");
  spec.pad = 12;  // 224x324 now: fits.
  EXPECT_TRUE(PreprocessImage(image, spec, 1, absl::MakeSpan(out)).ok());
}

TEST(PreprocessImageTest, InvalidCropCountIsRefused) {
  PreprocessSpec spec = ImageNetSpec();
  const Image image = MakeImage(256, 256, 3, std::vector<uint8_t>(256 * 256 * 3));
  std::vector<float> out(2 * spec.CropElements());
  ExpectInvalid(PreprocessImage(image, spec, 2, absl::MakeSpan(out)),
                "crop count must be 1, 5 or 10 (got 2)");
}

TEST(PreprocessImageTest, WronglySizedOutputIsRefused) {
  PreprocessSpec spec = ImageNetSpec();
  const Image image = MakeImage(256, 256, 3, std::vector<uint8_t>(256 * 256 * 3));
  std::vector<float> out(5 * spec.CropElements() - 1);
  ExpectInvalid(PreprocessImage(image, spec, 5, absl::MakeSpan(out)),
                "output has room for 752639 floats; 5 crops need 752640");
}

TEST(PreprocessImageTest, InvalidSpecIsRefused) {
  PreprocessSpec spec = ImageNetSpec();
  spec.std[0] = 0.0f;
  const Image image = MakeImage(256, 256, 3, std::vector<uint8_t>(256 * 256 * 3));
  std::vector<float> out(spec.CropElements());
  ExpectInvalid(PreprocessImage(image, spec, 1, absl::MakeSpan(out)), "std[0]");
}

TEST(PreprocessImageTest, ImageWhosePixelsDoNotMatchItsSizeIsRefused) {
  PreprocessSpec spec = ImageNetSpec();
  const Image image = MakeImage(256, 256, 3, std::vector<uint8_t>(100));
  std::vector<float> out(spec.CropElements());
  ExpectInvalid(PreprocessImage(image, spec, 1, absl::MakeSpan(out)),
                "image of 256x256x3 has 100 bytes of pixels");
}

TEST(PreprocessImageTest, ExtremeAspectRatioIsRefusedBeforeResizing) {
  // 1 x 300000 with the shorter side to 256 would be 256 x 76800000.
  PreprocessSpec spec = ImageNetSpec();
  spec.order = ChannelOrder::kGray;
  spec.mean = {0.5f};
  spec.std = {0.5f};
  const Image strip = MakeImage(1, 300000, 1, std::vector<uint8_t>(300000));
  std::vector<float> out(spec.CropElements());
  ExpectInvalid(PreprocessImage(strip, spec, 1, absl::MakeSpan(out)),
                "resizing the 1x300000 image gives 19660800000 pixels, more than the limit of "
                "67108864");
}

}  // namespace
}  // namespace convoy::engine
