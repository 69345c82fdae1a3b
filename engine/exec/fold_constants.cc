#include "engine/exec/fold_constants.h"

#include <deque>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "dnnl.hpp"
#include "engine/exec/plan_builder.h"
#include "engine/exec/weight_cache.h"

namespace convoy::engine {
namespace {

// The values of `wanted`, computed by a plan of the nodes they need; every
// one of those nodes reads only constants.
absl::StatusOr<std::vector<Tensor>> Evaluate(const ir::Graph& graph,
                                             const std::vector<std::string>& wanted,
                                             int64_t max_value_bytes) {
  // The plan never reads the graph inputs; it needs a tensor per input
  // anyway, and an empty one has no buffer.
  std::deque<Tensor> empty;
  std::vector<const Tensor*> inputs;
  for (const TensorInfo& info : graph.inputs) {
    inputs.push_back(&empty.emplace_back(info.type, Shape(info.shape.size(), 0)));
  }
  const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  WeightCache weights;
  PlanOptions options;
  options.max_value_bytes = max_value_bytes;
  absl::StatusOr<std::unique_ptr<Plan>> plan =
      PlanBuilder::Build(graph, engine, inputs, wanted, options, weights);
  if (!plan.ok()) return plan.status();
  return (*plan)->Run(inputs);
}

}  // namespace

int FoldConstants(ir::Graph& graph, int64_t max_value_bytes) {
  absl::flat_hash_set<std::string> constant;
  for (const auto& [name, tensor] : graph.initializers) constant.insert(name);
  std::vector<bool> folds(graph.nodes.size(), false);
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const ir::Node& node = graph.nodes[i];
    bool reads_only_constants = false;
    for (const std::string& in : node.inputs) {
      if (in.empty()) continue;
      reads_only_constants = constant.contains(in);
      if (!reads_only_constants) break;
    }
    if (!reads_only_constants) continue;  // Also for nodes without inputs.
    folds[i] = true;
    for (const std::string& out : node.outputs) {
      if (!out.empty()) constant.insert(out);
    }
  }
  // The folded values something else reads: a node left, or the caller.
  std::vector<std::string> wanted;
  absl::flat_hash_set<std::string> seen;
  auto want = [&](const std::string& name) {
    const bool computed = constant.contains(name) && graph.initializers.count(name) == 0;
    if (computed && seen.insert(name).second) wanted.push_back(name);
  };
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    if (folds[i]) continue;
    for (const std::string& in : graph.nodes[i].inputs) want(in);
  }
  for (const TensorInfo& out : graph.outputs) want(out.name);
  if (wanted.empty()) return 0;

  absl::StatusOr<std::vector<Tensor>> values = Evaluate(graph, wanted, max_value_bytes);
  if (!values.ok()) return 0;
  for (size_t k = 0; k < wanted.size(); ++k) {
    graph.initializers.emplace(wanted[k], std::move((*values)[k]));
  }
  // What is left of the folded nodes' outputs only folded nodes read.
  std::vector<ir::Node> kept;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    if (!folds[i]) kept.push_back(std::move(graph.nodes[i]));
  }
  const int folded = static_cast<int>(graph.nodes.size() - kept.size());
  graph.nodes = std::move(kept);
  return folded;
}

}  // namespace convoy::engine
