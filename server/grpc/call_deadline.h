// The deadline of a gRPC server call as absl::Time, for the request path
// (which knows no gRPC). Header-only: both RPC handlers of the service use it.
#ifndef CONVOY_SERVER_GRPC_CALL_DEADLINE_H_
#define CONVOY_SERVER_GRPC_CALL_DEADLINE_H_

#include <chrono>

#include <grpcpp/server_context.h>

#include "absl/time/time.h"

namespace convoy::server {

// InfiniteFuture when the client set no deadline.
inline absl::Time DeadlineOf(const grpc::CallbackServerContext* ctx) {
  const auto deadline = ctx->deadline();
  // gRPC reports "no deadline" as a time point at the far end of the range.
  if (deadline >= std::chrono::system_clock::time_point::max() - std::chrono::hours(24 * 365)) {
    return absl::InfiniteFuture();
  }
  return absl::FromChrono(deadline);
}

}  // namespace convoy::server

#endif  // CONVOY_SERVER_GRPC_CALL_DEADLINE_H_
