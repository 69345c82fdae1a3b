// TritonMetrics: Triton's per-model inference metrics, under Triton's names
// (nv_inference_*), label names (model, version), units (microseconds) and
// HELP texts, beside Convoy's own convoy_* metrics in the same registry, so
// that dashboards and alerts written for Triton find what they query
// (docs/METRICS.md, "Triton's metrics").
//
// Each model version's series are fed by an observer (ObserverFor) that
// ModelStatistics calls with the same records it counts for the
// ModelStatistics RPC, and each counter is the matching field of that RPC,
// as in Triton, where both come from one InferenceStatsAggregator:
//
//   nv_inference_request_success            inference_stats.success.count
//   nv_inference_request_failure{reason}    inference_stats.fail.count (summed over reasons)
//   nv_inference_count                      inference_count (batch items of successful requests)
//   nv_inference_exec_count                 execution_count (engine runs)
//   nv_inference_request_duration_us        inference_stats.success.ns / 1000
//   nv_inference_queue_duration_us          inference_stats.queue.ns / 1000
//   nv_inference_compute_input_duration_us  inference_stats.compute_input.ns / 1000
//   nv_inference_compute_infer_duration_us  inference_stats.compute_infer.ns / 1000
//   nv_inference_compute_output_duration_us inference_stats.compute_output.ns / 1000
//
// Durations are added with their fractions of a microsecond, where Triton
// truncates each request's to whole microseconds: a LeNet's input stacking
// takes well under one, and truncation would sum it to zero.
//
// nv_inference_pending_request_count, a gauge read at scrape time, is
// exported by RuntimeCollector (runtime_collector.h).
//
// Thread-safety: ObserverFor and the observers may be called concurrently
// from any thread; recording is lock-free (prometheus-cpp's atomics).
#ifndef CONVOY_SERVER_METRICS_TRITON_METRICS_H_
#define CONVOY_SERVER_METRICS_TRITON_METRICS_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/registry.h"
#include "server/core/model_observer.h"

namespace convoy::server {

// Triton's reasons for a failed request (the `reason` label of
// nv_inference_request_failure), as Triton's docs define them.
enum class TritonFailureReason {
  kRejected,  // Refused or timed out before execution: the scheduler's queue.
  kCanceled,  // The client cancelled.
  kBackend,   // The model's execution failed.
  kOther,     // Anything else (invalid requests, ...).
};
inline constexpr int kTritonFailureReasons = 4;

// How Convoy's status codes map onto Triton's reasons: UNAVAILABLE,
// RESOURCE_EXHAUSTED and DEADLINE_EXCEEDED are REJECTED (queue full, over
// the byte budget, or expired waiting in the queue), CANCELLED is CANCELED,
// INTERNAL, UNKNOWN and DATA_LOSS (the engine's errors) are BACKEND, and
// every other code (invalid input, ...) is OTHER.
TritonFailureReason TritonFailureReasonOf(absl::StatusCode code);
const char* TritonFailureReasonName(TritonFailureReason reason);  // "REJECTED", "CANCELED", ...

class TritonMetrics {
 public:
  // Registers the nv_inference_* families in `registry`, which must
  // outlive this object and every observer it made.
  explicit TritonMetrics(prometheus::Registry& registry);

  // The series of one model version, created now at zero, so a scrape
  // shows a loaded model before its first request. A second call for the
  // same model and version records into the same series (a reload
  // continues them, as convoy_* series do).
  std::unique_ptr<ModelObserver> ObserverFor(const std::string& model, int64_t version);

 private:
  friend class TritonModelObserver;

  prometheus::Family<prometheus::Counter>& success_;
  prometheus::Family<prometheus::Counter>& failure_;
  prometheus::Family<prometheus::Counter>& inference_count_;
  prometheus::Family<prometheus::Counter>& exec_count_;
  prometheus::Family<prometheus::Counter>& request_duration_;
  prometheus::Family<prometheus::Counter>& queue_duration_;
  prometheus::Family<prometheus::Counter>& compute_input_duration_;
  prometheus::Family<prometheus::Counter>& compute_infer_duration_;
  prometheus::Family<prometheus::Counter>& compute_output_duration_;
};

}  // namespace convoy::server

#endif  // CONVOY_SERVER_METRICS_TRITON_METRICS_H_
