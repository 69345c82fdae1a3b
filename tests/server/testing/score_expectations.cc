#include "tests/server/testing/score_expectations.h"

#include <algorithm>
#include <cmath>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace convoy::testing {

std::vector<float> Softmax(std::vector<float> row) {
  const float max = *std::max_element(row.begin(), row.end());
  double sum = 0;
  for (float& v : row) sum += (v = std::exp(v - max));
  for (float& v : row) v = static_cast<float>(v / sum);
  return row;
}

void ExpectNear(const std::vector<float>& actual, const std::vector<float>& expected, float tolerance) {
  ASSERT_THAT(actual, ::testing::SizeIs(expected.size()));
  for (size_t i = 0; i < actual.size(); ++i) EXPECT_NEAR(actual[i], expected[i], tolerance) << "at " << i;
}

}  // namespace convoy::testing
