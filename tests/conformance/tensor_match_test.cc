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
  engine::Tensor t = engine::Tensor::FromFloats({2, 2}, {1, 2, 3, 4});
  EXPECT_EQ(DescribeMismatch(t, t), std::nullopt);
}

TEST(DescribeMismatchTest, AcceptsDifferenceWithinRelativeTolerance) {
  // 1000 * (1 + 0.9e-3): within rtol=1e-3 of 1000.
  engine::Tensor actual = engine::Tensor::FromFloats({1}, {1000.9f});
  engine::Tensor expected = engine::Tensor::FromFloats({1}, {1000.0f});
  EXPECT_EQ(DescribeMismatch(actual, expected), std::nullopt);
}

TEST(DescribeMismatchTest, ToleranceScalesWithExpectedValueNotActual) {
  // |a-b| = 1, atol + rtol*|b| = 1e-7 + 1e-3 * 1 -- far out, whatever |a| is.
  engine::Tensor actual = engine::Tensor::FromFloats({1}, {2.0f});
  engine::Tensor expected = engine::Tensor::FromFloats({1}, {1.0f});
  EXPECT_NE(DescribeMismatch(actual, expected), std::nullopt);
}

TEST(DescribeMismatchTest, AbsoluteToleranceCoversValuesNearZero) {
  engine::Tensor actual = engine::Tensor::FromFloats({1}, {5e-8f});
  engine::Tensor expected = engine::Tensor::FromFloats({1}, {0.0f});
  EXPECT_EQ(DescribeMismatch(actual, expected), std::nullopt);
  engine::Tensor too_far = engine::Tensor::FromFloats({1}, {2e-7f});
  EXPECT_NE(DescribeMismatch(too_far, expected), std::nullopt);
}

TEST(DescribeMismatchTest, ReportsFirstMismatchWithIndexCoordinatesAndValues) {
  engine::Tensor actual = engine::Tensor::FromFloats({2, 3}, {0, 1, 2, 3, 9, 9});
  engine::Tensor expected = engine::Tensor::FromFloats({2, 3}, {0, 1, 2, 3, 4, 5});
  EXPECT_THAT(DescribeMismatch(actual, expected),
              Optional(HasSubstr("index 4 (at [1,1]): got 9, want 4")));
}

TEST(DescribeMismatchTest, NaNMatchesNaNOnly) {
  engine::Tensor nan = engine::Tensor::FromFloats({1}, {kNaN});
  engine::Tensor one = engine::Tensor::FromFloats({1}, {1.0f});
  EXPECT_EQ(DescribeMismatch(nan, nan), std::nullopt);
  EXPECT_NE(DescribeMismatch(nan, one), std::nullopt);
  EXPECT_NE(DescribeMismatch(one, nan), std::nullopt);
}

TEST(DescribeMismatchTest, InfinityMatchesSameInfinityOnly) {
  engine::Tensor pos = engine::Tensor::FromFloats({1}, {kInf});
  engine::Tensor neg = engine::Tensor::FromFloats({1}, {-kInf});
  EXPECT_EQ(DescribeMismatch(pos, pos), std::nullopt);
  EXPECT_NE(DescribeMismatch(pos, neg), std::nullopt);
}

TEST(DescribeMismatchTest, ShapesMustMatchExactlyEvenWithSameElementCount) {
  engine::Tensor actual = engine::Tensor::FromFloats({4}, {1, 2, 3, 4});
  engine::Tensor expected = engine::Tensor::FromFloats({1, 4}, {1, 2, 3, 4});
  EXPECT_THAT(DescribeMismatch(actual, expected), Optional(HasSubstr("shape [4], want [1,4]")));
}

TEST(DescribeMismatchTest, ElementTypesMustMatch) {
  engine::Tensor actual = engine::Tensor::FromFloats({1}, {1});
  engine::Tensor expected = engine::Tensor::FromInt64s({1}, {1});
  EXPECT_THAT(DescribeMismatch(actual, expected),
              Optional(HasSubstr("element type float32, want int64")));
}

TEST(DescribeMismatchTest, Int64ValuesMustBeEqual) {
  engine::Tensor actual = engine::Tensor::FromInt64s({2}, {1, 1000001});
  engine::Tensor expected = engine::Tensor::FromInt64s({2}, {1, 1000000});
  EXPECT_THAT(DescribeMismatch(actual, expected),
              Optional(HasSubstr("index 1 (at [1]): got 1000001, want 1000000")));
}

TEST(DescribeMismatchTest, ScalarsCompareByValue) {
  engine::Tensor actual = engine::Tensor::FromFloats({}, {3});
  engine::Tensor expected = engine::Tensor::FromFloats({}, {4});
  EXPECT_THAT(DescribeMismatch(actual, expected), Optional(HasSubstr("index 0 (at [])")));
}

}  // namespace
}  // namespace conformance
}  // namespace convoy
