// A step measured in windows until it is stable, as perf_analyzer's
// --stability-percentage does: windows of --duration (or --count) are
// measured one after another, at most `max_windows`, until the last three
// agree: their throughputs, and their mean latencies, each within
// `percentage` % of the three's mean. The step's figures are then those of
// the three windows together. With `percentile` (perf_analyzer's
// --percentile), each window's latency is its P-th percentile instead of
// its mean.
#ifndef CONVOY_TOOLS_CONVOY_LOADGEN_STABLE_STEP_H_
#define CONVOY_TOOLS_CONVOY_LOADGEN_STABLE_STEP_H_

#include <string>
#include <vector>

#include "tools/convoy_loadgen/request_cycle.h"
#include "tools/convoy_loadgen/load_step.h"

namespace convoy {

struct StabilityOptions {
  double percentage = 0;  // 0: one window, no stability check.
  int max_windows = 10;
  double percentile = 0;  // 0: mean latency; else the P-th percentile (0 < P < 100).
};

// The latency a step is judged by, for stability and for
// --latency-threshold: its mean, or its `percentile`-th percentile if > 0
// (interpolated as latency_stats.h does). 0 without a successful request.
double StabilizingLatencyMs(const StepReport& step, double percentile);

// Whether the windows' throughputs and latencies (StabilizingLatencyMs)
// each lie within `percentage` % of their mean. Windows without a
// successful request never agree.
bool WindowsAgree(const std::vector<StepReport>& windows, double percentage, double percentile = 0);

// One report for consecutive windows of the same load: counts, latencies
// and measured time added up; server-side per-request figures weighted by
// the requests each window counted.
StepReport MergeWindows(const std::vector<StepReport>& windows);

// The last three windows merged (or the one window), with `windows` and
// `stable` set. The first window has `options.warmup`; the next follow
// without one.
StepReport RunStableStep(const std::vector<client::KServeClient*>& clients, const RequestCycle& requests,
                         const std::string& model, const StepLoad& load, StepOptions options,
                         const StabilityOptions& stability);

}  // namespace convoy

#endif  // CONVOY_TOOLS_CONVOY_LOADGEN_STABLE_STEP_H_
