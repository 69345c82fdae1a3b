// HttpRequest and HttpResponse: an HTTP/1.1 exchange as plain data, between
// the KServe REST codec (kserve_http_request.h, kserve_http_response.h),
// which knows the protocol, and HttpTransport, which knows the wire. Keeping
// them apart lets the codec be tested without sockets and keeps Boost.Beast
// out of every header.
//
// Thread-safety: plain values.
#ifndef CONVOY_CLIENT_HTTP_MESSAGE_H_
#define CONVOY_CLIENT_HTTP_MESSAGE_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"

namespace convoy::client {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method = "GET";  // "GET" or "POST"
  std::string target;          // The path, e.g. "/v2/models/resnet50/infer".
  // Besides Host and Content-Length, which the transport sets.
  HttpHeaders headers;
  std::string body;
};

struct HttpResponse {
  int status = 0;
  HttpHeaders headers;  // As received; look them up with FindHeader.
  std::string body;
};

// The value of header `name` (case-insensitive), if there is one.
inline std::optional<absl::string_view> FindHeader(const HttpHeaders& headers, absl::string_view name) {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) return absl::string_view(value);
  }
  return std::nullopt;
}

}  // namespace convoy::client

#endif  // CONVOY_CLIENT_HTTP_MESSAGE_H_
