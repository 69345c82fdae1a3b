#include "engine/preprocess/resize.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace convoy::engine {
namespace {

using ::testing::Each;
using ::testing::ElementsAreArray;

Image MakeImage(int height, int width, int channels, std::vector<uint8_t> pixels) {
  return Image{height, width, channels, std::move(pixels)};
}

Image RandomImage(std::mt19937& rng, int height, int width, int channels) {
  std::vector<uint8_t> pixels(static_cast<size_t>(height) * width * channels);
  std::uniform_int_distribution<int> value(0, 255);
  for (uint8_t& p : pixels) p = static_cast<uint8_t>(value(rng));
  return MakeImage(height, width, channels, std::move(pixels));
}

TEST(ResizeTest, SameSizeReturnsIdenticalPixels) {
  std::mt19937 rng(1);
  const Image image = RandomImage(rng, 7, 5, 3);
  const Image same = Resize(image, 7, 5);
  EXPECT_EQ(same.height, 7);
  EXPECT_EQ(same.width, 5);
  EXPECT_EQ(same.channels, 3);
  EXPECT_EQ(same.pixels, image.pixels);
  EXPECT_EQ(ResizeShorterSide(image, 5).pixels, image.pixels);
}

TEST(ResizeTest, ConstantImageStaysConstant) {
  const Image gray = MakeImage(37, 53, 3, std::vector<uint8_t>(37 * 53 * 3, 201));
  for (auto [height, width] : {std::pair{10, 17}, std::pair{80, 90}, std::pair{37, 11},
                               std::pair{1, 1}, std::pair{100, 53}}) {
    const Image resized = Resize(gray, height, width);
    ASSERT_EQ(resized.pixels.size(), static_cast<size_t>(height) * width * 3);
    EXPECT_THAT(resized.pixels, Each(201)) << height << "x" << width;
  }
}

TEST(ResizeTest, HalvingAOnePixelCheckerboardGivesMidGrayInside) {
  // The taps of output x at a 2x reduction are inputs 2x-1 .. 2x+2 with
  // weights 1/8, 3/8, 3/8, 1/8: half the weight on each colour. At the
  // border the kernel is cut and renormalised (3/7, 3/7, 1/7), as Pillow
  // does, so the outer ring is darker or lighter but still far from 0/255.
  // (A two-tap bilinear at exactly 2x with pixel centres also averages
  // pairs; the next test is the one a non-antialiased filter fails.)
  std::vector<uint8_t> pixels;
  for (int y = 0; y < 16; ++y) {
    for (int x = 0; x < 16; ++x) pixels.push_back((x + y) % 2 ? 255 : 0);
  }
  const Image half = Resize(MakeImage(16, 16, 1, pixels), 8, 8);
  for (int y = 0; y < 8; ++y) {
    for (int x = 0; x < 8; ++x) {
      const bool border = y == 0 || x == 0 || y == 7 || x == 7;
      if (border) {
        EXPECT_GE(half.at(y, x, 0), 100) << y << "," << x;
        EXPECT_LE(half.at(y, x, 0), 155) << y << "," << x;
      } else {
        EXPECT_EQ(half.at(y, x, 0), 128) << y << "," << x;  // 127.5, rounded up.
      }
    }
  }
}

TEST(ResizeTest, ShrinkingKeepsThinLinesAsTheirAverage) {
  // A one-pixel white column every 4 columns. Two-tap bilinear at 4x samples
  // halfway between columns 4i+1 and 4i+2, both black, and loses every
  // line; the widened triangle kernel weighs all four columns and keeps the
  // average brightness, 255 / 4.
  std::vector<uint8_t> pixels;
  for (int y = 0; y < 4; ++y) {
    for (int x = 0; x < 32; ++x) pixels.push_back(x % 4 == 0 ? 255 : 0);
  }
  const Image quarter = Resize(MakeImage(4, 32, 1, pixels), 4, 8);
  for (int x = 1; x < 7; ++x) EXPECT_EQ(quarter.at(0, x, 0), 64) << x;  // 63.75 rounded.
  for (int x : {0, 7}) {
    EXPECT_GT(quarter.at(0, x, 0), 30) << x;
    EXPECT_LT(quarter.at(0, x, 0), 100) << x;
  }
}

TEST(ResizeTest, ShorterSideSetsTheScaleAndTheLongerSideIsTruncatedAsTorchvision) {
  auto size = [](int h, int w, int s) {
    const ImageSize r = SizeWithShorterSide(h, w, s);
    return std::vector<int>{r.height, r.width};
  };
  EXPECT_EQ(size(480, 640, 256), (std::vector<int>{256, 341}));  // 341.33
  EXPECT_EQ(size(640, 480, 256), (std::vector<int>{341, 256}));
  EXPECT_EQ(size(300, 500, 256), (std::vector<int>{256, 426}));  // 426.67
  EXPECT_EQ(size(427, 640, 256), (std::vector<int>{256, 383}));  // 383.70
  EXPECT_EQ(size(2, 5, 1), (std::vector<int>{1, 2}));            // 2.5
  EXPECT_EQ(size(100, 100, 50), (std::vector<int>{50, 50}));
  EXPECT_EQ(size(1000, 1, 4), (std::vector<int>{4000, 4}));  // Upscaling.
  EXPECT_EQ(size(1000, 3, 1), (std::vector<int>{333, 1}));
  EXPECT_EQ(size(1, INT_MAX, 65536), (std::vector<int>{65536, INT_MAX}));  // Saturates.

  std::mt19937 rng(2);
  const Image resized = ResizeShorterSide(RandomImage(rng, 30, 45, 3), 20);
  EXPECT_EQ(resized.height, 20);
  EXPECT_EQ(resized.width, 30);
  EXPECT_EQ(resized.channels, 3);
  EXPECT_EQ(resized.pixels.size(), 20u * 30 * 3);
}

TEST(ResizeTest, UpscalingTwoByTwoMatchesHandComputedValues) {
  // At 2x the output centres fall at input 0.25 and 0.75 past a pixel
  // centre: each output row is [a, 3/4 a + 1/4 b, 1/4 a + 3/4 b, b] (the
  // edge outputs see one input), rounded half up after the horizontal pass:
  //   row 0 (0, 100):   0,  25,  75, 100
  //   row 1 (200, 255): 200, 213.75 -> 214, 241.25 -> 241, 255
  // and then the same down each column, e.g. column 1 (25, 214):
  //   25, 72.25 -> 72, 166.75 -> 167, 214.
  const Image up = Resize(MakeImage(2, 2, 1, {0, 100, 200, 255}), 4, 4);
  EXPECT_THAT(up.pixels, ElementsAreArray({0, 25, 75, 100,      //
                                           50, 72, 117, 139,    //
                                           150, 167, 200, 216,  //
                                           200, 214, 241, 255}));
}

// Reference outputs of Pillow 9.4.0 (numpy 1.24.2), printed by:
//   import numpy as np
//   from PIL import Image
//   def case(seed, h, w, c, oh, ow):
//       a = np.random.RandomState(seed).randint(
//           0, 256, size=(h, w, c) if c == 3 else (h, w)).astype(np.uint8)
//       out = np.asarray(Image.fromarray(a, 'RGB' if c == 3 else 'L')
//                        .resize((ow, oh), Image.BILINEAR))
//       print(list(a.flatten()), list(out.flatten()))
//   case(1, 7, 9, 1, 3, 4); case(2, 4, 5, 3, 7, 9); case(3, 8, 6, 3, 3, 5)
//   case(4, 9, 9, 1, 4, 13); case(5, 12, 16, 1, 5, 3)
constexpr uint8_t kIn1[] = {37,  235, 140, 72,  255, 137, 203, 133, 79,  192, 144, 129, 204,
                            71,  237, 252, 134, 25,  178, 20,  254, 101, 146, 212, 139, 252,
                            234, 156, 157, 142, 50,  68,  215, 215, 233, 241, 247, 222, 96,
                            86,  141, 233, 137, 7,   63,  61,  22,  57,  1,   128, 60,  209,
                            8,   216, 141, 115, 175, 234, 121, 200, 30,  71,  131};
constexpr uint8_t kOut1[] = {146, 148, 186, 143, 153, 111, 173, 175, 111, 110, 129, 96};
constexpr uint8_t kIn2[] = {168, 15,  237, 72,  22,  43,  210, 75,  104, 7,   162, 177,
                            95,  75,  213, 47,  63,  31,  218, 148, 124, 116, 37,  167,
                            195, 102, 4,   170, 107, 51,  103, 38,  234, 33,  58,  124,
                            255, 67,  69,  88,  196, 46,  198, 95,  211, 121, 31,  194,
                            80,  52,  238, 204, 50,  132, 218, 63,  207, 49,  39,  255};
constexpr uint8_t kOut2[] = {
    168, 15,  237, 136, 17,  172, 83,  21,  65,  133, 46,  70,  210, 75,  104, 97,  123, 145, 17,
    152, 181, 66,  104, 201, 95,  75,  213, 125, 32,  163, 125, 43,  133, 124, 63,  83,  147, 65,
    96,  176, 61,  127, 120, 105, 120, 80,  134, 120, 106, 104, 142, 122, 86,  155, 56,  60,  46,
    106, 86,  70,  191, 131, 111, 170, 95,  138, 123, 40,  163, 156, 77,  81,  180, 106, 21,  170,
    105, 47,  165, 105, 63,  75,  51,  133, 92,  68,  130, 120, 98,  125, 153, 81,  122, 186, 52,
    118, 161, 106, 66,  146, 144, 37,  170, 117, 96,  184, 101, 131, 104, 38,  231, 82,  45,  198,
    44,  56,  143, 132, 61,  106, 251, 66,  73,  166, 133, 64,  107, 176, 75,  157, 123, 162, 187,
    91,  214, 115, 34,  208, 97,  41,  205, 69,  52,  198, 134, 55,  158, 222, 56,  109, 194, 86,
    132, 164, 105, 159, 125, 76,  209, 102, 59,  239, 121, 31,  194, 107, 38,  209, 85,  50,  233,
    135, 51,  191, 204, 50,  132, 212, 57,  174, 199, 60,  212, 105, 47,  239, 49,  39,  255};
constexpr uint8_t kIn3[] = {
    106, 152, 249, 131, 184, 200, 0,   21,  253, 147, 202, 107, 249, 169, 138, 149, 119, 166,
    224, 148, 172, 93,  167, 142, 248, 26,  81,  218, 150, 66,  2,   191, 60,  129, 179, 90,
    69,  104, 110, 97,  157, 106, 152, 251, 62,  7,   248, 171, 33,  123, 79,  176, 37,  20,
    94,  49,  149, 127, 206, 244, 28,  119, 54,  0,   192, 233, 18,  116, 191, 165, 184, 184,
    199, 165, 253, 174, 33,  113, 1,   85,  117, 119, 202, 235, 124, 228, 99,  219, 144, 255,
    80,  160, 144, 242, 18,  75,  183, 96,  223, 141, 165, 158, 48,  189, 33,  52,  241, 252,
    242, 2,   156, 36,  90,  232, 172, 176, 59,  202, 182, 240, 228, 91,  241, 21,  113, 56,
    104, 39,  29,  160, 176, 9,   33,  239, 247, 188, 216, 55,  11,  212, 138, 112, 208, 76};
constexpr uint8_t kOut3[] = {135, 140, 174, 118, 142, 146, 133, 139, 120, 99,  173, 104,
                             134, 136, 102, 132, 113, 169, 125, 115, 133, 73,  163, 156,
                             66,  177, 148, 140, 157, 170, 154, 70,  123, 128, 120, 134,
                             149, 179, 162, 137, 171, 157, 79,  170, 130};
constexpr uint8_t kIn4[] = {122, 174, 183, 197, 129, 104, 87,  200, 50,  137, 58,  252, 103, 109,
                            94,  55,  183, 57,  104, 164, 178, 44,  38,  126, 234, 52,  131, 0,
                            183, 21,  149, 201, 166, 253, 230, 56,  194, 174, 117, 30,  136, 49,
                            66,  186, 87,  160, 168, 243, 170, 173, 161, 32,  126, 237, 156, 3,
                            114, 115, 207, 98,  95,  185, 255, 50,  145, 240, 209, 217, 73,  187,
                            176, 204, 151, 114, 222, 22,  195, 190, 190, 75,  23};
constexpr uint8_t kOut4[] = {125, 123, 143, 205, 159, 119, 102, 104, 103, 108, 149, 120, 69,
                             84,  129, 153, 111, 98,  105, 136, 128, 148, 185, 171, 130, 87,
                             154, 138, 136, 171, 145, 143, 178, 133, 98,  80,  141, 180, 202,
                             109, 107, 129, 200, 154, 147, 207, 148, 140, 167, 147, 143, 147};
constexpr uint8_t kIn5[] = {
    99,  206, 239, 189, 230, 118, 144, 73,  8,   228, 231, 190, 155, 112, 158, 208, 7,   204,
    143, 113, 181, 231, 80,  27,  44,  205, 203, 65,  175, 30,  212, 86,  125, 146, 254, 121,
    137, 106, 41,  233, 190, 129, 210, 103, 144, 206, 5,   58,  0,   208, 132, 110, 164, 105,
    179, 27,  31,  2,   68,  38,  105, 211, 147, 18,  113, 245, 135, 100, 108, 109, 158, 190,
    11,  235, 67,  124, 193, 183, 131, 91,  78,  155, 157, 33,  217, 85,  135, 16,  94,  14,
    218, 31,  9,   38,  47,  144, 133, 162, 173, 187, 152, 141, 118, 235, 232, 31,  32,  76,
    172, 133, 142, 175, 94,  82,  128, 231, 135, 214, 251, 16,  64,  8,   218, 44,  126, 165,
    94,  203, 133, 233, 150, 180, 69,  210, 188, 91,  29,  216, 120, 225, 220, 207, 70,  35,
    111, 20,  177, 255, 72,  160, 210, 13,  220, 251, 239, 146, 52,  81,  22,  58,  211, 116,
    235, 92,  211, 177, 4,   82,  243, 36,  169, 20,  160, 10,  31,  15,  124, 22,  70,  137,
    63,  94,  14,  194, 122, 57,  147, 192, 8,   136, 251, 121};
constexpr uint8_t kOut5[] = {157, 130, 139, 135, 107, 116, 142, 117,
                             108, 154, 138, 130, 129, 125, 98};

void ExpectMatchesPillow(const uint8_t* in, int height, int width, int channels,
                         const uint8_t* expected, int out_height, int out_width) {
  const Image image =
      MakeImage(height, width, channels,
                std::vector<uint8_t>(in, in + static_cast<size_t>(height) * width * channels));
  const Image resized = Resize(image, out_height, out_width);
  ASSERT_EQ(resized.pixels.size(), static_cast<size_t>(out_height) * out_width * channels);
  int off_by_one = 0;
  for (size_t i = 0; i < resized.pixels.size(); ++i) {
    const int difference = std::abs(int{resized.pixels[i]} - int{expected[i]});
    EXPECT_LE(difference, 1) << "element " << i;  // Rounding may differ by one.
    off_by_one += difference;
  }
  // The arithmetic is Pillow's own, so in practice there is no difference.
  EXPECT_EQ(off_by_one, 0);
}

TEST(ResizeTest, MatchesPillowShrinkingGray) {
  ExpectMatchesPillow(kIn1, 7, 9, 1, kOut1, 3, 4);
  ExpectMatchesPillow(kIn5, 12, 16, 1, kOut5, 5, 3);
}

TEST(ResizeTest, MatchesPillowEnlargingRgb) { ExpectMatchesPillow(kIn2, 4, 5, 3, kOut2, 7, 9); }

TEST(ResizeTest, MatchesPillowShrinkingRgb) { ExpectMatchesPillow(kIn3, 8, 6, 3, kOut3, 3, 5); }

TEST(ResizeTest, MatchesPillowShrinkingOneSideAndEnlargingTheOther) {
  ExpectMatchesPillow(kIn4, 9, 9, 1, kOut4, 4, 13);
}

}  // namespace
}  // namespace convoy::engine
