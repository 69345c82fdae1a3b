// IEEE 754 half precision (FP16) and bfloat16 (BF16) as 16-bit patterns,
// converted from and to wider floats. KServe's JSON carries numbers, so a
// REST request's FP16 and BF16 values arrive as decimal numbers and leave as
// these bit patterns; the answer must be the one numpy or PyTorch gives for
// the same number (np.float16(x), torch.tensor(x, dtype=torch.bfloat16)).
//
// Rounding is to nearest, ties to even, straight from the double: going
// through float first would round twice and can land one ulp off. Values
// beyond the format's range become +-Infinity, NaN stays NaN (quiet), and
// values below the smallest subnormal become +-0, as IEEE 754 prescribes.
//
// Pure functions; thread-safe.
#ifndef CONVOY_SERVER_HTTP_HALF_FLOAT_H_
#define CONVOY_SERVER_HTTP_HALF_FLOAT_H_

#include <cstdint>

namespace convoy::server {

uint16_t DoubleToHalf(double value);
uint16_t DoubleToBfloat16(double value);

// Exact: every FP16 and BF16 value is a float.
float HalfToFloat(uint16_t bits);
float Bfloat16ToFloat(uint16_t bits);

}  // namespace convoy::server

#endif  // CONVOY_SERVER_HTTP_HALF_FLOAT_H_
