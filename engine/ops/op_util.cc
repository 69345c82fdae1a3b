#include "engine/ops/op_util.h"

#include <cstring>

#include "absl/strings/str_cat.h"

namespace convoy::engine {

absl::StatusOr<int64_t> NormalizeAxis(const OpContext& ctx, int64_t axis, int64_t rank,
                                      absl::string_view what) {
  if (axis < -rank || axis >= rank) {
    return ctx.Invalid(absl::StrCat(what, " ", axis, " is out of range for rank ", rank));
  }
  return axis < 0 ? axis + rank : axis;
}

Shape PadLeft(const Shape& shape, size_t rank) {
  Shape out(rank - std::min(rank, shape.size()), 1);
  out.insert(out.end(), shape.begin(), shape.end());
  return out;
}

absl::StatusOr<Shape> BroadcastShapes(const OpContext& ctx, const Shape& a, const Shape& b) {
  size_t rank = std::max(a.size(), b.size());
  Shape pa = PadLeft(a, rank), pb = PadLeft(b, rank), out(rank);
  for (size_t i = 0; i < rank; ++i) {
    if (pa[i] != pb[i] && pa[i] != 1 && pb[i] != 1) {
      return ctx.Invalid(absl::StrCat("shapes ", ShapeToString(a), " and ", ShapeToString(b),
                                      " do not broadcast"));
    }
    out[i] = pa[i] == 1 ? pb[i] : pa[i];
  }
  return out;
}

std::vector<int64_t> Strides(const Shape& shape) {
  std::vector<int64_t> s(shape.size(), 1);
  for (int i = static_cast<int>(shape.size()) - 2; i >= 0; --i) s[i] = s[i + 1] * shape[i + 1];
  return s;
}

Tensor GatherElements(const Tensor& source, Shape shape,
                      const std::function<int64_t(int64_t)>& index_of) {
  Tensor out(source.type(), std::move(shape));
  const size_t size = DataTypeSize(source.type());
  const auto* src = static_cast<const unsigned char*>(source.raw_data());
  auto* dst = static_cast<unsigned char*>(out.raw_data());
  for (int64_t i = 0; i < out.num_elements(); ++i) {
    std::memcpy(dst + i * size, src + index_of(i) * size, size);
  }
  return out;
}

}  // namespace convoy::engine
