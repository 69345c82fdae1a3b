// ModelStatistics: the cumulative counts and durations of one model version,
// as Triton reports them through the ModelStatistics RPC.
//
// Per request: success or fail (count and end-to-end duration), queue wait,
// and the compute stages of the batch that carried it (input stacking,
// engine run, output copy); a request charged with its batch's whole compute
// time, as Triton does. Per execution: one entry per batch size with the
// same three compute stages. inference_count counts batch items,
// execution_count batches run (one each, even when it ran in parts:
// server/core/plan_sizes.h).
//
// An optional ModelObserver (set before the model serves) sees every record,
// so exported metrics agree with these counts.
//
// Thread-safety: every method may be called from any thread.
#ifndef CONVOY_SERVER_CORE_MODEL_STATISTICS_H_
#define CONVOY_SERVER_CORE_MODEL_STATISTICS_H_

#include <cstdint>
#include <map>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpc_service.pb.h"
#include "server/core/inference_request.h"
#include "server/core/model_observer.h"

namespace convoy::server {

class ModelStatistics {
 public:
  explicit ModelStatistics(std::unique_ptr<ModelObserver> observer = nullptr) : observer_(std::move(observer)) {}

  // A request answered successfully, with `items` batch items.
  void RecordSuccess(int64_t items, const RequestTimings& timings, absl::Time finished, RequestLabels labels = {});
  // A request that failed with `code` after it reached this model (bad
  // input, deadline, cancellation, engine error), `total` after the server
  // received it.
  void RecordFailure(absl::Duration total, absl::StatusCode code, RequestLabels labels = {});
  // One engine run of `batch_size` items, recorded before its responses go
  // out, so a client that has its response sees the execution counted.
  void RecordExecution(int64_t batch_size, absl::Duration compute_input,
                       absl::Duration compute_infer);
  // The time that run then took to write its responses.
  void RecordExecutionOutput(int64_t batch_size, absl::Duration compute_output);

  void ToProto(inference::ModelStatistics* out) const;

 private:
  struct Duration {
    uint64_t count = 0;
    uint64_t ns = 0;
    void Add(absl::Duration d);
    void ToProto(inference::StatisticDuration* out) const;
  };
  struct BatchStats {
    Duration compute_input, compute_infer, compute_output;
  };

  const std::unique_ptr<ModelObserver> observer_;
  mutable absl::Mutex mu_;
  uint64_t last_inference_ms_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t inference_count_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t execution_count_ ABSL_GUARDED_BY(mu_) = 0;
  Duration success_ ABSL_GUARDED_BY(mu_);
  Duration fail_ ABSL_GUARDED_BY(mu_);
  Duration queue_ ABSL_GUARDED_BY(mu_);
  Duration compute_input_ ABSL_GUARDED_BY(mu_);
  Duration compute_infer_ ABSL_GUARDED_BY(mu_);
  Duration compute_output_ ABSL_GUARDED_BY(mu_);
  std::map<int64_t, BatchStats> batches_ ABSL_GUARDED_BY(mu_);
};

}  // namespace convoy::server

#endif  // CONVOY_SERVER_CORE_MODEL_STATISTICS_H_
