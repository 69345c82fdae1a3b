#include "repository/model_config_json.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "repository/model_config_checks.h"

namespace convoy::repository {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::ListValue;
using google::protobuf::Struct;
using google::protobuf::Value;

// As for a config file: a configuration is a page of text.
constexpr size_t kMaxConfigJsonBytes = size_t{4} << 20;

// "modelWarmup" -> "model_warmup": the name Triton's fields are known by.
std::string SnakeCase(absl::string_view name) {
  std::string snake;
  for (char c : name) {
    if (absl::ascii_isupper(c)) {
      absl::StrAppend(&snake, "_", std::string(1, absl::ascii_tolower(c)));
    } else {
      snake.push_back(c);
    }
  }
  return snake;
}

// True for a value protobuf's JSON mapping reads as "not set": null, 0,
// "", false, [], or an object of such values.
bool IsEmpty(const Value& value) {
  switch (value.kind_case()) {
    case Value::kNumberValue:
      return value.number_value() == 0;
    case Value::kStringValue:
      return value.string_value().empty();
    case Value::kBoolValue:
      return !value.bool_value();
    case Value::kListValue:
      return value.list_value().values().empty();
    case Value::kStructValue:
      for (const auto& [key, member] : value.struct_value().fields()) {
        if (!IsEmpty(member)) return false;
      }
      return true;
    default:
      return true;
  }
}

// Walks the JSON against ModelConfig's descriptors before protobuf parses
// it, because protobuf's parser either fails at the first field it does
// not know (Triton's settings included) or, told to skip unknown fields,
// also skips unknown enum names without a word.
class JsonChecker {
 public:
  JsonChecker(absl::string_view source, std::vector<std::string>& warnings)
      : where_(absl::StrCat(source, ": ")), warnings_(warnings) {}

  absl::Status CheckObject(const Struct& object, const Descriptor& type, const std::string& path) {
    for (const auto& [key, value] : object.fields()) {
      const FieldDescriptor* field = type.FindFieldByName(key);
      if (field == nullptr) field = type.FindFieldByCamelcaseName(key);
      const std::string name = field != nullptr ? field->name() : SnakeCase(key);
      const std::string field_path = path.empty() ? name : absl::StrCat(path, ".", name);
      if (field == nullptr) {
        if (IsEmpty(value)) continue;  // As Triton prints unset fields.
        absl::Status status = ClassifyUnknownField(where_, type.full_name(), name, field_path, warnings_);
        if (!status.ok()) return status;
        continue;
      }
      absl::Status status = CheckField(*field, value, field_path);
      if (!status.ok()) return status;
    }
    return absl::OkStatus();
  }

 private:
  absl::Status CheckField(const FieldDescriptor& field, const Value& value, const std::string& path) {
    if (field.is_map()) {
      if (value.kind_case() != Value::kStructValue) return absl::OkStatus();  // Protobuf says why.
      const FieldDescriptor& map_value = *field.message_type()->map_value();
      for (const auto& [key, entry] : value.struct_value().fields()) {
        absl::Status status = CheckSingle(map_value, entry, path);
        if (!status.ok()) return status;
      }
      return absl::OkStatus();
    }
    if (field.is_repeated() && value.kind_case() == Value::kListValue) {
      for (const Value& element : value.list_value().values()) {
        absl::Status status = CheckSingle(field, element, path);
        if (!status.ok()) return status;
      }
      return absl::OkStatus();
    }
    return CheckSingle(field, value, path);
  }

  // One value of `field` (an element, for a repeated field).
  absl::Status CheckSingle(const FieldDescriptor& field, const Value& value, const std::string& path) {
    if (field.type() == FieldDescriptor::TYPE_MESSAGE && value.kind_case() == Value::kStructValue) {
      return CheckObject(value.struct_value(), *field.message_type(), path);
    }
    if (field.type() == FieldDescriptor::TYPE_ENUM && value.kind_case() == Value::kStringValue &&
        field.enum_type()->FindValueByName(value.string_value()) == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(where_, path, ": '", value.string_value(),
                                                     "' is not a value of ", field.enum_type()->name()));
    }
    return absl::OkStatus();
  }

  const std::string where_;
  std::vector<std::string>& warnings_;
};

std::string ProtobufMessage(const google::protobuf::util::Status& status) {
  return std::string(status.message().data(), status.message().size());
}

}  // namespace

absl::StatusOr<ModelConfigFile> ParseModelConfigJson(absl::string_view json, absl::string_view source,
                                                     absl::string_view model_name, ConfigCompleteness completeness) {
  if (json.size() > kMaxConfigJsonBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": ", json.size(), " bytes, more than a configuration may have (",
                     kMaxConfigJsonBytes, ")"));
  }
  const google::protobuf::StringPiece input(json.data(), json.size());
  Struct object;
  google::protobuf::util::Status parsed = google::protobuf::util::JsonStringToMessage(input, &object);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": not a JSON object: ", ProtobufMessage(parsed)));
  }
  ModelConfigFile file;
  JsonChecker checker(source, file.warnings);
  absl::Status checked = checker.CheckObject(object, *inference::ModelConfig::descriptor(), "");
  if (!checked.ok()) return checked;
  // Unknown fields were judged above; what is left to protobuf is the
  // values of the fields it knows.
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  parsed = google::protobuf::util::JsonStringToMessage(input, &file.config, options);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": not a valid ModelConfig: ", ProtobufMessage(parsed)));
  }
  absl::Status status = ValidateModelConfig(source, model_name, completeness, &file);
  if (!status.ok()) return status;
  return file;
}

}  // namespace convoy::repository
