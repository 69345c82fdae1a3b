#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "engine/passes/graph_passes.h"
#include "engine/passes/graph_uses.h"
#include "engine/passes/pass_util.h"

namespace convoy::engine {
namespace {

// The pieces of a layer normalization spelled out, as PyTorch exports it
// below opset 17 (the ReduceMeans' axes an attribute, or from opset 18 an
// input):
//   m = ReduceMean(x, axes)   d = Sub(x, m)   p = Pow(d, 2) or Mul(d, d)
//   v = ReduceMean(p, axes)   s = Sqrt(Add(v, eps))   n = Div(d, s)
//   [y = Mul(n, scale)   [z = Add(y, bias)]]
class LayerNormMatcher {
 public:
  LayerNormMatcher(const ir::Graph& graph, const GraphUses& uses)
      : graph_(graph), uses_(uses), producers_(Producers(graph)) {}

  struct Match {
    std::string x;
    int64_t axis;  // negative: the normalised axes are [axis, -1]
    float epsilon;
    std::vector<size_t> nodes;  // every node of the pattern, the last one last
  };

  // The pattern ending at the Div `div`, with the Mul by a constant scale
  // (required: the scale's size is what fixes the normalised size before
  // shapes are known) and the Add of a constant bias (optional).
  std::optional<Match> MatchAt(size_t div) {
    const ir::Node& n = graph_.nodes[div];
    if (n.op_type != "Div" || n.inputs.size() != 2) return std::nullopt;
    const std::string& d = n.inputs[0];
    const ir::Node* sub = Producer(d, "Sub");
    const ir::Node* sqrt = Producer(n.inputs[1], "Sqrt");
    if (sub == nullptr || sqrt == nullptr || sub->inputs.size() != 2) return std::nullopt;
    const std::string& x = sub->inputs[0];
    const ir::Node* mean = Producer(sub->inputs[1], "ReduceMean");
    const int64_t axis = mean ? TrailingAxes(*mean, x) : 0;
    const ir::Node* add = Producer(sqrt->inputs[0], "Add");
    if (axis == 0 || add == nullptr || add->inputs.size() != 2) return std::nullopt;
    const bool eps_first = FloatInitializer(graph_, add->inputs[0]) != nullptr;
    std::optional<float> epsilon = ScalarInitializer(graph_, add->inputs[eps_first ? 0 : 1]);
    const ir::Node* variance = Producer(add->inputs[eps_first ? 1 : 0], "ReduceMean");
    if (!epsilon || variance == nullptr) return std::nullopt;
    const ir::Node* square = Producer(variance->inputs[0], "Pow");
    if (square != nullptr &&
        (square->inputs[0] != d || ScalarInitializer(graph_, square->inputs[1]) != 2.0f)) {
      return std::nullopt;
    }
    if (square == nullptr) square = Producer(variance->inputs[0], "Mul");
    if (square == nullptr || square->inputs.size() != 2 || square->inputs[0] != d ||
        (square->op_type == "Mul" && square->inputs[1] != d)) {
      return std::nullopt;
    }
    if (TrailingAxes(*variance, square->outputs[0]) != axis) return std::nullopt;
    // d is read by the square (once or twice) and the Div; the rest once.
    const int d_readers = square->op_type == "Mul" ? 3 : 2;
    if (uses_.Readers(d) != d_readers || uses_.IsGraphOutput(d)) return std::nullopt;
    for (const ir::Node* inner : {mean, square, variance, add, sqrt}) {
      if (!uses_.HasSingleReader(inner->outputs[0])) return std::nullopt;
    }
    Match match{x, axis, *epsilon, {}};
    for (const ir::Node* node : {mean, sub, square, variance, add, sqrt}) {
      match.nodes.push_back(static_cast<size_t>(node - graph_.nodes.data()));
    }
    match.nodes.push_back(div);
    return match;
  }

 private:
  const ir::Node* Producer(const std::string& value, absl::string_view op) const {
    auto it = producers_.find(value);
    if (it == producers_.end()) return nullptr;
    const ir::Node& node = graph_.nodes[it->second];
    return node.op_type == op && node.HasInput(0) && node.HasOutput(0) ? &node : nullptr;
  }

  // The first axis of a ReduceMean of `input` over the last axes, kept,
  // written as negative numbers (-1, or -2 and -1, ...); 0 for another.
  int64_t TrailingAxes(const ir::Node& mean, const std::string& input) const {
    if (mean.inputs.empty() || mean.inputs[0] != input) return 0;
    absl::StatusOr<std::vector<int64_t>> axes = mean.attributes.GetInts("axes", {});
    if (graph_.opset >= 18) {  // The axes became an input.
      std::optional<std::vector<int64_t>> given;
      if (mean.inputs.size() == 2) given = Int64Initializer(graph_, mean.inputs[1]);
      if (!given) return 0;
      axes = *std::move(given);
    } else if (mean.inputs.size() != 1) {
      return 0;
    }
    absl::StatusOr<int64_t> keepdims = mean.attributes.GetInt("keepdims", 1);
    if (!axes.ok() || axes->empty() || !keepdims.ok() || *keepdims != 1) return 0;
    const int64_t first = -static_cast<int64_t>(axes->size());
    for (size_t i = 0; i < axes->size(); ++i) {
      if ((*axes)[i] != first + static_cast<int64_t>(i)) return 0;
    }
    return first;
  }

  const ir::Graph& graph_;
  const GraphUses& uses_;
  absl::flat_hash_map<std::string, size_t> producers_;
};

// A constant of one value per normalised element read by `node` (a Mul
// or Add with the pattern's result as its other input): its dims, all of
// them past 1, are the last dims of the input, so its size is the
// normalised size. Returns its name, or nullptr.
const std::string* AffineParameter(const ir::Graph& graph, const ir::Node& node,
                                   const std::string& result, int64_t axis) {
  if (node.inputs.size() != 2) return nullptr;
  const size_t side = node.inputs[0] == result ? 1 : 0;
  if (node.inputs[1 - side] != result) return nullptr;
  const Tensor* t = FloatInitializer(graph, node.inputs[side]);
  if (t == nullptr || static_cast<int64_t>(t->shape().size()) != -axis) return nullptr;
  for (int64_t dim : t->shape()) {
    if (dim < 2) return nullptr;
  }
  return &node.inputs[side];
}

}  // namespace

absl::Status FuseLayerNorm(ir::Graph& graph) {
  const GraphUses uses(graph);
  LayerNormMatcher matcher(graph, uses);
  std::vector<bool> removed(graph.nodes.size(), false);
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    std::optional<LayerNormMatcher::Match> match = matcher.MatchAt(n);
    if (!match) continue;
    // The scale, then the bias, each the single reader of the value before.
    std::vector<std::string> params;
    size_t last = n;
    for (absl::string_view op : {"Mul", "Add"}) {
      const std::string& value = graph.nodes[last].outputs[0];
      const std::optional<size_t> next = uses.SoleReader(value);
      if (!next || graph.nodes[*next].op_type != op) break;
      const std::string* param = AffineParameter(graph, graph.nodes[*next], value, match->axis);
      if (param == nullptr) break;
      params.push_back(*param);
      match->nodes.push_back(last = *next);
    }
    if (params.empty()) continue;  // No scale: the normalised size is unknown here.
    for (size_t node : match->nodes) removed[node] = true;
    ir::Node& fused = graph.nodes[last];
    removed[last] = false;
    fused.op_type = "LayerNormalization";
    fused.inputs = {match->x};
    fused.inputs.insert(fused.inputs.end(), params.begin(), params.end());
    fused.attributes = ir::AttributeMap();
    fused.attributes.Set("axis", match->axis);
    fused.attributes.Set("epsilon", match->epsilon);
  }
  EraseNodes(graph, removed);
  return absl::OkStatus();
}

}  // namespace convoy::engine
