// libFuzzer target: the body of a KServe v2 REST inference request, and its
// Inference-Header-Content-Length, through ParseRestInferRequest (the JSON
// header, Triton's binary tensor extension), then the accepted request's
// tensors echoed back through EncodeRestInferResponse as binary and as
// JSON outputs.
//
// The input: if it starts with '{' it is the whole body, all JSON (no
// header). Otherwise its first 4 bytes are the header's value (little-endian
// int32, so negative and oversized values are tried too) and the rest is the
// body. tests/fuzz/make_rest_infer_request_corpus.py writes seeds of both kinds.
//
// Every input must end in INVALID_ARGUMENT or in a request whose raw
// contents match its shapes and datatypes (BYTES: exactly that many
// length-prefixed elements), that forwards none of the codec's own
// parameters, and whose tensors are at most 8 times the body's bytes (no
// shape is believed beyond what the body carries); the echo must encode,
// binary parts byte for byte, and its JSON must parse. Never a crash, a
// hang or a sanitizer report.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "grpc_service.pb.h"
#include "rapidjson/document.h"
#include "server/http/rest_infer_request.h"
#include "server/http/rest_infer_response.h"
#include "server/http/tensor_json.h"

namespace {

using convoy::server::WireDatatype;

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "%s\n", what.c_str());
  std::abort();
}

// The input's tensor sizes, checked against shape and datatype.
size_t CheckRawContents(const inference::ModelInferRequest& request) {
  if (request.raw_input_contents_size() != request.inputs_size()) Fail("raw_input_contents and inputs differ in count");
  size_t total = 0;
  for (int i = 0; i < request.inputs_size(); ++i) {
    const auto& input = request.inputs(i);
    const std::string& raw = request.raw_input_contents(i);
    total += raw.size();
    if (input.has_contents()) Fail("typed contents beside raw ones");
    if (input.parameters().count("binary_data_size") != 0) Fail("binary_data_size forwarded");
    const WireDatatype* type = convoy::server::FindWireDatatype(input.datatype());
    if (type == nullptr) Fail("accepted an unknown datatype: " + input.datatype());
    absl::StatusOr<int64_t> elements = convoy::server::ElementCount(input.shape(), "input");
    if (!elements.ok()) Fail("accepted a shape whose element count fails: " + std::string(elements.status().message()));
    if (type->size > 0) {
      if (raw.size() != static_cast<uint64_t>(*elements) * type->size) Fail("raw size does not match the shape");
      continue;
    }
    int64_t count = 0;
    const bool whole = convoy::server::ForEachBytesElement(raw, [&](absl::string_view) { ++count; });
    if (!whole || count != *elements) Fail("BYTES raw contents are not the shape's elements");
  }
  return total;
}

void CheckEcho(const inference::ModelInferRequest& request) {
  inference::ModelInferResponse response;
  response.set_model_name(request.model_name());
  response.set_id(request.id());
  std::string all_raw;
  for (int i = 0; i < request.inputs_size(); ++i) {
    auto* output = response.add_outputs();
    output->set_name(request.inputs(i).name());
    output->set_datatype(request.inputs(i).datatype());
    *output->mutable_shape() = request.inputs(i).shape();
    response.add_raw_output_contents(request.raw_input_contents(i));
    all_raw += request.raw_input_contents(i);
  }
  convoy::server::RestOutputFormat binary;
  binary.all_binary = true;
  absl::StatusOr<convoy::server::RestBody> body = convoy::server::EncodeRestInferResponse(response, binary);
  if (!body.ok()) Fail("echo as binary: " + body.status().ToString());
  if (body->json_and_binary.substr(static_cast<size_t>(body->header_length)) != all_raw) {
    Fail("the binary outputs are not the tensors' bytes");
  }
  absl::StatusOr<convoy::server::RestBody> json = convoy::server::EncodeRestInferResponse(response, {});
  if (!json.ok()) Fail("echo as JSON: " + json.status().ToString());
  rapidjson::Document document;
  document.Parse<rapidjson::kParseNanAndInfFlag | rapidjson::kParseValidateEncodingFlag>(
      json->json_and_binary.data(), json->json_and_binary.size());
  if (document.HasParseError()) Fail("the JSON echo does not parse");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::optional<int64_t> header_length;
  if (!input.empty() && input[0] != '{') {
    if (input.size() < 4) return 0;
    int32_t value;
    std::memcpy(&value, input.data(), 4);  // Little-endian host.
    header_length = value;
    input.remove_prefix(4);
  }
  inference::ModelInferRequest request;
  absl::StatusOr<convoy::server::RestOutputFormat> format =
      convoy::server::ParseRestInferRequest(input, header_length, "model", "1", &request);
  if (!format.ok()) {
    if (format.status().code() != absl::StatusCode::kInvalidArgument) Fail(format.status().ToString());
    if (format.status().message().empty()) Fail("an error without a message");
    return 0;
  }
  if (request.model_name() != "model" || request.model_version() != "1") Fail("model name or version lost");
  if (request.parameters().count("binary_data_output") != 0) Fail("binary_data_output forwarded");
  for (const auto& output : request.outputs()) {
    if (output.parameters().count("binary_data") != 0) Fail("binary_data forwarded");
  }
  const size_t tensor_bytes = CheckRawContents(request);
  if (tensor_bytes > 8 * input.size()) Fail("tensors larger than 8 times the body");
  CheckEcho(request);
  return 0;
}
