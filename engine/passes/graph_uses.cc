#include "engine/passes/graph_uses.h"

namespace convoy::engine {

GraphUses::GraphUses(const ir::Graph& graph) {
  for (const ir::Node& node : graph.nodes) {
    for (const std::string& in : node.inputs) {
      if (!in.empty()) ++readers_[in];
    }
  }
  for (const TensorInfo& out : graph.outputs) outputs_.insert(out.name);
}

int GraphUses::Readers(const std::string& value) const {
  auto it = readers_.find(value);
  return it == readers_.end() ? 0 : it->second;
}

}  // namespace convoy::engine
