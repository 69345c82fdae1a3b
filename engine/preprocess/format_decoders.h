// The per-format halves of DecodeImage (image_decoder.h), and what they
// share. Internal to engine_preprocess: call DecodeImage, which checks the
// encoded size and recognises the format before choosing one of these.
#ifndef CONVOY_ENGINE_PREPROCESS_FORMAT_DECODERS_H_
#define CONVOY_ENGINE_PREPROCESS_FORMAT_DECODERS_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/preprocess/image.h"
#include "engine/preprocess/image_decoder.h"

namespace convoy::engine {
namespace preprocess_internal {

// REQUIRES: `encoded` starts with the format's signature.
absl::StatusOr<Image> DecodeJpeg(absl::string_view encoded, ColorSpace color, int64_t max_pixels);
absl::StatusOr<Image> DecodePng(absl::string_view encoded, ColorSpace color, int64_t max_pixels);

// The size DecodeJpeg/DecodePng would decode, from the headers alone, with
// every error they would report before decoding pixels.
absl::StatusOr<ImageSize> ReadJpegSize(absl::string_view encoded, int64_t max_pixels);
absl::StatusOr<ImageSize> ReadPngSize(absl::string_view encoded, int64_t max_pixels);

// InvalidArgument unless height * width <= max_pixels (computed in 64 bits).
absl::Status CheckPixelLimit(int64_t height, int64_t width, int64_t max_pixels);

// The BT.601 luma of interleaved RGB pixels, rounded exactly as libjpeg's
// RGB-to-grayscale conversion: (19595 R + 38470 G + 7471 B + 32768) >> 16.
// Converts in place: pass the RGB vector by std::move to avoid a copy.
std::vector<uint8_t> RgbToGray(std::vector<uint8_t> rgb);

}  // namespace preprocess_internal
}  // namespace convoy::engine

#endif  // CONVOY_ENGINE_PREPROCESS_FORMAT_DECODERS_H_
