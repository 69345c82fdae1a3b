// A 2x2 pooling with stride 2 (max or average, no padding) over a float32
// buffer in the plain layout (nchw), vectorised along each output row: how
// such a pool runs on an AVX-512 processor where its input is plain, as
// NarrowConv writes it (engine/ops/pool.cc), where oneDNN 2.6 has a slower
// kernel for plain layouts than for blocked ones (docs/ENGINE.md, "Plans").
#ifndef CONVOY_ENGINE_OPS_PLAIN_POOL_H_
#define CONVOY_ENGINE_OPS_PLAIN_POOL_H_

#include <cstdint>

namespace convoy::engine {

// True if this processor has AVX-512, where PlainPool2x2 beats oneDNN's
// pooling (measured; other processors keep oneDNN's).
bool PlainPool2x2IsFaster();

// y[p][i][j] = the maximum (`max`) or mean of x[p][2i + a][2j + b] over a, b
// in {0, 1}, for each of `planes` planes of in_height x in_width floats, on
// the calling thread's OpenMP team. A NaN in a window makes its mean NaN,
// and its maximum NaN or the maximum of the others.
// REQUIRES: out_height = in_height / 2 and out_width = in_width / 2.
void PlainPool2x2(bool max, int64_t planes, int64_t in_height, int64_t in_width, const float* x,
                  float* y);

}  // namespace convoy::engine

#endif  // CONVOY_ENGINE_OPS_PLAIN_POOL_H_
