// EncodeRestInferResponse: a ModelInferResponse (as the gRPC front end's
// encoder writes it, values in raw_output_contents) turned into the body of
// a KServe v2 REST answer, with Triton's binary tensor extension:
//
//   {"id":"42","model_name":"m","model_version":"1",
//    "outputs":[{"name":"probs","datatype":"FP32","shape":[1,3],"data":[0.5,0.25,0.25]},
//               {"name":"top","datatype":"BYTES","shape":[1,2],
//                "parameters":{"binary_data_size":30}}]}<30 bytes of top>
//
// Each output goes as JSON `data` or, when RestOutputFormat::Binary says so,
// as binary data after the JSON, in output order, with its size in the
// output's binary_data_size parameter. "id" is left out when empty and
// "parameters" when there are none, as Triton does.
//
// Numbers: integers exactly; FP32 (and FP16, BF16, which JSON gets as
// their exact float values) as the shortest decimal that reads back as the
// same double, hence the same float (Triton prints them the same way); FP64
// likewise. NaN and +-Infinity are written NaN, Infinity, -Infinity, as
// Triton does (see json_text.h). BYTES elements are JSON strings; bytes
// that are not UTF-8 become U+FFFD there, so a client that needs arbitrary
// bytes asks for binary_data.
//
// A response whose raw contents disagree with its outputs' shapes and
// datatypes (or an unknown datatype, a negative dimension) is INTERNAL: the
// server wrote it.
//
// RestError and HttpStatusFor, for the calls that fail, are in rest_error.h.
//
// Pure function; thread-safe.
#ifndef CONVOY_SERVER_HTTP_REST_INFER_RESPONSE_H_
#define CONVOY_SERVER_HTTP_REST_INFER_RESPONSE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "grpc_service.pb.h"
#include "server/http/rest_error.h"
#include "server/http/rest_infer_request.h"

namespace convoy::server {

struct RestBody {
  std::string json_and_binary;  // The whole HTTP body.
  int64_t header_length = 0;    // Bytes of JSON at its start.
  // Some output is binary: the handler sends Inference-Header-Content-Length:
  // header_length (and Content-Type application/octet-stream).
  bool has_binary = false;
};

absl::StatusOr<RestBody> EncodeRestInferResponse(const inference::ModelInferResponse& response,
                                                 const RestOutputFormat& format);

}  // namespace convoy::server

#endif  // CONVOY_SERVER_HTTP_REST_INFER_RESPONSE_H_
