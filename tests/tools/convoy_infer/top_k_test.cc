#include "tools/convoy_infer/top_k.h"

#include <cmath>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace convoy {
namespace {

TEST(TopKTest, ReturnsBestClassesFirstWithSoftmaxProbabilities) {
  const std::vector<float> logits = {1.0f, 3.0f, 2.0f, 0.0f};
  std::vector<ClassScore> top = TopK(logits, 2);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].index, 1);
  EXPECT_EQ(top[1].index, 2);
  const double sum = std::exp(1.0) + std::exp(3.0) + std::exp(2.0) + std::exp(0.0);
  EXPECT_NEAR(top[0].probability, std::exp(3.0) / sum, 1e-6);
  EXPECT_NEAR(top[1].probability, std::exp(2.0) / sum, 1e-6);
}

TEST(TopKTest, KLargerThanClassesReturnsAllAndTiesKeepLowerIndexFirst) {
  std::vector<ClassScore> top = TopK(std::vector<float>{5.0f, 5.0f}, 10);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].index, 0);
  EXPECT_EQ(top[1].index, 1);
  EXPECT_FLOAT_EQ(top[0].probability, 0.5f);
}

TEST(TopKTest, HugeLogitsDoNotOverflow) {
  std::vector<ClassScore> top = TopK(std::vector<float>{1000.0f, 999.0f}, 1);
  ASSERT_EQ(top.size(), 1u);
  EXPECT_NEAR(top[0].probability, 1.0 / (1.0 + std::exp(-1.0)), 1e-6);
}

TEST(ReadLabelsTest, MissingFileIsNotFound) {
  EXPECT_EQ(ReadLabels("/nonexistent/labels.txt").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace convoy
