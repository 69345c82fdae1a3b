#include "engine/passes/graph_passes.h"
#include "engine/passes/graph_uses.h"
#include "engine/passes/pass_util.h"

namespace convoy::engine {

absl::Status FuseResidualAdd(ir::Graph& graph) {
  // Before opset 7, Add broadcast by its own rules; leave those alone.
  if (graph.opset < 7) return absl::OkStatus();
  const GraphUses uses(graph);
  const auto producers = Producers(graph);
  std::vector<bool> removed(graph.nodes.size(), false);
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    const ir::Node& add = graph.nodes[n];
    if (add.op_type != "Add" || add.inputs.size() != 2 || !add.HasOutput(0) ||
        add.inputs[0] == add.inputs[1]) {
      continue;
    }
    for (size_t side : {0, 1}) {
      const std::string& conv_out = add.inputs[side];
      const std::string& residual = add.inputs[1 - side];
      auto producer = producers.find(conv_out);
      // A residual is computed by the network; a constant operand is more
      // likely a broadcast bias, which a sum post-op cannot add.
      if (producer == producers.end() || !uses.HasSingleReader(conv_out) ||
          !producers.contains(residual)) {
        continue;
      }
      ir::Node conv = graph.nodes[producer->second];
      if (conv.op_type != "Conv" || conv.attributes.Has(kActivationAttr) ||
          conv.attributes.Has(kSumAttr) || conv.inputs.size() > 3) {
        continue;
      }
      conv.inputs.resize(4);  // An absent bias stays an empty name.
      conv.inputs[3] = residual;
      conv.attributes.Set(kSumAttr, int64_t{1});
      conv.outputs[0] = add.outputs[0];
      removed[producer->second] = true;
      graph.nodes[n] = std::move(conv);  // Takes the Add's place, after the residual.
      break;
    }
  }
  EraseNodes(graph, removed);
  return absl::OkStatus();
}

}  // namespace convoy::engine
