// LoadResult: what the client saw during one measured run of the load
// generator, closed loop or open loop.
#ifndef CONVOY_TOOLS_CONVOY_LOADGEN_LOAD_RESULT_H_
#define CONVOY_TOOLS_CONVOY_LOADGEN_LOAD_RESULT_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace convoy {

struct LoadResult {
  std::vector<double> latencies_ms;  // Successful requests after warm-up.
  int64_t sent = 0;                   // All requests, warm-up included.
  int64_t succeeded = 0;              // After warm-up.
  std::map<absl::StatusCode, int64_t> errors;  // After warm-up, by code.
  std::string first_error;            // Status of the first failure, if any.
  absl::Duration measured;            // Wall time of the measured part.
  // Time spent inside AsyncInfer (serializing the request, starting the
  // call), over all requests sent: the client's own cost of sending.
  absl::Duration send_time;
};

}  // namespace convoy

#endif  // CONVOY_TOOLS_CONVOY_LOADGEN_LOAD_RESULT_H_
