#include "server/http/proto_json.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <google/protobuf/descriptor.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "server/http/json_text.h"

namespace convoy::server {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Protobuf's SimpleFtoa/SimpleDtoa: the shorter precision if it reads back
// exactly, else the longer, which always does.
template <typename T>
std::string RoundTripText(T value, int short_digits, int long_digits) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.*g", short_digits, static_cast<double>(value));
  const T back = sizeof(T) == sizeof(float) ? std::strtof(text, nullptr) : std::strtod(text, nullptr);
  if (back != value) std::snprintf(text, sizeof(text), "%.*g", long_digits, static_cast<double>(value));
  return text;
}

template <typename T>
void WriteFloating(T value, JsonWriter& writer) {
  if (std::isnan(value)) {
    writer.String("NaN");
  } else if (std::isinf(value)) {
    writer.String(value > 0 ? "Infinity" : "-Infinity");
  } else {
    const std::string text = sizeof(T) == sizeof(float) ? RoundTripText(value, FLT_DIG, FLT_DIG + 3)
                                                        : RoundTripText(value, DBL_DIG, DBL_DIG + 2);
    writer.RawValue(text.data(), text.size(), rapidjson::kNumberType);
  }
}

class ProtoWriter {
 public:
  ProtoWriter(const ProtoJsonOptions& options, JsonWriter& writer) : options_(options), writer_(writer) {}

  void Message(const google::protobuf::Message& message) {
    const auto* descriptor = message.GetDescriptor();
    writer_.StartObject();
    for (int i = 0; i < descriptor->field_count(); ++i) {
      const FieldDescriptor* field = descriptor->field(i);
      if (!Printed(message, field)) continue;
      writer_.Key(field->name().data(), static_cast<rapidjson::SizeType>(field->name().size()));
      Field(message, field);
    }
    writer_.EndObject();
  }

  // The field's value: an array, an object for a map, or one value.
  void Field(const google::protobuf::Message& message, const FieldDescriptor* field) {
    const Reflection* reflection = message.GetReflection();
    if (field->is_map()) {
      Map(message, field);
    } else if (field->is_repeated()) {
      writer_.StartArray();
      for (int i = 0; i < reflection->FieldSize(message, field); ++i) Value(message, field, i);
      writer_.EndArray();
    } else {
      Value(message, field, -1);
    }
  }

 private:
  bool Printed(const google::protobuf::Message& message, const FieldDescriptor* field) const {
    const Reflection* reflection = message.GetReflection();
    if (field->is_repeated()) return options_.print_defaults || reflection->FieldSize(message, field) > 0;
    if (field->has_presence()) return reflection->HasField(message, field);
    return options_.print_defaults || reflection->HasField(message, field);
  }

  // Element `index` of a repeated field, or the singular field's value (-1).
  void Value(const google::protobuf::Message& message, const FieldDescriptor* field, int index) {
    const Reflection* r = message.GetReflection();
    const bool rep = index >= 0;
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        writer_.Int(rep ? r->GetRepeatedInt32(message, field, index) : r->GetInt32(message, field));
        break;
      case FieldDescriptor::CPPTYPE_INT64:
        writer_.Int64(rep ? r->GetRepeatedInt64(message, field, index) : r->GetInt64(message, field));
        break;
      case FieldDescriptor::CPPTYPE_UINT32:
        writer_.Uint(rep ? r->GetRepeatedUInt32(message, field, index) : r->GetUInt32(message, field));
        break;
      case FieldDescriptor::CPPTYPE_UINT64:
        writer_.Uint64(rep ? r->GetRepeatedUInt64(message, field, index) : r->GetUInt64(message, field));
        break;
      case FieldDescriptor::CPPTYPE_FLOAT:
        WriteFloating(rep ? r->GetRepeatedFloat(message, field, index) : r->GetFloat(message, field), writer_);
        break;
      case FieldDescriptor::CPPTYPE_DOUBLE:
        WriteFloating(rep ? r->GetRepeatedDouble(message, field, index) : r->GetDouble(message, field), writer_);
        break;
      case FieldDescriptor::CPPTYPE_BOOL:
        writer_.Bool(rep ? r->GetRepeatedBool(message, field, index) : r->GetBool(message, field));
        break;
      case FieldDescriptor::CPPTYPE_ENUM: {
        const int number = rep ? r->GetRepeatedEnumValue(message, field, index) : r->GetEnumValue(message, field);
        const auto* value = field->enum_type()->FindValueByNumber(number);
        if (value != nullptr) {
          WriteJsonString(writer_, value->name());
        } else {
          writer_.Int(number);  // A number this binary's .proto does not name.
        }
        break;
      }
      case FieldDescriptor::CPPTYPE_STRING: {
        std::string scratch;
        const std::string& text = rep ? r->GetRepeatedStringReference(message, field, index, &scratch)
                                      : r->GetStringReference(message, field, &scratch);
        if (field->type() == FieldDescriptor::TYPE_BYTES) {
          WriteJsonString(writer_, absl::Base64Escape(text));
        } else {
          WriteJsonString(writer_, text);
        }
        break;
      }
      case FieldDescriptor::CPPTYPE_MESSAGE:
        Message(rep ? r->GetRepeatedMessage(message, field, index) : r->GetMessage(message, field));
        break;
    }
  }

  // A map field: an object whose keys are the entries' keys as text.
  void Map(const google::protobuf::Message& message, const FieldDescriptor* field) {
    const Reflection* reflection = message.GetReflection();
    const FieldDescriptor* key = field->message_type()->map_key();
    const FieldDescriptor* value = field->message_type()->map_value();
    std::vector<const google::protobuf::Message*> entries;
    for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
      entries.push_back(&reflection->GetRepeatedMessage(message, field, i));
    }
    std::sort(entries.begin(), entries.end(), [&](const auto* a, const auto* b) { return Less(*a, *b, key); });
    writer_.StartObject();
    for (const auto* entry : entries) {
      const std::string text = KeyText(*entry, key);
      writer_.Key(text.data(), static_cast<rapidjson::SizeType>(text.size()));
      Value(*entry, value, -1);
    }
    writer_.EndObject();
  }

  static bool Less(const google::protobuf::Message& a, const google::protobuf::Message& b,
                   const FieldDescriptor* key) {
    const Reflection* r = a.GetReflection();
    switch (key->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32: return r->GetInt32(a, key) < r->GetInt32(b, key);
      case FieldDescriptor::CPPTYPE_INT64: return r->GetInt64(a, key) < r->GetInt64(b, key);
      case FieldDescriptor::CPPTYPE_UINT32: return r->GetUInt32(a, key) < r->GetUInt32(b, key);
      case FieldDescriptor::CPPTYPE_UINT64: return r->GetUInt64(a, key) < r->GetUInt64(b, key);
      case FieldDescriptor::CPPTYPE_BOOL: return r->GetBool(a, key) < r->GetBool(b, key);
      default: return r->GetString(a, key) < r->GetString(b, key);  // string: the only other key type.
    }
  }

  static std::string KeyText(const google::protobuf::Message& entry, const FieldDescriptor* key) {
    const Reflection* r = entry.GetReflection();
    switch (key->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32: return absl::StrCat(r->GetInt32(entry, key));
      case FieldDescriptor::CPPTYPE_INT64: return absl::StrCat(r->GetInt64(entry, key));
      case FieldDescriptor::CPPTYPE_UINT32: return absl::StrCat(r->GetUInt32(entry, key));
      case FieldDescriptor::CPPTYPE_UINT64: return absl::StrCat(r->GetUInt64(entry, key));
      case FieldDescriptor::CPPTYPE_BOOL: return r->GetBool(entry, key) ? "true" : "false";
      default: return ValidUtf8(r->GetString(entry, key));
    }
  }

  const ProtoJsonOptions& options_;
  JsonWriter& writer_;
};

}  // namespace

std::string ProtoToJson(const google::protobuf::Message& message, const ProtoJsonOptions& options) {
  rapidjson::StringBuffer buffer;
  JsonWriter writer(buffer);
  ProtoWriter(options, writer).Message(message);
  return std::string(buffer.GetString(), buffer.GetSize());
}

absl::StatusOr<std::string> ProtoFieldToJson(const google::protobuf::Message& message, std::string_view field_name,
                                             const ProtoJsonOptions& options) {
  const FieldDescriptor* field = message.GetDescriptor()->FindFieldByName(std::string(field_name));
  if (field == nullptr) {
    return absl::NotFoundError(absl::StrCat(message.GetDescriptor()->full_name(), " has no field '",
                                            absl::string_view(field_name.data(), field_name.size()), "'"));
  }
  rapidjson::StringBuffer buffer;
  JsonWriter writer(buffer);
  ProtoWriter(options, writer).Field(message, field);
  return std::string(buffer.GetString(), buffer.GetSize());
}

absl::StatusOr<std::map<std::string, inference::ModelRepositoryParameter>> ParseRestParameters(
    std::string_view body) {
  std::map<std::string, inference::ModelRepositoryParameter> parameters;
  const absl::string_view json_body(body.data(), body.size());
  if (json_body.find_first_not_of(" \t\r\n") == absl::string_view::npos) return parameters;
  rapidjson::Document document;
  CONVOY_RETURN_IF_ERROR(ParseJson(json_body, "the request body", &document));
  if (!document.IsObject()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the request body is ", DescribeJson(document), ", not a JSON object"));
  }
  const auto found = document.FindMember("parameters");
  if (found == document.MemberEnd()) return parameters;
  if (!found->value.IsObject()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the request's 'parameters' is ", DescribeJson(found->value), ", not an object"));
  }
  for (const auto& member : found->value.GetObject()) {
    const std::string key(member.name.GetString(), member.name.GetStringLength());
    const rapidjson::Value& value = member.value;
    inference::ModelRepositoryParameter parameter;
    if (key.rfind("file:", 0) == 0) {
      std::string content;
      if (!value.IsString() || !absl::Base64Unescape({value.GetString(), value.GetStringLength()}, &content)) {
        return absl::InvalidArgumentError(
            absl::StrCat("parameter '", key, "' must be the file's content in base64"));
      }
      parameter.set_bytes_param(std::move(content));
    } else if (value.IsBool()) {
      parameter.set_bool_param(value.GetBool());
    } else if (value.IsInt64()) {
      parameter.set_int64_param(value.GetInt64());
    } else if (value.IsString()) {
      parameter.set_string_param(value.GetString(), value.GetStringLength());
    } else {
      return absl::InvalidArgumentError(absl::StrCat("parameter '", key, "' is ", DescribeJson(value),
                                                     "; a repository parameter is a bool, an integer or a string"));
    }
    parameters[key] = std::move(parameter);
  }
  return parameters;
}

}  // namespace convoy::server
