// Decoding valid images: every PNG colour type and depth, interlacing, JPEG
// baseline and progressive, and the gray/RGB conversions. The images are
// encoded here with the same libraries (test_images.h); PNG must come back
// exactly, JPEG within the loss of quality 100.
#include "engine/preprocess/image_decoder.h"

#include <turbojpeg.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/engine/testing/test_images.h"

namespace convoy::engine {
namespace {

using ::convoy::engine::testing_images::EncodeJpeg;
using ::convoy::engine::testing_images::EncodePng;
using ::convoy::engine::testing_images::GradientImage;
using ::convoy::engine::testing_images::PngPicture;
using ::convoy::engine::testing_images::RandomImage;
using ::testing::ElementsAreArray;

Image Decode(const std::string& bytes, ColorSpace color) {
  absl::StatusOr<Image> image = DecodeImage(bytes, color, {});
  EXPECT_TRUE(image.ok()) << image.status();
  return image.ok() ? *std::move(image) : Image{};
}

int MaxAbsDifference(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  EXPECT_EQ(a.size(), b.size());
  int worst = 0;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    worst = std::max(worst, std::abs(int{a[i]} - int{b[i]}));
  }
  return worst;
}

// BT.601 luma as documented: libjpeg's fixed-point rounding.
uint8_t Luma(int r, int g, int b) {
  return static_cast<uint8_t>((19595 * r + 38470 * g + 7471 * b + 32768) >> 16);
}

std::vector<uint8_t> LumaOf(const Image& rgb) {
  std::vector<uint8_t> gray;
  for (size_t i = 0; i < rgb.pixels.size(); i += 3) {
    gray.push_back(Luma(rgb.pixels[i], rgb.pixels[i + 1], rgb.pixels[i + 2]));
  }
  return gray;
}

std::vector<uint8_t> Replicated(const std::vector<uint8_t>& gray) {
  std::vector<uint8_t> rgb;
  for (uint8_t v : gray) rgb.insert(rgb.end(), 3, v);
  return rgb;
}

void ExpectShape(const Image& image, int height, int width, int channels) {
  EXPECT_EQ(image.height, height);
  EXPECT_EQ(image.width, width);
  EXPECT_EQ(image.channels, channels);
  EXPECT_EQ(image.pixels.size(), static_cast<size_t>(height) * width * channels);
}

TEST(PngDecodeTest, GrayRoundTripsExactly) {
  std::mt19937 rng(1);
  const Image source = RandomImage(rng, 9, 13, 1);
  const Image decoded = Decode(EncodePng(source), ColorSpace::kGray);
  ExpectShape(decoded, 9, 13, 1);
  EXPECT_THAT(decoded.pixels, ElementsAreArray(source.pixels));
}

TEST(PngDecodeTest, RgbRoundTripsExactly) {
  std::mt19937 rng(2);
  const Image source = RandomImage(rng, 11, 7, 3);
  const Image decoded = Decode(EncodePng(source), ColorSpace::kRgb);
  ExpectShape(decoded, 11, 7, 3);
  EXPECT_THAT(decoded.pixels, ElementsAreArray(source.pixels));
}

TEST(PngDecodeTest, RgbaDropsAlphaAndKeepsStoredColours) {
  std::mt19937 rng(3);
  Image rgba = RandomImage(rng, 6, 5, 4);
  rgba.pixels[3] = 0;  // A fully transparent pixel keeps its colour too.
  std::vector<uint8_t> rgb;
  for (size_t i = 0; i < rgba.pixels.size(); i += 4) {
    rgb.insert(rgb.end(), rgba.pixels.begin() + i, rgba.pixels.begin() + i + 3);
  }
  const Image decoded = Decode(EncodePng(rgba), ColorSpace::kRgb);
  ExpectShape(decoded, 6, 5, 3);
  EXPECT_THAT(decoded.pixels, ElementsAreArray(rgb));
}

TEST(PngDecodeTest, GrayAlphaDropsAlpha) {
  PngPicture p;
  p.width = 3;
  p.height = 1;
  p.color_type = PNG_COLOR_TYPE_GRAY_ALPHA;
  p.samples = {10, 0, 20, 128, 30, 255};
  const Image decoded = Decode(EncodePng(p), ColorSpace::kGray);
  ExpectShape(decoded, 1, 3, 1);
  EXPECT_THAT(decoded.pixels, ElementsAreArray({10, 20, 30}));
}

TEST(PngDecodeTest, PaletteExpandsToColoursIgnoringTransparency) {
  PngPicture p;
  p.width = 4;
  p.height = 2;
  p.color_type = PNG_COLOR_TYPE_PALETTE;
  p.bit_depth = 2;
  p.palette = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {12, 34, 56}};
  p.palette_alpha = {0, 128};  // tRNS for entries 0 and 1: dropped.
  p.samples = {0, 1, 2, 3, 3, 2, 1, 0};
  const Image decoded = Decode(EncodePng(p), ColorSpace::kRgb);
  ExpectShape(decoded, 2, 4, 3);
  EXPECT_THAT(decoded.pixels,
              ElementsAreArray({255, 0,  0,  0, 255, 0,   0, 0,   255, 12,  34, 56,  //
                                12,  34, 56, 0, 0,   255, 0, 255, 0,   255, 0,  0}));
}

TEST(PngDecodeTest, SixteenBitSamplesRoundToEightBits) {
  const std::vector<uint16_t> samples = {0, 128, 129, 257, 32767, 32768, 65278, 65535};
  PngPicture p;
  p.width = static_cast<int>(samples.size());
  p.height = 1;
  p.color_type = PNG_COLOR_TYPE_GRAY;
  p.bit_depth = 16;
  p.samples = samples;
  std::vector<uint8_t> expected;  // round(v * 255 / 65535)
  for (uint16_t v : samples) expected.push_back(static_cast<uint8_t>((v * 255 + 32767) / 65535));
  const Image decoded = Decode(EncodePng(p), ColorSpace::kGray);
  ExpectShape(decoded, 1, p.width, 1);
  EXPECT_THAT(decoded.pixels, ElementsAreArray(expected));
  EXPECT_THAT(expected, ElementsAreArray({0, 0, 1, 1, 127, 128, 254, 255}));
}

TEST(PngDecodeTest, SixteenBitRgbaDropsAlpha) {
  PngPicture p;
  p.width = 2;
  p.height = 1;
  p.color_type = PNG_COLOR_TYPE_RGB_ALPHA;
  p.bit_depth = 16;
  p.samples = {257 * 10, 257 * 20, 257 * 30, 0, 257 * 200, 257 * 100, 257 * 0, 65535};
  const Image decoded = Decode(EncodePng(p), ColorSpace::kRgb);
  EXPECT_THAT(decoded.pixels, ElementsAreArray({10, 20, 30, 200, 100, 0}));
}

TEST(PngDecodeTest, LowBitDepthGrayScalesToFullRange) {
  PngPicture one_bit;
  one_bit.width = 5;
  one_bit.height = 1;
  one_bit.color_type = PNG_COLOR_TYPE_GRAY;
  one_bit.bit_depth = 1;
  one_bit.samples = {0, 1, 1, 0, 1};
  EXPECT_THAT(Decode(EncodePng(one_bit), ColorSpace::kGray).pixels,
              ElementsAreArray({0, 255, 255, 0, 255}));

  PngPicture four_bit = one_bit;
  four_bit.bit_depth = 4;
  four_bit.samples = {0, 1, 7, 14, 15};
  EXPECT_THAT(Decode(EncodePng(four_bit), ColorSpace::kGray).pixels,
              ElementsAreArray({0, 17, 119, 238, 255}));
}

TEST(PngDecodeTest, InterlacedImageIsDeinterlaced) {
  std::mt19937 rng(4);
  const Image source = RandomImage(rng, 13, 11, 3);  // Odd sizes: partial Adam7 blocks.
  PngPicture p;
  p.width = source.width;
  p.height = source.height;
  p.interlaced = true;
  p.samples.assign(source.pixels.begin(), source.pixels.end());
  const std::string interlaced = EncodePng(p);
  ASSERT_EQ(interlaced[8 + 8 + 12], 1) << "IHDR should say Adam7";
  const Image decoded = Decode(interlaced, ColorSpace::kRgb);
  ExpectShape(decoded, 13, 11, 3);
  EXPECT_THAT(decoded.pixels, ElementsAreArray(source.pixels));
}

TEST(PngDecodeTest, GrayIsReplicatedToRgb) {
  std::mt19937 rng(5);
  const Image gray = RandomImage(rng, 4, 6, 1);
  const Image decoded = Decode(EncodePng(gray), ColorSpace::kRgb);
  ExpectShape(decoded, 4, 6, 3);
  EXPECT_THAT(decoded.pixels, ElementsAreArray(Replicated(gray.pixels)));
}

TEST(PngDecodeTest, RgbIsConvertedToBt601Luma) {
  std::mt19937 rng(6);
  Image rgb = RandomImage(rng, 5, 8, 3);
  // Pure primaries and white pin the weights down.
  const uint8_t primaries[] = {255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255};
  std::copy(std::begin(primaries), std::end(primaries), rgb.pixels.begin());
  const Image decoded = Decode(EncodePng(rgb), ColorSpace::kGray);
  ExpectShape(decoded, 5, 8, 1);
  EXPECT_THAT(decoded.pixels, ElementsAreArray(LumaOf(rgb)));
  EXPECT_THAT(std::vector<uint8_t>(decoded.pixels.begin(), decoded.pixels.begin() + 4),
              ElementsAreArray({76, 150, 29, 255}));
}

TEST(PngDecodeTest, PaletteIsConvertedToLuma) {
  PngPicture p;
  p.width = 2;
  p.height = 1;
  p.color_type = PNG_COLOR_TYPE_PALETTE;
  p.palette = {{255, 0, 0}, {10, 200, 30}};
  p.samples = {1, 0};
  EXPECT_THAT(Decode(EncodePng(p), ColorSpace::kGray).pixels,
              ElementsAreArray({Luma(10, 200, 30), Luma(255, 0, 0)}));
}

// Every PNG colour type at every bit depth it allows, plain and Adam7, with
// a tRNS chunk where the type takes one, into both colour spaces; the
// expected pixels follow image_decoder.h's rules, computed independently.
TEST(PngDecodeTest, EveryColourTypeAndDepthDecodesAsDocumented) {
  const struct {
    int color_type;
    int bit_depth;
  } formats[] = {
      {PNG_COLOR_TYPE_GRAY, 1},        {PNG_COLOR_TYPE_GRAY, 2},
      {PNG_COLOR_TYPE_GRAY, 4},        {PNG_COLOR_TYPE_GRAY, 8},
      {PNG_COLOR_TYPE_GRAY, 16},       {PNG_COLOR_TYPE_RGB, 8},
      {PNG_COLOR_TYPE_RGB, 16},        {PNG_COLOR_TYPE_PALETTE, 1},
      {PNG_COLOR_TYPE_PALETTE, 2},     {PNG_COLOR_TYPE_PALETTE, 4},
      {PNG_COLOR_TYPE_PALETTE, 8},     {PNG_COLOR_TYPE_GRAY_ALPHA, 8},
      {PNG_COLOR_TYPE_GRAY_ALPHA, 16}, {PNG_COLOR_TYPE_RGB_ALPHA, 8},
      {PNG_COLOR_TYPE_RGB_ALPHA, 16},
  };
  std::mt19937 rng(8);
  for (const auto& format : formats) {
    for (bool interlaced : {false, true}) {
      SCOPED_TRACE(::testing::Message() << "color type " << format.color_type << ", depth "
                                        << format.bit_depth << (interlaced ? ", Adam7" : ""));
      const bool palette = format.color_type == PNG_COLOR_TYPE_PALETTE;
      const bool colour = (format.color_type & PNG_COLOR_MASK_COLOR) != 0;
      const bool alpha = (format.color_type & PNG_COLOR_MASK_ALPHA) != 0;
      const int samples_per_pixel = (colour && !palette ? 3 : 1) + (alpha ? 1 : 0);
      const int max_sample = (1 << format.bit_depth) - 1;
      PngPicture p;
      p.width = 7;
      p.height = 5;
      p.color_type = format.color_type;
      p.bit_depth = format.bit_depth;
      p.interlaced = interlaced;
      std::uniform_int_distribution<int> sample(0, max_sample);
      for (int i = 0; i < p.width * p.height * samples_per_pixel; ++i) {
        p.samples.push_back(static_cast<uint16_t>(sample(rng)));
      }
      if (palette) {
        std::uniform_int_distribution<int> byte(0, 255);
        for (int i = 0; i <= max_sample; ++i) {
          p.palette.push_back({static_cast<png_byte>(byte(rng)), static_cast<png_byte>(byte(rng)),
                               static_cast<png_byte>(byte(rng))});
        }
        p.palette_alpha = {0, 77};
      } else if (!alpha) {
        const uint16_t key = p.samples[0];  // The first pixel is "transparent".
        p.transparent_color = png_color_16{0, key, key, key, key};
      }

      // Each pixel as 8-bit RGB (gray: r = g = b) before the colour space.
      const auto to8 = [&](int v) {
        if (format.bit_depth == 16) return (v * 255 + 32767) / 65535;
        return v * 255 / max_sample;
      };
      std::vector<uint8_t> expected_gray;
      std::vector<uint8_t> expected_rgb;
      for (int i = 0; i < p.width * p.height; ++i) {
        const uint16_t* s = &p.samples[static_cast<size_t>(i) * samples_per_pixel];
        int r, g, b;
        if (palette) {
          r = p.palette[s[0]].red;
          g = p.palette[s[0]].green;
          b = p.palette[s[0]].blue;
        } else if (colour) {
          r = to8(s[0]);
          g = to8(s[1]);
          b = to8(s[2]);
        } else {
          r = g = b = to8(s[0]);
        }
        expected_gray.push_back(colour ? Luma(r, g, b) : static_cast<uint8_t>(g));
        expected_rgb.insert(expected_rgb.end(), {static_cast<uint8_t>(r), static_cast<uint8_t>(g),
                                                 static_cast<uint8_t>(b)});
      }
      const std::string png = EncodePng(p);
      EXPECT_THAT(Decode(png, ColorSpace::kGray).pixels, ElementsAreArray(expected_gray));
      EXPECT_THAT(Decode(png, ColorSpace::kRgb).pixels, ElementsAreArray(expected_rgb));
    }
  }
}

TEST(JpegDecodeTest, RgbRoundTripsAtQuality100) {
  const Image source = GradientImage(24, 40, 3);
  const Image decoded = Decode(EncodeJpeg(source, 100, TJSAMP_444), ColorSpace::kRgb);
  ExpectShape(decoded, 24, 40, 3);
  EXPECT_LE(MaxAbsDifference(decoded.pixels, source.pixels), 4);
}

TEST(JpegDecodeTest, GrayRoundTripsAtQuality100) {
  const Image source = GradientImage(17, 23, 1);  // Not multiples of the 8x8 block.
  const Image decoded = Decode(EncodeJpeg(source, 100, TJSAMP_GRAY), ColorSpace::kGray);
  ExpectShape(decoded, 17, 23, 1);
  EXPECT_LE(MaxAbsDifference(decoded.pixels, source.pixels), 1);
}

TEST(JpegDecodeTest, ProgressiveSubsampledImageDecodes) {
  const Image source = GradientImage(33, 47, 3);
  const Image decoded =
      Decode(EncodeJpeg(source, 100, TJSAMP_420, /*progressive=*/true), ColorSpace::kRgb);
  ExpectShape(decoded, 33, 47, 3);
  EXPECT_LE(MaxAbsDifference(decoded.pixels, source.pixels), 12);  // 4:2:0 blurs colour.
}

TEST(JpegDecodeTest, GrayIsReplicatedToRgb) {
  const std::string jpeg = EncodeJpeg(GradientImage(8, 16, 1), 90, TJSAMP_GRAY);
  const Image gray = Decode(jpeg, ColorSpace::kGray);
  const Image rgb = Decode(jpeg, ColorSpace::kRgb);
  ExpectShape(rgb, 8, 16, 3);
  EXPECT_THAT(rgb.pixels, ElementsAreArray(Replicated(gray.pixels)));
}

TEST(JpegDecodeTest, RgbIsConvertedToBt601Luma) {
  const Image source = GradientImage(16, 24, 3);
  const Image decoded = Decode(EncodeJpeg(source, 100, TJSAMP_444), ColorSpace::kGray);
  ExpectShape(decoded, 16, 24, 1);
  EXPECT_LE(MaxAbsDifference(decoded.pixels, LumaOf(source)), 1);
}

TEST(ImageDecodeTest, GrayConversionAgreesBetweenJpegAndPng) {
  const Image source = GradientImage(16, 32, 3);
  const Image from_png = Decode(EncodePng(source), ColorSpace::kGray);
  const Image from_jpeg = Decode(EncodeJpeg(source, 100, TJSAMP_444), ColorSpace::kGray);
  EXPECT_LE(MaxAbsDifference(from_png.pixels, from_jpeg.pixels), 1);
}

}  // namespace
}  // namespace convoy::engine
