#include <cmath>
#include <optional>

#include "absl/strings/str_cat.h"
#include "engine/passes/graph_passes.h"
#include "engine/passes/graph_uses.h"
#include "engine/passes/pass_util.h"

namespace convoy::engine {
namespace {

struct BatchNormParams {
  const Tensor* scale;
  const Tensor* shift;
  const Tensor* mean;
  const Tensor* var;
  float epsilon;
};

// The BN's parameters if all are constant and one per output channel.
std::optional<BatchNormParams> ReadParams(const ir::Graph& graph, const ir::Node& bn,
                                          int64_t channels) {
  if (bn.inputs.size() != 5) return std::nullopt;
  for (size_t i = 1; i < bn.outputs.size(); ++i) {  // Training outputs.
    if (bn.HasOutput(i)) return std::nullopt;
  }
  const Tensor* params[4];
  for (size_t i = 0; i < 4; ++i) {
    params[i] = FloatInitializer(graph, bn.inputs[i + 1]);
    if (params[i] == nullptr || params[i]->shape() != Shape{channels}) return std::nullopt;
  }
  absl::StatusOr<int64_t> training = bn.attributes.GetInt("training_mode", 0);
  absl::StatusOr<int64_t> spatial = bn.attributes.GetInt("spatial", 1);
  absl::StatusOr<float> epsilon = bn.attributes.GetFloat("epsilon", 1e-5f);
  if (!training.ok() || *training != 0 || !spatial.ok() || *spatial != 1 || !epsilon.ok()) {
    return std::nullopt;
  }
  return BatchNormParams{params[0], params[1], params[2], params[3], *epsilon};
}

}  // namespace

absl::Status FoldBatchNormIntoConv(ir::Graph& graph) {
  const GraphUses uses(graph);
  const auto producers = Producers(graph);
  std::vector<bool> removed(graph.nodes.size(), false);
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    const ir::Node& bn = graph.nodes[n];
    if (bn.op_type != "BatchNormalization" || !bn.HasInput(0) || !bn.HasOutput(0)) continue;
    auto producer = producers.find(bn.inputs[0]);
    if (producer == producers.end() || !uses.HasSingleReader(bn.inputs[0])) continue;
    ir::Node& conv = graph.nodes[producer->second];
    if (conv.op_type != "Conv" || conv.attributes.Has(kActivationAttr) || !conv.HasInput(1)) {
      continue;
    }
    const Tensor* weight = FloatInitializer(graph, conv.inputs[1]);
    const Tensor* bias = conv.HasInput(2) ? FloatInitializer(graph, conv.inputs[2]) : nullptr;
    if (weight == nullptr || weight->shape().empty() || (conv.HasInput(2) && bias == nullptr)) {
      continue;
    }
    const int64_t channels = weight->shape()[0];
    std::optional<BatchNormParams> params = ReadParams(graph, bn, channels);
    if (!params) continue;
    const BatchNormParams& p = *params;
    if (bias != nullptr && bias->shape() != Shape{channels}) continue;

    // y = scale * (conv(x) + b - mean) / sqrt(var + eps) + shift
    //   = conv_{W * k}(x) + (b - mean) * k + shift,  k = scale / sqrt(var + eps)
    Tensor folded_weight = *weight;
    Tensor folded_bias(DataType::kFloat32, {channels});
    const int64_t per_channel = weight->num_elements() / channels;
    for (int64_t c = 0; c < channels; ++c) {
      const float k = p.scale->data<float>()[c] / std::sqrt(p.var->data<float>()[c] + p.epsilon);
      float* w = folded_weight.data<float>() + c * per_channel;
      for (int64_t i = 0; i < per_channel; ++i) w[i] *= k;
      const float b = bias != nullptr ? bias->data<float>()[c] : 0.0f;
      folded_bias.data<float>()[c] = (b - p.mean->data<float>()[c]) * k + p.shift->data<float>()[c];
    }
    const std::string weight_name = FreshInitializerName(graph, absl::StrCat(bn.name, ".folded_weight"));
    graph.initializers.emplace(weight_name, std::move(folded_weight));
    const std::string bias_name = FreshInitializerName(graph, absl::StrCat(bn.name, ".folded_bias"));
    graph.initializers.emplace(bias_name, std::move(folded_bias));
    conv.inputs.resize(3);
    conv.inputs[1] = weight_name;
    conv.inputs[2] = bias_name;
    conv.outputs[0] = bn.outputs[0];
    removed[n] = true;
  }
  EraseNodes(graph, removed);
  return absl::OkStatus();
}

}  // namespace convoy::engine
