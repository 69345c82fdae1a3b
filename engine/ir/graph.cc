#include "engine/ir/graph.h"

#include "absl/strings/str_cat.h"

namespace convoy::engine::ir {

absl::Status NodeError(absl::StatusCode code, const Graph& graph, const Node& node,
                       absl::string_view message) {
  return absl::Status(code, absl::StrCat(graph.source, ": node '", node.name, "' (", node.op_type,
                                         "): ", message));
}

}  // namespace convoy::engine::ir
