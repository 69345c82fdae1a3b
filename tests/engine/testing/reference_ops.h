// Naive reference implementations of the operators the engine runs.
//
// Each function is the ONNX definition written as plain loops over dense,
// row-major (NCHW) float32 Tensors, accumulating in double. They are slow on
// purpose: nothing is blocked, fused or vectorised, so that a reader can
// check each one against the ONNX operator documentation line by line. The
// op tests compare the engine's oneDNN path with these on seeded random
// input.
//
// Attribute conventions follow ONNX: `pads` lists all begins then all ends
// ([x1_begin, x2_begin, ..., x1_end, x2_end, ...]); an empty strides,
// dilations or pads vector means the ONNX default (1, 1, 0). Inputs are
// assumed valid; the reference CHECKs nothing beyond what the loops need.
//
// Thread-safety: all functions are pure.
#ifndef CONVOY_TESTS_ENGINE_TESTING_REFERENCE_OPS_H_
#define CONVOY_TESTS_ENGINE_TESTING_REFERENCE_OPS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "engine/api/tensor.h"

namespace convoy::engine::reference {

// --- Convolution and pooling

struct WindowParams {
  std::vector<int64_t> strides;
  std::vector<int64_t> dilations;
  std::vector<int64_t> pads;
  std::string auto_pad = "NOTSET";  // NOTSET, VALID, SAME_UPPER or SAME_LOWER.
};

struct ConvParams : WindowParams {
  int64_t group = 1;
};

// X [N, C, D1..Dk], W [M, C/group, K1..Kk], B [M] or null; k = 1, 2 or 3.
Tensor Conv(const Tensor& x, const Tensor& w, const Tensor* b, const ConvParams& params);

struct PoolParams : WindowParams {
  std::vector<int64_t> kernel_shape;
  bool ceil_mode = false;
  bool count_include_pad = false;  // AveragePool only.
};

Tensor MaxPool(const Tensor& x, const PoolParams& params);
Tensor AveragePool(const Tensor& x, const PoolParams& params);
Tensor GlobalAveragePool(const Tensor& x);
Tensor GlobalMaxPool(const Tensor& x);

// --- Normalisation

struct LrnParams {
  int64_t size = 5;
  float alpha = 1e-4f;
  float beta = 0.75f;
  float bias = 1.0f;
};
Tensor Lrn(const Tensor& x, const LrnParams& params);

// Inference form, with the running statistics. X [N, C, ...]; the rest [C].
Tensor BatchNormalization(const Tensor& x, const Tensor& scale, const Tensor& bias,
                          const Tensor& mean, const Tensor& var, float epsilon);

// Normalises over the dimensions from `axis` on; scale and bias (or null)
// have one value per normalised element.
Tensor LayerNormalization(const Tensor& x, const Tensor& scale, const Tensor* bias, int64_t axis,
                          float epsilon);

// --- Matrix products

struct GemmParams {
  bool trans_a = false;
  bool trans_b = false;
  float alpha = 1.0f;
  float beta = 1.0f;
};
// C (or null) broadcasts unidirectionally to [M, N].
Tensor Gemm(const Tensor& a, const Tensor& b, const Tensor* c, const GemmParams& params);
// numpy.matmul: 1-D operands are promoted and the result squeezed again;
// batch dimensions broadcast.
Tensor MatMul(const Tensor& a, const Tensor& b);

// --- Element-wise

enum class BinaryOp { kAdd, kSub, kMul, kDiv };
// numpy (multidirectional) broadcasting.
Tensor Binary(BinaryOp op, const Tensor& a, const Tensor& b);
Tensor Sum(const std::vector<Tensor>& inputs);

Tensor Relu(const Tensor& x);
Tensor LeakyRelu(const Tensor& x, float alpha);
Tensor Tanh(const Tensor& x);
Tensor Sigmoid(const Tensor& x);
Tensor Clip(const Tensor& x, float min, float max);
// max(0, min(1, alpha * x + beta)).
Tensor HardSigmoid(const Tensor& x, float alpha, float beta);
// x * HardSigmoid(x) with alpha 1/6, beta 0.5.
Tensor HardSwish(const Tensor& x);
// x * Sigmoid(alpha * x) (opset 24's Swish; SiLU with alpha 1).
Tensor Swish(const Tensor& x, float alpha);
// x * Phi(x), Phi the standard normal CDF; with `tanh`, its tanh approximation.
Tensor Gelu(const Tensor& x, bool tanh);
Tensor Sqrt(const Tensor& x);
Tensor Erf(const Tensor& x);
Tensor Pow(const Tensor& x, float exponent);

// Opset 13 semantics: normalised along the single axis `axis` (may be
// negative). The opset 1-12 form equals these applied to the input reshaped
// to [prod(dims before axis), prod(dims from axis)] with axis 1.
Tensor Softmax(const Tensor& x, int64_t axis);
Tensor LogSoftmax(const Tensor& x, int64_t axis);

// --- Reductions

// `op` is ReduceMean, ReduceSum, ReduceMax, ReduceMin, ReduceProd,
// ReduceL1, ReduceL2 or ReduceSumSquare; empty `axes` reduce every axis.
Tensor Reduce(const std::string& op, const Tensor& x, const std::vector<int64_t>& axes,
              bool keepdims);

// --- Data movement

Tensor Concat(const std::vector<Tensor>& inputs, int64_t axis);
// Empty `perm` reverses the dimensions, as ONNX's default.
Tensor Transpose(const Tensor& x, const std::vector<int64_t>& perm);
// Constant mode; non-negative pads in ONNX order.
Tensor Pad(const Tensor& x, const std::vector<int64_t>& pads, float value);
// `indices` are non-negative or negative (counted from the end) positions on `axis`.
Tensor Gather(const Tensor& x, const std::vector<int64_t>& indices, const Shape& indices_shape,
              int64_t axis);

}  // namespace convoy::engine::reference

#endif  // CONVOY_TESTS_ENGINE_TESTING_REFERENCE_OPS_H_
