#include "client/json_tensor.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <optional>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "client/infer_tensors.h"

namespace convoy::client {
namespace {

enum class DataType { kBool, kInt8, kInt16, kInt32, kInt64, kUint8, kUint16, kUint32, kUint64,
                      kFp16, kBf16, kFp32, kFp64, kBytes };

std::optional<DataType> ParseDataType(absl::string_view name) {
  static constexpr std::pair<const char*, DataType> kNames[] = {
      {"BOOL", DataType::kBool},     {"INT8", DataType::kInt8},     {"INT16", DataType::kInt16},
      {"INT32", DataType::kInt32},   {"INT64", DataType::kInt64},   {"UINT8", DataType::kUint8},
      {"UINT16", DataType::kUint16}, {"UINT32", DataType::kUint32}, {"UINT64", DataType::kUint64},
      {"FP16", DataType::kFp16},     {"BF16", DataType::kBf16},     {"FP32", DataType::kFp32},
      {"FP64", DataType::kFp64},     {"BYTES", DataType::kBytes}};
  for (const auto& [text, type] : kNames) {
    if (name == text) return type;
  }
  return std::nullopt;
}

absl::Status UnknownDataType(absl::string_view name) {
  return absl::InvalidArgumentError(absl::StrCat("'", name, "' is not a KServe datatype"));
}

template <typename T>
void AppendValue(T value, std::string* raw) {
  raw->append(reinterpret_cast<const char*>(&value), sizeof(value));
}

template <typename T>
T LoadValue(const char* p) {
  T value;
  std::memcpy(&value, p, sizeof(value));
  return value;
}

// Each value of `values` as a To, refusing values a To cannot hold (the
// round trip through To changes them).
template <typename To, typename Values>
absl::Status AppendNarrowed(const Values& values, absl::string_view datatype, std::string* raw) {
  for (const auto value : values) {
    const To narrowed = static_cast<To>(value);
    if (static_cast<std::decay_t<decltype(value)>>(narrowed) != value) {
      return absl::InvalidArgumentError(absl::StrCat("value ", value, " does not fit ", datatype));
    }
    AppendValue(narrowed, raw);
  }
  return absl::OkStatus();
}

// Shortest text that reads back as the same float (JSON has no single
// precision, and printing the float as a double adds noise digits).
template <typename T>
void WriteReal(T value, JsonWriter* writer) {
  if (!std::isfinite(value)) {
    writer->Double(static_cast<double>(value));  // NaN, Infinity, -Infinity (kWriteNanAndInfFlag).
    return;
  }
  char text[64];
  const std::to_chars_result written = std::to_chars(text, text + sizeof(text), value);
  writer->RawValue(text, static_cast<size_t>(written.ptr - text), rapidjson::kNumberType);
}

// One JSON element appended to `raw` as `type`; false if it is not one.
template <typename T>
bool AppendInteger(const rapidjson::Value& value, std::string* raw) {
  if constexpr (std::is_signed_v<T>) {
    if (!value.IsInt64()) return false;
    const int64_t wide = value.GetInt64();
    if (static_cast<int64_t>(static_cast<T>(wide)) != wide) return false;
    AppendValue(static_cast<T>(wide), raw);
  } else {
    if (!value.IsUint64()) return false;
    const uint64_t wide = value.GetUint64();
    if (static_cast<uint64_t>(static_cast<T>(wide)) != wide) return false;
    AppendValue(static_cast<T>(wide), raw);
  }
  return true;
}

bool AppendElement(DataType type, const rapidjson::Value& value, std::string* raw) {
  switch (type) {
    case DataType::kBool:
      if (!value.IsBool()) return false;
      raw->push_back(value.GetBool() ? 1 : 0);
      return true;
    case DataType::kInt8: return AppendInteger<int8_t>(value, raw);
    case DataType::kInt16: return AppendInteger<int16_t>(value, raw);
    case DataType::kInt32: return AppendInteger<int32_t>(value, raw);
    case DataType::kInt64: return AppendInteger<int64_t>(value, raw);
    case DataType::kUint8: return AppendInteger<uint8_t>(value, raw);
    case DataType::kUint16: return AppendInteger<uint16_t>(value, raw);
    case DataType::kUint32: return AppendInteger<uint32_t>(value, raw);
    case DataType::kUint64: return AppendInteger<uint64_t>(value, raw);
    case DataType::kFp32:
      if (!value.IsNumber()) return false;
      AppendValue(static_cast<float>(value.GetDouble()), raw);
      return true;
    case DataType::kFp64:
      if (!value.IsNumber()) return false;
      AppendValue(value.GetDouble(), raw);
      return true;
    case DataType::kBytes:
      if (!value.IsString()) return false;
      AppendBytesElement(absl::string_view(value.GetString(), value.GetStringLength()), raw);
      return true;
    case DataType::kFp16:
    case DataType::kBf16:
      return false;
  }
  return false;
}

// Flattens nested arrays in row-major order.
bool AppendJsonData(DataType type, const rapidjson::Value& data, std::string* raw, int64_t* elements) {
  if (data.IsArray()) {
    for (const rapidjson::Value& item : data.GetArray()) {
      if (!AppendJsonData(type, item, raw, elements)) return false;
    }
    return true;
  }
  ++*elements;
  return AppendElement(type, data, raw);
}

}  // namespace

absl::StatusOr<size_t> ElementBytes(absl::string_view datatype) {
  const std::optional<DataType> type = ParseDataType(datatype);
  if (!type) return UnknownDataType(datatype);
  switch (*type) {
    case DataType::kBool:
    case DataType::kInt8:
    case DataType::kUint8: return 1;
    case DataType::kInt16:
    case DataType::kUint16:
    case DataType::kFp16:
    case DataType::kBf16: return 2;
    case DataType::kInt32:
    case DataType::kUint32:
    case DataType::kFp32: return 4;
    case DataType::kInt64:
    case DataType::kUint64:
    case DataType::kFp64: return 8;
    case DataType::kBytes: return 0;
  }
  return UnknownDataType(datatype);
}

bool HasJsonForm(absl::string_view datatype) {
  const std::optional<DataType> type = ParseDataType(datatype);
  return type && *type != DataType::kBytes && *type != DataType::kFp16 && *type != DataType::kBf16;
}

absl::StatusOr<std::string> TypedContentsToRaw(absl::string_view datatype,
                                               const inference::InferTensorContents& contents) {
  const std::optional<DataType> type = ParseDataType(datatype);
  if (!type) return UnknownDataType(datatype);
  std::string raw;
  absl::Status status;
  switch (*type) {
    case DataType::kBool:
      for (bool value : contents.bool_contents()) raw.push_back(value ? 1 : 0);
      break;
    case DataType::kInt8: status = AppendNarrowed<int8_t>(contents.int_contents(), datatype, &raw); break;
    case DataType::kInt16: status = AppendNarrowed<int16_t>(contents.int_contents(), datatype, &raw); break;
    case DataType::kInt32: status = AppendNarrowed<int32_t>(contents.int_contents(), datatype, &raw); break;
    case DataType::kInt64: status = AppendNarrowed<int64_t>(contents.int64_contents(), datatype, &raw); break;
    case DataType::kUint8: status = AppendNarrowed<uint8_t>(contents.uint_contents(), datatype, &raw); break;
    case DataType::kUint16: status = AppendNarrowed<uint16_t>(contents.uint_contents(), datatype, &raw); break;
    case DataType::kUint32: status = AppendNarrowed<uint32_t>(contents.uint_contents(), datatype, &raw); break;
    case DataType::kUint64: status = AppendNarrowed<uint64_t>(contents.uint64_contents(), datatype, &raw); break;
    case DataType::kFp32:
      raw.assign(reinterpret_cast<const char*>(contents.fp32_contents().data()),
                 contents.fp32_contents_size() * sizeof(float));
      break;
    case DataType::kFp64:
      raw.assign(reinterpret_cast<const char*>(contents.fp64_contents().data()),
                 contents.fp64_contents_size() * sizeof(double));
      break;
    case DataType::kBytes:
      for (const std::string& element : contents.bytes_contents()) AppendBytesElement(element, &raw);
      break;
    case DataType::kFp16:
    case DataType::kBf16:
      return absl::InvalidArgumentError(
          absl::StrCat(datatype, " has no typed contents; give it as raw_input_contents"));
  }
  if (!status.ok()) return status;
  return raw;
}

absl::Status WriteRawAsJsonArray(absl::string_view datatype, absl::string_view raw, JsonWriter* writer) {
  const std::optional<DataType> type = ParseDataType(datatype);
  if (!type || !HasJsonForm(datatype)) {
    return absl::InvalidArgumentError(absl::StrCat(datatype, " has no JSON form"));
  }
  absl::StatusOr<size_t> size = ElementBytes(datatype);
  if (!size.ok()) return size.status();
  if (raw.size() % *size != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(raw.size(), " bytes are not a whole number of ", datatype, " elements"));
  }
  writer->StartArray();
  for (const char* p = raw.data(); p < raw.data() + raw.size(); p += *size) {
    switch (*type) {
      case DataType::kBool: writer->Bool(*p != 0); break;
      case DataType::kInt8: writer->Int(LoadValue<int8_t>(p)); break;
      case DataType::kInt16: writer->Int(LoadValue<int16_t>(p)); break;
      case DataType::kInt32: writer->Int(LoadValue<int32_t>(p)); break;
      case DataType::kInt64: writer->Int64(LoadValue<int64_t>(p)); break;
      case DataType::kUint8: writer->Uint(LoadValue<uint8_t>(p)); break;
      case DataType::kUint16: writer->Uint(LoadValue<uint16_t>(p)); break;
      case DataType::kUint32: writer->Uint(LoadValue<uint32_t>(p)); break;
      case DataType::kUint64: writer->Uint64(LoadValue<uint64_t>(p)); break;
      case DataType::kFp32: WriteReal(LoadValue<float>(p), writer); break;
      case DataType::kFp64: WriteReal(LoadValue<double>(p), writer); break;
      case DataType::kFp16:
      case DataType::kBf16:
      case DataType::kBytes: break;  // Excluded by HasJsonForm above.
    }
  }
  writer->EndArray();
  return absl::OkStatus();
}

absl::StatusOr<std::string> JsonDataToRaw(absl::string_view tensor, absl::string_view datatype,
                                          const rapidjson::Value& data, int64_t* elements) {
  const std::optional<DataType> type = ParseDataType(datatype);
  if (!type) return UnknownDataType(datatype);
  if (*type == DataType::kFp16 || *type == DataType::kBf16) {
    return absl::InvalidArgumentError(
        absl::StrCat("tensor '", tensor, "': ", datatype, " cannot be read from JSON data (no JSON form)"));
  }
  std::string raw;
  *elements = 0;
  if (!AppendJsonData(*type, data, &raw, elements)) {
    return absl::InvalidArgumentError(absl::StrCat("tensor '", tensor, "': element ", *elements - 1,
                                                   " of its JSON data is not a ", datatype, " value"));
  }
  return raw;
}

bool HasParameterValue(const inference::InferParameter& parameter) {
  return parameter.parameter_choice_case() != inference::InferParameter::PARAMETER_CHOICE_NOT_SET;
}

void WriteParameter(const inference::InferParameter& parameter, JsonWriter* writer) {
  switch (parameter.parameter_choice_case()) {
    case inference::InferParameter::kBoolParam: writer->Bool(parameter.bool_param()); break;
    case inference::InferParameter::kInt64Param: writer->Int64(parameter.int64_param()); break;
    case inference::InferParameter::kStringParam:
      writer->String(parameter.string_param().data(), static_cast<rapidjson::SizeType>(parameter.string_param().size()));
      break;
    case inference::InferParameter::kDoubleParam: writer->Double(parameter.double_param()); break;
    case inference::InferParameter::kUint64Param: writer->Uint64(parameter.uint64_param()); break;
    case inference::InferParameter::PARAMETER_CHOICE_NOT_SET: break;
  }
}

absl::StatusOr<inference::InferParameter> ParameterFromJson(const rapidjson::Value& value) {
  inference::InferParameter parameter;
  if (value.IsBool()) {
    parameter.set_bool_param(value.GetBool());
  } else if (value.IsInt64()) {
    parameter.set_int64_param(value.GetInt64());
  } else if (value.IsString()) {
    parameter.set_string_param(value.GetString(), value.GetStringLength());
  } else if (value.IsNumber()) {
    parameter.set_double_param(value.GetDouble());
  } else {
    return absl::InvalidArgumentError("a parameter must be a bool, a number or a string");
  }
  return parameter;
}

}  // namespace convoy::client
