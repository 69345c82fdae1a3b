#include "server/http/tensor_json.h"

#include <limits>

#include "absl/base/config.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "server/http/half_float.h"

namespace convoy::server {
namespace {

// Raw contents are little-endian, so on this host a value's bytes are
// copied as they are.
#ifndef ABSL_IS_LITTLE_ENDIAN
#error "server/http/tensor_json.cc assumes a little-endian host"
#endif

using Kind = WireDatatype::Kind;

constexpr WireDatatype kDatatypes[] = {
    {"BOOL", Kind::kBool, 1},     {"UINT8", Kind::kUnsigned, 1}, {"UINT16", Kind::kUnsigned, 2},
    {"UINT32", Kind::kUnsigned, 4}, {"UINT64", Kind::kUnsigned, 8}, {"INT8", Kind::kSigned, 1},
    {"INT16", Kind::kSigned, 2},  {"INT32", Kind::kSigned, 4},   {"INT64", Kind::kSigned, 8},
    {"FP16", Kind::kFloat16, 2},  {"FP32", Kind::kFloat32, 4},   {"FP64", Kind::kFloat64, 8},
    {"BF16", Kind::kBfloat16, 2}, {"BYTES", Kind::kBytes, 0},
};

template <typename T>
T Load(const char* bytes) {
  T value;
  std::memcpy(&value, bytes, sizeof(T));
  return value;
}

// Converts JSON values one at a time into the tensor's raw bytes. Fixed-size
// types write into storage sized once up front; BYTES appends.
class DataReader {
 public:
  DataReader(const WireDatatype& type, absl::string_view input, int64_t elements, std::string* raw)
      : type_(type), input_(input), elements_(elements), raw_(raw) {
    if (type_.size > 0) {
      start_ = raw_->size();
      raw_->resize(start_ + static_cast<size_t>(elements) * type_.size);
    }
  }

  absl::Status Read(const rapidjson::Value& value) {
    if (count_ >= elements_) {  // The walk checks the shape first; this keeps writes in bounds regardless.
      return absl::InternalError(absl::StrCat(input_, " has more values than its shape's ", elements_));
    }
    char* out = type_.size > 0 ? raw_->data() + start_ + static_cast<size_t>(count_) * type_.size : nullptr;
    switch (type_.kind) {
      case Kind::kBool:
        if (!value.IsBool()) return Bad(value, "not true or false");
        *out = value.GetBool() ? 1 : 0;
        break;
      case Kind::kUnsigned: {
        const uint64_t max = type_.size == 8 ? std::numeric_limits<uint64_t>::max()
                                             : (uint64_t{1} << (8 * type_.size)) - 1;
        if (!value.IsUint64() || value.GetUint64() > max) {
          return Bad(value, absl::StrCat("not an integer from 0 to ", max));
        }
        const uint64_t v = value.GetUint64();
        std::memcpy(out, &v, type_.size);  // The low bytes, as the host is little-endian.
        break;
      }
      case Kind::kSigned: {
        const int64_t max = type_.size == 8 ? std::numeric_limits<int64_t>::max()
                                            : (int64_t{1} << (8 * type_.size - 1)) - 1;
        if (!value.IsInt64() || value.GetInt64() > max || value.GetInt64() < -max - 1) {
          return Bad(value, absl::StrCat("not an integer from ", -max - 1, " to ", max));
        }
        const int64_t v = value.GetInt64();
        std::memcpy(out, &v, type_.size);
        break;
      }
      case Kind::kFloat16:
      case Kind::kBfloat16: {
        if (!value.IsNumber()) return Bad(value, "not a number");
        const double v = value.GetDouble();
        const uint16_t bits = type_.kind == Kind::kFloat16 ? DoubleToHalf(v) : DoubleToBfloat16(v);
        std::memcpy(out, &bits, 2);
        break;
      }
      case Kind::kFloat32: {
        if (!value.IsNumber()) return Bad(value, "not a number");
        // Beyond FLT_MAX rounds to +-Infinity, as numpy's float32() does.
        const float v = static_cast<float>(value.GetDouble());
        std::memcpy(out, &v, 4);
        break;
      }
      case Kind::kFloat64: {
        if (!value.IsNumber()) return Bad(value, "not a number");
        const double v = value.GetDouble();
        std::memcpy(out, &v, 8);
        break;
      }
      case Kind::kBytes: {
        if (!value.IsString()) return Bad(value, "not a string");
        AppendBytesElement(absl::string_view(value.GetString(), value.GetStringLength()), raw_);
        break;
      }
    }
    ++count_;
    return absl::OkStatus();
  }

  int64_t count() const { return count_; }

 private:
  absl::Status Bad(const rapidjson::Value& value, absl::string_view expected) const {
    return absl::InvalidArgumentError(absl::StrCat(input_, " is ", type_.name, " but element ", count_,
                                                   " of its data is ", DescribeJson(value), ": ", expected));
  }

  const WireDatatype& type_;
  const absl::string_view input_;
  const int64_t elements_;
  std::string* const raw_;
  size_t start_ = 0;
  int64_t count_ = 0;
};

absl::Status ReadNested(const rapidjson::Value& array, absl::Span<const int64_t> shape, size_t depth,
                        absl::string_view input, DataReader& reader) {
  if (static_cast<int64_t>(array.Size()) != shape[depth]) {
    return absl::InvalidArgumentError(absl::StrCat(input, " has nested data with ", array.Size(),
                                                   " entries at depth ", depth, " where its shape ",
                                                   ShapeText(shape), " has ", shape[depth]));
  }
  const bool innermost = depth + 1 == shape.size();
  for (const rapidjson::Value& entry : array.GetArray()) {
    if (entry.IsArray() == innermost) {
      return absl::InvalidArgumentError(absl::StrCat(
          input, " has nested data that does not match its shape ", ShapeText(shape), ": at depth ", depth + 1,
          " (before element ", reader.count(), ") it has ", innermost ? "an array" : "a value", " where ",
          innermost ? "values" : "arrays", " belong"));
    }
    if (innermost) {
      CONVOY_RETURN_IF_ERROR(reader.Read(entry));
    } else {
      CONVOY_RETURN_IF_ERROR(ReadNested(entry, shape, depth + 1, input, reader));
    }
  }
  return absl::OkStatus();
}

}  // namespace

const WireDatatype* FindWireDatatype(absl::string_view name) {
  for (const WireDatatype& type : kDatatypes) {
    if (type.name == name) return &type;
  }
  return nullptr;
}

std::string WireDatatypeNames() {
  return absl::StrJoin(kDatatypes, ", ",
                       [](std::string* out, const WireDatatype& type) { absl::StrAppend(out, type.name); });
}

absl::StatusOr<int64_t> ElementCount(absl::Span<const int64_t> shape, absl::string_view tensor) {
  int64_t count = 1;
  for (const int64_t dim : shape) {
    if (dim < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(tensor, " has shape ", ShapeText(shape), ": dimensions must not be negative"));
    }
    if (dim != 0 && count > std::numeric_limits<int64_t>::max() / dim) {
      return absl::InvalidArgumentError(
          absl::StrCat(tensor, " has shape ", ShapeText(shape), ", whose element count overflows int64"));
    }
    count *= dim;
  }
  return count;
}

std::string ShapeText(absl::Span<const int64_t> shape) { return absl::StrCat("[", absl::StrJoin(shape, ","), "]"); }

absl::Status AppendJsonData(const rapidjson::Value& data, absl::Span<const int64_t> shape, int64_t elements,
                            int64_t max_elements, const WireDatatype& type, absl::string_view input,
                            std::string* raw) {
  if (!data.IsArray()) {
    return absl::InvalidArgumentError(absl::StrCat(input, " has 'data' that is ", DescribeJson(data),
                                                   ", not an array"));
  }
  const bool nested = !data.Empty() && data[0].IsArray();
  if (!nested && static_cast<int64_t>(data.Size()) != elements) {
    return absl::InvalidArgumentError(absl::StrCat(input, " has ", data.Size(), " values in 'data' but its shape ",
                                                   ShapeText(shape), " needs ", elements));
  }
  if (nested && shape.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(input, " has nested 'data' but its shape is [] (one value)"));
  }
  if (nested && shape.size() > static_cast<size_t>(kMaxDataNesting)) {
    return absl::InvalidArgumentError(absl::StrCat(input, " has nested 'data' for a shape of ", shape.size(),
                                                   " dimensions; nesting is allowed up to ", kMaxDataNesting,
                                                   ", flat data for any shape"));
  }
  if (elements > max_elements) {
    return absl::InvalidArgumentError(absl::StrCat(input, " has shape ", ShapeText(shape), " of ", elements,
                                                   " elements, more than its JSON of ", max_elements,
                                                   " bytes can hold"));
  }
  DataReader reader(type, input, elements, raw);
  if (nested) {
    CONVOY_RETURN_IF_ERROR(ReadNested(data, shape, 0, input, reader));
  } else {
    for (const rapidjson::Value& value : data.GetArray()) {
      if (value.IsArray()) {
        return absl::InvalidArgumentError(absl::StrCat(
            input, " has 'data' that mixes values and arrays (element ", reader.count(), " is an array)"));
      }
      CONVOY_RETURN_IF_ERROR(reader.Read(value));
    }
  }
  if (reader.count() != elements) {
    return absl::InternalError(absl::StrCat(input, " gave ", reader.count(), " values for ", elements, " elements"));
  }
  return absl::OkStatus();
}

void WriteRawAsJson(absl::string_view raw, const WireDatatype& type, int64_t elements, JsonWriter& writer) {
  writer.StartArray();
  const char* p = raw.data();
  const int size = type.size;
  for (int64_t i = 0; type.kind != Kind::kBytes && i < elements; ++i, p += size) {
    switch (type.kind) {
      case Kind::kBool: writer.Bool(*p != 0); break;
      case Kind::kUnsigned:
        writer.Uint64(size == 1   ? Load<uint8_t>(p)
                      : size == 2 ? Load<uint16_t>(p)
                      : size == 4 ? Load<uint32_t>(p)
                                  : Load<uint64_t>(p));
        break;
      case Kind::kSigned:
        writer.Int64(size == 1   ? Load<int8_t>(p)
                     : size == 2 ? Load<int16_t>(p)
                     : size == 4 ? Load<int32_t>(p)
                                 : Load<int64_t>(p));
        break;
      // Widened to double exactly; RapidJSON prints the shortest digits that
      // read back as that double, hence as the same float.
      case Kind::kFloat16: writer.Double(HalfToFloat(Load<uint16_t>(p))); break;
      case Kind::kBfloat16: writer.Double(Bfloat16ToFloat(Load<uint16_t>(p))); break;
      case Kind::kFloat32: writer.Double(Load<float>(p)); break;
      case Kind::kFloat64: writer.Double(Load<double>(p)); break;
      case Kind::kBytes: break;
    }
  }
  if (type.kind == Kind::kBytes) {
    ForEachBytesElement(raw, [&](absl::string_view element) { WriteJsonString(writer, element); });
  }
  writer.EndArray();
}

}  // namespace convoy::server
