// Constant-subgraph folding, run once at load before the rewrite passes.
//
// A node whose inputs are all initializers, or outputs of such nodes, computes
// the same values on every run: weights transposed or scaled by the exporter,
// a BatchNormalization's variance computed by Add and Sqrt, a Relu of a bias.
// FoldConstants compiles those nodes into one plan (the operators' own
// implementations, in float32 whatever the model's precision), runs it once,
// and replaces them by initializers holding the values the rest of the graph
// reads. The passes after it then see plain weights (a BatchNormalization
// fed by folded statistics folds into its Conv).
#ifndef CONVOY_ENGINE_EXEC_FOLD_CONSTANTS_H_
#define CONVOY_ENGINE_EXEC_FOLD_CONSTANTS_H_

#include <cstdint>

#include "engine/ir/graph.h"

namespace convoy::engine {

// Returns the number of nodes folded. Declines (folds nothing, returns 0)
// when the constant nodes do not compile or a folded value would exceed
// `max_value_bytes` (ModelOptions::max_value_bytes): the error is then
// reported, as for any other node, by the plan that needs the node.
int FoldConstants(ir::Graph& graph, int64_t max_value_bytes);

}  // namespace convoy::engine

#endif  // CONVOY_ENGINE_EXEC_FOLD_CONSTANTS_H_
