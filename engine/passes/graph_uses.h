// Who reads each value of a graph: what the passes check before they fuse
// away a value (it must have exactly one reader and not be a graph output).
#ifndef CONVOY_ENGINE_PASSES_GRAPH_USES_H_
#define CONVOY_ENGINE_PASSES_GRAPH_USES_H_

#include <cstddef>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "engine/ir/graph.h"

namespace convoy::engine {

class GraphUses {
 public:
  explicit GraphUses(const ir::Graph& graph);

  // Number of node inputs that read `value` (a node reading it twice counts twice).
  int Readers(const std::string& value) const;
  bool IsGraphOutput(const std::string& value) const { return outputs_.contains(value); }
  // True if `value` is read by exactly one node input and is not a graph output.
  bool HasSingleReader(const std::string& value) const {
    return Readers(value) == 1 && !IsGraphOutput(value);
  }
  // The index in graph.nodes of the node reading `value` if HasSingleReader.
  std::optional<size_t> SoleReader(const std::string& value) const;

 private:
  absl::flat_hash_map<std::string, int> readers_;
  absl::flat_hash_map<std::string, size_t> last_reader_;  // node index
  absl::flat_hash_set<std::string> outputs_;
};

}  // namespace convoy::engine

#endif  // CONVOY_ENGINE_PASSES_GRAPH_USES_H_
