// RunOpenLoop: sends requests at a fixed rate whatever the server's pace,
// as perf_analyzer's request-rate mode does, and records what the client
// saw. Unlike a closed loop, a slow server does not slow the load down, so
// queueing shows in the latencies instead of hiding in a lower rate.
//
// Arrival times are a schedule fixed in advance: evenly spaced, or a
// Poisson process (exponential gaps from a seeded generator). A request's
// latency counts from its scheduled time, not from when it left, so a
// client that falls behind its schedule cannot hide the delay (no
// coordinated omission). Every request scheduled in the measured window is
// counted, however late it completes; the run waits for the last one.
// Requests that would exceed max_in_flight are not sent and count as
// RESOURCE_EXHAUSTED, so an overloaded server cannot make the client grow
// without bound. With several clients (one per server), request k goes to
// client k mod n.
#ifndef CONVOY_TOOLS_CONVOY_LOADGEN_OPEN_LOOP_H_
#define CONVOY_TOOLS_CONVOY_LOADGEN_OPEN_LOOP_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/time/time.h"
#include "client/kserve_client.h"
#include "tools/convoy_loadgen/load_result.h"
#include "tools/convoy_loadgen/request_cycle.h"

namespace convoy {

struct OpenLoopOptions {
  double rate = 100;     // Requests per second. REQUIRES: > 0.
  bool poisson = false;  // Exponential gaps instead of even ones.
  uint32_t seed = 1;     // For the Poisson gaps.
  absl::Duration warmup = absl::Seconds(2);
  absl::Duration duration = absl::Seconds(10);  // Measured part, after warm-up.
  absl::Duration request_timeout = absl::Seconds(30);
  int max_in_flight = 4096;
};

LoadResult RunOpenLoop(const std::vector<client::KServeClient*>& clients,
                       RequestCycle requests, const OpenLoopOptions& options);

}  // namespace convoy

#endif  // CONVOY_TOOLS_CONVOY_LOADGEN_OPEN_LOOP_H_
