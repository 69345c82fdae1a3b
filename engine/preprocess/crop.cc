#include "engine/preprocess/crop.h"

#include <cstddef>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace convoy::engine {

bool IsValidCropCount(int64_t count) { return count == 1 || count == 5 || count == 10; }

namespace {

// torchvision's CenterCrop offset, int(round(d / 2)). Python rounds a half
// to the even integer: a difference of 3 gives 2 (1.5 up), 5 gives 2 (2.5
// down), 7 gives 4.
int CentreOffset(int d) {
  const int half = d / 2;
  return d % 2 == 1 && half % 2 == 1 ? half + 1 : half;
}

}  // namespace

absl::StatusOr<std::vector<CropWindow>> CropWindows(int height, int width, int crop_height,
                                                    int crop_width, int64_t count) {
  if (!IsValidCropCount(count)) {
    return absl::InvalidArgumentError(
        absl::StrCat("crop count must be 1, 5 or 10 (got ", count, ")"));
  }
  if (crop_height <= 0 || crop_width <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("crop of ", crop_height, "x", crop_width, " is empty"));
  }
  if (crop_height > height || crop_width > width) {
    return absl::InvalidArgumentError(absl::StrCat("crop of ", crop_height, "x", crop_width,
                                                   " does not fit in ", height, "x", width));
  }
  const int bottom = height - crop_height;
  const int right = width - crop_width;
  const CropWindow five[] = {
      {CentreOffset(bottom), CentreOffset(right), false},
      {0, 0, false},
      {0, right, false},
      {bottom, 0, false},
      {bottom, right, false},
  };
  std::vector<CropWindow> windows(five, five + (count == 1 ? 1 : 5));
  if (count == 10) {
    for (int i = 0; i < 5; ++i) windows.push_back({five[i].top, five[i].left, true});
  }
  return windows;
}

void ExtractCrop(absl::Span<const float> chw, int channels, int height, int width,
                 const CropWindow& window, int crop_height, int crop_width, absl::Span<float> out) {
  float* dst = out.data();
  for (int c = 0; c < channels; ++c) {
    for (int y = 0; y < crop_height; ++y) {
      const float* row =
          &chw[(static_cast<size_t>(c) * height + window.top + y) * width + window.left];
      if (window.mirrored) {
        for (int x = crop_width - 1; x >= 0; --x) *dst++ = row[x];
      } else {
        for (int x = 0; x < crop_width; ++x) *dst++ = row[x];
      }
    }
  }
}

}  // namespace convoy::engine
