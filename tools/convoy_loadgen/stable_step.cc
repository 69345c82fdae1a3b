#include "tools/convoy_loadgen/stable_step.h"

#include <algorithm>
#include <cmath>

namespace convoy {
namespace {

constexpr size_t kAgreeingWindows = 3;

bool WithinOfMean(const std::vector<double>& values, double percentage) {
  double mean = 0;
  for (double v : values) mean += v;
  mean /= static_cast<double>(values.size());
  if (mean <= 0) return false;
  return std::all_of(values.begin(), values.end(),
                     [&](double v) { return std::abs(v - mean) <= mean * percentage / 100; });
}

StepReport Merged(const std::vector<StepReport>& last, size_t windows, bool stable) {
  StepReport merged = MergeWindows(last);
  merged.windows = static_cast<int>(windows);
  merged.stable = stable;
  return merged;
}

}  // namespace

double StabilizingLatencyMs(const StepReport& step, double percentile) {
  if (step.result.latencies_ms.empty()) return 0;
  if (percentile <= 0) return step.latency.mean_ms;
  std::vector<double> sorted = step.result.latencies_ms;
  std::sort(sorted.begin(), sorted.end());
  return Percentile(sorted, percentile);
}

bool WindowsAgree(const std::vector<StepReport>& windows, double percentage, double percentile) {
  std::vector<double> throughputs, latencies;
  for (const StepReport& window : windows) {
    if (window.latency.count == 0) return false;
    throughputs.push_back(window.requests_per_s);
    latencies.push_back(StabilizingLatencyMs(window, percentile));
  }
  return !windows.empty() && WithinOfMean(throughputs, percentage) && WithinOfMean(latencies, percentage);
}

StepReport MergeWindows(const std::vector<StepReport>& windows) {
  StepReport merged;
  merged.load = windows.front().load;
  merged.server_counted = true;
  double cpu_seconds = 0;
  for (const StepReport& window : windows) {
    LoadResult& result = merged.result;
    result.latencies_ms.insert(result.latencies_ms.end(), window.result.latencies_ms.begin(),
                               window.result.latencies_ms.end());
    result.sent += window.result.sent;
    result.succeeded += window.result.succeeded;
    for (const auto& [code, count] : window.result.errors) result.errors[code] += count;
    if (result.first_error.empty()) result.first_error = window.result.first_error;
    result.measured += window.result.measured;
    result.send_time += window.result.send_time;
    merged.errors += window.errors;
    merged.seconds += window.seconds;
    cpu_seconds += window.client_cpu_cores * window.seconds;
    merged.server_counted = merged.server_counted && window.server_counted;
    const double requests = window.server.requests;
    merged.server.requests += requests;
    merged.server.batch_size += window.server.batch_size * requests;
    merged.server.queue_us += window.server.queue_us * requests;
    merged.server.compute_us += window.server.compute_us * requests;
  }
  if (merged.server.requests > 0) {
    merged.server.batch_size /= merged.server.requests;
    merged.server.queue_us /= merged.server.requests;
    merged.server.compute_us /= merged.server.requests;
  }
  merged.latency = ComputeLatencyStats(merged.result.latencies_ms);
  merged.requests_per_s = merged.seconds > 0 ? merged.result.succeeded / merged.seconds : 0;
  merged.client_cpu_cores = merged.seconds > 0 ? cpu_seconds / merged.seconds : 0;
  merged.client_send_us = SendMicrosPerRequest(merged.result);
  return merged;
}

StepReport RunStableStep(const std::vector<client::KServeClient*>& clients, const RequestCycle& requests,
                         const std::string& model, const StepLoad& load, StepOptions options,
                         const StabilityOptions& stability) {
  if (stability.percentage <= 0) return RunStep(clients, requests, model, load, options);
  std::vector<StepReport> windows;
  while (static_cast<int>(windows.size()) < std::max<int>(stability.max_windows, kAgreeingWindows)) {
    windows.push_back(RunStep(clients, requests, model, load, options));
    options.warmup = absl::ZeroDuration();
    if (windows.size() < kAgreeingWindows) continue;
    const std::vector<StepReport> last(windows.end() - kAgreeingWindows, windows.end());
    if (WindowsAgree(last, stability.percentage, stability.percentile)) return Merged(last, windows.size(), true);
  }
  return Merged({windows.end() - kAgreeingWindows, windows.end()}, windows.size(), false);
}

}  // namespace convoy
