// Bearer-token check of the repository control RPCs (--admin-token-file).
// The token travels as gRPC metadata `authorization: Bearer <token>`; use it
// over TLS, or anyone on the path can read it.
#ifndef CONVOY_SERVER_GRPC_ADMIN_TOKEN_H_
#define CONVOY_SERVER_GRPC_ADMIN_TOKEN_H_

#include <map>
#include <string>
#include <string_view>

#include <grpcpp/support/string_ref.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace convoy::server {

// The token in `path`: its content without surrounding whitespace. Empty
// or unreadable files are errors that name the file.
absl::StatusOr<std::string> ReadAdminToken(const std::string& path);

// OK when `metadata` carries `authorization: Bearer <expected>`.
// UNAUTHENTICATED when it carries no bearer token, PERMISSION_DENIED when
// the token is another one (compared in constant time).
absl::Status CheckBearerToken(const std::multimap<grpc::string_ref, grpc::string_ref>& metadata,
                              std::string_view expected);

}  // namespace convoy::server

#endif  // CONVOY_SERVER_GRPC_ADMIN_TOKEN_H_
