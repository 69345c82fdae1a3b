// One step of a load test: a load (concurrency, or request rate) held for
// a warm-up and a measured part, with what the client saw, what the
// servers counted meanwhile, and the client's own CPU use.
#ifndef CONVOY_TOOLS_CONVOY_LOADGEN_LOAD_STEP_H_
#define CONVOY_TOOLS_CONVOY_LOADGEN_LOAD_STEP_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/kserve_client.h"
#include "tools/common/latency_stats.h"
#include "tools/convoy_loadgen/load_result.h"
#include "tools/convoy_loadgen/request_cycle.h"
#include "tools/convoy_loadgen/server_statistics.h"

namespace convoy {

// Closed loop at `concurrency`, or open loop at `rate` requests/s if > 0.
struct StepLoad {
  int concurrency = 1;
  double rate = 0;
};

struct StepOptions {
  absl::Duration warmup = absl::Seconds(2);
  absl::Duration duration = absl::Seconds(10);
  int64_t count = 0;  // > 0: measure this many requests instead of a duration.
  absl::Duration request_timeout = absl::Seconds(30);
  bool poisson = false;  // Open loop arrivals.
  uint32_t seed = 1;
  std::string model_version;  // Whose statistics are read; empty = the latest version's.
};

struct StepReport {
  StepLoad load;
  LoadResult result;
  LatencyStats latency;
  double seconds = 0;
  double requests_per_s = 0;
  int64_t errors = 0;
  bool server_counted = false;  // `server` holds figures (statistics readable).
  ServerView server;
  double client_cpu_cores = 0;  // Busy cores of this process over the step.
  double client_send_us = 0;    // Per request, inside AsyncInfer (LoadResult::send_time).
  // Measurement windows run for the step (stable_step.h), and whether the
  // last three agreed. One window is stable by definition.
  int windows = 1;
  bool stable = true;
};

// Mean time a request spent being sent (StepReport::client_send_us).
double SendMicrosPerRequest(const LoadResult& result);

// Statistics are read at the edges of the measured part, from a thread that
// sleeps through the warm-up while the loop runs.
StepReport RunStep(const std::vector<client::KServeClient*>& clients,
                   RequestCycle requests, const std::string& model,
                   const StepLoad& load, const StepOptions& options);

}  // namespace convoy

#endif  // CONVOY_TOOLS_CONVOY_LOADGEN_LOAD_STEP_H_
