#include "server/http/rest_infer_request.h"

#include <limits>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "rapidjson/document.h"
#include "server/http/json_text.h"
#include "server/http/tensor_json.h"

namespace convoy::server {
namespace {

using rapidjson::Value;
using ParameterMap = google::protobuf::Map<std::string, inference::InferParameter>;

absl::Status Invalid(std::string message) { return absl::InvalidArgumentError(std::move(message)); }

const Value* Member(const Value& object, const char* name) {
  const auto it = object.FindMember(name);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

absl::string_view Text(const Value& string) { return {string.GetString(), string.GetStringLength()}; }

bool IsSharedMemoryKey(absl::string_view key) { return key.rfind("shared_memory_", 0) == 0; }

// Copies the JSON object `parameters` (absent: nothing) of `where` into
// `out`; `consume(key, value)` sees each entry first and returns true for
// the ones it handles itself, which are not forwarded.
template <typename Consume>
absl::Status ForwardParameters(const Value* parameters, absl::string_view where, ParameterMap* out,
                               Consume&& consume) {
  if (parameters == nullptr) return absl::OkStatus();
  if (!parameters->IsObject()) {
    return Invalid(absl::StrCat(where, " has 'parameters' that is ", DescribeJson(*parameters), ", not an object"));
  }
  for (const auto& member : parameters->GetObject()) {
    const absl::string_view key = Text(member.name);
    const Value& value = member.value;
    if (IsSharedMemoryKey(key)) {
      return Invalid(absl::StrCat(where, " has parameter '", key,
                                  "': shared memory is not supported; send the tensor in the body"));
    }
    CONVOY_ASSIGN_OR_RETURN(const bool consumed, consume(key, value));
    if (consumed) continue;
    inference::InferParameter parameter;
    if (value.IsBool()) {
      parameter.set_bool_param(value.GetBool());
    } else if (value.IsInt64()) {
      parameter.set_int64_param(value.GetInt64());
    } else if (value.IsNumber()) {  // Fractions and integers beyond int64, as Triton takes them.
      parameter.set_double_param(value.GetDouble());
    } else if (value.IsString()) {
      parameter.set_string_param(value.GetString(), value.GetStringLength());
    } else {
      return Invalid(absl::StrCat(where, " has parameter '", key, "' that is ", DescribeJson(value),
                                  "; a parameter is a bool, a number or a string"));
    }
    (*out)[std::string(key)] = std::move(parameter);
  }
  return absl::OkStatus();
}

// The body after the JSON header, handed out to the binary inputs in order.
struct BinaryPart {
  bool header_given = false;  // Inference-Header-Content-Length was sent.
  absl::string_view rest;
};

absl::Status TakeBinary(absl::string_view where, uint64_t size, const WireDatatype& type,
                        const std::vector<int64_t>& shape, int64_t elements, BinaryPart* binary, std::string* raw) {
  if (!binary->header_given) {
    return Invalid(absl::StrCat(where, " has parameter 'binary_data_size' but the request has no "
                                       "Inference-Header-Content-Length header, so its body is all JSON"));
  }
  if (type.size > 0 && (size % type.size != 0 || size / type.size != static_cast<uint64_t>(elements))) {
    const bool fits = static_cast<uint64_t>(elements) <= std::numeric_limits<uint64_t>::max() / type.size;
    return Invalid(absl::StrCat(where, " has binary_data_size ", size, " but shape ", ShapeText(shape), " of ",
                                type.name, " needs ",
                                fits ? absl::StrCat(static_cast<uint64_t>(elements) * type.size) : "over 2^64",
                                " bytes"));
  }
  if (size > binary->rest.size()) {
    return Invalid(absl::StrCat(where, " has binary_data_size ", size, " but only ", binary->rest.size(),
                                " bytes of binary data are left for it after the JSON header"));
  }
  const absl::string_view part = binary->rest.substr(0, size);
  binary->rest.remove_prefix(size);
  if (type.kind == WireDatatype::Kind::kBytes) {
    int64_t count = 0;
    if (!ForEachBytesElement(part, [&](absl::string_view) { ++count; })) {
      return Invalid(absl::StrCat(where, " is BYTES but its ", size, " bytes of binary data are not whole "
                                         "elements (each a 4-byte little-endian length, then that many bytes)"));
    }
    if (count != elements) {
      return Invalid(absl::StrCat(where, " has shape ", ShapeText(shape), " (", elements,
                                  " elements) but its binary data holds ", count, " BYTES elements"));
    }
  }
  raw->assign(part.data(), part.size());
  return absl::OkStatus();
}

absl::StatusOr<std::vector<int64_t>> ParseShape(const Value* shape, absl::string_view where) {
  if (shape == nullptr || !shape->IsArray()) return Invalid(absl::StrCat(where, " has no 'shape' array"));
  std::vector<int64_t> dims;
  dims.reserve(shape->Size());
  for (const Value& dim : shape->GetArray()) {
    if (!dim.IsInt64() || dim.GetInt64() < 0) {
      return Invalid(absl::StrCat(where, " has shape entry ", dims.size(), " that is ", DescribeJson(dim),
                                  "; dimensions are non-negative integers"));
    }
    dims.push_back(dim.GetInt64());
  }
  return dims;
}

absl::Status ParseInput(const Value& json, int index, int64_t json_size, BinaryPart* binary,
                        inference::ModelInferRequest* out) {
  if (!json.IsObject()) return Invalid(absl::StrCat("input ", index, " is ", DescribeJson(json), ", not an object"));
  const Value* name = Member(json, "name");
  if (name == nullptr || !name->IsString()) return Invalid(absl::StrCat("input ", index, " has no 'name' string"));
  const std::string where = absl::StrCat("input '", Text(*name), "'");
  const Value* datatype = Member(json, "datatype");
  if (datatype == nullptr || !datatype->IsString()) {
    return Invalid(absl::StrCat(where, " has no 'datatype' string"));
  }
  const WireDatatype* type = FindWireDatatype(Text(*datatype));
  if (type == nullptr) {
    return Invalid(absl::StrCat(where, " has datatype '", Text(*datatype), "', which KServe v2 does not define (",
                                WireDatatypeNames(), ")"));
  }
  CONVOY_ASSIGN_OR_RETURN(std::vector<int64_t> shape, ParseShape(Member(json, "shape"), where));

  auto* input = out->add_inputs();
  input->set_name(name->GetString(), name->GetStringLength());
  input->set_datatype(std::string(type->name));
  for (const int64_t dim : shape) input->add_shape(dim);
  std::optional<uint64_t> binary_size;
  CONVOY_RETURN_IF_ERROR(ForwardParameters(
      Member(json, "parameters"), where, input->mutable_parameters(),
      [&](absl::string_view key, const Value& value) -> absl::StatusOr<bool> {
        if (key != "binary_data_size") return false;
        if (!value.IsUint64()) {
          return Invalid(absl::StrCat(where, " has binary_data_size ", DescribeJson(value),
                                      "; it is a byte count (a non-negative integer)"));
        }
        binary_size = value.GetUint64();
        return true;
      }));

  const Value* data = Member(json, "data");
  if (data != nullptr && binary_size.has_value()) {
    return Invalid(absl::StrCat(where, " has both 'data' and parameter 'binary_data_size'; give one"));
  }
  if (data == nullptr && !binary_size.has_value()) {
    return Invalid(absl::StrCat(where, " has neither 'data' nor parameter 'binary_data_size'"));
  }
  CONVOY_ASSIGN_OR_RETURN(const int64_t elements, ElementCount(shape, where));
  std::string* raw = out->add_raw_input_contents();
  if (binary_size.has_value()) return TakeBinary(where, *binary_size, *type, shape, elements, binary, raw);
  return AppendJsonData(*data, shape, elements, json_size, *type, where, raw);
}

absl::Status ParseOutput(const Value& json, int index, RestOutputFormat* format, inference::ModelInferRequest* out) {
  if (!json.IsObject()) return Invalid(absl::StrCat("output ", index, " is ", DescribeJson(json), ", not an object"));
  const Value* name = Member(json, "name");
  if (name == nullptr || !name->IsString()) return Invalid(absl::StrCat("output ", index, " has no 'name' string"));
  auto* output = out->add_outputs();
  output->set_name(name->GetString(), name->GetStringLength());
  const std::string where = absl::StrCat("output '", output->name(), "'");
  return ForwardParameters(
      Member(json, "parameters"), where, output->mutable_parameters(),
      [&](absl::string_view key, const Value& value) -> absl::StatusOr<bool> {
        if (key == "binary_data") {
          if (!value.IsBool()) {
            return Invalid(absl::StrCat(where, " has parameter 'binary_data' that is ", DescribeJson(value),
                                        ", not true or false"));
          }
          format->binary_by_output[output->name()] = value.GetBool();
          return true;
        }
        if (key == "classification") {
          if (!value.IsInt64() || value.GetInt64() < 0) {
            return Invalid(absl::StrCat(where, " has parameter 'classification' that is ", DescribeJson(value),
                                        "; it is the number of classes to return (an integer)"));
          }
          // 0 asks for no classification, as with Triton: the plain tensor.
          if (value.GetInt64() > 0) (*output->mutable_parameters())["classification"].set_int64_param(value.GetInt64());
          return true;
        }
        return false;
      });
}

}  // namespace

absl::StatusOr<RestOutputFormat> ParseRestInferRequest(std::string_view whole_body,
                                                       std::optional<int64_t> header_length,
                                                       std::string_view model_name, std::string_view model_version,
                                                       inference::ModelInferRequest* out) {
  out->Clear();
  const absl::string_view body(whole_body.data(), whole_body.size());
  BinaryPart binary;
  absl::string_view json = body;
  if (header_length.has_value()) {
    if (*header_length <= 0 || static_cast<uint64_t>(*header_length) > body.size()) {
      return Invalid(absl::StrCat(
          "Inference-Header-Content-Length is ", *header_length,
          *header_length == 0 ? ", a raw binary request without a JSON header, which is not supported; send the "
                                "JSON header with a binary_data_size for each binary input"
                              : absl::StrCat(" but it must be the size of the JSON header, from 1 to the body's ",
                                             body.size(), " bytes")));
    }
    json = body.substr(0, static_cast<size_t>(*header_length));
    binary = {true, body.substr(json.size())};
  }
  rapidjson::Document document;
  CONVOY_RETURN_IF_ERROR(ParseJson(json, "the inference request", &document));
  if (!document.IsObject()) {
    return Invalid(absl::StrCat("the inference request is ", DescribeJson(document), ", not a JSON object"));
  }
  out->set_model_name(std::string(model_name));
  out->set_model_version(std::string(model_version));
  if (const Value* id = Member(document, "id"); id != nullptr) {
    if (!id->IsString()) return Invalid(absl::StrCat("the request's 'id' is ", DescribeJson(*id), ", not a string"));
    out->set_id(id->GetString(), id->GetStringLength());
  }
  RestOutputFormat format;
  CONVOY_RETURN_IF_ERROR(ForwardParameters(
      Member(document, "parameters"), "the request", out->mutable_parameters(),
      [&](absl::string_view key, const Value& value) -> absl::StatusOr<bool> {
        if (key != "binary_data_output") return false;
        if (!value.IsBool()) {
          return Invalid(absl::StrCat("the request has parameter 'binary_data_output' that is ",
                                      DescribeJson(value), ", not true or false"));
        }
        format.all_binary = value.GetBool();
        return true;
      }));

  const Value* inputs = Member(document, "inputs");
  if (inputs == nullptr || !inputs->IsArray()) return Invalid("the request has no 'inputs' array");
  const int64_t json_size = static_cast<int64_t>(json.size());
  for (rapidjson::SizeType i = 0; i < inputs->Size(); ++i) {
    CONVOY_RETURN_IF_ERROR(ParseInput((*inputs)[i], static_cast<int>(i), json_size, &binary, out));
  }
  if (!binary.rest.empty()) {
    return Invalid(absl::StrCat("the body has ", binary.rest.size(),
                                " bytes after the JSON header that no input's binary_data_size accounts for"));
  }
  if (const Value* outputs = Member(document, "outputs"); outputs != nullptr) {
    if (!outputs->IsArray()) {
      return Invalid(absl::StrCat("the request's 'outputs' is ", DescribeJson(*outputs), ", not an array"));
    }
    for (rapidjson::SizeType i = 0; i < outputs->Size(); ++i) {
      CONVOY_RETURN_IF_ERROR(ParseOutput((*outputs)[i], static_cast<int>(i), &format, out));
    }
  }
  return format;
}

}  // namespace convoy::server
