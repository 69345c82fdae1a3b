// PlanSizes: which batch sizes a batching model runs whole, and how it runs
// the others.
//
// The engine compiles one plan per batch size, the first time it meets it
// (docs/ENGINE.md, "Plans"): for ResNet-50, 100 to 400 ms beside about 20
// ms an image. A dynamic batcher meets sizes it may never meet again: the
// jitter of a closed loop around its usual size (7 and 9 around 8), the
// first batches of a load. Compiling for each would stall the batches
// behind it for nothing. So a size runs whole once its plan exists (its
// size was prepared at load) or once it has been met kRunsBeforeCompiling
// times; until then its batch runs as consecutive parts of sizes that
// already have plans, the largest first. Batch 1 always has one (the
// server prepares it), so every batch can be split.
//
//   PlanSizes sizes(/*max_batch_size=*/32, /*prepared=*/{1, 8});
//   sizes.Runs(8);   // {8}
//   sizes.Runs(9);   // {8, 1}: 9 met once
//   sizes.Runs(9);   // ... {9} from its kRunsBeforeCompiling-th meeting on
//
// A plan the engine's cache dropped since is compiled again at the next run
// of its size, as without this class.
//
// Thread-safety: Runs() may be called from any thread.
#ifndef CONVOY_SERVER_CORE_PLAN_SIZES_H_
#define CONVOY_SERVER_CORE_PLAN_SIZES_H_

#include <cstdint>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace convoy::server {

class PlanSizes {
 public:
  // Meetings of a size, this one included, before it runs whole.
  static constexpr int kRunsBeforeCompiling = 4;

  // `prepared`: the sizes whose plans were compiled at load; sizes outside
  // [1, max_batch_size] are ignored.
  PlanSizes(int64_t max_batch_size, const std::vector<int64_t>& prepared);

  // The sizes of the runs for a batch of `items`, in order, summing to it.
  // A size outside [1, max_batch_size] runs whole.
  std::vector<int64_t> Runs(int64_t items) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  absl::Mutex mu_;
  std::vector<int> met_ ABSL_GUARDED_BY(mu_);     // Meetings so far, by size.
  std::vector<bool> whole_ ABSL_GUARDED_BY(mu_);  // Runs whole (has a plan), by size.
};

}  // namespace convoy::server

#endif  // CONVOY_SERVER_CORE_PLAN_SIZES_H_
