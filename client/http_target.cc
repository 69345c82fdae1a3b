#include "client/http_target.h"

#include <cstdint>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace convoy::client {

absl::StatusOr<HttpTarget> ParseHttpTarget(absl::string_view target) {
  const std::string quoted = absl::StrCat("server address '", target, "'");
  HttpTarget result;
  absl::string_view rest = target;
  bool scheme = false;
  if (absl::StartsWithIgnoreCase(rest, "http://")) {
    rest.remove_prefix(7);
    scheme = true;
  } else if (absl::StartsWithIgnoreCase(rest, "https://")) {
    rest.remove_prefix(8);
    scheme = true;
    result.https = true;
  }
  absl::ConsumeSuffix(&rest, "/");
  if (absl::StrContains(rest, '/')) {
    return absl::InvalidArgumentError(absl::StrCat(quoted, " has a path; give only host:port"));
  }
  absl::string_view host = rest;
  absl::string_view port;
  if (absl::ConsumePrefix(&host, "[")) {  // [v6 address]:port
    const size_t close = host.find(']');
    if (close == absl::string_view::npos) return absl::InvalidArgumentError(absl::StrCat(quoted, ": no ']'"));
    absl::string_view after = host.substr(close + 1);
    host = host.substr(0, close);
    if (!after.empty() && !absl::ConsumePrefix(&after, ":")) {
      return absl::InvalidArgumentError(absl::StrCat(quoted, ": ':port' must follow ']'"));
    }
    port = after;
  } else {
    const size_t colon = host.rfind(':');
    if (colon != absl::string_view::npos) {
      port = host.substr(colon + 1);
      host = host.substr(0, colon);
      if (absl::StrContains(host, ':')) {
        return absl::InvalidArgumentError(absl::StrCat(quoted, ": put an IPv6 address in brackets, [::1]:8000"));
      }
    }
  }
  if (host.empty()) return absl::InvalidArgumentError(absl::StrCat(quoted, " has no host"));
  if (port.empty()) {
    if (!scheme) return absl::InvalidArgumentError(absl::StrCat(quoted, " has no port (host:port)"));
    port = result.https ? "443" : "80";
  }
  uint32_t number = 0;
  if (!absl::SimpleAtoi(port, &number) || number < 1 || number > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(quoted, ": '", port, "' is not a port"));
  }
  result.host = std::string(host);
  result.port = std::string(port);
  const bool v6 = absl::StrContains(host, ':');
  result.authority = absl::StrCat(v6 ? "[" : "", host, v6 ? "]" : "", ":", port);
  return result;
}

}  // namespace convoy::client
