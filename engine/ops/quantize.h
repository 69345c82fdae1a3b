// Scales of int8 primitives (Precision::kInt8): how a calibrated range and
// a weight tensor map onto 8-bit integers.
//
// A primitive computes acc = sum(x_q * w_q) in int32, where x_q = x * s_x
// and w_q[oc] = w[oc] * s_w[oc]. oneDNN 2.x then writes
// output_scale[oc] * (acc + bias_q[oc]), so the float result needs
// output_scale[oc] = 1 / (s_x * s_w[oc]) and bias_q[oc] = bias[oc] * s_x * s_w[oc].
#ifndef CONVOY_ENGINE_OPS_QUANTIZE_H_
#define CONVOY_ENGINE_OPS_QUANTIZE_H_

#include <vector>

#include "dnnl.hpp"
#include "engine/api/calibration.h"
#include "engine/api/tensor.h"

namespace convoy::engine {

struct SourceQuantization {
  // u8 for a range that never goes below zero (the input of a ReLU'd
  // layer), which keeps all 8 bits for its magnitude; s8 otherwise.
  dnnl::memory::data_type type;
  float scale;  // s_x: the range's largest magnitude maps to 255 or 127.
};
SourceQuantization QuantizeSource(const ValueRange& range);

// s_w: one scale per index of `weights`' dimension `axis` (the output
// channel: 0 for convolution weights, 0 or 1 for a matrix), mapping the
// largest magnitude of its slice to 127. REQUIRES: float32 weights holding
// their bytes; axis 0, or 1 of a matrix.
std::vector<float> WeightScales(const Tensor& weights, int axis = 0);

// factor / (s_x * s_w[oc]) for each output channel: the real result times
// `factor`.
std::vector<float> OutputScales(float source_scale, const std::vector<float>& weight_scales,
                                float factor = 1.0f);

// bias[oc] * s_x * s_w[oc]. REQUIRES: one bias per weight scale.
std::vector<float> QuantizedBias(const Tensor& bias, float source_scale,
                                 const std::vector<float>& weight_scales);

}  // namespace convoy::engine

#endif  // CONVOY_ENGINE_OPS_QUANTIZE_H_
