#include "engine/passes/pass_util.h"

#include "absl/strings/str_cat.h"

namespace convoy::engine {

absl::flat_hash_map<std::string, size_t> Producers(const ir::Graph& graph) {
  absl::flat_hash_map<std::string, size_t> producers;
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    for (const std::string& out : graph.nodes[n].outputs) {
      if (!out.empty()) producers[out] = n;
    }
  }
  return producers;
}

void EraseNodes(ir::Graph& graph, const std::vector<bool>& removed) {
  std::vector<ir::Node> kept;
  kept.reserve(graph.nodes.size());
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    if (!removed[n]) kept.push_back(std::move(graph.nodes[n]));
  }
  graph.nodes = std::move(kept);
}

const Tensor* FloatInitializer(const ir::Graph& graph, const std::string& name) {
  auto it = graph.initializers.find(name);
  if (it == graph.initializers.end() || it->second.type() != DataType::kFloat32) return nullptr;
  return &it->second;
}

std::optional<float> ScalarInitializer(const ir::Graph& graph, const std::string& name) {
  const Tensor* t = FloatInitializer(graph, name);
  if (t == nullptr || t->num_elements() != 1) return std::nullopt;
  return t->data<float>()[0];
}

std::optional<std::vector<int64_t>> Int64Initializer(const ir::Graph& graph,
                                                     const std::string& name) {
  auto it = graph.initializers.find(name);
  if (it == graph.initializers.end() || it->second.type() != DataType::kInt64 ||
      !it->second.has_bytes()) {
    return std::nullopt;
  }
  const int64_t* data = it->second.data<int64_t>();
  return std::vector<int64_t>(data, data + it->second.num_elements());
}

std::string FreshInitializerName(const ir::Graph& graph, const std::string& base) {
  std::string name = base;
  for (int i = 1; graph.initializers.count(name) > 0; ++i) name = absl::StrCat(base, "_", i);
  return name;
}

}  // namespace convoy::engine
