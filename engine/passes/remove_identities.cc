#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "engine/passes/graph_passes.h"
#include "engine/passes/graph_uses.h"
#include "engine/passes/pass_util.h"

namespace convoy::engine {
namespace {

// A Pad whose pads are all zero copies its input, in every mode. PyTorch
// exports one before each AveragePool of LeNet-5, for example.
bool PadsNothing(const ir::Graph& graph, const ir::Node& node) {
  std::vector<int64_t> pads;
  if (node.HasInput(1)) {  // Opset 11 on: an input.
    auto it = graph.initializers.find(node.inputs[1]);
    if (it == graph.initializers.end() || it->second.type() != DataType::kInt64) return false;
    absl::Span<const int64_t> values = it->second.values<int64_t>();
    pads.assign(values.begin(), values.end());
  } else {  // Before: an attribute.
    absl::StatusOr<std::vector<int64_t>> attr = node.attributes.GetInts("pads", {});
    if (!attr.ok()) return false;
    pads = *std::move(attr);
  }
  return !pads.empty() && std::all_of(pads.begin(), pads.end(), [](int64_t p) { return p == 0; });
}

// Dropout is the identity at inference unless it also returns its mask or
// is told to train (then the node stays, and the engine refuses it).
bool ForwardsItsInput(const ir::Graph& graph, const ir::Node& node) {
  if (node.op_type == "Identity") return node.HasInput(0) && node.HasOutput(0);
  if (node.op_type == "Pad") return node.HasInput(0) && node.HasOutput(0) && PadsNothing(graph, node);
  if (node.op_type != "Dropout" || !node.HasInput(0) || !node.HasOutput(0) || node.HasOutput(1)) {
    return false;
  }
  if (!node.HasInput(2)) return true;
  auto it = graph.initializers.find(node.inputs[2]);
  if (it == graph.initializers.end() || it->second.num_elements() != 1) return false;
  const Tensor& mode = it->second;
  return mode.type() == DataType::kFloat32 ? mode.data<float>()[0] == 0
                                           : mode.data<int64_t>()[0] == 0;
}

}  // namespace

absl::Status RemoveIdentities(ir::Graph& graph) {
  const GraphUses uses(graph);
  absl::flat_hash_map<std::string, std::string> forwarded;  // Output → what it forwards.
  std::vector<bool> removed(graph.nodes.size(), false);
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    ir::Node& node = graph.nodes[n];
    for (std::string& in : node.inputs) {
      auto it = forwarded.find(in);
      if (it != forwarded.end()) in = it->second;
    }
    // A graph output keeps its name, so the node producing it stays.
    if (!ForwardsItsInput(graph, node) || uses.IsGraphOutput(node.outputs[0])) continue;
    forwarded[node.outputs[0]] = node.inputs[0];
    removed[n] = true;
  }
  EraseNodes(graph, removed);
  return absl::OkStatus();
}

}  // namespace convoy::engine
