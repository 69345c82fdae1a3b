// Bearer-token check of the repository control calls (--admin-token-file),
// for every protocol: gRPC carries the token as metadata
// `authorization: Bearer <token>`, HTTP as the header
// `Authorization: Bearer <token>`. Use it over TLS, or anyone on the path
// can read it.
#ifndef CONVOY_SERVER_KSERVE_ADMIN_TOKEN_H_
#define CONVOY_SERVER_KSERVE_ADMIN_TOKEN_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace convoy::server {

// The token in `path`: its content without surrounding whitespace. Empty
// or unreadable files are errors that name the file.
absl::StatusOr<std::string> ReadAdminToken(const std::string& path);

// OK when `authorization` (the value of the request's authorization
// metadata or header; nullopt when it has none) is `Bearer <expected>`.
// UNAUTHENTICATED when it carries no bearer token, PERMISSION_DENIED when
// the token is another one (compared in constant time).
absl::Status CheckBearerToken(std::optional<std::string_view> authorization, std::string_view expected);

}  // namespace convoy::server

#endif  // CONVOY_SERVER_KSERVE_ADMIN_TOKEN_H_
