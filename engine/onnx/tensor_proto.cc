#include "engine/onnx/tensor_proto.h"

#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace convoy::engine {
namespace {

// raw_data is little-endian by the ONNX spec; copying it with memcpy is only
// correct on a little-endian host, which is every target oneDNN runs on.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "raw_data decoding assumes a little-endian host");

using onnx::TensorProto;

std::string DimsToString(const TensorProto& proto) {
  return absl::StrCat("[", absl::StrJoin(proto.dims(), ","), "]");
}

absl::StatusOr<Shape> ShapeOf(const TensorProto& proto, absl::string_view context) {
  Shape shape(proto.dims().begin(), proto.dims().end());
  int64_t count = 1;
  for (int64_t dim : shape) {
    if (dim < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(context, ": negative dimension in ", DimsToString(proto)));
    }
    // Bounded by the largest byte count so that count * element size, which
    // the callers compute, cannot overflow either.
    if (dim != 0 && count > (INT64_MAX / 8) / dim) {
      return absl::InvalidArgumentError(
          absl::StrCat(context, ": element count of ", DimsToString(proto), " overflows"));
    }
    count *= dim;
  }
  return shape;
}

absl::Status SizeMismatch(absl::string_view context, const TensorProto& proto,
                          absl::string_view field, int64_t have, int64_t want,
                          absl::string_view unit) {
  return absl::InvalidArgumentError(absl::StrCat(context, ": ", field, " holds ", have, " ",
                                                 unit, " but dims ", DimsToString(proto),
                                                 " need ", want));
}

// Where the values live: raw_data or the typed repeated field. Both at once
// is malformed; neither is fine for an empty tensor and caught by the size
// check otherwise.
absl::StatusOr<bool> UsesRawData(const TensorProto& proto, int typed_count,
                                 absl::string_view typed_field, absl::string_view context) {
  if (!proto.raw_data().empty() && typed_count > 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(context, ": both raw_data and ", typed_field, " are set"));
  }
  return typed_count == 0;
}

// FLOAT and INT64: the tensor's bytes are the raw_data or the typed field.
// With `take` (the proto's own raw_data), raw bytes are moved, not copied.
template <typename T, typename Repeated>
absl::StatusOr<Tensor> CopyValues(const TensorProto& proto, DataType type,
                                  const Repeated& typed, absl::string_view typed_field,
                                  absl::string_view context, std::string* take) {
  absl::StatusOr<Shape> shape = ShapeOf(proto, context);
  if (!shape.ok()) return shape.status();
  absl::StatusOr<bool> raw = UsesRawData(proto, typed.size(), typed_field, context);
  if (!raw.ok()) return raw.status();

  // Sizes are checked before anything is allocated: the dimensions may
  // claim far more than the file holds.
  const int64_t count = NumElements(*shape);
  const int64_t bytes = static_cast<int64_t>(proto.raw_data().size());
  if (*raw && bytes != count * static_cast<int64_t>(sizeof(T))) {
    return SizeMismatch(context, proto, "raw_data", bytes, count * sizeof(T), "bytes");
  }
  if (!*raw && typed.size() != count) {
    return SizeMismatch(context, proto, typed_field, typed.size(), count, "values");
  }
  if (*raw && take != nullptr) return Tensor::FromBytes(type, *std::move(shape), std::move(*take));
  Tensor tensor(type, *std::move(shape));
  if (count > 0) {
    std::memcpy(tensor.raw_data(), *raw ? static_cast<const void*>(proto.raw_data().data())
                                        : static_cast<const void*>(typed.data()),
                count * sizeof(T));
  }
  return tensor;
}

// INT32, INT16, INT8, UINT8, BOOL: widened to int64. In the typed form all of
// them are stored in int32_data. `Narrow` is the element type of raw_data.
template <typename Narrow>
absl::StatusOr<Tensor> WidenToInt64(const TensorProto& proto, bool is_bool,
                                    absl::string_view context) {
  absl::StatusOr<Shape> shape = ShapeOf(proto, context);
  if (!shape.ok()) return shape.status();
  absl::StatusOr<bool> raw = UsesRawData(proto, proto.int32_data_size(), "int32_data", context);
  if (!raw.ok()) return raw.status();

  const int64_t count = NumElements(*shape);  // Checked below before allocating.
  const std::string& bytes = proto.raw_data();
  if (*raw && static_cast<int64_t>(bytes.size()) != count * static_cast<int64_t>(sizeof(Narrow))) {
    return SizeMismatch(context, proto, "raw_data", bytes.size(), count * sizeof(Narrow), "bytes");
  }
  if (!*raw && proto.int32_data_size() != count) {
    return SizeMismatch(context, proto, "int32_data", proto.int32_data_size(), count, "values");
  }
  Tensor tensor(DataType::kInt64, *std::move(shape));
  int64_t* out = tensor.data<int64_t>();
  if (*raw) {
    for (int64_t i = 0; i < count; ++i) {
      Narrow value;
      std::memcpy(&value, bytes.data() + i * sizeof(Narrow), sizeof(Narrow));
      out[i] = is_bool ? (value != 0) : static_cast<int64_t>(value);
    }
  } else {
    for (int64_t i = 0; i < count; ++i) {
      const int32_t value = proto.int32_data(i);
      out[i] = is_bool ? (value != 0) : static_cast<int64_t>(value);
    }
  }
  return tensor;
}

}  // namespace

std::string DataTypeNameOf(int onnx_elem_type) {
  if (!onnx::TensorProto_DataType_IsValid(onnx_elem_type)) {
    return absl::StrCat("UNKNOWN(", onnx_elem_type, ")");
  }
  return onnx::TensorProto_DataType_Name(
      static_cast<onnx::TensorProto_DataType>(onnx_elem_type));
}

namespace {

absl::StatusOr<Tensor> Convert(const TensorProto& proto, std::string* take,
                               absl::string_view context) {
  if (proto.data_location() == TensorProto::EXTERNAL) {
    return absl::UnimplementedError(
        absl::StrCat(context, ": external data (data_location EXTERNAL) is not supported"));
  }
  if (proto.has_segment()) {
    return absl::UnimplementedError(
        absl::StrCat(context, ": segmented tensors are not supported"));
  }
  switch (proto.data_type()) {
    case TensorProto::FLOAT:
      return CopyValues<float>(proto, DataType::kFloat32, proto.float_data(), "float_data",
                               context, take);
    case TensorProto::INT64:
      return CopyValues<int64_t>(proto, DataType::kInt64, proto.int64_data(), "int64_data",
                                 context, take);
    case TensorProto::INT32:
      return WidenToInt64<int32_t>(proto, /*is_bool=*/false, context);
    case TensorProto::INT16:
      return WidenToInt64<int16_t>(proto, /*is_bool=*/false, context);
    case TensorProto::INT8:
      return WidenToInt64<int8_t>(proto, /*is_bool=*/false, context);
    case TensorProto::UINT8:
      return WidenToInt64<uint8_t>(proto, /*is_bool=*/false, context);
    case TensorProto::BOOL:
      return WidenToInt64<uint8_t>(proto, /*is_bool=*/true, context);
    case TensorProto::UNDEFINED:
      return absl::InvalidArgumentError(absl::StrCat(context, ": tensor has no data type"));
    default:
      return absl::UnimplementedError(absl::StrCat(
          context, ": dtype ", DataTypeNameOf(proto.data_type()), " is not supported"));
  }
}

}  // namespace

absl::StatusOr<Tensor> TensorFromProto(const TensorProto& proto, absl::string_view context) {
  return Convert(proto, nullptr, context);
}

absl::StatusOr<Tensor> TakeTensorFromProto(TensorProto* proto, absl::string_view context) {
  return Convert(*proto, proto->mutable_raw_data(), context);
}

absl::StatusOr<Tensor> ReadTensorProtoFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return absl::NotFoundError(absl::StrCat("cannot open tensor file '", path, "'"));
  }
  std::ostringstream bytes;
  bytes << file.rdbuf();
  TensorProto proto;
  if (!proto.ParseFromString(bytes.str())) {
    return absl::InvalidArgumentError(
        absl::StrCat("tensor file '", path, "' is not a serialized TensorProto"));
  }
  return TensorFromProto(proto, absl::StrCat("tensor file '", path, "'"));
}

}  // namespace convoy::engine
