// ParseRestRoute: which KServe v2 REST endpoint a request's path names.
//
// Paths are matched segment by segment after percent-decoding, so a model
// name may hold any character its URL encodes ("my%2Fmodel" is the model
// "my/model"). Query strings are split off first and parsed with
// ParseQuery.
#ifndef CONVOY_SERVER_HTTP_REST_ROUTE_H_
#define CONVOY_SERVER_HTTP_REST_ROUTE_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace convoy::server {

struct RestRoute {
  enum class Kind {
    kServerMetadata,   // GET  /v2
    kServerLive,       // GET  /v2/health/live
    kServerReady,      // GET  /v2/health/ready
    kModelMetadata,    // GET  /v2/models/{m}[/versions/{v}]
    kModelReady,       // GET  .../ready
    kModelConfig,      // GET  .../config
    kModelStatistics,  // GET  .../stats, and /v2/models/stats for every model
    kInfer,            // POST .../infer
    kRepositoryIndex,  // POST /v2/repository/index
    kLoad,             // POST /v2/repository/models/{m}/load
    kUnload,           // POST /v2/repository/models/{m}/unload
  };
  Kind kind = Kind::kServerMetadata;
  // The method the endpoint takes: "GET" or "POST".
  const char* method = "GET";
  std::string model;    // Empty where the path names none.
  std::string version;  // Empty: the server's choice.
};

// The endpoint `path` (no query string) names; NOT_FOUND naming the path
// when it names none, INVALID_ARGUMENT for a malformed percent-encoding.
absl::StatusOr<RestRoute> ParseRestRoute(absl::string_view path);

// `target` split at its first '?': the path, and the query (empty if none).
std::pair<absl::string_view, absl::string_view> SplitTarget(absl::string_view target);

// The parameters of a query string, percent-decoded ('+' is a space); the
// last of repeated names wins. INVALID_ARGUMENT for a malformed encoding.
absl::StatusOr<std::map<std::string, std::string>> ParseQuery(absl::string_view query);

// `text` with its %XX escapes decoded. INVALID_ARGUMENT for a '%' not
// followed by two hex digits.
absl::StatusOr<std::string> PercentDecode(absl::string_view text, bool plus_is_space = false);

}  // namespace convoy::server

#endif  // CONVOY_SERVER_HTTP_REST_ROUTE_H_
