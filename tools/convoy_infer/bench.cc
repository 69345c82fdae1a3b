#include "tools/convoy_infer/bench.h"

#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tools/common/json_string.h"

namespace convoy {

Clock SteadyClock() {
  return [] {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::steady_clock::now().time_since_epoch());
  };
}

double ElapsedMs(std::chrono::nanoseconds start, std::chrono::nanoseconds end) {
  return std::chrono::duration<double, std::milli>(end - start).count();
}

absl::StatusOr<std::vector<double>> TimeRuns(int warmup_runs, int timed_runs,
                                             const std::function<absl::Status()>& run_once,
                                             const Clock& clock, double min_ms) {
  for (int i = 0; i < warmup_runs; ++i) {
    if (absl::Status status = run_once(); !status.ok()) return status;
  }
  std::vector<double> latencies_ms;
  latencies_ms.reserve(timed_runs);
  double total_ms = 0;
  while (static_cast<int>(latencies_ms.size()) < timed_runs || total_ms < min_ms) {
    const std::chrono::nanoseconds start = clock();
    if (absl::Status status = run_once(); !status.ok()) return status;
    latencies_ms.push_back(ElapsedMs(start, clock()));
    total_ms += latencies_ms.back();
  }
  return latencies_ms;
}

std::string FormatMs(double ms) {
  if (ms >= 10) return absl::StrFormat("%.1f ms", ms);
  if (ms >= 1) return absl::StrFormat("%.2f ms", ms);
  return absl::StrFormat("%.3f ms", ms);
}

std::string FormatBenchLine(absl::string_view model_name, int64_t batch, const LatencyStats& stats,
                            int warmup_runs) {
  const double images_per_second =
      stats.mean_ms > 0 ? 1000.0 * static_cast<double>(batch) / stats.mean_ms : 0;
  return absl::StrFormat(
      "%s batch %d: %.1f img/s  mean %s  p50 %s  p90 %s  p99 %s  min %s  max %s  (%d runs after %d "
      "warm-up)",
      model_name, batch, images_per_second, FormatMs(stats.mean_ms), FormatMs(stats.p50_ms),
      FormatMs(stats.p90_ms), FormatMs(stats.p99_ms), FormatMs(stats.min_ms),
      FormatMs(stats.max_ms), stats.count, warmup_runs);
}

std::string FormatBenchJson(const BenchRecord& r) {
  std::string latencies;
  for (double ms : r.latencies_ms) {
    absl::StrAppend(&latencies, latencies.empty() ? "" : ", ", absl::StrFormat("%.4f", ms));
  }
  return absl::StrFormat(
      "{\"runner\": \"convoy\", \"precision\": \"%s\", \"model\": %s, \"batch\": %d, "
      "\"threads\": %d, \"load_ms\": %.3f, \"first_run_ms\": %.3f, "
      "\"single_thread_plans\": %d, \"latencies_ms\": [%s]}",
      r.precision, JsonString(r.model), r.batch, r.threads, r.load_ms, r.first_run_ms,
      r.single_thread_plans, latencies);
}

std::string ModelDisplayName(absl::string_view path) {
  std::vector<absl::string_view> parts = absl::StrSplit(path, '/', absl::SkipEmpty());
  if (parts.empty()) return std::string(path);
  absl::string_view file = parts.back();
  absl::string_view stem = file.substr(0, file.rfind('.'));
  if (stem != "model" || parts.size() < 2) return std::string(stem);
  // model.onnx: named by its directory, skipping a numeric version directory.
  size_t dir = parts.size() - 2;
  const bool numeric = std::all_of(parts[dir].begin(), parts[dir].end(),
                                   [](char c) { return absl::ascii_isdigit(c); });
  if (numeric && dir > 0) --dir;
  return std::string(parts[dir]);
}

}  // namespace convoy
