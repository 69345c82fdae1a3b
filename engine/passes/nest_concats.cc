#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include "engine/passes/graph_passes.h"

namespace convoy::engine {
namespace {

struct ConcatSeen {
  const std::string* output;
  int64_t axis;
  std::vector<std::string> inputs;  // as the file had them, before any rewrite
};

}  // namespace

absl::Status NestGrowingConcats(ir::Graph& graph) {
  std::vector<ConcatSeen> seen;
  for (ir::Node& node : graph.nodes) {
    if (node.op_type != "Concat" || !node.HasOutput(0)) continue;
    absl::StatusOr<int64_t> axis = node.attributes.GetInt("axis", 0);
    if (!axis.ok()) continue;  // The operator's own checks report it.
    // The earlier Concat on the same axis with the most inputs, all of them
    // the first inputs of this one.
    const ConcatSeen* prefix = nullptr;
    for (const ConcatSeen& earlier : seen) {
      const size_t length = earlier.inputs.size();
      if (earlier.axis != *axis || length < 2 || length >= node.inputs.size() ||
          (prefix != nullptr && length <= prefix->inputs.size()) ||
          !std::equal(earlier.inputs.begin(), earlier.inputs.end(), node.inputs.begin())) {
        continue;
      }
      prefix = &earlier;
    }
    std::vector<std::string> original = node.inputs;
    if (prefix != nullptr) {
      node.inputs.erase(node.inputs.begin() + 1,
                        node.inputs.begin() + static_cast<ptrdiff_t>(prefix->inputs.size()));
      node.inputs[0] = *prefix->output;
    }
    seen.push_back({&node.outputs[0], *axis, std::move(original)});
  }
  return absl::OkStatus();
}

}  // namespace convoy::engine
