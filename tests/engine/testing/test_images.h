// Encoders for the decoder tests, built on the libraries the decoder uses
// (TurboJPEG, libpng, zlib), so every test image is made in the test and
// none is a binary file of unknown origin.
#ifndef CONVOY_TESTS_ENGINE_TESTING_TEST_IMAGES_H_
#define CONVOY_TESTS_ENGINE_TESTING_TEST_IMAGES_H_

#include <png.h>

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "engine/preprocess/image.h"

namespace convoy::engine {
namespace testing_images {

// A PNG to write: samples are the file's own, before any conversion.
struct PngPicture {
  int width = 0;
  int height = 0;
  int color_type = PNG_COLOR_TYPE_RGB;  // PNG_COLOR_TYPE_*.
  int bit_depth = 8;                    // 1, 2, 4, 8 or 16 as the type allows.
  bool interlaced = false;              // Adam7.
  // height * width * (samples per pixel of color_type) values, row-major;
  // palette indices for PNG_COLOR_TYPE_PALETTE. Packed to bit_depth.
  std::vector<uint16_t> samples;
  std::vector<png_color> palette;
  std::vector<uint8_t> palette_alpha;             // A tRNS chunk for a palette, if not empty.
  std::optional<png_color_16> transparent_color;  // A tRNS chunk for gray or RGB.
};

// The PNG file. Fails the current test (and returns "") if libpng refuses.
std::string EncodePng(const PngPicture& picture);

// An 8-bit gray, RGB or RGBA PNG of `image` (1, 3 or 4 channels).
std::string EncodePng(const Image& image);

// The JPEG file of a 1- or 3-channel image; subsampling is a TJSAMP_*
// value (ignored for gray). Fails the current test on error.
std::string EncodeJpeg(const Image& image, int quality, int subsampling, bool progressive = false);

// A CMYK image encoded by TurboJPEG, which stores it as YCCK.
std::string EncodeCmykJpeg(int height, int width);

// One PNG chunk: length, type, data and the CRC over type and data.
std::string PngChunk(absl::string_view type, absl::string_view data);
// An IHDR chunk's 13 bytes of data.
std::string IhdrData(uint32_t width, uint32_t height, int bit_depth, int color_type);
// zlib-compressed bytes, as IDAT holds them.
std::string Deflate(absl::string_view raw);
constexpr absl::string_view kPngSignature("\x89PNG\r\n\x1A\n", 8);

// Uniformly random pixels.
Image RandomImage(std::mt19937& rng, int height, int width, int channels);
// Smooth gradients, which JPEG at quality 100 keeps to within a level or two.
Image GradientImage(int height, int width, int channels);

}  // namespace testing_images
}  // namespace convoy::engine

#endif  // CONVOY_TESTS_ENGINE_TESTING_TEST_IMAGES_H_
