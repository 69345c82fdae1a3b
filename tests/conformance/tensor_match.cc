#include "tests/conformance/tensor_match.h"

#include <cmath>
#include <cstdint>

#include "absl/strings/str_cat.h"

namespace convoy {
namespace conformance {
namespace {

// Row-major coordinates of a flat index.
engine::Shape Coordinates(const engine::Shape& shape, int64_t index) {
  engine::Shape coords(shape.size());
  for (size_t i = shape.size(); i-- > 0;) {
    coords[i] = index % shape[i];
    index /= shape[i];
  }
  return coords;
}

bool FloatsMatch(double actual, double expected, const Tolerance& tolerance) {
  if (std::isnan(actual) || std::isnan(expected)) return std::isnan(actual) && std::isnan(expected);
  if (actual == expected) return true;
  // The tolerance formula would accept inf against -inf (inf <= inf); like
  // numpy's allclose, an infinity matches only itself.
  if (std::isinf(actual) || std::isinf(expected)) return false;
  return std::fabs(actual - expected) <= tolerance.atol + tolerance.rtol * std::fabs(expected);
}

std::string DescribeElement(const engine::Tensor& tensor, int64_t index) {
  return absl::StrCat("index ", index, " (at ", engine::ShapeToString(Coordinates(tensor.shape(), index)),
                      ")");
}

}  // namespace

std::optional<std::string> DescribeMismatch(const engine::Tensor& actual, const engine::Tensor& expected,
                                            const Tolerance& tolerance) {
  if (actual.type() != expected.type()) {
    return absl::StrCat("element type ", engine::DataTypeName(actual.type()), ", want ",
                        engine::DataTypeName(expected.type()));
  }
  if (actual.shape() != expected.shape()) {
    return absl::StrCat("shape ", engine::ShapeToString(actual.shape()), ", want ",
                        engine::ShapeToString(expected.shape()));
  }
  const int64_t count = expected.num_elements();
  switch (expected.type()) {
    case engine::DataType::kFloat32: {
      const float* a = actual.data<float>();
      const float* b = expected.data<float>();
      for (int64_t i = 0; i < count; ++i) {
        if (!FloatsMatch(a[i], b[i], tolerance)) {
          return absl::StrCat(DescribeElement(expected, i), ": got ", a[i], ", want ", b[i],
                              " (|diff| ", std::fabs(double{a[i]} - b[i]), " > ",
                              tolerance.atol + tolerance.rtol * std::fabs(b[i]), ")");
        }
      }
      return std::nullopt;
    }
    case engine::DataType::kInt64: {
      const int64_t* a = actual.data<int64_t>();
      const int64_t* b = expected.data<int64_t>();
      for (int64_t i = 0; i < count; ++i) {
        if (a[i] != b[i]) {
          return absl::StrCat(DescribeElement(expected, i), ": got ", a[i], ", want ", b[i]);
        }
      }
      return std::nullopt;
    }
    case engine::DataType::kUint8: {
      const uint8_t* a = actual.data<uint8_t>();
      const uint8_t* b = expected.data<uint8_t>();
      for (int64_t i = 0; i < count; ++i) {
        if (a[i] != b[i]) {
          return absl::StrCat(DescribeElement(expected, i), ": got ", int{a[i]}, ", want ",
                              int{b[i]});
        }
      }
      return std::nullopt;
    }
  }
  return "unknown element type";
}

}  // namespace conformance
}  // namespace convoy
