#include "server/http/half_float.h"

#include <cmath>
#include <cstring>

namespace convoy::server {
namespace {

// Rounds `value` to a binary format with kExponentBits of exponent and
// kMantissaBits of stored mantissa (1 sign bit; 16 bits in all here).
// Scaling by a power of two is exact in double, so std::nearbyint applies
// the one rounding, to nearest even (the default rounding mode, which
// nothing in the server changes).
template <int kExponentBits, int kMantissaBits>
uint16_t RoundToSmallFloat(double value) {
  static_assert(1 + kExponentBits + kMantissaBits == 16);
  constexpr int kBias = (1 << (kExponentBits - 1)) - 1;
  constexpr int kMinExponent = 1 - kBias;  // Of the smallest normal number.
  constexpr uint16_t kExponentMask = ((1u << kExponentBits) - 1) << kMantissaBits;
  constexpr uint16_t kImplicitOne = 1u << kMantissaBits;

  const uint16_t sign = std::signbit(value) ? 0x8000 : 0;
  if (std::isnan(value)) return sign | kExponentMask | (kImplicitOne >> 1);
  const double magnitude = std::fabs(value);
  if (std::isinf(magnitude)) return sign | kExponentMask;
  if (magnitude < std::ldexp(1.0, kMinExponent)) {
    // Subnormal: a count of the smallest subnormal. A result of kImplicitOne
    // is the smallest normal number, whose bit pattern is that same count.
    const double units = std::nearbyint(std::ldexp(magnitude, kMantissaBits - kMinExponent));
    return sign | static_cast<uint16_t>(units);
  }
  int exponent = 0;
  std::frexp(magnitude, &exponent);  // magnitude = m * 2^exponent, m in [0.5, 1).
  exponent -= 1;                     // Now magnitude = s * 2^exponent, s in [1, 2).
  double significand = std::nearbyint(std::ldexp(magnitude, kMantissaBits - exponent));
  if (significand == 2 * kImplicitOne) {  // Rounded up to the next power of two.
    significand = kImplicitOne;
    exponent += 1;
  }
  if (exponent > kBias) return sign | kExponentMask;  // Overflow: Infinity.
  const uint16_t stored = static_cast<uint16_t>(significand) - kImplicitOne;
  return sign | static_cast<uint16_t>((exponent + kBias) << kMantissaBits) | stored;
}

}  // namespace

uint16_t DoubleToHalf(double value) { return RoundToSmallFloat<5, 10>(value); }

uint16_t DoubleToBfloat16(double value) { return RoundToSmallFloat<8, 7>(value); }

float HalfToFloat(uint16_t bits) {
  const float sign = (bits & 0x8000) ? -1.0f : 1.0f;
  const int exponent = (bits >> 10) & 0x1f;
  const int mantissa = bits & 0x3ff;
  if (exponent == 0x1f) return mantissa == 0 ? sign * INFINITY : std::copysign(NAN, sign);
  if (exponent == 0) return sign * std::ldexp(static_cast<float>(mantissa), -24);
  return sign * std::ldexp(static_cast<float>(mantissa | 0x400), exponent - 25);
}

float Bfloat16ToFloat(uint16_t bits) {
  // BF16 is the top half of an FP32.
  const uint32_t wide = static_cast<uint32_t>(bits) << 16;
  float value;
  std::memcpy(&value, &wide, sizeof(value));
  return value;
}

}  // namespace convoy::server
