// FanIn: the parts of one request that run separately (batches of its
// crops, an ensemble's members) and the one callback that sees them all.
//
// Each part reports once through PartDone, from any thread. When the last
// has, `done` runs on that thread with every part's result in part order,
// or with the first error any part reported (the other parts have ended
// too, so nothing still refers to the request).
//
// Thread-safety: PartDone may be called concurrently.
#ifndef CONVOY_SERVER_ORCHESTRATION_FAN_IN_H_
#define CONVOY_SERVER_ORCHESTRATION_FAN_IN_H_

#include <algorithm>
#include <cstring>
#include <functional>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/core/inference_request.h"

namespace convoy::server {

class FanIn {
 public:
  using Done = std::function<void(absl::Status, std::vector<InferenceResult>)>;

  FanIn(int parts, Done done) : results_(parts), remaining_(parts), done_(std::move(done)) {}

  void PartDone(int part, absl::Status status, InferenceResult result) {
    std::vector<InferenceResult> results;
    {
      absl::MutexLock lock(&mu_);
      if (!status.ok() && status_.ok()) status_ = status;
      results_[part] = std::move(result);
      if (--remaining_ > 0) return;
      status = status_;
      results = std::move(results_);
    }
    done_(std::move(status), std::move(results));
  }

 private:
  absl::Mutex mu_;
  absl::Status status_ ABSL_GUARDED_BY(mu_);
  std::vector<InferenceResult> results_ ABSL_GUARDED_BY(mu_);
  int remaining_ ABSL_GUARDED_BY(mu_);
  const Done done_;
};

// The timings of a request made of `parts`: received as the first part's,
// then the earliest start and the latest end of each stage, and the parts'
// preprocessing added up (it runs on one thread, part after part).
// REQUIRES: !parts.empty().
inline RequestTimings MergeTimings(const std::vector<InferenceResult>& parts) {
  RequestTimings merged = parts[0].timings;
  merged.preprocess = absl::ZeroDuration();
  for (const InferenceResult& part : parts) {
    merged.preprocess += part.timings.preprocess;
    merged.enqueued = std::min(merged.enqueued, part.timings.enqueued);
    merged.batch_started = std::min(merged.batch_started, part.timings.batch_started);
    merged.compute_started = std::min(merged.compute_started, part.timings.compute_started);
    merged.compute_ended = std::max(merged.compute_ended, part.timings.compute_ended);
  }
  return merged;
}

// Rows [first, first + count) of a tensor along dimension 0, copied.
inline engine::Tensor CopyRows(const engine::Tensor& tensor, int64_t first, int64_t count) {
  engine::Shape shape = tensor.shape();
  const size_t row_bytes = tensor.byte_size() / static_cast<size_t>(shape[0]);
  shape[0] = count;
  engine::Tensor rows(tensor.type(), shape);
  std::memcpy(rows.raw_data(), static_cast<const unsigned char*>(tensor.raw_data()) + first * row_bytes,
              count * row_bytes);
  return rows;
}

// A failed request's result: only the time it was received.
inline InferenceResult FailedResult(absl::Time received) {
  InferenceResult result;
  result.timings.received = received;
  return result;
}

}  // namespace convoy::server

#endif  // CONVOY_SERVER_ORCHESTRATION_FAN_IN_H_
