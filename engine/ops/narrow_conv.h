// A float32 2-D convolution to few output channels (at most 8), stride 1,
// over plain layouts (nchw in and out), vectorised along each output row:
// how a network's first layer of a few channels runs on an AVX-512
// processor (engine/ops/conv.cc). oneDNN's kernels for such a layer
// vectorise over output channels in blocks of 16, so LeNet-5's first
// convolution (1 to 6 channels) computes and stores 16 channels to keep 6,
// and the layers after it (its activation, pooling) work on the padding
// too (docs/ENGINE.md, "Plans").
#ifndef CONVOY_ENGINE_OPS_NARROW_CONV_H_
#define CONVOY_ENGINE_OPS_NARROW_CONV_H_

#include <cstdint>

namespace convoy::engine {

inline constexpr int64_t kNarrowConvMaxOutChannels = 8;

struct NarrowConvGeometry {
  int64_t batch = 1;
  int64_t in_channels = 1, in_height = 1, in_width = 1;
  int64_t out_channels = 1, out_height = 1, out_width = 1;
  int64_t kernel_height = 1, kernel_width = 1;
  int64_t pad_top = 0, pad_left = 0;  // The bottom and right follow from the output's size.
};

// The activation NarrowConv applies to each output as it stores it.
struct NarrowConvActivation {
  enum Kind { kNone, kRelu, kClip, kTanh };
  Kind kind = kNone;
  // kRelu: the slope below zero (0 for Relu, LeakyRelu's alpha); kClip:
  // the bounds [alpha, beta]. A NaN stays NaN.
  float alpha = 0, beta = 0;
};

// True if this processor has AVX-512, where NarrowConv beats oneDNN's
// kernels (measured; other processors keep oneDNN's).
bool NarrowConvIsFaster();

// The float32 elements of the zero-padded copy of the input that NarrowConv
// works on: its scratch buffer.
int64_t NarrowConvScratchElements(const NarrowConvGeometry& g);

// y[n][o][i][j] = f(bias[o] + Σ_{c,p,q} w[o][c][p][q] · x[n][c][i+p-pad_top][j+q-pad_left]),
// x read as zero outside the image, f the activation (tanh within 1 float32
// ulp of the exact value, or 3e-7 of it), on the calling thread's OpenMP team.
// `weights` in the order [in][kh][kw][out] (oneDNN's bcda of ONNX's
// [out][in][kh][kw]), `bias` null for none, `scratch`
// NarrowConvScratchElements(g) floats.
// REQUIRES: 1 <= out_channels <= kNarrowConvMaxOutChannels, out_width >=
// 16 (a vector), and the output's size is what the padded input and kernel
// give at stride 1.
void NarrowConv(const NarrowConvGeometry& g, NarrowConvActivation activation, const float* x,
                const float* weights, const float* bias, float* scratch, float* y);

}  // namespace convoy::engine

#endif  // CONVOY_ENGINE_OPS_NARROW_CONV_H_
