#include "engine/ops/narrow_conv.h"

#include <omp.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

#include "engine/ops/vector_isa.h"

namespace convoy::engine {
namespace {

constexpr int64_t kLanes = 16;
using Floats16 = float __attribute__((vector_size(kLanes * sizeof(float))));

// The zero-padded input: each image's planes of `height` rows of `width`
// floats. A row holds the output's width rounded up to whole vectors plus
// the kernel's overhang, so that every vector load stays inside it.
struct PaddedPlanes {
  int64_t height, width;
};

PaddedPlanes Padded(const NarrowConvGeometry& g) {
  const int64_t vectors = (g.out_width + kLanes - 1) / kLanes;
  return {g.out_height + g.kernel_height - 1, vectors * kLanes + g.kernel_width - 1};
}

// What every output row of one call shares.
struct Job {
  NarrowConvGeometry g;
  PaddedPlanes padded;
  NarrowConvActivation activation;
  const float* weights;  // [in][kh][kw][out]
  const float* bias;     // Null for none.
};

// tanh(x) as x · P(x²) / Q(x²), the rational minimax approximation that
// Eigen's and tract's float tanh use (degree 13 over degree 6), with x
// clamped to [-9, 9], past which tanh is ±1 in float32. A NaN stays NaN.
inline __attribute__((always_inline)) void Tanh(Floats16& x) {
  const Floats16 zero = {};
  x = x < -9.0f ? zero - 9.0f : x;
  x = x > 9.0f ? zero + 9.0f : x;
  const Floats16 x2 = x * x;
  Floats16 p = x2 * -2.76076847742355e-16f + 2.00018790482477e-13f;
  p = p * x2 + -8.60467152213735e-11f;
  p = p * x2 + 5.12229709037114e-08f;
  p = p * x2 + 1.48572235717979e-05f;
  p = p * x2 + 6.37261928875436e-04f;
  p = p * x2 + 4.89352455891786e-03f;
  Floats16 q = x2 * 1.19825839466702e-06f + 1.18534705686654e-04f;
  q = q * x2 + 2.26843463243900e-03f;
  q = q * x2 + 4.89352518554385e-03f;
  x = x * p / q;
}

inline __attribute__((always_inline)) void Activate(const NarrowConvActivation& a, Floats16& x) {
  switch (a.kind) {
    case NarrowConvActivation::kNone: return;
    case NarrowConvActivation::kRelu: x = x > 0.0f ? x : x * a.alpha; return;
    case NarrowConvActivation::kClip:
      x = x < a.alpha ? Floats16{} + a.alpha : x;
      x = x > a.beta ? Floats16{} + a.beta : x;
      return;
    case NarrowConvActivation::kTanh: Tanh(x); return;
  }
}

// Output pixels [j, j + 16 · kVectors) of row i of one image, all kOut
// channels: for each input value under the kernel, one load serves every
// output channel and each weight kVectors vectors. A vector that would
// pass the row's end is moved back to end with it (rows hold at least 16
// pixels): the pixels it shares with the one before are computed twice, the
// same way, and every store is whole. In the vectors of the instruction set
// of the function it is inlined into.
template <int kOut, int kVectors>
inline __attribute__((always_inline)) void Pixels(const Job& job, const float* image, int64_t i,
                                                  int64_t j, float* y) {
  const NarrowConvGeometry& g = job.g;
  int64_t start[kVectors];
  for (int v = 0; v < kVectors; ++v) start[v] = std::min(j + v * kLanes, g.out_width - kLanes);
  Floats16 sum[kVectors][kOut];
#pragma GCC unroll 8
  for (int o = 0; o < kOut; ++o) {
    const float bias = job.bias != nullptr ? job.bias[o] : 0.0f;
#pragma GCC unroll 2
    for (int v = 0; v < kVectors; ++v) sum[v][o] = Floats16{} + bias;
  }
  const float* w = job.weights;
  for (int64_t c = 0; c < g.in_channels; ++c) {
    for (int64_t p = 0; p < g.kernel_height; ++p) {
      const float* row = image + (c * job.padded.height + i + p) * job.padded.width;
      for (int64_t q = 0; q < g.kernel_width; ++q, w += kOut) {
        Floats16 x[kVectors];
#pragma GCC unroll 2
        for (int v = 0; v < kVectors; ++v) std::memcpy(&x[v], row + start[v] + q, sizeof(x[v]));
#pragma GCC unroll 8
        for (int o = 0; o < kOut; ++o) {
#pragma GCC unroll 2
          for (int v = 0; v < kVectors; ++v) sum[v][o] += w[o] * x[v];
        }
      }
    }
  }
#pragma GCC unroll 2
  for (int v = 0; v < kVectors; ++v) {
#pragma GCC unroll 8
    for (int o = 0; o < kOut; ++o) {
      Floats16 value = sum[v][o];  // A copy, so that `sum` stays in registers.
      Activate(job.activation, value);
      std::memcpy(y + (o * g.out_height + i) * g.out_width + start[v], &value, sizeof(value));
    }
  }
}

// Output row i of one image: two vectors at a time while more than one
// remains, then one.
template <int kOut>
inline __attribute__((always_inline)) void Row(const Job& job, const float* image, int64_t i,
                                               float* y) {
  int64_t j = 0;
  for (; j + kLanes < job.g.out_width; j += 2 * kLanes) Pixels<kOut, 2>(job, image, i, j, y);
  if (j < job.g.out_width) Pixels<kOut, 1>(job, image, i, j, y);
}

using RowFunction = void (*)(const Job&, const float*, int64_t, float*);

template <int kOut>
__attribute__((target("avx512f"))) void RowAvx512(const Job& job, const float* image, int64_t i,
                                                  float* y) {
  Row<kOut>(job, image, i, y);
}

template <int kOut>
__attribute__((target("avx2,fma"))) void RowAvx2(const Job& job, const float* image, int64_t i,
                                                 float* y) {
  Row<kOut>(job, image, i, y);
}

template <int kOut>
void RowBaseline(const Job& job, const float* image, int64_t i, float* y) {
  Row<kOut>(job, image, i, y);
}

// The row kernels for 1 to kNarrowConvMaxOutChannels output channels.
template <template <int> class Pick, size_t... k>
constexpr std::array<RowFunction, sizeof...(k)> Kernels(std::index_sequence<k...>) {
  return {Pick<static_cast<int>(k) + 1>::kFunction...};
}
template <int kOut>
struct PickAvx512 {
  static constexpr RowFunction kFunction = RowAvx512<kOut>;
};
template <int kOut>
struct PickAvx2 {
  static constexpr RowFunction kFunction = RowAvx2<kOut>;
};
template <int kOut>
struct PickBaseline {
  static constexpr RowFunction kFunction = RowBaseline<kOut>;
};

using RowKernels = std::array<RowFunction, kNarrowConvMaxOutChannels>;

constexpr auto kChannels = std::make_index_sequence<kNarrowConvMaxOutChannels>();
constexpr RowKernels kAvx512Kernels = Kernels<PickAvx512>(kChannels);
constexpr RowKernels kAvx2Kernels = Kernels<PickAvx2>(kChannels);
constexpr RowKernels kBaselineKernels = Kernels<PickBaseline>(kChannels);

// Copies plane `plane` (image n, channel c) of x into its padded place.
void PadPlane(const NarrowConvGeometry& g, PaddedPlanes padded, const float* x, int64_t plane,
              float* scratch) {
  const float* in = x + plane * g.in_height * g.in_width;
  float* out = scratch + plane * padded.height * padded.width;
  const int64_t width = std::min(g.in_width, padded.width - g.pad_left);
  for (int64_t r = 0; r < padded.height; ++r, out += padded.width) {
    const int64_t source_row = r - g.pad_top;
    std::fill_n(out, padded.width, 0.0f);
    if (source_row < 0 || source_row >= g.in_height || width <= 0) continue;
    std::memcpy(out + g.pad_left, in + source_row * g.in_width, width * sizeof(float));
  }
}

}  // namespace

bool NarrowConvIsFaster() { return WidestVectorIsa() == VectorIsa::kAvx512; }

int64_t NarrowConvScratchElements(const NarrowConvGeometry& g) {
  const PaddedPlanes padded = Padded(g);
  return g.batch * g.in_channels * padded.height * padded.width;
}

void NarrowConv(const NarrowConvGeometry& g, NarrowConvActivation activation, const float* x,
                const float* weights, const float* bias, float* scratch, float* y) {
  // One version per instruction set, chosen at run time (vector_isa.h).
  static const RowKernels& kernels =
      ForWidestIsa(kAvx512Kernels, kAvx2Kernels, kBaselineKernels);
  const RowFunction row = kernels[g.out_channels - 1];
  const Job job{g, Padded(g), activation, weights, bias};
  const PaddedPlanes padded = job.padded;
  const int64_t planes = g.batch * g.in_channels;
  const int64_t rows = g.batch * g.out_height;
  const int64_t image_in = g.in_channels * padded.height * padded.width;
  const int64_t image_out = g.out_channels * g.out_height * g.out_width;
  auto compute = [&](int64_t r) {
    const int64_t n = r / g.out_height;
    row(job, scratch + n * image_in, r % g.out_height, y + n * image_out);
  };
  // On one thread without entering a parallel region, which costs more
  // than LeNet-5's first layer at batch 1 (a few microseconds).
  if (omp_get_max_threads() == 1) {
    for (int64_t plane = 0; plane < planes; ++plane) PadPlane(g, padded, x, plane, scratch);
    for (int64_t r = 0; r < rows; ++r) compute(r);
    return;
  }
#pragma omp parallel
  {
#pragma omp for schedule(static)
    for (int64_t plane = 0; plane < planes; ++plane) PadPlane(g, padded, x, plane, scratch);
#pragma omp for schedule(static)
    for (int64_t r = 0; r < rows; ++r) compute(r);
  }
}

}  // namespace convoy::engine
