// How a failed REST call answers: the HTTP status for an absl::Status code
// and the JSON error body, {"error": "<message>"}, as Triton's HTTP endpoint
// writes it.
//
// HttpStatusFor follows Google's published mapping of canonical codes to
// HTTP (google/rpc/code.proto), which every gRPC-JSON gateway uses:
//
//   OK 200                    INVALID_ARGUMENT, FAILED_PRECONDITION,
//   UNAUTHENTICATED 401         OUT_OF_RANGE 400
//   PERMISSION_DENIED 403     NOT_FOUND 404
//   ALREADY_EXISTS, ABORTED 409   RESOURCE_EXHAUSTED 429 (the byte budget
//   CANCELLED 499 (the client     or the load queue is full: retry later)
//     went away)              UNIMPLEMENTED 501
//   UNAVAILABLE 503 (draining, model loading)   DEADLINE_EXCEEDED 504
//   INTERNAL, UNKNOWN, DATA_LOSS and anything else 500
//
// Triton itself answers 400 for every code but INTERNAL (500), NOT_FOUND
// (404), UNAVAILABLE (503) and UNSUPPORTED (501); the codes above agree with
// it on all of those, and tell a client that may retry (429, 503) apart from
// one that must not (4xx). A body larger than the transport takes is 413,
// decided by the transport before any Status exists.
//
// Pure functions; thread-safe.
#ifndef CONVOY_SERVER_HTTP_REST_ERROR_H_
#define CONVOY_SERVER_HTTP_REST_ERROR_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace convoy::server {

int HttpStatusFor(absl::StatusCode code);

// Messages often quote what the client sent (a name, a datatype); longer
// ones are clipped to this many bytes and say how much was left out.
constexpr size_t kMaxRestErrorMessageBytes = 4096;

// {"error":"<message>"}: quotes, backslashes and control characters escaped,
// invalid UTF-8 replaced by U+FFFD, so the body is valid JSON whatever
// bytes the message quotes.
std::string RestError(std::string_view message);

}  // namespace convoy::server

#endif  // CONVOY_SERVER_HTTP_REST_ERROR_H_
