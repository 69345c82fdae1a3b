// How many threads a plan runs on, chosen by timing it.
//
// An OpenMP team costs each primitive a start and a join: microseconds,
// which a primitive of milliseconds never notices and one of microseconds
// does (a CNN of 1.3 MFLOP ran in 0.028 ms on two threads and 0.020 ms on
// one). A served model shares its cores with the threads that receive and
// answer requests, so a team must also earn the core it takes from them.
// While a team computes, that serving work preempts one of its threads and
// the whole team waits at the next join, so under load a run on the team
// costs its own time plus the serving work; on one thread the serving work
// runs beside it on another core. So a plan is timed on the team and on one
// thread, and keeps the team only if the time the team saves per run is
// more than the serving work of the requests the run carries (ServingCost),
// or, where nothing else shares the cores (ModelOptions::served false), only
// if it is faster. The machine's other load decides which is faster and
// comes and goes, so a plan is timed again, both ways, once it has kept its
// choice for ModelOptions::choose_team_again_after_seconds, and sooner if
// it kept its team and runs take twice as long as the team did when timed,
// three in a row (a neighbour's burst can make a team ten times slower than
// one thread; one slow run may be a page fault or a preemption).
// A rule on the team's efficiency instead (two threads at least 1.6 times
// as fast as one) flipped from run to run on small CNNs at batch 1, which
// gain 1.25x to 2x from a second core here depending on what the machine's
// neighbours do, and cost them 1.4x whenever it chose one thread.
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

// The server's work per request outside the engine, on the same cores:
// 72 us of server CPU per LeNet-5 request over gRPC (docs/BENCHMARKS.md,
// "HTTP/REST against gRPC"), less the engine's 20, rounded down.
inline constexpr absl::Duration kServingCostPerRequest = absl::Microseconds(50);
// And per byte of input: a tensor's bytes are copied about four times
// between the client and the engine (the client's send, the kernel's
// receive, the request message, the batch), each at some 8 GB/s.
inline constexpr double kServingInputBytesPerSecond = 2e9;
// Plans of fewer floating-point operations per run are timed: about 5 ms on
// 2 cores at 200 GFLOP/s, so timing one costs well under a second.
inline constexpr int64_t kTimedBelowFlops = 1'000'000'000;

// A team whose runs take this many times its timed median, kSlowTeamRuns
// in a row, is timed again after kSlowTeamGap, without waiting out the
// interval.
inline constexpr int kSlowTeamFactor = 2;
inline constexpr int kSlowTeamRuns = 3;
inline constexpr absl::Duration kSlowTeamGap = absl::Seconds(10);

// True if `plan` is small enough to be timed (kTimedBelowFlops).
bool WorthTiming(const Plan& plan);

// The median duration of runs of `plan` on `inputs` on the calling
// thread's current team, after warming up (2 ms of runs, at most 10): at
// least 3 runs, and more up to 15 while they take under 20 ms together. nullopt if a run fails
// (the caller's own run then reports why).
std::optional<absl::Duration> MedianRunTime(Plan& plan, const std::vector<const Tensor*>& inputs);

// The serving work around a run of `requests` requests carrying
// `input_bytes` of inputs in all.
absl::Duration ServingCost(int64_t requests, int64_t input_bytes);

// Whether a run that took `run` is slow for a plan that took `timed` per
// run when its size was chosen: kSlowTeamFactor times as long.
bool SlowRun(absl::Duration timed, absl::Duration run);

// Whether a plan chosen for `since` ago is due to be chosen for again,
// `slow_runs` of its last runs in a row slow (SlowRun) on the size it kept
// (`on_team` if that is its team): past `interval` (never if it is zero),
// or, on a team, past the shorter of kSlowTeamGap and `interval` after
// kSlowTeamRuns slow runs.
bool DueForChoice(absl::Duration since, absl::Duration interval, bool on_team, int slow_runs);

// True if a team taking `on_team` per run pays for itself against one
// thread taking `alone`, around a run whose requests cost the server
// `serving` besides.
bool TeamPays(absl::Duration alone, absl::Duration on_team, absl::Duration serving);

}  // namespace convoy::engine

#endif  // CONVOY_ENGINE_EXEC_TEAM_CHOICE_H_
