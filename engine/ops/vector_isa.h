// Which vector instruction set the engine's own kernels (gemv.cc, silu.cc,
// narrow_conv.cc, plain_pool.cc)
// run in: each is compiled once per set with GCC's target attribute and
// picks its version at run time from this. (An ifunc, target_clones, would
// be resolved before a sanitizer's runtime starts.)
#ifndef CONVOY_ENGINE_OPS_VECTOR_ISA_H_
#define CONVOY_ENGINE_OPS_VECTOR_ISA_H_

namespace convoy::engine {

enum class VectorIsa { kAvx512, kAvx2, kBaseline };

// The widest set this processor has: AVX-512 (avx512f), AVX2 with FMA, or
// x86-64's baseline SSE2.
inline VectorIsa WidestVectorIsa() {
  if (__builtin_cpu_supports("avx512f")) return VectorIsa::kAvx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return VectorIsa::kAvx2;
  return VectorIsa::kBaseline;
}

// Of a kernel's three versions, the one for this processor's widest set.
template <typename T>
const T& ForWidestIsa(const T& avx512, const T& avx2, const T& baseline) {
  switch (WidestVectorIsa()) {
    case VectorIsa::kAvx512: return avx512;
    case VectorIsa::kAvx2: return avx2;
    case VectorIsa::kBaseline: break;
  }
  return baseline;
}

}  // namespace convoy::engine

#endif  // CONVOY_ENGINE_OPS_VECTOR_ISA_H_
