// NarrowConv and PlainPool2x2 against plain loops in double precision: every
// output-channel count, kernels with and without padding (asymmetric too),
// widths that end on a whole vector, a pair of vectors or part of one, on
// one thread and on a team, each activation, with a guard after the output.
#include "engine/ops/narrow_conv.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/ops/plain_pool.h"
#include "gtest/gtest.h"

namespace convoy::engine {
namespace {

std::vector<float> Values(int64_t n, int seed) {
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i) {
    v[i] = static_cast<float>((i * 37 + seed * 11) % 101) / 50.0f - 1.0f;
  }
  return v;
}

// ONNX's weights [out][in][kh][kw] in the order NarrowConv reads, [in][kh][kw][out].
std::vector<float> InChannelKernelOut(const NarrowConvGeometry& g, const std::vector<float>& w) {
  const int64_t taps = g.in_channels * g.kernel_height * g.kernel_width;
  std::vector<float> out(w.size());
  for (int64_t o = 0; o < g.out_channels; ++o) {
    for (int64_t t = 0; t < taps; ++t) out[t * g.out_channels + o] = w[o * taps + t];
  }
  return out;
}

// The convolution as ONNX defines it, in double precision.
std::vector<double> Reference(const NarrowConvGeometry& g, const std::vector<float>& x,
                              const std::vector<float>& w, const float* bias) {
  std::vector<double> y(g.batch * g.out_channels * g.out_height * g.out_width);
  for (int64_t n = 0; n < g.batch; ++n)
    for (int64_t o = 0; o < g.out_channels; ++o)
      for (int64_t i = 0; i < g.out_height; ++i)
        for (int64_t j = 0; j < g.out_width; ++j) {
          double sum = bias != nullptr ? bias[o] : 0.0;
          for (int64_t c = 0; c < g.in_channels; ++c)
            for (int64_t p = 0; p < g.kernel_height; ++p)
              for (int64_t q = 0; q < g.kernel_width; ++q) {
                const int64_t r = i + p - g.pad_top, s = j + q - g.pad_left;
                if (r < 0 || r >= g.in_height || s < 0 || s >= g.in_width) continue;
                const int64_t tap = (o * g.in_channels + c) * g.kernel_height + p;
                sum += static_cast<double>(w[tap * g.kernel_width + q]) *
                       x[((n * g.in_channels + c) * g.in_height + r) * g.in_width + s];
              }
          y[((n * g.out_channels + o) * g.out_height + i) * g.out_width + j] = sum;
        }
  return y;
}

double Activated(const NarrowConvActivation& a, double x) {
  switch (a.kind) {
    case NarrowConvActivation::kNone: return x;
    case NarrowConvActivation::kRelu: return x > 0 ? x : a.alpha * x;
    case NarrowConvActivation::kClip: return std::min<double>(std::max<double>(x, a.alpha), a.beta);
    case NarrowConvActivation::kTanh: return std::tanh(x);
  }
  return x;
}

void ExpectMatches(NarrowConvGeometry g, int64_t pad_bottom, int64_t pad_right, bool with_bias,
                   int threads, NarrowConvActivation activation = {}) {
  g.out_height = g.in_height + g.pad_top + pad_bottom - g.kernel_height + 1;
  g.out_width = g.in_width + g.pad_left + pad_right - g.kernel_width + 1;
  const std::string where = absl::StrCat(
      "out ", g.out_channels, " in ", g.in_channels, " kernel ", g.kernel_height, "x",
      g.kernel_width, " input ", g.in_height, "x", g.in_width, " pads ", g.pad_top, ",", g.pad_left,
      ",", pad_bottom, ",", pad_right, " batch ", g.batch, " threads ", threads,
      with_bias ? " bias" : "", " activation ", activation.kind);
  const std::vector<float> x = Values(g.batch * g.in_channels * g.in_height * g.in_width, 1);
  const std::vector<float> w =
      Values(g.out_channels * g.in_channels * g.kernel_height * g.kernel_width, 2);
  const std::vector<float> bias = Values(g.out_channels, 3);
  const std::vector<float> rearranged = InChannelKernelOut(g, w);
  std::vector<float> scratch(NarrowConvScratchElements(g), std::nanf(""));  // Must all be written.
  const int64_t out_elements = g.batch * g.out_channels * g.out_height * g.out_width;
  std::vector<float> y(out_elements + 1, std::nanf(""));
  y.back() = -7.0f;
  const int before = omp_get_max_threads();
  omp_set_num_threads(threads);
  NarrowConv(g, activation, x.data(), rearranged.data(), with_bias ? bias.data() : nullptr,
             scratch.data(), y.data());
  omp_set_num_threads(before);
  const std::vector<double> want = Reference(g, x, w, with_bias ? bias.data() : nullptr);
  for (int64_t k = 0; k < out_elements; ++k) {
    ASSERT_NEAR(y[k], Activated(activation, want[k]), 1e-5) << where << " at " << k;
  }
  EXPECT_EQ(y.back(), -7.0f) << where;
}

// LeNet-5's first layer, 5x5 from one 32x32 channel, to `out` channels.
NarrowConvGeometry LeNetFirstLayer(int64_t out) {
  NarrowConvGeometry g;
  g.batch = 2;
  g.in_channels = 1;
  g.in_height = g.in_width = 32;
  g.out_channels = out;
  g.kernel_height = g.kernel_width = 5;
  return g;
}

TEST(NarrowConvTest, MatchesTheDefinitionForEveryChannelCount) {
  for (int64_t out = 1; out <= kNarrowConvMaxOutChannels; ++out) {
    ExpectMatches(LeNetFirstLayer(out), 0, 0, /*with_bias=*/true, 1);
  }
}

TEST(NarrowConvTest, MatchesTheDefinitionForEachShapeOfRow) {
  // Widths of output 16 (one vector), 17 (a vector and one pixel), 28 (a
  // pair, the second part full), 33 and 40 (a pair and part of one).
  for (int64_t width : {16, 17, 28, 33, 40}) {
    for (int threads : {1, 2}) {
      NarrowConvGeometry g;
      g.batch = 3;
      g.in_channels = 3;
      g.in_height = 7;
      g.in_width = width + 2;
      g.out_channels = 6;
      g.kernel_height = g.kernel_width = 3;
      ExpectMatches(g, 0, 0, /*with_bias=*/false, threads);
    }
  }
}

TEST(NarrowConvTest, ReadsZerosInThePadding) {
  NarrowConvGeometry g;
  g.in_channels = 2;
  g.in_height = 28;
  g.in_width = 28;
  g.out_channels = 4;
  g.kernel_height = g.kernel_width = 5;
  g.pad_top = g.pad_left = 2;
  ExpectMatches(g, 2, 2, /*with_bias=*/true, 2);  // MNIST's LeNet: 28x28 in and out.
  g.pad_top = 0;
  g.pad_left = 3;
  ExpectMatches(g, 1, 0, /*with_bias=*/true, 1);  // Asymmetric.
  g.kernel_height = 1;
  g.kernel_width = 7;
  g.pad_top = 0;
  g.pad_left = 3;
  ExpectMatches(g, 0, 3, /*with_bias=*/false, 2);  // A non-square kernel.
}

TEST(NarrowConvTest, AppliesItsActivationAsItStores) {
  const NarrowConvGeometry g = LeNetFirstLayer(6);
  using A = NarrowConvActivation;
  for (const A& activation : {A{A::kRelu, 0, 0}, A{A::kRelu, 0.1f, 0}, A{A::kClip, -0.5f, 0.7f},
                              A{A::kTanh, 0, 0}}) {
    for (int threads : {1, 2}) ExpectMatches(g, 0, 0, /*with_bias=*/true, threads, activation);
  }
}

// y = tanh(x) through a 1x1 convolution of weight 1: within 1 ulp of the
// exact value, or 3e-7 of it (near ±1, where the rational approximation is
// up to 2.2e-7 off), from 0 to past where tanh rounds to 1, and ±1 at the
// infinities, NaN for NaN.
TEST(NarrowConvTest, ItsTanhIsWithinOneUlpOr3e7) {
  std::vector<float> x;
  for (float v = -12.0f; v <= 12.0f; v += 0.000731f) x.push_back(v);
  const float inf = std::numeric_limits<float>::infinity();
  for (float v : {0.0f, -0.0f, 1e-30f, -1e-20f, 4e-4f, 9.0f, -9.0f, 3e38f, inf, -inf}) x.push_back(v);
  while (x.size() % 16 != 0) x.push_back(0.5f);
  x.push_back(std::nanf(""));
  NarrowConvGeometry g;
  g.in_height = g.out_height = 1;
  g.in_width = g.out_width = static_cast<int64_t>(x.size());
  const float one = 1.0f;
  std::vector<float> scratch(NarrowConvScratchElements(g)), y(x.size());
  NarrowConv(g, {NarrowConvActivation::kTanh, 0, 0}, x.data(), &one, nullptr, scratch.data(),
             y.data());
  for (size_t i = 0; i + 1 < x.size(); ++i) {
    const double want = std::tanh(static_cast<double>(x[i]));
    const float exact = static_cast<float>(want);
    const double ulp = std::fabs(std::nextafter(exact, 0.0f) - exact);
    EXPECT_LE(std::fabs(y[i] - want), std::max(ulp, 3e-7)) << "x " << x[i];
  }
  EXPECT_TRUE(std::isnan(y.back()));
}

// An image's output is the same, bit for bit, alone and in a batch, on one
// thread or a team: a request's answer cannot depend on its neighbours.
TEST(NarrowConvTest, AnImageAloneAndInABatchGivesTheSameBits) {
  NarrowConvGeometry g;
  g.batch = 3;
  g.in_channels = 2;
  g.in_height = g.in_width = 30;
  g.out_channels = 5;
  g.out_height = g.out_width = 30;
  g.kernel_height = g.kernel_width = 5;
  g.pad_top = g.pad_left = 2;
  const std::vector<float> x = Values(g.batch * g.in_channels * 30 * 30, 5);
  const std::vector<float> w = InChannelKernelOut(g, Values(5 * 2 * 25, 6));
  const std::vector<float> bias = Values(5, 7);
  const int64_t image_out = g.out_channels * 30 * 30;
  const int before = omp_get_max_threads();
  for (int threads : {1, 2}) {
    omp_set_num_threads(threads);
    std::vector<float> scratch(NarrowConvScratchElements(g)), batch(g.batch * image_out);
    NarrowConv(g, {NarrowConvActivation::kTanh, 0, 0}, x.data(), w.data(), bias.data(),
               scratch.data(), batch.data());
    NarrowConvGeometry one = g;
    one.batch = 1;
    for (int64_t n = 0; n < g.batch; ++n) {
      std::vector<float> alone_scratch(NarrowConvScratchElements(one)), alone(image_out);
      NarrowConv(one, {NarrowConvActivation::kTanh, 0, 0},
                 x.data() + n * g.in_channels * 30 * 30, w.data(), bias.data(),
                 alone_scratch.data(), alone.data());
      EXPECT_EQ(0, std::memcmp(alone.data(), batch.data() + n * image_out,
                               image_out * sizeof(float)))
          << "image " << n << " threads " << threads;
    }
  }
  omp_set_num_threads(before);
}

std::vector<float> PoolReference(bool max, int64_t planes, int64_t height, int64_t width,
                                 const std::vector<float>& x) {
  std::vector<float> y;
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t i = 0; i < height / 2; ++i)
      for (int64_t j = 0; j < width / 2; ++j) {
        const float* at = x.data() + (p * height + 2 * i) * width + 2 * j;
        const float window[4] = {at[0], at[1], at[width], at[width + 1]};
        y.push_back(max ? *std::max_element(window, window + 4)
                        : (window[0] + window[1] + window[2] + window[3]) / 4);
      }
  return y;
}

TEST(PlainPool2x2Test, MatchesTheDefinition) {
  // Odd sizes drop their last row and column, as a pool without ceil mode
  // does; widths leave a part of a vector (28, 29), whole ones (64) and more.
  for (int64_t width : {2, 28, 29, 64, 66}) {
    for (int64_t height : {2, 7}) {
      for (bool max : {false, true}) {
        for (int threads : {1, 2}) {
          const int64_t planes = 3;
          const std::vector<float> x = Values(planes * height * width, 4);
          const int64_t out = planes * (height / 2) * (width / 2);
          std::vector<float> y(out + 1, std::nanf(""));
          y.back() = -7.0f;
          const int before = omp_get_max_threads();
          omp_set_num_threads(threads);
          PlainPool2x2(max, planes, height, width, x.data(), y.data());
          omp_set_num_threads(before);
          const std::vector<float> want = PoolReference(max, planes, height, width, x);
          for (int64_t k = 0; k < out; ++k) {
            ASSERT_NEAR(y[k], want[k], 1e-6) << (max ? "max" : "mean") << " " << height << "x"
                                             << width << " threads " << threads << " at " << k;
          }
          EXPECT_EQ(y.back(), -7.0f);
        }
      }
    }
  }
}

TEST(PlainPool2x2Test, InfinitiesPassThrough) {
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> x = {inf, 1, -inf, 2, 3, 4, -inf, -inf};  // Two planes of 2x2.
  std::vector<float> y(2);
  PlainPool2x2(/*max=*/true, 2, 2, 2, x.data(), y.data());
  EXPECT_EQ(y[0], inf);
  EXPECT_EQ(y[1], 4.0f);
  PlainPool2x2(/*max=*/false, 2, 2, 2, x.data(), y.data());
  EXPECT_TRUE(std::isnan(y[0]));  // inf and -inf.
  EXPECT_EQ(y[1], -inf);
}

}  // namespace
}  // namespace convoy::engine
