#include "engine/exec/team_choice.h"

#include <algorithm>

namespace convoy::engine {

bool WorthTiming(const Plan& plan) { return plan.flops() < kTimedBelowFlops; }

std::optional<absl::Duration> MedianRunTime(Plan& plan, const std::vector<const Tensor*>& inputs) {
  constexpr int kMinRuns = 3;
  constexpr int kMaxRuns = 15;
  constexpr absl::Duration kBudget = absl::Milliseconds(20);
  // The warm-up: the arena's first touch, and caches.
  const absl::Time warm_until = absl::Now() + absl::Milliseconds(2);
  for (int i = 0; i < 10 && (i == 0 || absl::Now() < warm_until); ++i) {
    if (!plan.Run(inputs).ok()) return std::nullopt;
  }
  std::vector<absl::Duration> times;
  absl::Duration total;
  while (times.size() < kMinRuns || (times.size() < kMaxRuns && total < kBudget)) {
    const absl::Time start = absl::Now();
    if (!plan.Run(inputs).ok()) return std::nullopt;
    times.push_back(absl::Now() - start);
    total += times.back();
  }
  std::nth_element(times.begin(), times.begin() + times.size() / 2, times.end());
  return times[times.size() / 2];
}

absl::Duration ServingCost(int64_t requests, int64_t input_bytes) {
  return requests * kServingCostPerRequest +
         absl::Seconds(static_cast<double>(input_bytes) / kServingInputBytesPerSecond);
}

bool SlowRun(absl::Duration timed, absl::Duration run) { return run >= kSlowTeamFactor * timed; }

bool DueForChoice(absl::Duration since, absl::Duration interval, bool on_team, int slow_runs) {
  if (interval <= absl::ZeroDuration()) return false;
  if (since >= interval) return true;
  return on_team && since >= std::min(kSlowTeamGap, interval) && slow_runs >= kSlowTeamRuns;
}

bool TeamPays(absl::Duration alone, absl::Duration on_team, absl::Duration serving) {
  return alone - on_team > serving;
}

}  // namespace convoy::engine
