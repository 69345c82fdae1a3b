#include "engine/exec/int8_ranges.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "engine/exec/products.h"

namespace convoy::engine {
namespace {

bool IsMaxPool(const ir::Node& node) {
  return node.op_type == "MaxPool" && node.HasInput(0) && node.HasOutput(0);
}

// Each value's readers: (node, input index) pairs, and a null node for a
// graph output.
using ReaderList = std::vector<std::pair<const ir::Node*, size_t>>;
using Readers = absl::flat_hash_map<std::string, ReaderList>;

Readers ReadersOf(const ir::Graph& graph) {
  Readers readers;
  for (const ir::Node& node : graph.nodes) {
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      if (node.HasInput(i)) readers[node.inputs[i]].emplace_back(&node, i);
    }
  }
  for (const TensorInfo& output : graph.outputs) readers[output.name].emplace_back(nullptr, 0);
  return readers;
}

}  // namespace

Calibration PropagateInt8Ranges(const ir::Graph& graph, const Calibration& measured) {
  Calibration calibration = measured;
  auto& ranges = calibration.ranges;
  const Readers readers = ReadersOf(graph);
  const ReaderList none;
  auto readers_of = [&](const std::string& name) -> const ReaderList& {
    auto it = readers.find(name);
    return it == readers.end() ? none : it->second;
  };
  // An average pool whose output has a range averages 8 bits, rescaled
  // into that range (engine/ops/pool.cc).
  auto averages_in_8_bits = [&](const ir::Node& node) {
    return node.op_type == "AveragePool" && node.HasOutput(0) && ranges.contains(node.outputs[0]);
  };
  // Stored in 8 bits, a value loses nothing for readers that quantize it
  // anyway: an int8 product's data input (with constant weights), a
  // concatenation or max pool passing 8 bits on; an average pool averages
  // the rounded values, within a rounding of the exact average. A
  // residual, another operator, a product of run-time weights or a graph
  // output would read it rounded where it reads it exact now.
  auto read_in_8_bits = [&](const std::string& name) {
    for (const auto& [node, index] : readers_of(name)) {
      const bool quantizes = node != nullptr && (QuantizesInput(graph, *node, index) ||
                                                 node->op_type == "Concat" || IsMaxPool(*node) ||
                                                 averages_in_8_bits(*node));
      if (!quantizes) return false;
    }
    return true;
  };
  auto read_only_by = [&](const std::string& name, const ir::Node& node) {
    const ReaderList& of = readers_of(name);
    return of.size() == 1 && of[0].first == &node;
  };
  // A pool's input that only it reads takes its output's range, last pools
  // first so that a chain of them passes it back.
  for (auto node = graph.nodes.rbegin(); node != graph.nodes.rend(); ++node) {
    if (!IsMaxPool(*node) || !read_only_by(node->inputs[0], *node) ||
        !read_in_8_bits(node->outputs[0])) {
      continue;
    }
    auto out = ranges.find(node->outputs[0]);
    if (out == ranges.end()) continue;
    // Copies, here and below: inserting may move the map's nodes, and
    // `out` with them.
    const ValueRange range = out->second;
    ranges.try_emplace(node->inputs[0], range);
  }
  // A pool's output takes its input's range.
  for (const ir::Node& node : graph.nodes) {
    if (!IsMaxPool(node) || !read_in_8_bits(node.outputs[0])) continue;
    auto in = ranges.find(node.inputs[0]);
    if (in != ranges.end()) {
      const ValueRange range = in->second;
      ranges[node.outputs[0]] = range;
    }
  }
  // A concatenation's input that only it reads takes its output's range.
  for (auto node = graph.nodes.rbegin(); node != graph.nodes.rend(); ++node) {
    if (node->op_type != "Concat" || !node->HasOutput(0) || !read_in_8_bits(node->outputs[0])) {
      continue;
    }
    auto out = ranges.find(node->outputs[0]);
    if (out == ranges.end()) continue;
    const ValueRange range = out->second;
    for (const std::string& input : node->inputs) {
      if (!input.empty() && read_only_by(input, *node)) ranges.try_emplace(input, range);
    }
  }
  return calibration;
}

}  // namespace convoy::engine
