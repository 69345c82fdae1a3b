// RunClosedLoop: keeps `concurrency` requests in flight against a server for
// a fixed time, as perf_analyzer's concurrency mode does, and records what
// the client saw.
//
// Each completion immediately sends the next request, from the client's
// callback thread; no thread per request. Requests that complete during the
// warm-up are not counted. When the time is up, or `count` requests have
// been measured, no new request is sent and the run waits for those in
// flight. With several clients (one per server), slot i always uses client
// i mod n, so the load is spread round-robin.
#ifndef CONVOY_TOOLS_CONVOY_LOADGEN_CLOSED_LOOP_H_
#define CONVOY_TOOLS_CONVOY_LOADGEN_CLOSED_LOOP_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/time/time.h"
#include "client/kserve_client.h"
#include "tools/convoy_loadgen/load_result.h"
#include "tools/convoy_loadgen/request_cycle.h"

namespace convoy {

struct ClosedLoopOptions {
  int concurrency = 1;
  absl::Duration warmup = absl::Seconds(2);
  absl::Duration duration = absl::Seconds(10);  // Measured part, after warm-up.
  absl::Duration request_timeout = absl::Seconds(30);
  int64_t count = 0;  // > 0: stop after this many measured requests (duration is then a cap).
};

LoadResult RunClosedLoop(const std::vector<client::KServeClient*>& clients,
                         RequestCycle requests,
                         const ClosedLoopOptions& options);

}  // namespace convoy

#endif  // CONVOY_TOOLS_CONVOY_LOADGEN_CLOSED_LOOP_H_
