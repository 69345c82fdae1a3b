// Small helpers shared by the graph passes.
#ifndef CONVOY_ENGINE_PASSES_PASS_UTIL_H_
#define CONVOY_ENGINE_PASSES_PASS_UTIL_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "engine/ir/graph.h"

namespace convoy::engine {

// Index in graph.nodes of the node producing each value.
absl::flat_hash_map<std::string, size_t> Producers(const ir::Graph& graph);

// Drops the nodes whose `removed` flag is set, keeping the order.
void EraseNodes(ir::Graph& graph, const std::vector<bool>& removed);

// The initializer named `name` if it is a float32 tensor, else nullptr.
const Tensor* FloatInitializer(const ir::Graph& graph, const std::string& name);

// The value of a float32 initializer of one element, or nullopt.
std::optional<float> ScalarInitializer(const ir::Graph& graph, const std::string& name);

// The values of an int64 initializer (axes, shapes), or nullopt.
std::optional<std::vector<int64_t>> Int64Initializer(const ir::Graph& graph,
                                                     const std::string& name);

// `base`, or `base` with a numeric suffix, that names no initializer yet.
std::string FreshInitializerName(const ir::Graph& graph, const std::string& base);

}  // namespace convoy::engine

#endif  // CONVOY_ENGINE_PASSES_PASS_UTIL_H_
