// Auto-complete: fills in what a model configuration leaves out from the
// model's graph, as Triton's ONNX Runtime backend does (its
// AutoCompleteConfig), so that a model with a partial config.pbtxt, or none,
// is served as Triton would serve it. The server runs it on every config
// read with ConfigCompleteness::kPartial (the default; off with
// --disable-auto-complete-config), between loading the model file and the
// checks of repository::CheckCompletedModelConfig.
//
// When the config lists no inputs or no outputs (Triton completes only
// then; a config that lists both keeps its max_batch_size and scheduling):
//   - max_batch_size: if the model batches (every graph input and output has
//     a dynamic first dimension) and the config leaves it at 0, the server's
//     --default-max-batch-size (4, Triton's default too). A config that sets
//     it for a model that cannot batch is refused, as Triton refuses it.
//   - dynamic_batching { }: if the model batches, the completed
//     max_batch_size is above 1 and the config sets no scheduler.
//   - the missing list from the graph, in the graph's order: each tensor's
//     data_type and dims, without the batch dimension when batching; a
//     tensor that has no dimension besides the batch gets dims [1] and an
//     empty reshape, as in Triton.
// Beyond Triton, which refuses such configs: a listed tensor without
// data_type or dims gets them from the graph, and graph inputs the config
// leaves out are added (outputs are not: listing some is a choice).
//
// The completed config is then checked as a complete one would be: the
// validation, and CheckConfigAgainstModel in servable_model.cc, which
// refuses a data type or dims that contradict the graph, naming the tensor.
//
// Thread-safety: stateless.
#ifndef CONVOY_SERVER_CORE_CONFIG_COMPLETION_H_
#define CONVOY_SERVER_CORE_CONFIG_COMPLETION_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/api/model.h"
#include "model_config.pb.h"

namespace convoy::server {

// Completes `config` from the graph's inputs and outputs (engine::Model's
// inputs() and outputs()). Returns what it filled in, for the log
// ("max_batch_size 4", "dynamic_batching", "input 'x'", "output 'y' dims"),
// empty if nothing. InvalidArgument naming the tensor or field when the
// config cannot be completed: a listed tensor to complete that the graph
// does not have, a graph tensor of unknown shape, batching asked of a
// model that cannot batch.
absl::StatusOr<std::vector<std::string>> CompleteConfigFromModel(
    const std::vector<engine::TensorInfo>& graph_inputs, const std::vector<engine::TensorInfo>& graph_outputs,
    int64_t default_max_batch_size, inference::ModelConfig* config);

}  // namespace convoy::server

#endif  // CONVOY_SERVER_CORE_CONFIG_COMPLETION_H_
