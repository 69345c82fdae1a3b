// BlockedGemv against a double-precision sum, on sizes that leave a
// partial last block of columns, with weights at an unaligned address.
#include "engine/ops/gemv.h"

#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace convoy::engine {
namespace {

TEST(BlockedGemvTest, EqualsTheSumOverEveryColumn) {
  std::mt19937 random(3);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  for (const auto& [k, n] : {std::pair<int64_t, int64_t>{1, 1}, {37, 16}, {37, 33}, {300, 1000}}) {
    const int64_t padded = (n + kGemvBlock - 1) / kGemvBlock * kGemvBlock;
    std::vector<std::vector<float>> matrix(k, std::vector<float>(n));
    std::vector<float> x(k);
    for (float& v : x) v = uniform(random);
    // Padding columns hold garbage, which must not reach y; the blocks
    // start one float past a vector's alignment.
    std::vector<float> storage(padded * k + 1, 1e30f);
    float* w = storage.data() + 1;
    for (int64_t i = 0; i < k; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        matrix[i][j] = uniform(random);
        w[(j / kGemvBlock) * k * kGemvBlock + i * kGemvBlock + j % kGemvBlock] = matrix[i][j];
      }
    }
    std::vector<float> y(n + 1, -7.0f);  // y[n] must stay as it is.
    BlockedGemv(x.data(), w, k, n, 0.5f, y.data());
    for (int64_t j = 0; j < n; ++j) {
      double sum = 0;
      for (int64_t i = 0; i < k; ++i) sum += static_cast<double>(x[i]) * matrix[i][j];
      EXPECT_NEAR(y[j], 0.5 * sum, 1e-5 * k) << "k " << k << " n " << n << " column " << j;
    }
    EXPECT_EQ(y[n], -7.0f) << "k " << k << " n " << n;
  }
}

}  // namespace
}  // namespace convoy::engine
