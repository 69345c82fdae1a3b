#include "tools/convoy_loadgen/load_step.h"

#include <sys/resource.h>

#include <algorithm>
#include <thread>
#include <utility>

#include "absl/time/clock.h"
#include "tools/convoy_loadgen/closed_loop.h"
#include "tools/convoy_loadgen/open_loop.h"

namespace convoy {
namespace {

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec + 1e-6 * (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
}

// A duration long enough for `count` requests at any sensible pace; the
// count ends a closed loop first.
constexpr absl::Duration kCountCap = absl::Hours(1);

LoadResult RunLoop(const std::vector<client::KServeClient*>& clients,
                   RequestCycle requests, const StepLoad& load,
                   const StepOptions& options) {
  if (load.rate > 0) {
    OpenLoopOptions open;
    open.rate = load.rate;
    open.poisson = options.poisson;
    open.seed = options.seed;
    open.warmup = options.warmup;
    // An open loop's count is a duration: the schedule fixes it.
    open.duration = options.count > 0 ? absl::Seconds(options.count / load.rate) : options.duration;
    open.request_timeout = options.request_timeout;
    return RunOpenLoop(clients, std::move(requests), open);
  }
  ClosedLoopOptions closed;
  closed.concurrency = load.concurrency;
  closed.warmup = options.warmup;
  closed.duration = options.count > 0 ? kCountCap : options.duration;
  closed.count = options.count;
  closed.request_timeout = options.request_timeout;
  return RunClosedLoop(clients, std::move(requests), closed);
}

}  // namespace

double SendMicrosPerRequest(const LoadResult& result) {
  return result.sent > 0 ? absl::ToDoubleMicroseconds(result.send_time) / static_cast<double>(result.sent) : 0;
}

// How long before the measured part the servers' statistics are read.
constexpr absl::Duration kStatisticsLead = absl::Milliseconds(50);

StepReport RunStep(const std::vector<client::KServeClient*>& clients,
                   RequestCycle requests, const std::string& model,
                   const StepLoad& load, const StepOptions& options) {
  StepReport report;
  report.load = load;
  absl::StatusOr<inference::ModelStatistics> before;
  const double cpu_start = CpuSeconds();
  const absl::Time start = absl::Now();
  {
    std::thread sampler([&] {
      // Asked for just before the measured part begins. A snapshot taken
      // after it began would miss the measured requests answered while its
      // RPC travels (tens of them on a busy machine); this one precedes them
      // all, and counts at most the lead's worth of warm-up ones besides.
      absl::SleepFor(options.warmup - std::min(kStatisticsLead, options.warmup / 2));
      before = SumStatistics(clients, model, options.model_version);
    });
    report.result = RunLoop(clients, std::move(requests), load, options);
    sampler.join();
  }
  const double elapsed = absl::ToDoubleSeconds(absl::Now() - start);
  report.client_cpu_cores = elapsed > 0 ? (CpuSeconds() - cpu_start) / elapsed : 0;
  absl::StatusOr<inference::ModelStatistics> after = SumStatistics(clients, model, options.model_version);
  if (before.ok() && after.ok()) {
    report.server = Delta(*before, *after);
    report.server_counted = true;
  }
  report.seconds = absl::ToDoubleSeconds(report.result.measured);
  report.latency = ComputeLatencyStats(report.result.latencies_ms);
  report.requests_per_s = report.seconds > 0 ? report.result.succeeded / report.seconds : 0;
  report.client_send_us = SendMicrosPerRequest(report.result);
  for (const auto& [code, count] : report.result.errors) report.errors += count;
  return report;
}

}  // namespace convoy
