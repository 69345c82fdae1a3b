// How many threads a plan runs on, chosen by timing it.
//
// An OpenMP team costs each primitive a start and a join: microseconds,
// which a primitive of milliseconds never notices and one of microseconds
// does (a CNN of 1.3 MFLOP ran in 0.028 ms on two threads and 0.020 ms on
// one). A served model shares its cores with the threads that receive and
// answer requests, so a team must also earn the core it takes from them:
// it is kept only if it does most of a team's worth of work, not merely if
// it is faster. So a plan is timed on the team and on one thread, and the
// team is kept only if it is at least kMinTeamEfficiency times as fast per
// thread as one thread alone.
//
// Which plans are timed: those of under kTimedBelowFlops per run. Timing
// costs about eight runs, which is nothing for them and seconds for a large
// network at a large batch, whose team's start and join are a small part of
// its run anyway. The bound only says which plans are worth timing; the
// choice is the timing's. Two measures of a run's size were tried first and
// failed under load: its wall time (a loaded server then timed ResNet-50 at
// every new batch size, 8 runs of 300 ms each, and served 4 requests/s
// meanwhile) and its caller's CPU time (inflated by OpenMP's spinning in the
// barrier while the team's other thread waited on the scheduler, so a small
// plan beside a busy process went untimed and kept its team).
//
// Thread-compatible: the plan timed must not be run by another thread at
// the same time.
#ifndef CONVOY_ENGINE_EXEC_TEAM_CHOICE_H_
#define CONVOY_ENGINE_EXEC_TEAM_CHOICE_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/time/time.h"
#include "engine/api/tensor.h"
#include "engine/exec/plan.h"

namespace convoy::engine {

// A team's speed-up over one thread, divided by its size, below which the
// plan runs on one thread: two threads must be 1.6 times as fast as one.
inline constexpr double kMinTeamEfficiency = 0.8;
// Plans of fewer floating-point operations per run are timed: about 5 ms on
// 2 cores at 200 GFLOP/s, so timing one costs well under a second.
inline constexpr int64_t kTimedBelowFlops = 1'000'000'000;

// True if `plan` is small enough to be timed (kTimedBelowFlops).
bool WorthTiming(const Plan& plan);

// The median duration of runs of `plan` on `inputs` on the calling
// thread's current team, after warming up (2 ms of runs, at most 10): at
// least 3 runs, and more up to 15 while they take under 20 ms together. nullopt if a run fails
// (the caller's own run then reports why).
std::optional<absl::Duration> MedianRunTime(Plan& plan, const std::vector<const Tensor*>& inputs);

// True if `team` threads taking `on_team` per run pay for themselves
// against one thread taking `alone`.
bool TeamPays(absl::Duration alone, absl::Duration on_team, int team);

}  // namespace convoy::engine

#endif  // CONVOY_ENGINE_EXEC_TEAM_CHOICE_H_
