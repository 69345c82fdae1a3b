// Crop windows for single- and multi-crop evaluation, and their extraction.
//
// AlexNet's test-time augmentation: the centre crop, the four corner crops,
// and the horizontal mirrors of all five. CropWindows() lists them in a fixed
// order, so crop i of one image is always the same window:
//
//   count 1:  centre
//   count 5:  centre, top-left, top-right, bottom-left, bottom-right
//   count 10: the five above, then the same five mirrored
//
// The centre window is offset as torchvision's CenterCrop offsets it:
// round((size - crop) / 2), halves to the even integer (Python's round), so
// a model evaluated with torchvision sees the same pixels. ExtractCrop works on float planar (CHW) data, so the
// same windows serve decoded images and tensor inputs larger than a model's
// input.
//
// Thread-safety: stateless; safe to call concurrently.
#ifndef CONVOY_ENGINE_PREPROCESS_CROP_H_
#define CONVOY_ENGINE_PREPROCESS_CROP_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace convoy::engine {

struct CropWindow {
  int top = 0;
  int left = 0;
  bool mirrored = false;  // Columns reversed after cropping.
};

// True for the supported crop counts: 1, 5 and 10.
bool IsValidCropCount(int64_t count);

// The windows of `count` crops of crop_height x crop_width from an image of
// height x width. InvalidArgument if count is not 1, 5 or 10 ("crop count
// must be 1, 5 or 10 (got 2)"), the crop is empty ("crop of 0x224 is
// empty"), or it is larger than the image ("crop of 224x224 does not fit in
// 200x300"; sizes are height x width).
absl::StatusOr<std::vector<CropWindow>> CropWindows(int height, int width, int crop_height,
                                                    int crop_width, int64_t count);

// Copies one window of a channels x height x width float plane into
// `out` (channels x crop_height x crop_width).
// REQUIRES: the window fits; out.size() == channels * crop_height * crop_width.
void ExtractCrop(absl::Span<const float> chw, int channels, int height, int width,
                 const CropWindow& window, int crop_height, int crop_width, absl::Span<float> out);

}  // namespace convoy::engine

#endif  // CONVOY_ENGINE_PREPROCESS_CROP_H_
