#include "engine/ops/gemv.h"

#include <algorithm>

#include "engine/ops/vector_isa.h"

namespace convoy::engine {
namespace {

using Floats16 = float __attribute__((vector_size(kGemvBlock * sizeof(float))));
// The same, at any address of a float (weights need not be 64-byte aligned).
typedef float UnalignedFloats16
    __attribute__((vector_size(kGemvBlock * sizeof(float)), aligned(alignof(float))));

// One block of 16 columns: sum[j] = factor · Σ_i x[i] · w[i][j], in the
// vectors of the instruction set of the function it is inlined into.
inline __attribute__((always_inline)) void SumBlock(const float* x, const UnalignedFloats16* w,
                                                    int64_t k, float factor, float* sum) {
  Floats16 total = {};
  for (int64_t i = 0; i < k; ++i) {
    // 64 rows of 64 bytes (4 KB) ahead: more of the stream in flight than
    // the hardware prefetcher keeps (docs/ENGINE.md, "Plans"). A prefetch
    // past the weights' end does not fault.
    __builtin_prefetch(w + i + 64, 0, 3);
    total += x[i] * w[i];
  }
  total *= factor;
  for (int64_t j = 0; j < kGemvBlock; ++j) sum[j] = total[j];
}

// One version per instruction set, chosen at run time (vector_isa.h).
__attribute__((target("avx512f"))) void SumBlockAvx512(const float* x, const UnalignedFloats16* w,
                                                        int64_t k, float factor, float* sum) {
  SumBlock(x, w, k, factor, sum);
}

__attribute__((target("avx2,fma"))) void SumBlockAvx2(const float* x, const UnalignedFloats16* w,
                                                       int64_t k, float factor, float* sum) {
  SumBlock(x, w, k, factor, sum);
}

void SumBlockBaseline(const float* x, const UnalignedFloats16* w, int64_t k, float factor,
                      float* sum) {
  SumBlock(x, w, k, factor, sum);
}

using SumBlockFunction = void (*)(const float*, const UnalignedFloats16*, int64_t, float, float*);

}  // namespace

void BlockedGemv(const float* x, const float* w, int64_t k, int64_t n, float factor, float* y) {
  // One version per instruction set, chosen at run time (vector_isa.h).
  static const SumBlockFunction sum_block =
      ForWidestIsa<SumBlockFunction>(SumBlockAvx512, SumBlockAvx2, SumBlockBaseline);
  const int64_t blocks = (n + kGemvBlock - 1) / kGemvBlock;
  const auto* columns = reinterpret_cast<const UnalignedFloats16*>(w);
#pragma omp parallel for schedule(dynamic)
  for (int64_t b = 0; b < blocks; ++b) {
    float sum[kGemvBlock];
    sum_block(x, columns + b * k, k, factor, sum);
    const int64_t first = b * kGemvBlock;
    std::copy(sum, sum + std::min(kGemvBlock, n - first), y + first);
  }
}

}  // namespace convoy::engine
