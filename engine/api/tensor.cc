#include "engine/api/tensor.h"

#include <cstring>

#include "absl/strings/str_join.h"

namespace convoy::engine {

std::string DataTypeName(DataType type) {
  switch (type) {
    case DataType::kFloat32:
      return "float32";
    case DataType::kInt64:
      return "int64";
    case DataType::kUint8:
      return "uint8";
  }
  return "unknown";
}

size_t DataTypeSize(DataType type) {
  switch (type) {
    case DataType::kFloat32:
      return 4;
    case DataType::kInt64:
      return 8;
    case DataType::kUint8:
      return 1;
  }
  return 0;
}

int64_t NumElements(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

bool ElementCountAtMost(const Shape& shape, int64_t limit) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0 || __builtin_mul_overflow(n, d, &n)) return false;
  }
  return n <= limit;
}

std::string ShapeToString(const Shape& shape) { return "[" + absl::StrJoin(shape, ",") + "]"; }

Tensor::Tensor(DataType type, Shape shape)
    : type_(type), shape_(std::move(shape)), bytes_(NumElements(shape_) * DataTypeSize(type_), '\0') {}

Tensor Tensor::FromBytes(DataType type, Shape shape, std::string bytes) {
  Tensor t;
  t.type_ = type;
  t.shape_ = std::move(shape);
  t.bytes_ = std::move(bytes);
  return t;
}

Tensor Tensor::FromFloats(Shape shape, absl::Span<const float> values) {
  Tensor t(DataType::kFloat32, std::move(shape));
  if (t.byte_size() > 0) std::memcpy(t.raw_data(), values.data(), t.byte_size());
  return t;
}

Tensor Tensor::FromInt64s(Shape shape, absl::Span<const int64_t> values) {
  Tensor t(DataType::kInt64, std::move(shape));
  if (t.byte_size() > 0) std::memcpy(t.raw_data(), values.data(), t.byte_size());
  return t;
}

Tensor Tensor::Reshaped(Shape shape) const {
  Tensor t = *this;
  t.shape_ = std::move(shape);
  return t;
}

void Tensor::ReleaseBytes() { std::string().swap(bytes_); }

}  // namespace convoy::engine
