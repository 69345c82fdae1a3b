#include "absl/container/flat_hash_set.h"
#include "engine/passes/graph_passes.h"

namespace convoy::engine {
namespace {

// Weights replaced by folding are dead; dropping them halves the memory of
// a model whose every Conv absorbed a BatchNormalization.
void DropUnusedInitializers(ir::Graph& graph) {
  absl::flat_hash_set<std::string> used;
  for (const ir::Node& node : graph.nodes) used.insert(node.inputs.begin(), node.inputs.end());
  for (const TensorInfo& out : graph.outputs) used.insert(out.name);
  for (auto it = graph.initializers.begin(); it != graph.initializers.end();) {
    it = used.contains(it->first) ? std::next(it) : graph.initializers.erase(it);
  }
}

}  // namespace

absl::Status OptimizeGraph(ir::Graph& graph) {
  // Identities first, so that a Dropout between a Conv and its ReLU does not
  // hide the pattern; BatchNorm before the fusions, since Conv→BN→Add→Relu
  // becomes Conv(+sum+Relu) only once BN is gone; the residual Add before
  // the activation that follows it.
  for (absl::Status (*pass)(ir::Graph&) :
       {RemoveIdentities, FoldPadIntoAveragePool, FuseLayerNorm, FuseGelu, FoldBatchNormIntoConv, FuseResidualAdd,
        FuseGatedActivations, FuseActivations, NestGrowingConcats}) {
    if (absl::Status s = pass(graph); !s.ok()) return s;
  }
  DropUnusedInitializers(graph);
  return absl::OkStatus();
}

}  // namespace convoy::engine
