// The responses of the KServe v2 REST protocol (HTTP/1.1), read back into
// the gRPC protocol's messages and statuses, so that callers of the HTTP
// client see what callers of the gRPC client see.
//
// Errors: a status other than 2xx carries {"error": "..."}; the HTTP status
// maps to the absl::StatusCode a gRPC server would have sent, with the
// server's message:
//
//   400 INVALID_ARGUMENT    401 UNAUTHENTICATED     403 PERMISSION_DENIED
//   404 NOT_FOUND           408 DEADLINE_EXCEEDED   413 RESOURCE_EXHAUSTED
//   429 RESOURCE_EXHAUSTED  501 UNIMPLEMENTED       502 UNAVAILABLE
//   503 UNAVAILABLE         504 DEADLINE_EXCEEDED   other 5xx INTERNAL
//   anything else UNKNOWN
//
// 413 says "request too large: " before the message, since the server's may
// not. A body that is not that JSON is quoted (its first 256 bytes) instead.
//
// Inference responses: the JSON header (the whole body, or its first
// Inference-Header-Content-Length bytes) lists the outputs; each carries
// its elements as JSON `data`, or, with Triton's binary tensor extension, a
// `binary_data_size` whose bytes follow the header in output order. Either
// way every output's bytes land in raw_output_contents (same index as the
// output): numbers little-endian, BYTES elements (classification strings,
// say) each as a 4-byte little-endian length and the bytes. So GetFp32Output
// and GetBytesOutput (infer_tensors.h) read it. A response that breaks the
// protocol (bad JSON, sizes that do not add up, data of the wrong kind) is
// INTERNAL, naming what was wrong.
//
// Thread-safety: plain functions.
#ifndef CONVOY_CLIENT_KSERVE_HTTP_RESPONSE_H_
#define CONVOY_CLIENT_KSERVE_HTTP_RESPONSE_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "client/http_message.h"
#include "google/protobuf/message.h"
#include "grpc_service.pb.h"

namespace convoy::client {

// OK for 2xx; else the error the status and body say (above).
absl::Status StatusFromHttp(int status, absl::string_view body);

absl::StatusOr<inference::ModelInferResponse> DecodeInferResponse(const HttpResponse& response);

// A JSON body as `message`, which is cleared first. JSON names are the
// .proto field names (lowerCamelCase works too); 64-bit integers may be
// numbers or strings; fields the message lacks are ignored (a newer
// server's extras). INTERNAL naming `what` if the JSON does not fit.
absl::Status ParseJsonMessage(absl::string_view json, absl::string_view what,
                              google::protobuf::Message* message);

}  // namespace convoy::client

#endif  // CONVOY_CLIENT_KSERVE_HTTP_RESPONSE_H_
