#include "engine/ops/quantize.h"

#include <algorithm>
#include <cmath>

namespace convoy::engine {
namespace {

// A scale that maps `magnitude` to `top`; a value that is always zero gets
// 1 (any scale represents it exactly).
float ScaleFor(float magnitude, float top) { return magnitude > 0 ? top / magnitude : 1.0f; }

}  // namespace

SourceQuantization QuantizeSource(const ValueRange& range) {
  if (range.min >= 0) return {dnnl::memory::data_type::u8, ScaleFor(range.max, 255)};
  return {dnnl::memory::data_type::s8,
          ScaleFor(std::max(std::fabs(range.min), std::fabs(range.max)), 127)};
}

std::vector<float> WeightScales(const Tensor& weights, int axis) {
  const int64_t channels = weights.shape()[axis];
  const int64_t others = channels > 0 ? weights.num_elements() / channels : 0;
  // Element i of channel c: at c * others + i (axis 0), or i * channels + c
  // (the columns of a matrix).
  const int64_t channel_stride = axis == 0 ? others : 1;
  const int64_t element_stride = axis == 0 ? 1 : channels;
  const float* w = weights.data<float>();
  std::vector<float> scales(channels);
  for (int64_t c = 0; c < channels; ++c) {
    float magnitude = 0;
    for (int64_t i = 0; i < others; ++i) {
      magnitude = std::max(magnitude, std::fabs(w[c * channel_stride + i * element_stride]));
    }
    scales[c] = ScaleFor(magnitude, 127);
  }
  return scales;
}

std::vector<float> OutputScales(float source_scale, const std::vector<float>& weight_scales,
                                float factor) {
  std::vector<float> scales(weight_scales.size());
  for (size_t oc = 0; oc < scales.size(); ++oc) {
    scales[oc] = factor / (source_scale * weight_scales[oc]);
  }
  return scales;
}

std::vector<float> QuantizedBias(const Tensor& bias, float source_scale,
                                 const std::vector<float>& weight_scales) {
  std::vector<float> scaled(weight_scales.size());
  const float* b = bias.data<float>();
  for (size_t oc = 0; oc < scaled.size(); ++oc) {
    scaled[oc] = b[oc] * source_scale * weight_scales[oc];
  }
  return scaled;
}

}  // namespace convoy::engine
