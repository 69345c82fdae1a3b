#include "tools/convoy_loadgen/closed_loop.h"

#include <utility>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"

namespace convoy {
namespace {

class Loop {
 public:
  Loop(const std::vector<client::KServeClient*>& clients, RequestCycle requests,
       const ClosedLoopOptions& options)
      : clients_(clients), requests_(std::move(requests)), options_(options) {
    start_ = absl::Now();
    measure_from_ = start_ + options.warmup;
    stop_at_ = measure_from_ + options.duration;
  }

  LoadResult Run() {
    {
      absl::MutexLock lock(&mu_);
      in_flight_ = options_.concurrency;
    }
    for (int i = 0; i < options_.concurrency; ++i) Send(i);
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(this, &Loop::Idle));
    result_.measured = std::min(last_finish_, stop_at_) - measure_from_;
    return std::move(result_);
  }

 private:
  // REQUIRES: the slot is counted in in_flight_.
  void Send(int slot) {
    int64_t n = 0;
    {
      absl::MutexLock lock(&mu_);
      n = result_.sent++;
      ++sending_;
    }
    const absl::Time sent = absl::Now();
    clients_[slot % clients_.size()]->AsyncInfer(
        requests_[n],
        [this, slot, sent](absl::Status status, inference::ModelInferResponse) { Done(slot, sent, status); },
        options_.request_timeout);
    const absl::Duration sending = absl::Now() - sent;
    absl::MutexLock lock(&mu_);
    result_.send_time += sending;
    // The call may have completed already; Run() waits for this too, so the
    // loop is not destroyed under it.
    --sending_;
  }

  void Done(int slot, absl::Time sent, const absl::Status& status) {
    const absl::Time now = absl::Now();
    bool again = false;
    {
      absl::MutexLock lock(&mu_);
      if (sent >= measure_from_ && now <= stop_at_ && !counted_) {
        if (status.ok()) {
          ++result_.succeeded;
          result_.latencies_ms.push_back(absl::ToDoubleMilliseconds(now - sent));
        } else {
          ++result_.errors[status.code()];
        }
        last_finish_ = now;
        if (options_.count > 0 && result_.succeeded + Errors() >= options_.count) counted_ = true;
      }
      if (!status.ok() && result_.first_error.empty()) result_.first_error = status.ToString();
      again = now < stop_at_ && !counted_;
      // A slot that goes on stays counted, so Run() cannot return under it.
      if (!again) --in_flight_;
    }
    if (again) Send(slot);
  }

  bool Idle() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return in_flight_ == 0 && sending_ == 0; }

  int64_t Errors() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    int64_t errors = 0;
    for (const auto& [code, count] : result_.errors) errors += count;
    return errors;
  }

  const std::vector<client::KServeClient*> clients_;
  const RequestCycle requests_;
  const ClosedLoopOptions options_;
  absl::Time start_, measure_from_, stop_at_;
  absl::Mutex mu_;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  int sending_ ABSL_GUARDED_BY(mu_) = 0;  // Sends still inside Send().
  bool counted_ ABSL_GUARDED_BY(mu_) = false;  // options_.count reached.
  absl::Time last_finish_ ABSL_GUARDED_BY(mu_);
  LoadResult result_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

LoadResult RunClosedLoop(const std::vector<client::KServeClient*>& clients, RequestCycle requests,
                         const ClosedLoopOptions& options) {
  Loop loop(clients, std::move(requests), options);
  return loop.Run();
}

}  // namespace convoy
