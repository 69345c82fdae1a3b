// A float32 row times a matrix whose columns are stored in blocks of 16:
// the kernel of a one-row Gemm whose weights stream from memory
// (engine/ops/matmul.cc). A block is one stream of bytes, read from start
// to end, so the run goes as fast as memory delivers the weights. The
// OpenMP team's threads take blocks as they finish the last, so a thread
// that loses its core for a while (a busy machine) holds up no other. It
// sums in the widest vectors the processor has: AVX-512, AVX2 or SSE2.
#ifndef CONVOY_ENGINE_OPS_GEMV_H_
#define CONVOY_ENGINE_OPS_GEMV_H_

#include <cstdint>

namespace convoy::engine {

inline constexpr int64_t kGemvBlock = 16;

// y[j] = factor · Σ_i x[i] · W[i][j] for j < n, where column j of W lies in
// block j / 16 at w[(j / 16) · k · 16 + i · 16 + j % 16] (oneDNN's Oihw16o
// of W's transpose), with n rounded up to a multiple of 16.
void BlockedGemv(const float* x, const float* w, int64_t k, int64_t n, float factor, float* y);

}  // namespace convoy::engine

#endif  // CONVOY_ENGINE_OPS_GEMV_H_
