#include "tests/conformance/tensor_match.h"

#include <cmath>
#include <limits>
#include <optional>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace convoy {
namespace conformance {
namespace {

using ::testing::HasSubstr;
using ::testing::Optional;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

TEST(DescribeMismatchTest, IdenticalTensorsMatch) {
  Tensor t = Tensor::FromFloats({2, 2}, {1, 2, 3, 4});
  EXPECT_EQ(DescribeMismatch(t, t), std::nullopt);
}

TEST(DescribeMismatchTest, AcceptsDifferenceWithinRelativeTolerance) {
  // 1000 * (1 + 0.9e-3): within rtol=1e-3 of 1000.
  Tensor actual = Tensor::FromFloats({1}, {1000.9f});
  Tensor expected = Tensor::FromFloats({1}, {1000.0f});
  EXPECT_EQ(DescribeMismatch(actual, expected), std::nullopt);
}

TEST(DescribeMismatchTest, ToleranceScalesWithExpectedValueNotActual) {
  // |a-b| = 1, atol + rtol*|b| = 1e-7 + 1e-3 * 1 -- far out, whatever |a| is.
  Tensor actual = Tensor::FromFloats({1}, {2.0f});
  Tensor expected = Tensor::FromFloats({1}, {1.0f});
  EXPECT_NE(DescribeMismatch(actual, expected), std::nullopt);
}

TEST(DescribeMismatchTest, AbsoluteToleranceCoversValuesNearZero) {
  Tensor actual = Tensor::FromFloats({1}, {5e-8f});
  Tensor expected = Tensor::FromFloats({1}, {0.0f});
  EXPECT_EQ(DescribeMismatch(actual, expected), std::nullopt);
  Tensor too_far = Tensor::FromFloats({1}, {2e-7f});
  EXPECT_NE(DescribeMismatch(too_far, expected), std::nullopt);
}

TEST(DescribeMismatchTest, ReportsFirstMismatchWithIndexCoordinatesAndValues) {
  Tensor actual = Tensor::FromFloats({2, 3}, {0, 1, 2, 3, 9, 9});
  Tensor expected = Tensor::FromFloats({2, 3}, {0, 1, 2, 3, 4, 5});
  EXPECT_THAT(DescribeMismatch(actual, expected),
              Optional(HasSubstr("index 4 (at [1,1]): got 9, want 4")));
}

TEST(DescribeMismatchTest, NaNMatchesNaNOnly) {
  Tensor nan = Tensor::FromFloats({1}, {kNaN});
  Tensor one = Tensor::FromFloats({1}, {1.0f});
  EXPECT_EQ(DescribeMismatch(nan, nan), std::nullopt);
  EXPECT_NE(DescribeMismatch(nan, one), std::nullopt);
  EXPECT_NE(DescribeMismatch(one, nan), std::nullopt);
}

TEST(DescribeMismatchTest, InfinityMatchesSameInfinityOnly) {
  Tensor pos = Tensor::FromFloats({1}, {kInf});
  Tensor neg = Tensor::FromFloats({1}, {-kInf});
  EXPECT_EQ(DescribeMismatch(pos, pos), std::nullopt);
  EXPECT_NE(DescribeMismatch(pos, neg), std::nullopt);
}

TEST(DescribeMismatchTest, ShapesMustMatchExactlyEvenWithSameElementCount) {
  Tensor actual = Tensor::FromFloats({4}, {1, 2, 3, 4});
  Tensor expected = Tensor::FromFloats({1, 4}, {1, 2, 3, 4});
  EXPECT_THAT(DescribeMismatch(actual, expected), Optional(HasSubstr("shape [4], want [1,4]")));
}

TEST(DescribeMismatchTest, ElementTypesMustMatch) {
  Tensor actual = Tensor::FromFloats({1}, {1});
  Tensor expected = Tensor::FromInt64s({1}, {1});
  EXPECT_THAT(DescribeMismatch(actual, expected),
              Optional(HasSubstr("element type float32, want int64")));
}

TEST(DescribeMismatchTest, Int64ValuesMustBeEqual) {
  Tensor actual = Tensor::FromInt64s({2}, {1, 1000001});
  Tensor expected = Tensor::FromInt64s({2}, {1, 1000000});
  EXPECT_THAT(DescribeMismatch(actual, expected),
              Optional(HasSubstr("index 1 (at [1]): got 1000001, want 1000000")));
}

TEST(DescribeMismatchTest, ScalarsCompareByValue) {
  Tensor actual = Tensor::FromFloats({}, {3});
  Tensor expected = Tensor::FromFloats({}, {4});
  EXPECT_THAT(DescribeMismatch(actual, expected), Optional(HasSubstr("index 0 (at [])")));
}

}  // namespace
}  // namespace conformance
}  // namespace convoy
