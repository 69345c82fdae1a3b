#include "client/kserve_http_response.h"

#include <cstdint>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "client/json_tensor.h"
#include "google/protobuf/util/json_util.h"

namespace convoy::client {
namespace {

constexpr size_t kQuotedBodyBytes = 256;

absl::StatusCode CodeOfHttpStatus(int status) {
  switch (status) {
    case 400: return absl::StatusCode::kInvalidArgument;
    case 401: return absl::StatusCode::kUnauthenticated;
    case 403: return absl::StatusCode::kPermissionDenied;
    case 404: return absl::StatusCode::kNotFound;
    case 408: return absl::StatusCode::kDeadlineExceeded;
    case 413: return absl::StatusCode::kResourceExhausted;
    case 429: return absl::StatusCode::kResourceExhausted;
    case 501: return absl::StatusCode::kUnimplemented;
    case 502: return absl::StatusCode::kUnavailable;
    case 503: return absl::StatusCode::kUnavailable;
    case 504: return absl::StatusCode::kDeadlineExceeded;
    default: return status >= 500 && status < 600 ? absl::StatusCode::kInternal : absl::StatusCode::kUnknown;
  }
}

// The server's {"error": "..."} message, or the start of the body quoted.
std::string ErrorMessage(int status, absl::string_view body) {
  rapidjson::Document json;
  json.Parse<kJsonParseFlags>(body.data(), body.size());
  if (!json.HasParseError() && json.IsObject()) {
    const auto error = json.FindMember("error");
    if (error != json.MemberEnd() && error->value.IsString()) {
      return std::string(error->value.GetString(), error->value.GetStringLength());
    }
  }
  if (body.empty()) return absl::StrCat("HTTP status ", status, " with an empty body");
  std::string quoted = absl::StrCat("HTTP status ", status, ": ", body.substr(0, kQuotedBodyBytes));
  if (body.size() > kQuotedBodyBytes) quoted += "...";
  return quoted;
}

absl::Status Malformed(absl::string_view what) {
  return absl::InternalError(absl::StrCat("malformed inference response: ", what));
}

absl::StatusOr<std::string> GetString(const rapidjson::Value& object, const char* key) {
  const auto member = object.FindMember(key);
  if (member == object.MemberEnd()) return std::string();
  if (!member->value.IsString()) return Malformed(absl::StrCat("'", key, "' is not a string"));
  return std::string(member->value.GetString(), member->value.GetStringLength());
}

// Copies `json`'s parameters into `parameters`, and takes binary_data_size
// out into `binary_size` (-1 when absent): it is the transport's, not the
// caller's.
absl::Status ReadParameters(const rapidjson::Value& json, absl::string_view owner,
                            google::protobuf::Map<std::string, inference::InferParameter>* parameters,
                            int64_t* binary_size) {
  *binary_size = -1;
  const auto member = json.FindMember("parameters");
  if (member == json.MemberEnd()) return absl::OkStatus();
  if (!member->value.IsObject()) return Malformed(absl::StrCat(owner, ": 'parameters' is not an object"));
  for (const auto& entry : member->value.GetObject()) {
    const std::string key(entry.name.GetString(), entry.name.GetStringLength());
    if (key == "binary_data_size") {
      if (!entry.value.IsInt64() || entry.value.GetInt64() < 0) {
        return Malformed(absl::StrCat(owner, ": binary_data_size is not a size"));
      }
      *binary_size = entry.value.GetInt64();
      continue;
    }
    absl::StatusOr<inference::InferParameter> parameter = ParameterFromJson(entry.value);
    if (!parameter.ok()) return Malformed(absl::StrCat(owner, ": parameter '", key, "': ", parameter.status().message()));
    (*parameters)[key] = *std::move(parameter);
  }
  return absl::OkStatus();
}

// One output of the JSON header; its bytes come from `data` or from
// `binary`, from `*offset` on.
absl::Status ReadOutput(const rapidjson::Value& json, absl::string_view binary, size_t* offset,
                        inference::ModelInferResponse* response) {
  if (!json.IsObject()) return Malformed("an output is not an object");
  auto* output = response->add_outputs();
  absl::StatusOr<std::string> name = GetString(json, "name");
  if (!name.ok()) return name.status();
  output->set_name(*name);
  const std::string owner = absl::StrCat("output '", output->name(), "'");
  absl::StatusOr<std::string> datatype = GetString(json, "datatype");
  if (!datatype.ok()) return datatype.status();
  output->set_datatype(*datatype);
  absl::StatusOr<size_t> element_bytes = ElementBytes(output->datatype());
  if (!element_bytes.ok()) return Malformed(absl::StrCat(owner, ": ", element_bytes.status().message()));
  const auto shape = json.FindMember("shape");
  if (shape == json.MemberEnd() || !shape->value.IsArray()) return Malformed(absl::StrCat(owner, " has no shape"));
  int64_t elements = 1;
  for (const auto& dim : shape->value.GetArray()) {
    if (!dim.IsInt64() || dim.GetInt64() < 0) return Malformed(absl::StrCat(owner, ": a dimension is not a size"));
    output->add_shape(dim.GetInt64());
    elements *= dim.GetInt64();
  }
  int64_t binary_size = -1;
  if (absl::Status status = ReadParameters(json, owner, output->mutable_parameters(), &binary_size); !status.ok()) {
    return status;
  }
  std::string* raw = response->add_raw_output_contents();
  if (binary_size >= 0) {
    if (static_cast<uint64_t>(binary_size) > binary.size() - *offset) {
      return Malformed(absl::StrCat(owner, " has binary_data_size ", binary_size, " but only ",
                                    binary.size() - *offset, " bytes follow"));
    }
    raw->assign(binary.data() + *offset, binary_size);
    *offset += binary_size;
  } else {
    const auto data = json.FindMember("data");
    if (data == json.MemberEnd()) return Malformed(absl::StrCat(owner, " has neither data nor binary_data_size"));
    int64_t found = 0;
    absl::StatusOr<std::string> bytes = JsonDataToRaw(output->name(), output->datatype(), data->value, &found);
    if (!bytes.ok()) return Malformed(bytes.status().message());
    if (found != elements) {
      return Malformed(absl::StrCat(owner, " has ", found, " elements of data for a shape of ", elements));
    }
    *raw = *std::move(bytes);
  }
  if (*element_bytes > 0 && raw->size() != static_cast<uint64_t>(elements) * *element_bytes) {
    return Malformed(absl::StrCat(owner, " has ", raw->size(), " bytes for ", elements, " ", output->datatype(),
                                  " elements"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status StatusFromHttp(int status, absl::string_view body) {
  if (status >= 200 && status < 300) return absl::OkStatus();
  std::string message = ErrorMessage(status, body);
  if (status == 413) message = absl::StrCat("request too large: ", message);
  return absl::Status(CodeOfHttpStatus(status), message);
}

absl::StatusOr<inference::ModelInferResponse> DecodeInferResponse(const HttpResponse& http) {
  if (absl::Status status = StatusFromHttp(http.status, http.body); !status.ok()) return status;
  absl::string_view header = http.body;
  absl::string_view binary;
  if (std::optional<absl::string_view> length = FindHeader(http.headers, "Inference-Header-Content-Length")) {
    uint64_t bytes = 0;
    if (!absl::SimpleAtoi(*length, &bytes) || bytes > http.body.size()) {
      return Malformed(absl::StrCat("Inference-Header-Content-Length '", *length, "' for a body of ",
                                    http.body.size(), " bytes"));
    }
    header = header.substr(0, bytes);
    binary = absl::string_view(http.body).substr(bytes);
  }
  rapidjson::Document json;
  json.Parse<kJsonParseFlags>(header.data(), header.size());
  if (json.HasParseError() || !json.IsObject()) return Malformed("the JSON header is not a JSON object");
  inference::ModelInferResponse response;
  for (auto [key, field] : {std::pair{"model_name", response.mutable_model_name()},
                            std::pair{"model_version", response.mutable_model_version()},
                            std::pair{"id", response.mutable_id()}}) {
    absl::StatusOr<std::string> value = GetString(json, key);
    if (!value.ok()) return value.status();
    *field = *std::move(value);
  }
  int64_t ignored = -1;
  if (absl::Status status = ReadParameters(json, "response", response.mutable_parameters(), &ignored); !status.ok()) {
    return status;
  }
  const auto outputs = json.FindMember("outputs");
  if (outputs != json.MemberEnd()) {
    if (!outputs->value.IsArray()) return Malformed("'outputs' is not an array");
    size_t offset = 0;
    for (const auto& output : outputs->value.GetArray()) {
      if (absl::Status status = ReadOutput(output, binary, &offset, &response); !status.ok()) return status;
    }
    if (offset != binary.size()) {
      return Malformed(absl::StrCat(binary.size() - offset, " bytes of binary data follow the outputs"));
    }
  } else if (!binary.empty()) {
    return Malformed(absl::StrCat(binary.size(), " bytes of binary data and no outputs"));
  }
  return response;
}

absl::Status ParseJsonMessage(absl::string_view json, absl::string_view what, google::protobuf::Message* message) {
  message->Clear();
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), message, options);
  if (!status.ok()) {
    return absl::InternalError(absl::StrCat("the server's ", what, " is not the JSON of a ",
                                            message->GetDescriptor()->name(), ": ", status.ToString()));
  }
  return absl::OkStatus();
}

}  // namespace convoy::client
