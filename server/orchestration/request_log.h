// RequestLog: log lines for inference requests, whatever their protocol.
//
// Every failed request is logged at warning level with its model, kind,
// status code and message (what a client was told), at most
// `max_failures_per_second` a second: beyond that they are counted and the
// count goes out with the next line (suppressed=N), so a flood of bad
// requests cannot flood the log. With the access log on, every request is
// also logged at info level, success or not:
//
//   ts=... level=info event=request model=resnet50 version=1 kind=single protocol=grpc outcome=success items=8 ms=41.2
//
// Thread-safety: Record may be called concurrently.
#ifndef CONVOY_SERVER_ORCHESTRATION_REQUEST_LOG_H_
#define CONVOY_SERVER_ORCHESTRATION_REQUEST_LOG_H_

#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/core/model_observer.h"

namespace convoy::server {

class RequestLog {
 public:
  explicit RequestLog(bool access_log, int max_failures_per_second = 20)
      : access_log_(access_log), max_failures_per_second_(max_failures_per_second) {}

  // `version` empty when no model version was found.
  void Record(const std::string& model, const std::string& version, RequestLabels labels,
              const absl::Status& status, int64_t items, absl::Duration total);

 private:
  // True if a failure line may go out now; sets *suppressed to the number
  // held back since the last one.
  bool AdmitFailure(int64_t* suppressed);

  const bool access_log_;
  const int max_failures_per_second_;
  absl::Mutex mu_;
  absl::Time window_start_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  int in_window_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t suppressed_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace convoy::server

#endif  // CONVOY_SERVER_ORCHESTRATION_REQUEST_LOG_H_
