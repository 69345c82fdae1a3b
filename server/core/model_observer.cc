#include "server/core/model_observer.h"

namespace convoy::server {

Outcome OutcomeOf(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return Outcome::kSuccess;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kUnimplemented:
      return Outcome::kInvalid;
    case absl::StatusCode::kNotFound:
      return Outcome::kNotFound;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kResourceExhausted:
      return Outcome::kRejected;
    case absl::StatusCode::kCancelled:
      return Outcome::kCancelled;
    case absl::StatusCode::kDeadlineExceeded:
      return Outcome::kDeadlineExceeded;
    default:
      return Outcome::kInternal;
  }
}

const char* OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kSuccess:
      return "success";
    case Outcome::kInvalid:
      return "invalid";
    case Outcome::kNotFound:
      return "not_found";
    case Outcome::kRejected:
      return "rejected";
    case Outcome::kCancelled:
      return "cancelled";
    case Outcome::kDeadlineExceeded:
      return "deadline_exceeded";
    case Outcome::kInternal:
      return "internal";
  }
  return "internal";
}

const char* RequestKindName(RequestKind kind) {
  switch (kind) {
    case RequestKind::kSingle:
      return "single";
    case RequestKind::kMulticrop:
      return "multicrop";
    case RequestKind::kEnsemble:
      return "ensemble";
  }
  return "single";
}

const char* ProtocolName(Protocol protocol) {
  switch (protocol) {
    case Protocol::kHttp:
      return "http";
    case Protocol::kGrpcStream:
      return "grpc_stream";
    case Protocol::kGrpc:
      break;
  }
  return "grpc";
}

}  // namespace convoy::server
