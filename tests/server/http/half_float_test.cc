#include "server/http/half_float.h"

#include <cmath>
#include <cstdint>
#include <limits>

#include "gtest/gtest.h"

namespace convoy::server {
namespace {

bool IsNan16(uint16_t bits, int mantissa_bits) {
  const uint16_t exponent_mask = static_cast<uint16_t>(0x7fff & ~((1u << mantissa_bits) - 1));
  return (bits & exponent_mask) == exponent_mask && (bits & ((1u << mantissa_bits) - 1)) != 0;
}

// For every bit pattern of a 16-bit format: it converts to a float and back
// unchanged, and the exact midpoint between it and the next pattern rounds
// to whichever of the two has an even mantissa.
template <typename ToFloat, typename FromDouble>
void CheckEveryPattern(ToFloat to_float, FromDouble from_double, int mantissa_bits) {
  for (uint32_t bits = 0; bits <= 0xffff; ++bits) {
    const uint16_t pattern = static_cast<uint16_t>(bits);
    if (IsNan16(pattern, mantissa_bits)) {
      EXPECT_TRUE(std::isnan(to_float(pattern)));
      continue;
    }
    const double value = to_float(pattern);
    ASSERT_EQ(from_double(value), pattern) << "pattern " << bits << " value " << value;
    const uint16_t next = static_cast<uint16_t>(bits + 1);
    if ((pattern & 0x7fff) == 0x7fff || IsNan16(next, mantissa_bits) || std::isinf(value)) continue;
    if ((next & 0x7fff) == 0) continue;  // Past -0 or wrapped.
    const double next_value = to_float(next);
    if (std::isinf(next_value)) continue;  // Overflow to Infinity: checked below.
    const double midpoint = (value + next_value) / 2;  // Exact: both have few bits.
    const uint16_t even = (pattern & 1) == 0 ? pattern : next;
    ASSERT_EQ(from_double(midpoint), even) << "midpoint after pattern " << bits;
    // Just off the midpoint, the nearer one wins.
    ASSERT_EQ(from_double(std::nextafter(midpoint, value)), pattern);
    ASSERT_EQ(from_double(std::nextafter(midpoint, next_value)), next);
  }
}

TEST(HalfFloatTest, EveryHalfRoundTripsAndTiesGoToEven) {
  CheckEveryPattern(HalfToFloat, DoubleToHalf, 10);
}

TEST(HalfFloatTest, EveryBfloat16RoundTripsAndTiesGoToEven) {
  CheckEveryPattern(Bfloat16ToFloat, DoubleToBfloat16, 7);
}

TEST(HalfFloatTest, OutOfRangeValuesBecomeInfinityOrZero) {
  EXPECT_EQ(DoubleToHalf(65504), 0x7bff);
  EXPECT_EQ(DoubleToHalf(65519.99), 0x7bff) << "below the midpoint to 2^16: the largest half";
  EXPECT_EQ(DoubleToHalf(65520), 0x7c00) << "the midpoint ties to even, which is Infinity";
  EXPECT_EQ(DoubleToHalf(-1e300), 0xfc00);
  EXPECT_EQ(DoubleToHalf(std::ldexp(1.0, -25)), 0x0000) << "half the smallest subnormal: ties to 0";
  EXPECT_EQ(DoubleToHalf(std::nextafter(std::ldexp(1.0, -25), 1.0)), 0x0001);
  EXPECT_EQ(DoubleToHalf(-1e-300), 0x8000);
  EXPECT_EQ(DoubleToHalf(std::numeric_limits<double>::infinity()), 0x7c00);
  EXPECT_TRUE(IsNan16(DoubleToHalf(std::nan("")), 10));
  EXPECT_EQ(DoubleToBfloat16(3.389e38), 0x7f7f) << "the largest bfloat16";
  EXPECT_EQ(DoubleToBfloat16(3.4e38), 0x7f80) << "past the midpoint to 2^128: Infinity";
  EXPECT_EQ(DoubleToBfloat16(1e39), 0x7f80) << "beyond float's range, so beyond bfloat16's";
  EXPECT_EQ(DoubleToBfloat16(-std::numeric_limits<double>::infinity()), 0xff80);
  EXPECT_TRUE(IsNan16(DoubleToBfloat16(-std::nan("")), 7));
}

}  // namespace
}  // namespace convoy::server
