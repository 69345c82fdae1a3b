#include "tools/convoy_loadgen/closed_loop.h"

#include <utility>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"

namespace convoy {
namespace {

class Loop {
 public:
  Loop(client::InferenceClient& client, std::shared_ptr<const inference::ModelInferRequest> request,
       const ClosedLoopOptions& options)
      : client_(client), request_(std::move(request)), options_(options) {
    start_ = absl::Now();
    measure_from_ = start_ + options.warmup;
    stop_at_ = measure_from_ + options.duration;
  }

  LoadResult Run() {
    {
      absl::MutexLock lock(&mu_);
      in_flight_ = options_.concurrency;
    }
    for (int i = 0; i < options_.concurrency; ++i) Send();
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(+[](int* n) { return *n == 0; }, &in_flight_));
    result_.measured = std::min(last_finish_, stop_at_) - measure_from_;
    return std::move(result_);
  }

 private:
  // REQUIRES: the slot is counted in in_flight_.
  void Send() {
    {
      absl::MutexLock lock(&mu_);
      ++result_.sent;
    }
    const absl::Time sent = absl::Now();
    client_.AsyncInfer(
        request_,
        [this, sent](absl::Status status, inference::ModelInferResponse) { Done(sent, status); },
        options_.request_timeout);
  }

  void Done(absl::Time sent, const absl::Status& status) {
    const absl::Time now = absl::Now();
    bool again = false;
    {
      absl::MutexLock lock(&mu_);
      if (sent >= measure_from_ && now <= stop_at_) {
        if (status.ok()) {
          ++result_.succeeded;
          result_.latencies_ms.push_back(absl::ToDoubleMilliseconds(now - sent));
        } else {
          ++result_.errors[status.code()];
        }
        last_finish_ = now;
      }
      if (!status.ok() && result_.first_error.empty()) result_.first_error = status.ToString();
      again = now < stop_at_;
      // A slot that goes on stays counted, so Run() cannot return under it.
      if (!again) --in_flight_;
    }
    if (again) Send();
  }

  client::InferenceClient& client_;
  const std::shared_ptr<const inference::ModelInferRequest> request_;
  const ClosedLoopOptions options_;
  absl::Time start_, measure_from_, stop_at_;
  absl::Mutex mu_;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time last_finish_ ABSL_GUARDED_BY(mu_);
  LoadResult result_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

LoadResult RunClosedLoop(client::InferenceClient& client,
                               std::shared_ptr<const inference::ModelInferRequest> request,
                               const ClosedLoopOptions& options) {
  Loop loop(client, std::move(request), options);
  return loop.Run();
}

}  // namespace convoy
