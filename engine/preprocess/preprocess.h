// PreprocessImage: a decoded image to the normalised float crops a model
// takes, as the model's config.pbtxt describes them (docs/MODEL_REPOSITORY.md).
//
// The steps, in order:
//   1. colour: the image must already have the spec's channel count (decode
//      with ColorSpace kGray for 1 channel, kRgb for 3);
//   2. resize the shorter side to resize_shorter_side (0: keep the size);
//   3. pad every side with pad pixels of value pad_value (0: none);
//   4. cut crop_count windows of crop_height x crop_width (CropWindows in
//      crop.h: centre, corners, mirrors);
//   5. per channel c: (pixel * scale - mean[c]) / std[c], computed in float,
//      channels in the spec's order (BGR swaps R and B, and then mean[0] and
//      std[0] are blue's), written planar: out is
//      [crop_count, channels, crop_height, crop_width] floats.
//
// Padding is never materialised and the float image is never built whole:
// each crop is normalised straight from the resized 8-bit pixels, so the
// working memory is the resized image plus `out`.
//
//   convoy::engine::PreprocessSpec spec;  // ImageNet: RGB, 256, crop 224, ...
//   std::vector<float> batch(10 * spec.CropElements());
//   absl::Status s = convoy::engine::PreprocessImage(image, spec, 10, absl::MakeSpan(batch));
//
// Thread-safety: stateless; safe to call concurrently.
#ifndef CONVOY_ENGINE_PREPROCESS_PREPROCESS_H_
#define CONVOY_ENGINE_PREPROCESS_PREPROCESS_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "engine/preprocess/crop.h"
#include "engine/preprocess/image.h"

namespace convoy::engine {

enum class ChannelOrder { kGray, kRgb, kBgr };

struct PreprocessSpec {
  ChannelOrder order = ChannelOrder::kRgb;
  int resize_shorter_side = 0;  // 0: no resize.
  int pad = 0;                  // Border added on each side after resizing.
  uint8_t pad_value = 0;
  int crop_height = 0;  // The model input's spatial size.
  int crop_width = 0;
  float scale = 1.0f / 255.0f;  // Pixels to [0, 1] before mean and std.
  std::vector<float> mean;      // One per channel (1 or 3 values).
  std::vector<float> std;       // One per channel, each > 0.

  int channels() const { return order == ChannelOrder::kGray ? 1 : 3; }
  int64_t CropElements() const { return int64_t{channels()} * crop_height * crop_width; }
};

// Bound on each of resize_shorter_side, pad, crop_height and crop_width,
// far above any model's input, so that sizes computed from them cannot
// overflow.
inline constexpr int kMaxPreprocessSide = 1 << 16;

// Bound on the pixels of the resized image. Decoding limits the input, but
// resizing the shorter side of a 1 x 10^6 strip to 256 would still make a
// 256 x 256000000 image; 2^26 pixels (192 MiB of RGB) is 64 times a 1024 x
// 1024 image and refuses only such extreme aspect ratios.
inline constexpr int64_t kMaxResizedPixels = int64_t{1} << 26;

// InvalidArgument naming the field when a spec is unusable: crop size not
// positive, resize or pad negative, any of those four above
// kMaxPreprocessSide, mean/std of the wrong length, mean or scale not
// finite, std not positive and finite.
absl::Status ValidatePreprocessSpec(const PreprocessSpec& spec);

// Height and width of the image after steps 2 and 3, before cropping. Each
// saturates at INT_MAX; PreprocessImage refuses far smaller sizes (see
// kMaxResizedPixels).
ImageSize ResizedAndPaddedSize(int height, int width, const PreprocessSpec& spec);

// Runs steps 2-5. InvalidArgument if the image's channel count differs from
// the spec's, crop_count is not 1, 5 or 10, the resized image would exceed
// kMaxResizedPixels, or the crop does not fit the resized, padded image
// ("crop of 224x224 does not fit in 200x300"). Every check is made before
// any resizing. The caller's side of the contract is checked too, since it
// is cheap: an invalid spec, an image whose pixels do not match its size,
// or out.size() != crop_count * spec.CropElements() is InvalidArgument.
absl::Status PreprocessImage(const Image& image, const PreprocessSpec& spec, int64_t crop_count,
                             absl::Span<float> out);

}  // namespace convoy::engine

#endif  // CONVOY_ENGINE_PREPROCESS_PREPROCESS_H_
