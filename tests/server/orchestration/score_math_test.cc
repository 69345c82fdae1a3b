#include "server/orchestration/score_math.h"

#include <cmath>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace convoy::server {
namespace {

using ::testing::ElementsAre;
using ::testing::FloatNear;
using ::testing::Pointwise;

TEST(SoftmaxTest, MatchesTheDefinition) {
  std::vector<float> row = {1.0f, 2.0f, 3.0f};
  Softmax(absl::MakeSpan(row));
  const double sum = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  EXPECT_THAT(row, ElementsAre(FloatNear(std::exp(1.0) / sum, 1e-7), FloatNear(std::exp(2.0) / sum, 1e-7),
                               FloatNear(std::exp(3.0) / sum, 1e-7)));
}

TEST(SoftmaxTest, DoesNotOverflowOnLargeLogits) {
  std::vector<float> row = {1000.0f, 1000.0f, -1000.0f};
  Softmax(absl::MakeSpan(row));
  EXPECT_THAT(row, ElementsAre(FloatNear(0.5f, 1e-7), FloatNear(0.5f, 1e-7), FloatNear(0.0f, 1e-7)));
}

TEST(AddCropMeansTest, AveragesEachImagesConsecutiveRows) {
  // Two images, two crops each, rows of 2.
  const std::vector<float> rows = {1, 2, 3, 4, /* image 1 */ 10, 20, 30, 40};
  std::vector<float> out(4, 0.0f);
  AddCropMeans(rows, /*row_size=*/2, /*crops=*/2, /*softmax=*/false, absl::MakeSpan(out));
  EXPECT_THAT(out, ElementsAre(2, 3, 20, 30));
}

TEST(AddCropMeansTest, AveragesProbabilitiesNotLogits) {
  const std::vector<float> rows = {0, 0, /* crop 2 */ 10, 0};
  std::vector<float> out(2, 0.0f);
  AddCropMeans(rows, 2, 2, /*softmax=*/true, absl::MakeSpan(out));
  std::vector<float> second = {10, 0};
  Softmax(absl::MakeSpan(second));
  const std::vector<float> expected = {(0.5f + second[0]) / 2, (0.5f + second[1]) / 2};
  EXPECT_THAT(out, Pointwise(FloatNear(1e-7), expected));
  EXPECT_NEAR(out[0] + out[1], 1.0f, 1e-6);
}

}  // namespace
}  // namespace convoy::server
