// ModelObserver: what happens to one model version's requests and batches,
// as ModelStatistics records it, for an exporter to turn into its own
// metrics (server/metrics exports them to Prometheus). Recording both from
// the same calls keeps the ModelStatistics RPC and the exporter in
// agreement by construction.
//
// Thread-safety: implementations are called from any thread, concurrently.
#ifndef CONVOY_SERVER_CORE_MODEL_OBSERVER_H_
#define CONVOY_SERVER_CORE_MODEL_OBSERVER_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "server/core/inference_request.h"

namespace convoy::server {

// What a request asked for, so the cost of each kind shows apart.
enum class RequestKind { kSingle, kMulticrop, kEnsemble };

// Why a request ended, as metrics label it.
enum class Outcome { kSuccess, kInvalid, kNotFound, kRejected, kCancelled, kDeadlineExceeded, kInternal };

Outcome OutcomeOf(absl::StatusCode code);
const char* OutcomeName(Outcome outcome);      // "success", "invalid", "rejected", ...
const char* RequestKindName(RequestKind kind);  // "single", "multicrop", "ensemble"

// The protocol a request came by: each shows apart in metrics and logs.
// kGrpcStream: a request read from a ModelStreamInfer stream.
enum class Protocol { kGrpc, kHttp, kGrpcStream };
inline constexpr int kNumProtocols = 3;
const char* ProtocolName(Protocol protocol);  // "grpc", "http", "grpc_stream"

// How a request is labelled wherever it is counted.
struct RequestLabels {
  RequestKind kind = RequestKind::kSingle;
  Protocol protocol = Protocol::kGrpc;
};

class ModelObserver {
 public:
  virtual ~ModelObserver() = default;
  virtual void OnSuccess(RequestLabels labels, int64_t items, const RequestTimings& timings, absl::Time finished) = 0;
  virtual void OnFailure(RequestLabels labels, absl::StatusCode code, absl::Duration total) = 0;
  virtual void OnExecution(int64_t batch_size) = 0;
};

}  // namespace convoy::server

#endif  // CONVOY_SERVER_CORE_MODEL_OBSERVER_H_
