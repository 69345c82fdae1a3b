// ParseRestInferRequest: a KServe v2 REST inference request (JSON, with
// Triton's binary tensor extension) turned into the ModelInferRequest the
// gRPC front end receives, so that one decoder, batcher and encoder serve
// both protocols.
//
// Every input's values go into raw_input_contents, whether the client sent
// them as JSON `data` or as binary data after the JSON header: the decoder
// refuses a request mixing raw and typed contents, and the same numbers give
// bit-identical tensors over either protocol. What is checked here is the
// form (JSON types, shapes against data, binary sizes, datatypes known to
// KServe); what a model accepts is the decoder's business.
//
// The body:
//
//   {"id": "42",                                     optional string
//    "parameters": {"binary_data_output": true, ...}, optional; bool, integer,
//                                                     number or string values
//    "inputs": [{"name": "x", "datatype": "FP32", "shape": [1, 3],
//                "data": [0.5, 1, 2]},               flat or nested as `shape`
//               {"name": "y", "datatype": "UINT8", "shape": [4],
//                "parameters": {"binary_data_size": 4}}],  bytes after the JSON
//    "outputs": [{"name": "probs",
//                 "parameters": {"classification": 3, "binary_data": true}}]}
//   <4 bytes of y>
//
// With binary inputs, the JSON is the first `header_length` bytes (the
// Inference-Header-Content-Length header) and the binary parts follow it in
// input order, their binary_data_size values adding up to exactly the rest
// of the body. `binary_data_output`, `binary_data` and `binary_data_size`
// are this codec's business and are not forwarded; other parameters are
// (`classification` as int64_param). Not supported, and refused with a
// message saying so: shared memory parameters and raw binary requests
// (Inference-Header-Content-Length: 0, which only a server that deduces the
// header from the model can serve).
//
// Errors are all INVALID_ARGUMENT and name what was wrong. Nothing is
// allocated from a claim the body cannot back: a shape's element count is
// checked against the bytes that carry it before any tensor storage exists.
//
// Pure function; thread-safe.
#ifndef CONVOY_SERVER_HTTP_REST_INFER_REQUEST_H_
#define CONVOY_SERVER_HTTP_REST_INFER_REQUEST_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "grpc_service.pb.h"

namespace convoy::server {

// How the client wants each output back: binary after the JSON, or JSON
// `data`. An output's own "binary_data" wins over the request's
// "binary_data_output" (Triton's binary tensor extension).
struct RestOutputFormat {
  bool all_binary = false;                      // "binary_data_output"; default JSON.
  std::map<std::string, bool> binary_by_output;  // "binary_data" of named outputs.

  bool Binary(const std::string& name) const {
    auto it = binary_by_output.find(name);
    return it != binary_by_output.end() ? it->second : all_binary;
  }
};

// `body` is the whole HTTP body; `header_length` the value of its
// Inference-Header-Content-Length header, nullopt when absent (the body is
// all JSON). `model_name` and `model_version` come from the URL (version
// empty for the default). `out` is cleared first; on error it holds a
// partial request and must not be used.
absl::StatusOr<RestOutputFormat> ParseRestInferRequest(std::string_view body, std::optional<int64_t> header_length,
                                                       std::string_view model_name, std::string_view model_version,
                                                       inference::ModelInferRequest* out);

}  // namespace convoy::server

#endif  // CONVOY_SERVER_HTTP_REST_INFER_REQUEST_H_
