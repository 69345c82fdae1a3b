// The loads a run steps through, from --concurrency-range START:END[:STEP]
// or --request-rate-range START:END[:STEP] (as perf_analyzer spells them;
// STEP defaults to 1), or the single load of --concurrency / --request-rate.
#ifndef CONVOY_TOOLS_CONVOY_LOADGEN_LOAD_PLAN_H_
#define CONVOY_TOOLS_CONVOY_LOADGEN_LOAD_PLAN_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/convoy_loadgen/load_step.h"

namespace convoy {

// InvalidArgument naming the flag for a malformed range, a start above the
// end, a step <= 0, values < 1 (concurrency) or <= 0 (rate), or more than
// 1000 steps.
absl::StatusOr<std::vector<StepLoad>> ParseConcurrencyRange(const std::string& range);
absl::StatusOr<std::vector<StepLoad>> ParseRequestRateRange(const std::string& range);

}  // namespace convoy

#endif  // CONVOY_TOOLS_CONVOY_LOADGEN_LOAD_PLAN_H_
