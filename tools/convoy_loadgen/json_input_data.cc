#include "tools/convoy_loadgen/json_input_data.h"

#include <optional>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "client/json_tensor.h"
#include "common/bounded_file.h"
#include "rapidjson/document.h"
#include "rapidjson/error/en.h"

namespace convoy {
namespace {

using rapidjson::Value;

absl::string_view Text(const Value& string) { return absl::string_view(string.GetString(), string.GetStringLength()); }

absl::Status Invalid(absl::string_view where, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(where, ": ", why));
}

// {"b64": "..."}: the bytes it encodes.
absl::StatusOr<std::string> DecodeB64(const Value& object) {
  const Value& encoded = object["b64"];
  if (!encoded.IsString()) return absl::InvalidArgumentError("\"b64\" must be a string");
  std::string raw;
  if (!absl::Base64Unescape(Text(encoded), &raw)) {
    return absl::InvalidArgumentError("\"b64\" is not valid base64");
  }
  return raw;
}

// A flat array of values (perf_analyzer's row-major layout) in the raw form
// of `input`'s datatype. JsonDataToRaw's messages name the input.
absl::StatusOr<std::string> ValuesToRaw(const InputSpec& input, const Value& values) {
  for (rapidjson::SizeType i = 0; i < values.Size(); ++i) {
    if (values[i].IsArray() || values[i].IsObject()) {
      return absl::InvalidArgumentError(absl::StrCat("input '", input.name,
                                                     "': values must be a flat array, in row-major order (value ", i,
                                                     " is not one value)"));
    }
  }
  int64_t elements = 0;
  return client::JsonDataToRaw(input.name, input.datatype, values, &elements);
}

absl::StatusOr<std::vector<int64_t>> ReadShape(const Value& shape) {
  if (!shape.IsArray()) return absl::InvalidArgumentError("\"shape\" must be an array of sizes");
  std::vector<int64_t> dims;
  for (const Value& dim : shape.GetArray()) {
    if (!dim.IsInt64()) return absl::InvalidArgumentError("\"shape\" must be an array of integer sizes");
    dims.push_back(dim.GetInt64());
  }
  return dims;
}

// The bytes of an input's object: {"b64": ...}, or {"content": values or
// {"b64": ...}}; "shape" is read by the caller.
absl::StatusOr<std::string> ObjectToRaw(const InputSpec& input, const Value& object) {
  for (const auto& member : object.GetObject()) {
    const absl::string_view key = Text(member.name);
    if (key != "content" && key != "shape" && key != "b64") {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown key \"", key, "\" (an input's object has \"content\" or \"b64\", and \"shape\")"));
    }
  }
  if (object.HasMember("b64") == object.HasMember("content")) {
    return absl::InvalidArgumentError("an input's object needs one of \"content\" and \"b64\"");
  }
  if (object.HasMember("b64")) return DecodeB64(object);
  const Value& content = object["content"];
  if (content.IsArray()) return ValuesToRaw(input, content);
  if (content.IsObject() && content.MemberCount() == 1 && content.HasMember("b64")) return DecodeB64(content);
  return absl::InvalidArgumentError("\"content\" must be an array of values or {\"b64\": \"...\"}");
}

// One input of one entry: an array of values, or an object with "content"
// or "b64", and optionally "shape". Every message names the input.
absl::StatusOr<EntryTensor> ReadTensor(const InputSpec& input, const Value& value) {
  auto named = [&input](const absl::Status& status) {
    if (absl::StrContains(status.message(), absl::StrCat("'", input.name, "'"))) return status;
    return absl::InvalidArgumentError(absl::StrCat("input '", input.name, "': ", status.message()));
  };
  std::optional<std::vector<int64_t>> shape;
  absl::StatusOr<std::string> raw;
  if (value.IsArray()) {
    raw = ValuesToRaw(input, value);
  } else if (value.IsObject()) {
    if (value.HasMember("shape")) {
      absl::StatusOr<std::vector<int64_t>> dims = ReadShape(value["shape"]);
      if (!dims.ok()) return named(dims.status());
      shape = *std::move(dims);
    }
    raw = ObjectToRaw(input, value);
  } else {
    raw = absl::InvalidArgumentError(
        "expected an array of values, or an object with \"content\" or \"b64\" (and \"shape\")");
  }
  if (!raw.ok()) return named(raw.status());
  absl::StatusOr<EntryTensor> tensor = MakeEntryTensor(input, std::move(shape), *std::move(raw));
  if (!tensor.ok()) return named(tensor.status());
  return tensor;
}

absl::StatusOr<InputEntry> ReadEntry(const Value& entry, const std::string& where, const ModelInputs& inputs) {
  if (entry.IsArray()) {
    return Invalid(where, "is an array, a sequence's stream of requests: convoy-loadgen sends no sequences, so "
                          "\"data\" must list one object per batch item");
  }
  if (!entry.IsObject()) return Invalid(where, "must be an object giving every input of the model by name");
  for (const auto& member : entry.GetObject()) {
    if (inputs.Find(Text(member.name)) == nullptr) {
      return Invalid(where, absl::StrCat("'", Text(member.name), "' is not an input of model '", inputs.model,
                                         "' (its inputs: ", inputs.Names(), ")"));
    }
  }
  InputEntry tensors;
  for (const InputSpec& input : inputs.inputs) {
    const auto member = entry.FindMember(rapidjson::StringRef(input.name.data(), input.name.size()));
    if (member == entry.MemberEnd()) return Invalid(where, absl::StrCat("input '", input.name, "' is missing"));
    absl::StatusOr<EntryTensor> tensor = ReadTensor(input, member->value);
    if (!tensor.ok()) return Invalid(where, tensor.status().message());
    tensors.push_back(*std::move(tensor));
  }
  return tensors;
}

}  // namespace

absl::StatusOr<std::vector<InputEntry>> ParseJsonInputData(absl::string_view json, const std::string& source,
                                                           const ModelInputs& inputs, const InputDataLimits& limits) {
  rapidjson::Document document;
  // Iterative: a deeply nested file cannot exhaust the stack.
  document.Parse<rapidjson::kParseIterativeFlag | client::kJsonParseFlags>(json.data(), json.size());
  if (document.HasParseError()) {
    return Invalid(source, absl::StrCat("not JSON: ", rapidjson::GetParseError_En(document.GetParseError()),
                                        " (at byte ", document.GetErrorOffset(), ")"));
  }
  if (!document.IsObject()) return Invalid(source, "expected an object, {\"data\": [...]}");
  for (const auto& member : document.GetObject()) {
    const absl::string_view name = Text(member.name);
    if (name == "validation_data") {
      return Invalid(source, "\"validation_data\": convoy-loadgen does not check outputs; remove it");
    }
    if (name != "data") return Invalid(source, absl::StrCat("unknown member \"", name, "\" (expected \"data\")"));
  }
  if (!document.HasMember("data")) return Invalid(source, "no \"data\" member");
  const Value& data = document["data"];
  if (!data.IsArray()) return Invalid(source, "\"data\" must be an array of entries");
  if (data.Empty()) return Invalid(source, "\"data\" has no entries");
  if (static_cast<int64_t>(data.Size()) > limits.max_entries) {
    return Invalid(source, absl::StrCat("\"data\" has ", data.Size(), " entries, more than the ",
                                        limits.max_entries, " convoy-loadgen reads"));
  }
  std::vector<InputEntry> entries;
  entries.reserve(data.Size());
  for (rapidjson::SizeType i = 0; i < data.Size(); ++i) {
    absl::StatusOr<InputEntry> entry = ReadEntry(data[i], absl::StrCat(source, ": data[", i, "]"), inputs);
    if (!entry.ok()) return entry.status();
    entries.push_back(*std::move(entry));
  }
  return entries;
}

absl::StatusOr<std::vector<InputEntry>> ReadJsonInputData(const std::string& path, const ModelInputs& inputs,
                                                          const InputDataLimits& limits) {
  absl::StatusOr<std::string> text = ReadBoundedFile(path, limits.max_file_bytes);
  if (!text.ok()) {
    return absl::Status(text.status().code(), absl::StrCat("--input-data ", text.status().message()));
  }
  return ParseJsonInputData(*text, path, inputs, limits);
}

}  // namespace convoy
