// Tensor: an owning, dense, row-major buffer with a shape and an element type.
//
// This is the currency of the engine's public API: inputs go in as Tensors and
// outputs come back as Tensors. Internally the engine keeps activations in
// oneDNN memory with whatever layout a primitive prefers; a Tensor is always
// plain (C order), so callers never see blocked layouts.
//
// Thread-safety: a const Tensor may be read from any number of threads.
#ifndef CONVOY_ENGINE_API_TENSOR_H_
#define CONVOY_ENGINE_API_TENSOR_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/types/span.h"

namespace convoy::engine {

// Element types the engine moves through its API. Activations are always
// float32; int64 carries shapes and indices, which the engine folds at plan
// time; uint8 is for image pixels before preprocessing.
enum class DataType { kFloat32, kInt64, kUint8 };

std::string DataTypeName(DataType type);
size_t DataTypeSize(DataType type);

using Shape = std::vector<int64_t>;

// Product of the dimensions; 1 for a scalar (empty shape).
int64_t NumElements(const Shape& shape);
std::string ShapeToString(const Shape& shape);  // "[1,3,224,224]"

// True if every dimension is >= 0 and the element count is at most `limit`,
// computed without overflow (shapes can come from untrusted files).
bool ElementCountAtMost(const Shape& shape, int64_t limit);

class Tensor {
 public:
  Tensor() = default;  // An empty float32 scalar-less tensor; holds nothing.
  // Zero-filled tensor. REQUIRES: every dimension >= 0.
  Tensor(DataType type, Shape shape);

  // A tensor that takes over `bytes` (no copy): how large weights read from
  // a file are held once. REQUIRES: bytes.size() is the shape's byte size.
  static Tensor FromBytes(DataType type, Shape shape, std::string bytes);
  static Tensor FromFloats(Shape shape, absl::Span<const float> values);
  static Tensor FromInt64s(Shape shape, absl::Span<const int64_t> values);

  DataType type() const { return type_; }
  const Shape& shape() const { return shape_; }
  int64_t num_elements() const { return NumElements(shape_); }
  size_t byte_size() const { return bytes_.size(); }

  // Typed views. REQUIRES: T matches type().
  template <typename T>
  T* data() { return reinterpret_cast<T*>(bytes_.data()); }
  template <typename T>
  const T* data() const { return reinterpret_cast<const T*>(bytes_.data()); }
  template <typename T>
  absl::Span<const T> values() const { return {data<T>(), static_cast<size_t>(num_elements())}; }

  void* raw_data() { return bytes_.data(); }
  const void* raw_data() const { return bytes_.data(); }

  // Same bytes, new shape. REQUIRES: NumElements(shape) == num_elements().
  Tensor Reshaped(Shape shape) const;

  // Frees the bytes and keeps the type and shape: for weights whose values
  // now live only elsewhere (the engine's copies reordered for oneDNN).
  // Afterwards has_bytes() is false and no data may be read.
  void ReleaseBytes();
  bool has_bytes() const { return bytes_.size() == NumElements(shape_) * DataTypeSize(type_); }

 private:
  DataType type_ = DataType::kFloat32;
  Shape shape_;
  // A string so that FromBytes can adopt a buffer read elsewhere (protobuf
  // keeps raw tensor data in strings). The alignment of operator new (16
  // bytes) is enough for every type here; short strings live inside the
  // object, which is aligned for std::string's own members (8 bytes), enough
  // for the one int64 or float a short buffer can hold.
  std::string bytes_;
};

}  // namespace convoy::engine

#endif  // CONVOY_ENGINE_API_TENSOR_H_
