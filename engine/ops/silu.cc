#include "engine/ops/silu.h"

#include <algorithm>
#include <cstring>

#include "engine/ops/vector_isa.h"

namespace convoy::engine {
namespace {

constexpr int64_t kLanes = 16;
using Floats16 = float __attribute__((vector_size(kLanes * sizeof(float))));
using Ints16 = int32_t __attribute__((vector_size(kLanes * sizeof(int32_t))));
using Bits16 = uint32_t __attribute__((vector_size(kLanes * sizeof(uint32_t))));

// x / (1 + e^-x), e^t from Cephes' expf: t = n·ln 2 + r with |r| ≤ ln 2 / 2,
// a degree-6 polynomial for e^r, and 2^n put into the exponent bits. t is
// clamped to ±87 so that e^t stays a normal float: past 87, x / (1 + e^-x)
// is x, and below -87 it is taken as -0 (its magnitude is under 1.5e-36).
// A NaN x makes t -87 (the comparison is false), and the quotient NaN.
inline __attribute__((always_inline)) void Silu(Floats16& x) {
  const Floats16 zero = {};
  const Floats16 lo = zero - 87.0f, hi = zero + 87.0f;
  Floats16 t = -x;
  t = t >= lo ? t : lo;
  t = t > hi ? hi : t;
  // Rounded to the nearest integer by adding and taking away 1.5 · 2^23.
  const Floats16 n = (t * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  Floats16 r = t - n * 0.693359375f;
  r = r + n * 2.12194440e-4f;
  Floats16 p = r * 1.9875691500e-4f + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * (r * r) + r + 1.0f;
  const Bits16 exponent = reinterpret_cast<Bits16>(__builtin_convertvector(n, Ints16) + 127) << 23;
  Floats16 two_to_n;
  std::memcpy(&two_to_n, &exponent, sizeof(two_to_n));
  x = x < lo ? -zero : x / (p * two_to_n + 1.0f);
}

// In the vectors of the instruction set of the function it is inlined into.
inline __attribute__((always_inline)) void SiluSpan(float* data, int64_t n) {
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    Floats16 x;
    std::memcpy(&x, data + i, sizeof(x));
    Silu(x);
    std::memcpy(data + i, &x, sizeof(x));
  }
  if (i == n) return;
  Floats16 x = {};
  std::memcpy(&x, data + i, (n - i) * sizeof(float));
  Silu(x);
  std::memcpy(data + i, &x, (n - i) * sizeof(float));
}

// One version per instruction set, chosen at run time (vector_isa.h).
__attribute__((target("avx512f"))) void SiluSpanAvx512(float* data, int64_t n) {
  SiluSpan(data, n);
}

__attribute__((target("avx2,fma"))) void SiluSpanAvx2(float* data, int64_t n) {
  SiluSpan(data, n);
}

void SiluSpanBaseline(float* data, int64_t n) { SiluSpan(data, n); }

using SiluSpanFunction = void (*)(float*, int64_t);

}  // namespace

bool SiluInPlaceIsFaster() { return WidestVectorIsa() == VectorIsa::kAvx512; }

void SiluInPlace(float* data, int64_t n) {
  // One version per instruction set, chosen at run time (vector_isa.h).
  static const SiluSpanFunction silu_span =
      ForWidestIsa<SiluSpanFunction>(SiluSpanAvx512, SiluSpanAvx2, SiluSpanBaseline);
  // Chunks of 64 KB: as many as it takes to keep every thread busy, few
  // enough that starting one costs nothing.
  constexpr int64_t kChunk = 16384;
  const int64_t chunks = (n + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static) if (chunks > 1)
  for (int64_t c = 0; c < chunks; ++c) {
    silu_span(data + c * kChunk, std::min(kChunk, n - c * kChunk));
  }
}

}  // namespace convoy::engine
