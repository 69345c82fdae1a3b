// The one place where an absl::Status becomes a grpc::Status. The canonical
// codes are the same numbers in both, so only the type changes. Messages
// are clipped: they often quote what the client sent (a model name, a
// shape), and gRPC carries them in a trailer that clients refuse beyond
// about 8 KiB, failing the call with an unrelated error.
#ifndef CONVOY_SERVER_GRPC_STATUS_UTIL_H_
#define CONVOY_SERVER_GRPC_STATUS_UTIL_H_

#include <string>

#include <grpcpp/support/status.h>

#include "absl/status/status.h"
#include "server/core/log.h"

namespace convoy::server {

constexpr size_t kMaxStatusMessageBytes = 1024;

inline grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      ClipText(status.message(), kMaxStatusMessageBytes));
}

}  // namespace convoy::server

#endif  // CONVOY_SERVER_GRPC_STATUS_UTIL_H_
