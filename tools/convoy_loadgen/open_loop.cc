#include "tools/convoy_loadgen/open_loop.h"

#include <random>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"

namespace convoy {
namespace {

class Schedule {
 public:
  explicit Schedule(const OpenLoopOptions& options)
      : mean_gap_seconds_(1.0 / options.rate), poisson_(options.poisson), generator_(options.seed) {}

  absl::Duration NextGap() {
    if (!poisson_) return absl::Seconds(mean_gap_seconds_);
    return absl::Seconds(std::exponential_distribution<double>(1.0 / mean_gap_seconds_)(generator_));
  }

 private:
  const double mean_gap_seconds_;
  const bool poisson_;
  std::mt19937_64 generator_;
};

class Recorder {
 public:
  Recorder(absl::Time measure_from, absl::Time stop_at) : measure_from_(measure_from), stop_at_(stop_at) {}

  bool Measured(absl::Time scheduled) const { return scheduled >= measure_from_ && scheduled < stop_at_; }

  // False (and the refusal recorded) if max_in_flight requests are out.
  bool TrySend(absl::Time scheduled, int max_in_flight) {
    absl::MutexLock lock(&mu_);
    if (in_flight_ >= max_in_flight) {
      if (Measured(scheduled)) ++result_.errors[absl::StatusCode::kResourceExhausted];
      if (result_.first_error.empty()) result_.first_error = "client: too many requests in flight";
      return false;
    }
    ++in_flight_;
    ++result_.sent;
    return true;
  }

  void AddSendTime(absl::Duration time) {
    absl::MutexLock lock(&mu_);
    result_.send_time += time;
  }

  void Done(absl::Time scheduled, const absl::Status& status) {
    const absl::Time now = absl::Now();
    absl::MutexLock lock(&mu_);
    --in_flight_;
    if (!status.ok() && result_.first_error.empty()) result_.first_error = status.ToString();
    if (!Measured(scheduled)) return;
    if (status.ok()) {
      ++result_.succeeded;
      result_.latencies_ms.push_back(absl::ToDoubleMilliseconds(now - scheduled));
    } else {
      ++result_.errors[status.code()];
    }
  }

  LoadResult Finish() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(+[](int* n) { return *n == 0; }, &in_flight_));
    result_.measured = stop_at_ - measure_from_;
    return std::move(result_);
  }

 private:
  const absl::Time measure_from_;
  const absl::Time stop_at_;
  absl::Mutex mu_;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  LoadResult result_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

LoadResult RunOpenLoop(const std::vector<client::KServeClient*>& clients,
                       RequestCycle requests, const OpenLoopOptions& options) {
  const absl::Time start = absl::Now();
  const absl::Time measure_from = start + options.warmup;
  const absl::Time stop_at = measure_from + options.duration;
  Recorder recorder(measure_from, stop_at);
  Schedule schedule(options);
  int64_t k = 0;
  for (absl::Time next = start; next < stop_at; next += schedule.NextGap(), ++k) {
    const absl::Duration wait = next - absl::Now();
    if (wait > absl::ZeroDuration()) absl::SleepFor(wait);
    if (!recorder.TrySend(next, options.max_in_flight)) continue;
    const absl::Time sending = absl::Now();
    clients[k % clients.size()]->AsyncInfer(
        requests[k], [&recorder, next](absl::Status status, inference::ModelInferResponse) { recorder.Done(next, status); },
        options.request_timeout);
    recorder.AddSendTime(absl::Now() - sending);
  }
  return recorder.Finish();
}

}  // namespace convoy
