#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "engine/passes/graph_passes.h"
#include "engine/passes/graph_uses.h"
#include "engine/passes/pass_util.h"

namespace convoy::engine {
namespace {

bool Near(std::optional<float> value, double want) {
  return value && std::fabs(*value - want) <= 1e-6 * std::fabs(want);
}

// The input of `node` other than `value` if `node` is `op` with `value` as
// one of its two inputs, else nullptr.
const std::string* OtherInput(const ir::Node& node, absl::string_view op,
                              const std::string& value) {
  if (node.op_type != op || node.inputs.size() != 2) return nullptr;
  if (node.inputs[0] == value) return &node.inputs[1];
  if (node.inputs[1] == value) return &node.inputs[0];
  return nullptr;
}

}  // namespace

absl::Status FuseGelu(ir::Graph& graph) {
  const GraphUses uses(graph);
  const auto producers = Producers(graph);
  // The node reading `value`, if it is its only reader.
  auto only_reader = [&](const std::string& value) -> const ir::Node* {
    const std::optional<size_t> reader = uses.SoleReader(value);
    return reader ? &graph.nodes[*reader] : nullptr;
  };
  std::vector<bool> removed(graph.nodes.size(), false);
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    const ir::Node& erf = graph.nodes[n];
    if (erf.op_type != "Erf" || !erf.HasInput(0) || !erf.HasOutput(0)) continue;
    // erf(x / sqrt(2)) or erf(x * (1 / sqrt(2))), then (1 + that) * x * 0.5.
    auto scaled = producers.find(erf.inputs[0]);
    if (scaled == producers.end() || !uses.HasSingleReader(erf.inputs[0])) continue;
    const ir::Node& scale = graph.nodes[scaled->second];
    if (scale.inputs.size() != 2 || !scale.HasInput(0)) continue;
    const std::string& x = scale.inputs[0];
    const std::optional<float> factor = ScalarInitializer(graph, scale.inputs[1]);
    const bool divides = scale.op_type == "Div" && Near(factor, std::sqrt(2.0));
    const bool multiplies = scale.op_type == "Mul" && Near(factor, 1 / std::sqrt(2.0));
    if (!divides && !multiplies) continue;
    const ir::Node* plus_one = only_reader(erf.outputs[0]);
    const std::string* one = plus_one ? OtherInput(*plus_one, "Add", erf.outputs[0]) : nullptr;
    if (one == nullptr || !Near(ScalarInitializer(graph, *one), 1.0)) continue;
    const ir::Node* times_x = only_reader(plus_one->outputs[0]);
    const std::string* x_again =
        times_x ? OtherInput(*times_x, "Mul", plus_one->outputs[0]) : nullptr;
    if (x_again == nullptr || *x_again != x || uses.Readers(x) != 2 || uses.IsGraphOutput(x)) {
      continue;
    }
    const ir::Node* half = only_reader(times_x->outputs[0]);
    const std::string* half_value = half ? OtherInput(*half, "Mul", times_x->outputs[0]) : nullptr;
    if (half_value == nullptr || !Near(ScalarInitializer(graph, *half_value), 0.5)) continue;
    for (const ir::Node* node : {&scale, &erf, plus_one, times_x}) {
      removed[static_cast<size_t>(node - graph.nodes.data())] = true;
    }
    ir::Node& gelu = graph.nodes[static_cast<size_t>(half - graph.nodes.data())];
    gelu.op_type = "Gelu";
    gelu.inputs = {x};
    gelu.attributes = ir::AttributeMap();
  }
  EraseNodes(graph, removed);
  return absl::OkStatus();
}

}  // namespace convoy::engine
