#include "engine/preprocess/preprocess.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "engine/preprocess/resize.h"

namespace convoy::engine {
namespace {

absl::Status CheckSide(absl::string_view field, int value, int min) {
  if (value < min) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, " must be ", min == 0 ? "non-negative" : "positive", " (got ", value, ")"));
  }
  if (value > kMaxPreprocessSide) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " must be at most ", kMaxPreprocessSide, " (got ", value, ")"));
  }
  return absl::OkStatus();
}

absl::string_view OrderName(ChannelOrder order) {
  switch (order) {
    case ChannelOrder::kGray:
      return "gray";
    case ChannelOrder::kRgb:
      return "RGB";
    case ChannelOrder::kBgr:
      return "BGR";
  }
  return "unknown";
}

absl::Status CheckPerChannel(absl::string_view field, const std::vector<float>& values,
                             const PreprocessSpec& spec, bool positive) {
  if (values.size() != static_cast<size_t>(spec.channels())) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " needs ", spec.channels(), " values (one per channel of the ",
                     OrderName(spec.order), " spec), got ", values.size()));
  }
  for (size_t c = 0; c < values.size(); ++c) {
    if (!std::isfinite(values[c]) || (positive && values[c] <= 0.0f)) {
      return absl::InvalidArgumentError(absl::StrCat(field, "[", c, "] must be ",
                                                     positive ? "positive and finite" : "finite",
                                                     " (got ", values[c], ")"));
    }
  }
  return absl::OkStatus();
}

// Resized (not padded) size, in 64 bits so that the limit check cannot wrap.
int64_t ResizedPixels(const Image& image, const PreprocessSpec& spec) {
  if (spec.resize_shorter_side == 0) return int64_t{image.height} * image.width;
  const ImageSize size = SizeWithShorterSide(image.height, image.width, spec.resize_shorter_side);
  return int64_t{size.height} * size.width;
}

}  // namespace

absl::Status ValidatePreprocessSpec(const PreprocessSpec& spec) {
  if (spec.order != ChannelOrder::kGray && spec.order != ChannelOrder::kRgb &&
      spec.order != ChannelOrder::kBgr) {
    return absl::InvalidArgumentError(
        absl::StrCat("order has the unknown value ", static_cast<int>(spec.order)));
  }
  for (absl::Status s :
       {CheckSide("crop_height", spec.crop_height, 1), CheckSide("crop_width", spec.crop_width, 1),
        CheckSide("resize_shorter_side", spec.resize_shorter_side, 0),
        CheckSide("pad", spec.pad, 0), CheckPerChannel("mean", spec.mean, spec, /*positive=*/false),
        CheckPerChannel("std", spec.std, spec, /*positive=*/true)}) {
    if (!s.ok()) return s;
  }
  if (!std::isfinite(spec.scale)) {
    return absl::InvalidArgumentError(absl::StrCat("scale must be finite (got ", spec.scale, ")"));
  }
  return absl::OkStatus();
}

ImageSize ResizedAndPaddedSize(int height, int width, const PreprocessSpec& spec) {
  ImageSize size{height, width};
  if (spec.resize_shorter_side > 0) {
    size = SizeWithShorterSide(height, width, spec.resize_shorter_side);
  }
  const auto pad = [&spec](int side) {
    const int64_t padded = int64_t{side} + 2 * int64_t{spec.pad};
    return static_cast<int>(std::min<int64_t>(padded, std::numeric_limits<int>::max()));
  };
  return {pad(size.height), pad(size.width)};
}

absl::Status PreprocessImage(const Image& image, const PreprocessSpec& spec, int64_t crop_count,
                             absl::Span<float> out) {
  if (absl::Status s = ValidatePreprocessSpec(spec); !s.ok()) return s;
  if (image.channels != spec.channels()) {
    return absl::InvalidArgumentError(absl::StrCat("image has ", image.channels,
                                                   " channels but the ", OrderName(spec.order),
                                                   " spec needs ", spec.channels()));
  }
  if (image.height <= 0 || image.width <= 0 ||
      image.pixels.size() != static_cast<size_t>(image.height) * image.width * image.channels) {
    return absl::InvalidArgumentError(absl::StrCat("image of ", image.height, "x", image.width, "x",
                                                   image.channels, " has ", image.pixels.size(),
                                                   " bytes of pixels"));
  }
  if (IsValidCropCount(crop_count) &&
      out.size() != static_cast<size_t>(crop_count * spec.CropElements())) {
    return absl::InvalidArgumentError(absl::StrCat("output has room for ", out.size(), " floats; ",
                                                   crop_count, " crops need ",
                                                   crop_count * spec.CropElements()));
  }
  if (const int64_t pixels = ResizedPixels(image, spec); pixels > kMaxResizedPixels) {
    return absl::InvalidArgumentError(
        absl::StrCat("resizing the ", image.height, "x", image.width, " image gives ", pixels,
                     " pixels, more than the limit of ", kMaxResizedPixels));
  }
  const ImageSize padded = ResizedAndPaddedSize(image.height, image.width, spec);
  absl::StatusOr<std::vector<CropWindow>> windows =
      CropWindows(padded.height, padded.width, spec.crop_height, spec.crop_width, crop_count);
  if (!windows.ok()) return windows.status();

  std::optional<Image> resized;
  if (spec.resize_shorter_side > 0 &&
      std::min(image.height, image.width) != spec.resize_shorter_side) {
    resized = ResizeShorterSide(image, spec.resize_shorter_side);
  }
  const Image& source = resized ? *resized : image;

  // Output channel c reads source channel channel_of[c] and maps each of the
  // 256 pixel values through table[c]: the same float expression per value.
  const int channels = spec.channels();
  std::array<int, 3> channel_of = {0, 1, 2};
  if (spec.order == ChannelOrder::kBgr) channel_of = {2, 1, 0};
  std::vector<std::array<float, 256>> table(channels);
  for (int c = 0; c < channels; ++c) {
    for (int v = 0; v < 256; ++v) {
      table[c][v] = (static_cast<float>(v) * spec.scale - spec.mean[c]) / spec.std[c];
    }
  }

  float* dst = out.data();
  for (const CropWindow& window : *windows) {
    for (int c = 0; c < channels; ++c) {
      const std::array<float, 256>& map = table[c];
      const float pad_value = map[spec.pad_value];
      for (int y = 0; y < spec.crop_height; ++y) {
        // Coordinates in the unpadded image; outside it is padding.
        const int sy = window.top + y - spec.pad;
        for (int x = 0; x < spec.crop_width; ++x) {
          const int sx = window.left + (window.mirrored ? spec.crop_width - 1 - x : x) - spec.pad;
          const bool inside = sy >= 0 && sy < source.height && sx >= 0 && sx < source.width;
          *dst++ = inside ? map[source.at(sy, sx, channel_of[c])] : pad_value;
        }
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace convoy::engine
