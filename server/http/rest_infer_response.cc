#include "server/http/rest_infer_response.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/status_macros.h"
#include "server/http/json_text.h"
#include "server/http/tensor_json.h"

namespace convoy::server {
namespace {

using ParameterMap = google::protobuf::Map<std::string, inference::InferParameter>;

void WriteParameter(const inference::InferParameter& parameter, JsonWriter& writer) {
  switch (parameter.parameter_choice_case()) {
    case inference::InferParameter::kBoolParam: writer.Bool(parameter.bool_param()); break;
    case inference::InferParameter::kInt64Param: writer.Int64(parameter.int64_param()); break;
    case inference::InferParameter::kStringParam: WriteJsonString(writer, parameter.string_param()); break;
    case inference::InferParameter::kDoubleParam: writer.Double(parameter.double_param()); break;
    case inference::InferParameter::kUint64Param: writer.Uint64(parameter.uint64_param()); break;
    case inference::InferParameter::PARAMETER_CHOICE_NOT_SET: writer.Null(); break;
  }
}

// The members of a "parameters" object, sorted by key so that answers do
// not depend on the map's order; `skip` is written by the caller.
void WriteParameterMembers(const ParameterMap& parameters, JsonWriter& writer, const char* skip = nullptr) {
  std::vector<const ParameterMap::value_type*> entries;
  for (const auto& entry : parameters) {
    if (skip == nullptr || entry.first != skip) entries.push_back(&entry);
  }
  std::sort(entries.begin(), entries.end(), [](auto* a, auto* b) { return a->first < b->first; });
  for (const auto* entry : entries) {
    WriteJsonString(writer, entry->first);
    WriteParameter(entry->second, writer);
  }
}

// The output's element count, once its raw contents are known to match its
// shape and datatype.
absl::StatusOr<int64_t> CheckOutput(const inference::ModelInferResponse::InferOutputTensor& output,
                                    const WireDatatype* type, absl::string_view raw) {
  const std::string where = absl::StrCat("output '", output.name(), "'");
  if (type == nullptr) {
    return absl::InternalError(absl::StrCat(where, " has datatype '", output.datatype(), "', unknown to KServe v2"));
  }
  absl::StatusOr<int64_t> elements = ElementCount(output.shape(), where);
  if (!elements.ok()) return absl::InternalError(elements.status().message());
  if (type->size > 0) {
    const bool fits = *elements <= std::numeric_limits<int64_t>::max() / type->size;
    if (!fits || raw.size() != static_cast<uint64_t>(*elements) * type->size) {
      return absl::InternalError(absl::StrCat(where, " has ", raw.size(), " bytes of raw contents but shape ",
                                              ShapeText(output.shape()), " of ", type->name, " needs ",
                                              fits ? absl::StrCat(*elements * type->size) : "more than int64",
                                              " bytes"));
    }
    return elements;
  }
  int64_t count = 0;
  if (!ForEachBytesElement(raw, [&](absl::string_view) { ++count; }) || count != *elements) {
    return absl::InternalError(absl::StrCat(where, " is BYTES with shape ", ShapeText(output.shape()),
                                            " but its raw contents are not ", *elements, " length-prefixed elements"));
  }
  return elements;
}

}  // namespace

absl::StatusOr<RestBody> EncodeRestInferResponse(const inference::ModelInferResponse& response,
                                                 const RestOutputFormat& format) {
  if (response.raw_output_contents_size() != response.outputs_size()) {
    return absl::InternalError(absl::StrCat("the response has ", response.outputs_size(), " outputs but ",
                                            response.raw_output_contents_size(),
                                            " raw_output_contents (typed contents are not encoded)"));
  }
  rapidjson::StringBuffer buffer;
  JsonWriter writer(buffer);
  writer.StartObject();
  if (!response.id().empty()) {
    writer.Key("id");
    WriteJsonString(writer, response.id());
  }
  writer.Key("model_name");
  WriteJsonString(writer, response.model_name());
  writer.Key("model_version");
  WriteJsonString(writer, response.model_version());
  if (!response.parameters().empty()) {
    writer.Key("parameters");
    writer.StartObject();
    WriteParameterMembers(response.parameters(), writer);
    writer.EndObject();
  }
  writer.Key("outputs");
  writer.StartArray();
  std::vector<const std::string*> binary_parts;
  size_t binary_bytes = 0;
  for (int i = 0; i < response.outputs_size(); ++i) {
    const auto& output = response.outputs(i);
    const std::string& raw = response.raw_output_contents(i);
    const WireDatatype* type = FindWireDatatype(output.datatype());
    CONVOY_ASSIGN_OR_RETURN(const int64_t elements, CheckOutput(output, type, raw));
    writer.StartObject();
    writer.Key("name");
    WriteJsonString(writer, output.name());
    writer.Key("datatype");
    WriteJsonString(writer, output.datatype());
    writer.Key("shape");
    writer.StartArray();
    for (const int64_t dim : output.shape()) writer.Int64(dim);
    writer.EndArray();
    const bool binary = format.Binary(output.name());
    if (binary || !output.parameters().empty()) {
      writer.Key("parameters");
      writer.StartObject();
      WriteParameterMembers(output.parameters(), writer, binary ? "binary_data_size" : nullptr);
      if (binary) {
        writer.Key("binary_data_size");
        writer.Uint64(raw.size());
      }
      writer.EndObject();
    }
    if (binary) {
      binary_parts.push_back(&raw);
      binary_bytes += raw.size();
    } else {
      writer.Key("data");
      WriteRawAsJson(raw, *type, elements, writer);
    }
    writer.EndObject();
  }
  writer.EndArray();
  writer.EndObject();

  RestBody body;
  body.header_length = static_cast<int64_t>(buffer.GetSize());
  body.has_binary = !binary_parts.empty();
  body.json_and_binary.reserve(buffer.GetSize() + binary_bytes);
  body.json_and_binary.append(buffer.GetString(), buffer.GetSize());
  for (const std::string* part : binary_parts) body.json_and_binary.append(*part);
  return body;
}

}  // namespace convoy::server
