#include <cmath>
#include <limits>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
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
  return ScalarInitializer(graph, clip.inputs[i]);
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
  if (op == "Swish") {  // Opset 24's; a fused Swish is SiLU, alpha 1.
    absl::StatusOr<float> alpha = node.attributes.GetFloat("alpha", 1.0f);
    if (!alpha.ok() || *alpha != 1.0f) return std::nullopt;
    return Activation{1.0f, 0};
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

// True for a node whose output can take `activation` as a post-op: a Conv
// or Gemm any of them, a BatchNormalization a ReLU (oneDNN's
// fuse_norm_relu, as in pre-activation DenseNet blocks).
bool CanHostActivation(const ir::Node& node, absl::string_view activation) {
  if (node.attributes.Has(kActivationAttr)) return false;
  if (node.op_type == "BatchNormalization") return activation == "Relu";
  return node.op_type == "Conv" || node.op_type == "Gemm";
}

// The activation that x * gate(x) is, or nullopt: Sigmoid makes Swish
// (SiLU), HardSigmoid with alpha 1/6 and beta 1/2 makes HardSwish.
std::optional<std::string> GatedActivation(const ir::Graph& graph, const ir::Node& gate) {
  if (gate.op_type == "Sigmoid") return "Swish";
  if (gate.op_type != "HardSigmoid") return std::nullopt;
  std::optional<Activation> params = AsPostOp(graph, gate);
  if (!params || std::fabs(params->alpha - 1.0f / 6) > 1e-6f || params->beta != 0.5f) {
    return std::nullopt;
  }
  return "HardSwish";
}

}  // namespace

absl::Status FuseGatedActivations(ir::Graph& graph) {
  const GraphUses uses(graph);
  const auto producers = Producers(graph);
  std::vector<bool> removed(graph.nodes.size(), false);
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    const ir::Node& mul = graph.nodes[n];
    if (mul.op_type != "Mul" || mul.inputs.size() != 2 || !mul.HasOutput(0)) continue;
    for (size_t side : {0, 1}) {
      const std::string& gated = mul.inputs[side];
      const std::string& x = mul.inputs[1 - side];
      auto gate = producers.find(gated), host = producers.find(x);
      if (gate == producers.end() || host == producers.end()) continue;
      const ir::Node& gate_node = graph.nodes[gate->second];
      if (!gate_node.HasInput(0) || gate_node.inputs[0] != x) continue;
      std::optional<std::string> activation = GatedActivation(graph, gate_node);
      // x is read by the gate and the Mul only, so both can go.
      if (!activation || !uses.HasSingleReader(gated) || uses.Readers(x) != 2 ||
          uses.IsGraphOutput(x) || !CanHostActivation(graph.nodes[host->second], *activation)) {
        continue;
      }
      ir::Node& host_node = graph.nodes[host->second];
      host_node.attributes.Set(kActivationAttr, *activation);
      host_node.attributes.Set(kAlphaAttr, 1.0f);
      host_node.attributes.Set(kBetaAttr, 0.0f);
      host_node.outputs[0] = mul.outputs[0];
      removed[gate->second] = removed[n] = true;
      break;
    }
  }
  EraseNodes(graph, removed);
  return absl::OkStatus();
}

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
    if (!CanHostActivation(host, act.op_type)) continue;
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
