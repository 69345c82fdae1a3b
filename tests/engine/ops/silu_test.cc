// SiluInPlace against x / (1 + e^-x) in double precision: across the whole
// range where the result is a normal float and past it, on lengths that
// leave a partial last vector and span several chunks, at an unaligned
// address, with infinities and NaN.
#include "engine/ops/silu.h"

#include <cmath>
#include <limits>
#include <vector>

#include "gtest/gtest.h"

namespace convoy::engine {
namespace {

double Silu(double x) { return x / (1.0 + std::exp(-x)); }

TEST(SiluInPlaceTest, IsWithinTwoUlpOfTheExactValue) {
  std::vector<float> values;
  for (float x = -120.0f; x <= 120.0f; x += 0.0137f) values.push_back(x);
  for (float x : {0.0f, -0.0f, 1e-30f, -1e-30f, 1e-7f, 87.0f, -87.0f, 88.5f, -88.5f, 3e38f, -3e38f}) {
    values.push_back(x);
  }
  // One float past a vector's alignment, and a guard after the end.
  std::vector<float> storage(values.size() + 2, 0.0f);
  std::copy(values.begin(), values.end(), storage.begin() + 1);
  storage.back() = -7.0f;
  SiluInPlace(storage.data() + 1, static_cast<int64_t>(values.size()));
  for (size_t i = 0; i < values.size(); ++i) {
    const double want = Silu(values[i]);
    const float got = storage[i + 1];
    if (std::fabs(want) < 1.5e-36) {
      EXPECT_LE(std::fabs(got), 1.5e-36) << "x " << values[i];
    } else {
      const double ulp = std::fabs(std::nextafter(static_cast<float>(want), 0.0f) - static_cast<float>(want));
      EXPECT_LE(std::fabs(got - want), 2 * ulp) << "x " << values[i] << " want " << want;
    }
  }
  EXPECT_EQ(storage.back(), -7.0f);
}

TEST(SiluInPlaceTest, EveryLengthAndChunkIsCovered) {
  for (int64_t n : {0, 1, 15, 16, 17, 16384, 16385, 100003}) {
    std::vector<float> data(n + 1);
    for (int64_t i = 0; i < n; ++i) data[i] = static_cast<float>(i % 97) / 8.0f - 6.0f;
    data[n] = 5.0f;
    SiluInPlace(data.data(), n);
    for (int64_t i = 0; i < n; ++i) {
      const double x = static_cast<float>(i % 97) / 8.0f - 6.0f;
      ASSERT_NEAR(data[i], Silu(x), 1e-6 * std::max(1.0, std::fabs(x))) << "n " << n << " i " << i;
    }
    EXPECT_EQ(data[n], 5.0f) << "n " << n;
  }
}

TEST(SiluInPlaceTest, InfinitiesGoToTheLimitsAndNanStaysNan) {
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> data = {inf, -inf, std::nanf("")};
  SiluInPlace(data.data(), static_cast<int64_t>(data.size()));
  EXPECT_EQ(data[0], inf);
  EXPECT_EQ(data[1], 0.0f);  // The limit, where x / (1 + e^-x) is -inf / inf.
  EXPECT_TRUE(std::isnan(data[2]));
}

}  // namespace
}  // namespace convoy::engine
