#include "engine/preprocess/image_decoder.h"

#include <algorithm>
#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/preprocess/format_decoders.h"

namespace convoy::engine {
namespace preprocess_internal {

absl::Status CheckPixelLimit(int64_t height, int64_t width, int64_t max_pixels) {
  // Both come from 31-bit header fields, so the product cannot overflow.
  if (height * width > max_pixels) {
    return absl::InvalidArgumentError(absl::StrCat(
        "image of ", height, "x", width, " pixels exceeds the limit of ", max_pixels, " pixels"));
  }
  return absl::OkStatus();
}

std::vector<uint8_t> RgbToGray(std::vector<uint8_t> rgb) {
  const size_t n = rgb.size() / 3;
  // Pixel i is written at i after being read from 3i >= i: safe in place.
  for (size_t i = 0; i < n; ++i) {
    const uint32_t r = rgb[3 * i], g = rgb[3 * i + 1], b = rgb[3 * i + 2];
    rgb[i] = static_cast<uint8_t>((19595 * r + 38470 * g + 7471 * b + 32768) >> 16);
  }
  rgb.resize(n);
  rgb.shrink_to_fit();
  return rgb;
}

}  // namespace preprocess_internal

namespace {

constexpr absl::string_view kJpegSignature("\xFF\xD8\xFF", 3);
constexpr absl::string_view kPngSignature("\x89PNG\r\n\x1A\n", 8);

std::string FirstBytesInHex(absl::string_view bytes) {
  std::string hex;
  for (size_t i = 0; i < std::min<size_t>(bytes.size(), 4); ++i) {
    absl::StrAppendFormat(&hex, "%s%02X", i == 0 ? "" : " ", static_cast<unsigned char>(bytes[i]));
  }
  return hex;
}

}  // namespace

namespace {

enum class Format { kJpeg, kPng };

// The format of an image the limits admit, or why not.
absl::StatusOr<Format> Recognise(absl::string_view encoded, const DecodeLimits& limits) {
  if (encoded.empty()) return absl::InvalidArgumentError("empty image");
  if (static_cast<int64_t>(encoded.size()) > limits.max_encoded_bytes) {
    return absl::InvalidArgumentError(absl::StrCat("encoded image of ", encoded.size(),
                                                   " bytes exceeds the limit of ",
                                                   limits.max_encoded_bytes, " bytes"));
  }
  if (absl::StartsWith(encoded, kJpegSignature)) return Format::kJpeg;
  if (absl::StartsWith(encoded, kPngSignature)) return Format::kPng;
  return absl::InvalidArgumentError(
      absl::StrCat("not a JPEG or PNG image (starts with ", FirstBytesInHex(encoded), ")"));
}

}  // namespace

absl::StatusOr<ImageSize> ReadImageSize(absl::string_view encoded, const DecodeLimits& limits) {
  absl::StatusOr<Format> format = Recognise(encoded, limits);
  if (!format.ok()) return format.status();
  return *format == Format::kJpeg ? preprocess_internal::ReadJpegSize(encoded, limits.max_pixels)
                                  : preprocess_internal::ReadPngSize(encoded, limits.max_pixels);
}

absl::StatusOr<Image> DecodeImage(absl::string_view encoded, ColorSpace color,
                                  const DecodeLimits& limits) {
  absl::StatusOr<Format> format = Recognise(encoded, limits);
  if (!format.ok()) return format.status();
  return *format == Format::kJpeg ? preprocess_internal::DecodeJpeg(encoded, color, limits.max_pixels)
                                  : preprocess_internal::DecodePng(encoded, color, limits.max_pixels);
}

}  // namespace convoy::engine
