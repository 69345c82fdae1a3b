#include <limits>
#include <optional>

#include "engine/passes/graph_passes.h"
#include "engine/passes/graph_uses.h"
#include "engine/passes/pass_util.h"

namespace convoy::engine {
namespace {

struct Activation {
  float alpha = 0;
  float beta = 0;
};

// A constant scalar bound of Clip, or `fallback` when the input is omitted.
std::optional<float> ClipBound(const ir::Graph& graph, const ir::Node& clip, size_t i,
                               float fallback) {
  if (!clip.HasInput(i)) return fallback;
  const Tensor* t = FloatInitializer(graph, clip.inputs[i]);
  if (t == nullptr || t->num_elements() != 1) return std::nullopt;
  return t->data<float>()[0];
}

// The post-op parameters of an activation node, or nullopt if it cannot be
// a post-op (not an activation, or Clip with run-time bounds).
std::optional<Activation> AsPostOp(const ir::Graph& graph, const ir::Node& node) {
  const std::string& op = node.op_type;
  if (op == "Relu" || op == "Tanh" || op == "Sigmoid" || op == "HardSwish") return Activation{};
  if (op == "HardSigmoid") {
    absl::StatusOr<float> alpha = node.attributes.GetFloat("alpha", 0.2f);
    absl::StatusOr<float> beta = node.attributes.GetFloat("beta", 0.5f);
    if (!alpha.ok() || !beta.ok()) return std::nullopt;
    return Activation{*alpha, *beta};
  }
  if (op == "LeakyRelu") {
    absl::StatusOr<float> alpha = node.attributes.GetFloat("alpha", 0.01f);
    if (!alpha.ok()) return std::nullopt;
    return Activation{*alpha, 0};
  }
  if (op != "Clip") return std::nullopt;
  const float lo = std::numeric_limits<float>::lowest(), hi = std::numeric_limits<float>::max();
  if (graph.opset < 11) {
    absl::StatusOr<float> min = node.attributes.GetFloat("min", lo);
    absl::StatusOr<float> max = node.attributes.GetFloat("max", hi);
    if (!min.ok() || !max.ok()) return std::nullopt;
    return Activation{*min, *max};
  }
  std::optional<float> min = ClipBound(graph, node, 1, lo), max = ClipBound(graph, node, 2, hi);
  if (!min || !max) return std::nullopt;
  return Activation{*min, *max};
}

}  // namespace

absl::Status FuseActivations(ir::Graph& graph) {
  const GraphUses uses(graph);
  const auto producers = Producers(graph);
  std::vector<bool> removed(graph.nodes.size(), false);
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    const ir::Node& act = graph.nodes[n];
    if (!act.HasInput(0) || !act.HasOutput(0)) continue;
    std::optional<Activation> post_op = AsPostOp(graph, act);
    if (!post_op) continue;
    auto producer = producers.find(act.inputs[0]);
    if (producer == producers.end() || !uses.HasSingleReader(act.inputs[0])) continue;
    ir::Node& host = graph.nodes[producer->second];
    if ((host.op_type != "Conv" && host.op_type != "Gemm") || host.attributes.Has(kActivationAttr)) {
      continue;
    }
    host.attributes.Set(kActivationAttr, act.op_type);
    host.attributes.Set(kAlphaAttr, post_op->alpha);
    host.attributes.Set(kBetaAttr, post_op->beta);
    host.outputs[0] = act.outputs[0];
    removed[n] = true;
  }
  EraseNodes(graph, removed);
  return absl::OkStatus();
}

}  // namespace convoy::engine
