#include "engine/ops/plain_pool.h"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <cstring>

#include "engine/ops/vector_isa.h"

namespace convoy::engine {
namespace {

constexpr int64_t kLanes = 16;
using Floats16 = float __attribute__((vector_size(kLanes * sizeof(float))));

struct Pair {
  Floats16 even, odd;  // Lanes 0, 2, ..., 30 and 1, 3, ..., 31 of 32 floats.
};

// Up to 32 floats from `row`, split into even and odd positions; zeros past
// `count`. (Vectors are passed by reference: a function of another
// instruction set would pass them by value otherwise.)
inline __attribute__((always_inline)) void Load(const float* row, int64_t count, Pair& pair) {
  Floats16 a, b;
  if (count >= 2 * kLanes) {
    std::memcpy(&a, row, sizeof(a));
    std::memcpy(&b, row + kLanes, sizeof(b));
  } else {
    float part[2 * kLanes] = {};
    std::memcpy(part, row, count * sizeof(float));
    std::memcpy(&a, part, sizeof(a));
    std::memcpy(&b, part + kLanes, sizeof(b));
  }
  pair.even =
      __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  pair.odd =
      __builtin_shufflevector(a, b, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
}

// a = max(a, b), lane by lane.
inline __attribute__((always_inline)) void MaxInto(Floats16& a, const Floats16& b) {
  a = a > b ? a : b;
}

// The 2x2 windows' maxima or means, from the top and bottom rows' pairs.
inline __attribute__((always_inline)) void Reduce(bool max, const Pair& t, const Pair& b, Floats16& value) {
  if (!max) {
    value = ((t.even + t.odd) + (b.even + b.odd)) * 0.25f;
    return;
  }
  value = t.even;
  MaxInto(value, t.odd);
  MaxInto(value, b.even);
  MaxInto(value, b.odd);
}

// Output row `r` (plane r / out_height, row r % out_height): the two input
// rows it reads and where it writes.
struct RowPlaces {
  const float* top;
  const float* bottom;
  float* out;
  int64_t out_width;
};

inline RowPlaces Places(int64_t in_height, int64_t in_width, const float* x, int64_t r, float* y) {
  const int64_t out_height = in_height / 2, out_width = in_width / 2;
  const float* top = x + ((r / out_height) * in_height + 2 * (r % out_height)) * in_width;
  return {top, top + in_width, y + r * out_width, out_width};
}

// Output row `r`, 16 outputs at a time. In the vectors of the instruction
// set of the function it is inlined into.
inline __attribute__((always_inline)) void Row(bool max, int64_t in_height, int64_t in_width,
                                               const float* x, int64_t r, float* y) {
  const auto [top, bottom, out, out_width] = Places(in_height, in_width, x, r, y);
  for (int64_t j = 0; j < out_width; j += kLanes) {
    const int64_t count = std::min(2 * kLanes, in_width - 2 * j);
    Pair t, b;
    Load(top + 2 * j, count, t);
    Load(bottom + 2 * j, count, b);
    Floats16 value;
    Reduce(max, t, b, value);
    std::memcpy(out + j, &value, std::min(kLanes, out_width - j) * sizeof(float));
  }
}

using RowFunction = void (*)(bool, int64_t, int64_t, const float*, int64_t, float*);

// Row, with masked loads and stores for a row's last, partial vector: the
// copy through the stack that Row makes instead (two calls to memmove and
// a stalled load) cost as much as the rest of the pool on LeNet-5's rows
// of 28.
__attribute__((target("avx512f"))) void RowAvx512(bool max, int64_t in_height, int64_t in_width,
                                                  const float* x, int64_t r, float* y) {
  const auto [top, bottom, out, out_width] = Places(in_height, in_width, x, r, y);
  // Lanes 0, 2, ..., 30 and 1, 3, ..., 31 of two vectors.
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
  for (int64_t j = 0; j < out_width; j += kLanes) {
    const int64_t count = std::min(2 * kLanes, in_width - 2 * j);
    const __mmask16 low = count >= kLanes ? 0xffff : (1u << count) - 1;
    const __mmask16 high = count >= 2 * kLanes ? 0xffff : count <= kLanes ? 0 : (1u << (count - kLanes)) - 1;
    const __m512 t0 = _mm512_maskz_loadu_ps(low, top + 2 * j);
    const __m512 t1 = _mm512_maskz_loadu_ps(high, top + 2 * j + kLanes);
    const __m512 b0 = _mm512_maskz_loadu_ps(low, bottom + 2 * j);
    const __m512 b1 = _mm512_maskz_loadu_ps(high, bottom + 2 * j + kLanes);
    const Pair t{Floats16(_mm512_permutex2var_ps(t0, even, t1)), Floats16(_mm512_permutex2var_ps(t0, odd, t1))};
    const Pair b{Floats16(_mm512_permutex2var_ps(b0, even, b1)), Floats16(_mm512_permutex2var_ps(b0, odd, b1))};
    Floats16 value;
    Reduce(max, t, b, value);
    const int64_t outputs = std::min(kLanes, out_width - j);
    _mm512_mask_storeu_ps(out + j, outputs == kLanes ? 0xffff : (1u << outputs) - 1, __m512(value));
  }
}

__attribute__((target("avx2,fma"))) void RowAvx2(bool max, int64_t in_height, int64_t in_width,
                                                 const float* x, int64_t r, float* y) {
  Row(max, in_height, in_width, x, r, y);
}

void RowBaseline(bool max, int64_t in_height, int64_t in_width, const float* x, int64_t r,
                 float* y) {
  Row(max, in_height, in_width, x, r, y);
}


}  // namespace

bool PlainPool2x2IsFaster() { return WidestVectorIsa() == VectorIsa::kAvx512; }

void PlainPool2x2(bool max, int64_t planes, int64_t in_height, int64_t in_width, const float* x,
                  float* y) {
  // One version per instruction set, chosen at run time (vector_isa.h).
  static const RowFunction row = ForWidestIsa<RowFunction>(RowAvx512, RowAvx2, RowBaseline);
  const int64_t rows = planes * (in_height / 2);
  // On one thread without entering a parallel region, which costs more
  // than a small pool.
  if (omp_get_max_threads() == 1) {
    for (int64_t r = 0; r < rows; ++r) row(max, in_height, in_width, x, r, y);
    return;
  }
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < rows; ++r) row(max, in_height, in_width, x, r, y);
}

}  // namespace convoy::engine
