#include "engine/passes/graph_uses.h"

namespace convoy::engine {

GraphUses::GraphUses(const ir::Graph& graph) {
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    for (const std::string& in : graph.nodes[n].inputs) {
      if (in.empty()) continue;
      ++readers_[in];
      last_reader_[in] = n;
    }
  }
  for (const TensorInfo& out : graph.outputs) outputs_.insert(out.name);
}

int GraphUses::Readers(const std::string& value) const {
  auto it = readers_.find(value);
  return it == readers_.end() ? 0 : it->second;
}

std::optional<size_t> GraphUses::SoleReader(const std::string& value) const {
  if (!HasSingleReader(value)) return std::nullopt;
  return last_reader_.at(value);
}

}  // namespace convoy::engine
