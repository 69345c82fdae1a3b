// Timing model runs for convoy-infer --bench, and the report it prints.
//
//   absl::StatusOr<std::vector<double>> ms =
//       TimeRuns(/*warmup_runs=*/3, /*timed_runs=*/100, run_once, SteadyClock());
//   std::cout << FormatBenchLine("resnet50", 8, ComputeLatencyStats(*ms), 3);
//   // resnet50 batch 8: 123.4 img/s  mean 64.9 ms  p50 64.8 ms  p90 ...
//
// The clock is injected so tests decide what each run "took".
//
// Thread-safety: stateless functions; safe to call concurrently if the
// callbacks are.
#ifndef CONVOY_TOOLS_CONVOY_INFER_BENCH_H_
#define CONVOY_TOOLS_CONVOY_INFER_BENCH_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tools/common/latency_stats.h"

namespace convoy {

// Monotonic time since an arbitrary origin.
using Clock = std::function<std::chrono::nanoseconds()>;

// std::chrono::steady_clock.
Clock SteadyClock();

// Calls `run_once` warmup_runs times untimed, then timed_runs times, and
// more until the timed calls together took at least `min_ms`; returns the
// latency of each timed call in milliseconds. Stops at the first error and
// returns it. REQUIRES: warmup_runs >= 0, timed_runs >= 0.
absl::StatusOr<std::vector<double>> TimeRuns(int warmup_runs, int timed_runs,
                                             const std::function<absl::Status()>& run_once,
                                             const Clock& clock, double min_ms = 0);

// Milliseconds between two clock readings.
double ElapsedMs(std::chrono::nanoseconds start, std::chrono::nanoseconds end);

// One line: throughput in images per second (batch images per run) and the
// latency summary, e.g.
// "lenet5 batch 8: 9876.5 img/s  mean 0.810 ms  p50 0.800 ms  p90 0.850 ms
//  p99 0.990 ms  min 0.780 ms  max 1.02 ms  (100 runs after 3 warm-up)", on one
// line.
std::string FormatBenchLine(absl::string_view model_name, int64_t batch, const LatencyStats& stats,
                            int warmup_runs);

// What a benchmark driver reads (bench/engine_bench.py): one line of JSON,
// {"runner": "convoy", "precision": "bf16", "model": "resnet50", "batch": 8,
//  "threads": 2, "load_ms": 812.5, "first_run_ms": 95.1,
//  "single_thread_plans": 0, "latencies_ms": [61.2, 60.9, ...]}.
// single_thread_plans counts the plans that run on one thread where more
// were allowed (engine::PlanCacheStats): whether the figures are a team's.
struct BenchRecord {
  std::string model;
  std::string precision;
  int64_t batch = 0;
  int threads = 0;
  double load_ms = 0;
  double first_run_ms = 0;
  int single_thread_plans = 0;
  std::vector<double> latencies_ms;
};
std::string FormatBenchJson(const BenchRecord& record);

// "0.812 ms", "8.12 ms", "81.2 ms", "812.3 ms": at least three significant
// digits, and never more than three decimals.
std::string FormatMs(double ms);

// A short name for reports: "resnet50" for "models/resnet50/1/model.onnx"
// (a Triton-style repository), "lenet5" for "zoo/lenet5/model.onnx" and for
// "lenet5.onnx".
std::string ModelDisplayName(absl::string_view path);

}  // namespace convoy

#endif  // CONVOY_TOOLS_CONVOY_INFER_BENCH_H_
