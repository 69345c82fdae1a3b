// The one place where an absl::Status becomes a grpc::Status. The canonical
// codes are the same numbers in both, so only the type changes.
#ifndef CONVOY_SERVER_GRPC_STATUS_UTIL_H_
#define CONVOY_SERVER_GRPC_STATUS_UTIL_H_

#include <string>

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace convoy::server {

inline grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

}  // namespace convoy::server

#endif  // CONVOY_SERVER_GRPC_STATUS_UTIL_H_
