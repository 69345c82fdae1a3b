#include "engine/ops/plain_pool.h"

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

// Output row `r` (plane r / out_height, row r % out_height), 16 outputs at
// a time. In the vectors of the instruction set of the function it is
// inlined into.
inline __attribute__((always_inline)) void Row(bool max, int64_t in_height, int64_t in_width,
                                               const float* x, int64_t r, float* y) {
  const int64_t out_height = in_height / 2, out_width = in_width / 2;
  const float* top = x + ((r / out_height) * in_height + 2 * (r % out_height)) * in_width;
  const float* bottom = top + in_width;
  float* out = y + r * out_width;
  for (int64_t j = 0; j < out_width; j += kLanes) {
    const int64_t count = std::min(2 * kLanes, in_width - 2 * j);
    Pair t, b;
    Load(top + 2 * j, count, t);
    Load(bottom + 2 * j, count, b);
    Floats16 value = t.even;
    if (max) {
      MaxInto(value, t.odd);
      MaxInto(value, b.even);
      MaxInto(value, b.odd);
    } else {
      value = ((t.even + t.odd) + (b.even + b.odd)) * 0.25f;
    }
    std::memcpy(out + j, &value, std::min(kLanes, out_width - j) * sizeof(float));
  }
}

using RowFunction = void (*)(bool, int64_t, int64_t, const float*, int64_t, float*);

__attribute__((target("avx512f"))) void RowAvx512(bool max, int64_t in_height, int64_t in_width,
                                                  const float* x, int64_t r, float* y) {
  Row(max, in_height, in_width, x, r, y);
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
