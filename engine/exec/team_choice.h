// How many threads a plan runs on, chosen by timing it.
//
// An OpenMP team costs each primitive a start and a join: microseconds,
// which a primitive of milliseconds never notices and one of microseconds
// does (a CNN of 1.3 MFLOP ran in 0.028 ms on two threads and 0.020 ms on
// one). A served model shares its cores with the threads that receive and
// answer requests, so a team must also earn the core it takes from them:
// it is kept only if it does most of a team's worth of work, not merely if
// it is faster. So a plan whose run on the whole team is short enough for
// the team's cost to show is timed on the team and on one thread, and the
// team is kept only if it is at least kMinTeamEfficiency times as fast per
// thread as one thread alone.
//
// Thread-compatible: the plan timed must not be run by another thread at
// the same time.
//
// Which plans are timed: a run on the team that lasts kTeamAlwaysPays or
// more, with the calling thread on a CPU for most of it, shows the team
// paying (its start and join are a small part of so long a run), and the
// plan keeps its team untimed, so a large network pays no extra runs. Any
// other plan is timed after its first run: a short one, and a long one
// whose caller mostly waited, for a team thread the scheduler had not run
// (with one busy process beside it on 2 cores, ResNet-50's runs on a team
// of 2 took 308 ms, 65 ms on one thread).
#ifndef CONVOY_ENGINE_EXEC_TEAM_CHOICE_H_
#define CONVOY_ENGINE_EXEC_TEAM_CHOICE_H_

#include <optional>
#include <vector>

#include "absl/time/time.h"
#include "engine/api/tensor.h"
#include "engine/exec/plan.h"

namespace convoy::engine {

// A team's speed-up over one thread, divided by its size, below which the
// plan runs on one thread: two threads must be 1.6 times as fast as one.
inline constexpr double kMinTeamEfficiency = 0.8;
// A run on the team at least this long is not timed against one thread:
// a team's start and join, about 10 us per primitive, are a few percent of
// it at most for the networks here (up to 200 primitives).
inline constexpr absl::Duration kTeamAlwaysPays = absl::Milliseconds(5);
// The share of such a run its calling thread must have spent on a CPU.
inline constexpr double kBusyShare = 0.8;

// Wall time, and CPU time of the calling thread, of one run.
struct RunTime {
  absl::Duration wall;
  absl::Duration cpu;
};

// Times a run from its construction to Elapsed().
class RunTimer {
 public:
  RunTimer();
  RunTime Elapsed() const;

 private:
  absl::Time wall_start_;
  absl::Duration cpu_start_;
};

// True if a run on the team that took `run` shows without timing that the
// team pays: kTeamAlwaysPays or longer, on a CPU at least kBusyShare of it.
bool TeamEvidentlyPays(const RunTime& run);

// The median duration of runs of `plan` on `inputs` on the calling
// thread's current team, after one warm-up run: at least 3 runs, and more
// up to 15 while they take under 20 ms together. nullopt if a run fails
// (the caller's own run then reports why).
std::optional<absl::Duration> MedianRunTime(Plan& plan, const std::vector<const Tensor*>& inputs);

// True if `team` threads taking `on_team` per run pay for themselves
// against one thread taking `alone`.
bool TeamPays(absl::Duration alone, absl::Duration on_team, int team);

}  // namespace convoy::engine

#endif  // CONVOY_ENGINE_EXEC_TEAM_CHOICE_H_
