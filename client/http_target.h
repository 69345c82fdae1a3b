// HttpTarget: where an HTTP client connects, from the target string users
// give (--server), and what it puts in the Host header.
//
// Accepted: "host:port", "[v6 address]:port", "http://host[:port]",
// "https://host[:port]" (ports 80 and 443 by default); a trailing "/" is
// allowed, any other path is not (KServe's paths start at the root).
//
// Thread-safety: plain values.
#ifndef CONVOY_CLIENT_HTTP_TARGET_H_
#define CONVOY_CLIENT_HTTP_TARGET_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace convoy::client {

struct HttpTarget {
  bool https = false;     // Only from the "https://" scheme.
  std::string host;       // Without brackets: what the resolver and TLS take.
  std::string port;
  std::string authority;  // host:port as the Host header carries it.
};

// InvalidArgument naming the target when it is none of the forms above.
absl::StatusOr<HttpTarget> ParseHttpTarget(absl::string_view target);

}  // namespace convoy::client

#endif  // CONVOY_CLIENT_HTTP_TARGET_H_
