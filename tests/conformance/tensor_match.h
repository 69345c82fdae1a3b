// Output comparison with the ONNX backend test tolerance.
//
// Two tensors match when they have the same element type, exactly the same
// shape, and every pair of elements satisfies |actual - expected| <= atol +
// rtol * |expected| (numpy.testing.assert_allclose, as onnx/backend/test
// uses it). NaN matches NaN, an infinity matches the same infinity. int64
// values must be equal.
//
// Thread-safety: pure functions.
#ifndef CONVOY_TESTS_CONFORMANCE_TENSOR_MATCH_H_
#define CONVOY_TESTS_CONFORMANCE_TENSOR_MATCH_H_

#include <optional>
#include <string>

#include "engine/api/tensor.h"

namespace convoy {
namespace conformance {

struct Tolerance {
  // The defaults are those of the ONNX backend test runner
  // (onnx/backend/test/runner: rtol=1e-3, atol=1e-7).
  double rtol = 1e-3;
  double atol = 1e-7;
};

// Empty when `actual` matches `expected`. Otherwise says how they differ:
// the element types, the shapes, or the first element out of tolerance with
// its flat index, its coordinates and both values.
std::optional<std::string> DescribeMismatch(const engine::Tensor& actual, const engine::Tensor& expected,
                                            const Tolerance& tolerance = {});

}  // namespace conformance
}  // namespace convoy

#endif  // CONVOY_TESTS_CONFORMANCE_TENSOR_MATCH_H_
