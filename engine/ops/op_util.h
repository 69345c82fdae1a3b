// Helpers shared by the operator implementations in engine/ops/.
#ifndef CONVOY_ENGINE_OPS_OP_UTIL_H_
#define CONVOY_ENGINE_OPS_OP_UTIL_H_

#include <vector>

#include "absl/status/statusor.h"
#include "common/status_macros.h"
#include "engine/api/tensor.h"
#include "engine/exec/op_context.h"

namespace convoy::engine {

// Maps a possibly negative axis into [0, rank); `what` names it in errors.
absl::StatusOr<int64_t> NormalizeAxis(const OpContext& ctx, int64_t axis, int64_t rank,
                                      absl::string_view what = "axis");

// Numpy-style broadcast of two shapes, or InvalidArgument naming both.
absl::StatusOr<Shape> BroadcastShapes(const OpContext& ctx, const Shape& a, const Shape& b);

// `shape` with leading 1s up to `rank` (numpy broadcasting alignment).
Shape PadLeft(const Shape& shape, size_t rank);

// Row-major strides of a shape (in elements).
std::vector<int64_t> Strides(const Shape& shape);

// Builds a new tensor of `shape` whose element at flat index i is
// source[index_of(i)], for any element type (a gather of whole elements).
Tensor GatherElements(const Tensor& source, Shape shape,
                      const std::function<int64_t(int64_t)>& index_of);

}  // namespace convoy::engine

#endif  // CONVOY_ENGINE_OPS_OP_UTIL_H_
