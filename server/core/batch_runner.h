// RunBatch: executes one batch formed by a model's DynamicBatcher.
//
// Stacks the inputs of the batch's requests along the batch dimension (one
// copy, skipped when the batch holds a single request), runs the engine once
// for the union of the requested outputs, and completes every request with a
// shared view of its rows. With `plan_sizes`, a batch of a size the engine
// has no plan for yet may run instead as several runs of sizes it has
// (PlanSizes), whose outputs are stacked back. An engine error fails every
// request of the batch with that error, and so does, for a batching model,
// an output without one row per item along its first dimension (one
// reduced over the batch, say): its rows cannot be cut per request.
// Requests are completed (or failed) through `delivery`, so that a model
// with preserve_ordering answers in dispatch order.
#ifndef CONVOY_SERVER_CORE_BATCH_RUNNER_H_
#define CONVOY_SERVER_CORE_BATCH_RUNNER_H_

#include <vector>

#include "engine/api/model.h"
#include "server/batcher/clock.h"
#include "server/batcher/dynamic_batcher.h"
#include "server/core/model_statistics.h"
#include "server/core/plan_sizes.h"
#include "server/core/tensor_reshapes.h"

namespace convoy::server {

// REQUIRES: every task is an InferenceTask whose inputs were validated
// against `model` (same names, types, and non-batch dimensions). `reshapes`
// (may be null: none) are the config's, applied before and after each run.
// `plan_sizes` (may be null: always one run) must be the model's own.
void RunBatch(const engine::Model& model, bool batched, std::vector<QueuedTask> batch, Clock* clock,
              ModelStatistics* statistics, BatchDelivery& delivery, const TensorReshapes* reshapes = nullptr,
              PlanSizes* plan_sizes = nullptr);

}  // namespace convoy::server

#endif  // CONVOY_SERVER_CORE_BATCH_RUNNER_H_
