// SiLU, y = x · sigmoid(x), over a float32 buffer in place: how a Conv with
// a fused Swish runs it on an AVX-512 processor (engine/ops/conv.cc).
// oneDNN 2.6's swish post-op takes about 0.25 ns per element on 2 threads
// here, more than the depthwise convolution it follows in EfficientNet; a
// pass over the convolution's output after it makes EfficientNet-B0 1.10x
// and EfficientNetV2-S 1.20x faster at batch 8 (docs/ENGINE.md, "Graph
// passes").
#ifndef CONVOY_ENGINE_OPS_SILU_H_
#define CONVOY_ENGINE_OPS_SILU_H_

#include <cstdint>

namespace convoy::engine {

// True if this processor has AVX-512, where SiluInPlace beats oneDNN's swish
// (measured; not on other processors, so they keep oneDNN's).
bool SiluInPlaceIsFaster();

// data[i] = data[i] · sigmoid(data[i]) for i < n, within 2 float32 ulp of
// the exact value, or within 1.5e-36 of it where that is smaller still
// (-0 below -87, and for -inf, the limit), on the calling thread's OpenMP
// team. NaN stays NaN.
void SiluInPlace(float* data, int64_t n);

}  // namespace convoy::engine

#endif  // CONVOY_ENGINE_OPS_SILU_H_
