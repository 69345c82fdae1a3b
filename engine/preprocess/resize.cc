#include "engine/preprocess/resize.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace convoy::engine {
namespace {

// Fixed-point weights: 22 fractional bits leave room for 255 * (sum of the
// weights, about 1.0) plus the rounding half in an int32, as in Pillow.
constexpr int kPrecisionBits = 32 - 8 - 2;
constexpr int32_t kRoundingHalf = int32_t{1} << (kPrecisionBits - 1);

// The taps of a one-dimensional resize: output i reads `count` inputs from
// `first[i]`, with weights weights[i * max_taps ...].
struct Taps {
  int max_taps = 0;
  std::vector<int> first;
  std::vector<int> count;
  std::vector<int32_t> weights;
};

double Triangle(double x) {
  x = std::fabs(x);
  return x < 1.0 ? 1.0 - x : 0.0;
}

// Pillow's precompute_coeffs + normalize_coeffs_8bpc for the bilinear
// filter (support 1), kept step for step so the rounding agrees.
Taps ComputeTaps(int in_size, int out_size) {
  const double scale = static_cast<double>(in_size) / out_size;
  const double filter_scale = std::max(scale, 1.0);  // Widened when shrinking.
  const double support = 1.0 * filter_scale;
  Taps taps;
  taps.max_taps = static_cast<int>(std::ceil(support)) * 2 + 1;
  taps.first.resize(out_size);
  taps.count.resize(out_size);
  taps.weights.assign(static_cast<size_t>(out_size) * taps.max_taps, 0);
  const double inverse_scale = 1.0 / filter_scale;  // Multiplied, as Pillow, for equal bits.
  std::vector<double> w(taps.max_taps);
  for (int i = 0; i < out_size; ++i) {
    const double center = (i + 0.5) * scale;  // In input pixels; centres at +0.5.
    // Truncation, as Pillow's (int) casts; negatives clamp to 0 anyway.
    const int lo = std::max(static_cast<int>(center - support + 0.5), 0);
    const int hi = std::min(static_cast<int>(center + support + 0.5), in_size);
    const int n = hi - lo;
    double total = 0.0;
    for (int k = 0; k < n; ++k) {
      w[k] = Triangle((k + lo - center + 0.5) * inverse_scale);
      total += w[k];
    }
    int32_t* out = &taps.weights[static_cast<size_t>(i) * taps.max_taps];
    for (int k = 0; k < n; ++k) {
      const double normalised = total != 0.0 ? w[k] / total : w[k];
      // Triangle weights are never negative, so this is round-half-up.
      out[k] = static_cast<int32_t>(0.5 + normalised * (1 << kPrecisionBits));
    }
    taps.first[i] = lo;
    taps.count[i] = n;
  }
  return taps;
}

uint8_t RoundAndClamp(int32_t sum) {
  return static_cast<uint8_t>(std::clamp(sum >> kPrecisionBits, 0, 255));
}

Image ResizeWidth(const Image& in, int width) {
  const Taps taps = ComputeTaps(in.width, width);
  const int c = in.channels;
  Image out{in.height, width, c, {}};
  out.pixels.resize(static_cast<size_t>(in.height) * width * c);
  for (int y = 0; y < in.height; ++y) {
    const uint8_t* src = &in.pixels[static_cast<size_t>(y) * in.width * c];
    uint8_t* dst = &out.pixels[static_cast<size_t>(y) * width * c];
    for (int x = 0; x < width; ++x) {
      const int32_t* w = &taps.weights[static_cast<size_t>(x) * taps.max_taps];
      const uint8_t* s = src + static_cast<size_t>(taps.first[x]) * c;
      for (int ch = 0; ch < c; ++ch) {
        int32_t sum = kRoundingHalf;
        for (int k = 0; k < taps.count[x]; ++k) sum += s[k * c + ch] * w[k];
        dst[x * c + ch] = RoundAndClamp(sum);
      }
    }
  }
  return out;
}

Image ResizeHeight(const Image& in, int height) {
  const Taps taps = ComputeTaps(in.height, height);
  const size_t row = static_cast<size_t>(in.width) * in.channels;
  Image out{height, in.width, in.channels, {}};
  out.pixels.resize(height * row);
  std::vector<int32_t> sums(row);
  for (int y = 0; y < height; ++y) {
    // Whole rows at a time: the inner loop walks memory contiguously.
    std::fill(sums.begin(), sums.end(), kRoundingHalf);
    const int32_t* w = &taps.weights[static_cast<size_t>(y) * taps.max_taps];
    for (int k = 0; k < taps.count[y]; ++k) {
      const uint8_t* src = &in.pixels[(taps.first[y] + k) * row];
      for (size_t i = 0; i < row; ++i) sums[i] += src[i] * w[k];
    }
    uint8_t* dst = &out.pixels[y * row];
    for (size_t i = 0; i < row; ++i) dst[i] = RoundAndClamp(sums[i]);
  }
  return out;
}

int SaturateToInt(int64_t v) {
  return static_cast<int>(std::min<int64_t>(v, std::numeric_limits<int>::max()));
}

// round(longer * shorter_side / shorter), halves up, at least 1.
// Truncated, as torchvision's Resize(int) computes it, so a model evaluated
// with torchvision sees the same image size here.
int ScaleLongerSide(int longer, int shorter, int shorter_side) {
  return SaturateToInt(std::max<int64_t>(int64_t{longer} * shorter_side / shorter, 1));
}

}  // namespace

ImageSize SizeWithShorterSide(int height, int width, int shorter_side) {
  if (height <= width) return {shorter_side, ScaleLongerSide(width, height, shorter_side)};
  return {ScaleLongerSide(height, width, shorter_side), shorter_side};
}

Image ResizeShorterSide(const Image& image, int shorter_side) {
  const ImageSize size = SizeWithShorterSide(image.height, image.width, shorter_side);
  return Resize(image, size.height, size.width);
}

Image Resize(const Image& image, int height, int width) {
  // Horizontal first, as Pillow: the order changes the intermediate rounding.
  if (image.width == width) return image.height == height ? image : ResizeHeight(image, height);
  Image wide = ResizeWidth(image, width);
  return image.height == height ? wide : ResizeHeight(wide, height);
}

}  // namespace convoy::engine
