// The engine's intermediate representation of a network.
//
// A Graph is what the ONNX loader produces and what rewrite passes and the
// plan compiler consume: named values (graph inputs, initializers, node
// outputs) connected by nodes in topological order. Shapes here are as
// declared (-1 = dynamic); concrete shapes are inferred per plan, because
// they depend on the batch size.
//
// Values are referred to by name, as in ONNX: a name is defined exactly once
// (graph input, initializer, or one node output). An empty input name is an
// omitted optional input.
#ifndef CONVOY_ENGINE_IR_GRAPH_H_
#define CONVOY_ENGINE_IR_GRAPH_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "engine/api/model.h"
#include "engine/api/tensor.h"
#include "engine/ir/attribute.h"

namespace convoy::engine::ir {

struct Node {
  std::string name;  // Unique; the loader names unnamed nodes "<op_type>_<index>".
  std::string op_type;
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  AttributeMap attributes;

  bool HasInput(size_t i) const { return i < inputs.size() && !inputs[i].empty(); }
  bool HasOutput(size_t i) const { return i < outputs.size() && !outputs[i].empty(); }
};

struct Graph {
  std::string source;  // Where the graph came from (a file path), for errors.
  int64_t opset = 0;   // Version of the default ONNX domain.
  std::vector<TensorInfo> inputs;   // Graph inputs that are not initializers.
  std::vector<TensorInfo> outputs;
  std::map<std::string, Tensor> initializers;  // Includes Constant nodes' values.
  std::vector<Node> nodes;                     // Topologically sorted.
};

// "model.onnx: node 'conv1' (Conv): <message>", with the status code given.
absl::Status NodeError(absl::StatusCode code, const Graph& graph, const Node& node,
                       absl::string_view message);

}  // namespace convoy::engine::ir

#endif  // CONVOY_ENGINE_IR_GRAPH_H_
