#include "client/kserve_http_request.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "client/json_tensor.h"

namespace convoy::client {
namespace {

constexpr absl::string_view kBinaryDataSize = "binary_data_size";
constexpr absl::string_view kBinaryData = "binary_data";
constexpr absl::string_view kBinaryDataOutput = "binary_data_output";

using Parameters = google::protobuf::Map<std::string, inference::InferParameter>;

void WriteKey(absl::string_view key, JsonWriter* writer) {
  writer->Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
}

void WriteString(absl::string_view text, JsonWriter* writer) {
  writer->String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

// The caller's parameters, in name order (a protobuf map has none of its
// own, and a stable order makes requests comparable), without the binary
// extension's keys, which the encoder sets itself. Writes only the members:
// the caller opens and closes the object.
void WriteParameterMembers(const Parameters& parameters, JsonWriter* writer) {
  std::vector<const Parameters::value_type*> sorted;
  for (const auto& entry : parameters) {
    if (entry.first == kBinaryDataSize || entry.first == kBinaryData || entry.first == kBinaryDataOutput) continue;
    if (HasParameterValue(entry.second)) sorted.push_back(&entry);
  }
  std::sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) { return a->first < b->first; });
  for (const auto* entry : sorted) {
    WriteKey(entry->first, writer);
    WriteParameter(entry->second, writer);
  }
}

// One input's JSON object, with its data unless it goes binary
// (`as_binary`): then only its size is written, and the caller appends the
// bytes after the header.
absl::Status WriteInput(const inference::ModelInferRequest::InferInputTensor& input, absl::string_view raw,
                        bool as_binary, JsonWriter* writer) {
  writer->StartObject();
  WriteKey("name", writer);
  WriteString(input.name(), writer);
  WriteKey("shape", writer);
  writer->StartArray();
  for (int64_t dim : input.shape()) writer->Int64(dim);
  writer->EndArray();
  WriteKey("datatype", writer);
  WriteString(input.datatype(), writer);
  if (as_binary || !input.parameters().empty()) {
    WriteKey("parameters", writer);
    writer->StartObject();
    WriteParameterMembers(input.parameters(), writer);
    if (as_binary) {
      WriteKey(kBinaryDataSize, writer);
      writer->Uint64(raw.size());
    }
    writer->EndObject();
  }
  if (!as_binary) {
    WriteKey("data", writer);
    if (absl::Status status = WriteRawAsJsonArray(input.datatype(), raw, writer); !status.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("input '", input.name(), "': ", status.message()));
    }
  }
  writer->EndObject();
  return absl::OkStatus();
}

void WriteOutputs(const inference::ModelInferRequest& request, HttpDataForm form, JsonWriter* writer) {
  WriteKey("outputs", writer);
  writer->StartArray();
  for (const auto& output : request.outputs()) {
    writer->StartObject();
    WriteKey("name", writer);
    WriteString(output.name(), writer);
    WriteKey("parameters", writer);
    writer->StartObject();
    WriteParameterMembers(output.parameters(), writer);
    WriteKey(kBinaryData, writer);
    writer->Bool(form == HttpDataForm::kBinary);
    writer->EndObject();
    writer->EndObject();
  }
  writer->EndArray();
}

bool Unreserved(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' || c == '~';
}

void AppendPercentEncoded(absl::string_view text, std::string* out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char c : text) {
    if (Unreserved(c)) {
      out->push_back(c);
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out->push_back('%');
      out->push_back(kHex[byte >> 4]);
      out->push_back(kHex[byte & 0xf]);
    }
  }
}

}  // namespace

absl::StatusOr<HttpDataForm> ParseHttpDataForm(absl::string_view name) {
  if (name == "binary") return HttpDataForm::kBinary;
  if (name == "json") return HttpDataForm::kJson;
  return absl::InvalidArgumentError(absl::StrCat("HTTP data form must be binary or json, not '", name, "'"));
}

std::string ModelPath(absl::string_view name, absl::string_view version, absl::string_view suffix) {
  std::string path = "/v2/models/";
  AppendPercentEncoded(name, &path);
  if (!version.empty()) {
    path += "/versions/";
    AppendPercentEncoded(version, &path);
  }
  absl::StrAppend(&path, suffix);
  return path;
}

std::string RepositoryModelPath(absl::string_view name, absl::string_view action) {
  std::string path = "/v2/repository/models/";
  AppendPercentEncoded(name, &path);
  absl::StrAppend(&path, "/", action);
  return path;
}

absl::StatusOr<HttpRequest> EncodeInferRequest(const inference::ModelInferRequest& request, HttpDataForm form) {
  if (request.model_name().empty()) return absl::InvalidArgumentError("the request names no model");
  const bool raw_given = request.raw_input_contents_size() > 0;
  if (raw_given && request.raw_input_contents_size() != request.inputs_size()) {
    return absl::InvalidArgumentError(absl::StrCat("the request has ", request.raw_input_contents_size(),
                                                   " raw_input_contents for ", request.inputs_size(),
                                                   " inputs; give one per input, or none"));
  }
  rapidjson::StringBuffer header;
  JsonWriter writer(header);
  // The tensors that go binary, in input order, appended after the header.
  // `typed` holds those given as typed contents; reserved, so that the views
  // into it stay valid.
  std::vector<absl::string_view> binary;
  std::vector<std::string> typed;
  typed.reserve(raw_given ? 0 : request.inputs_size());
  writer.StartObject();
  if (!request.id().empty()) {
    WriteKey("id", &writer);
    WriteString(request.id(), &writer);
  }
  // With no outputs named, the request-level switch makes all of them binary.
  const bool all_outputs_binary = form == HttpDataForm::kBinary && request.outputs().empty();
  if (!request.parameters().empty() || all_outputs_binary) {
    WriteKey("parameters", &writer);
    writer.StartObject();
    WriteParameterMembers(request.parameters(), &writer);
    if (all_outputs_binary) {
      WriteKey(kBinaryDataOutput, &writer);
      writer.Bool(true);
    }
    writer.EndObject();
  }
  WriteKey("inputs", &writer);
  writer.StartArray();
  bool any_binary = false;
  size_t binary_bytes = 0;
  for (int i = 0; i < request.inputs_size(); ++i) {
    const auto& input = request.inputs(i);
    absl::string_view raw;
    if (raw_given) {
      raw = request.raw_input_contents(i);
    } else {
      absl::StatusOr<std::string> converted = TypedContentsToRaw(input.datatype(), input.contents());
      if (!converted.ok()) {
        return absl::InvalidArgumentError(absl::StrCat("input '", input.name(), "': ", converted.status().message()));
      }
      raw = typed.emplace_back(*std::move(converted));
    }
    const bool as_binary = form == HttpDataForm::kBinary || !HasJsonForm(input.datatype());
    if (absl::Status status = WriteInput(input, raw, as_binary, &writer); !status.ok()) return status;
    if (as_binary) {
      any_binary = true;
      binary.push_back(raw);
      binary_bytes += raw.size();
    }
  }
  writer.EndArray();
  if (!request.outputs().empty()) WriteOutputs(request, form, &writer);
  writer.EndObject();

  HttpRequest http;
  http.method = "POST";
  http.target = ModelPath(request.model_name(), request.model_version(), "/infer");
  http.body.reserve(header.GetSize() + binary_bytes);
  http.body.assign(header.GetString(), header.GetSize());
  if (any_binary) {
    http.headers.emplace_back("Content-Type", "application/octet-stream");
    http.headers.emplace_back("Inference-Header-Content-Length", absl::StrCat(header.GetSize()));
    for (absl::string_view piece : binary) http.body.append(piece.data(), piece.size());
  } else {
    http.headers.emplace_back("Content-Type", "application/json");
  }
  return http;
}

}  // namespace convoy::client
