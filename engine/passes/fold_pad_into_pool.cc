#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "engine/passes/graph_passes.h"
#include "engine/passes/graph_uses.h"
#include "engine/passes/pass_util.h"

namespace convoy::engine {
namespace {

// The pads of a Pad by zeros (constant mode, value 0, every axis), as ONNX
// orders them (all begins, then all ends); nullopt for any other Pad or
// pads not known at load.
std::optional<std::vector<int64_t>> ZeroPads(const ir::Graph& graph, const ir::Node& pad) {
  absl::StatusOr<std::string> mode = pad.attributes.GetString("mode", "constant");
  if (!mode.ok() || *mode != "constant" || !pad.HasInput(0) || !pad.HasOutput(0)) {
    return std::nullopt;
  }
  if (graph.opset < 11) {  // Pads and value as attributes.
    absl::StatusOr<std::vector<int64_t>> pads = pad.attributes.GetInts("pads", {});
    absl::StatusOr<float> value = pad.attributes.GetFloat("value", 0.0f);
    if (!pads.ok() || !value.ok() || *value != 0) return std::nullopt;
    return *std::move(pads);
  }
  // Opset 11 on: inputs, and from 18 the axes they apply to (not folded).
  if (!pad.HasInput(1) || pad.HasInput(3)) return std::nullopt;
  if (pad.HasInput(2)) {
    const std::optional<float> value = ScalarInitializer(graph, pad.inputs[2]);
    if (!value || *value != 0) return std::nullopt;
  }
  return Int64Initializer(graph, pad.inputs[1]);
}

// Whether `pool` is an AveragePool that pads nothing itself and rounds its
// output size down, so that padding its input by zeros equals giving it
// those pads counted in every window's divisor.
bool PadsNothingItself(const ir::Node& pool) {
  if (pool.op_type != "AveragePool" || !pool.HasOutput(0)) return false;
  absl::StatusOr<std::string> auto_pad = pool.attributes.GetString("auto_pad", "NOTSET");
  absl::StatusOr<int64_t> ceil_mode = pool.attributes.GetInt("ceil_mode", 0);
  absl::StatusOr<std::vector<int64_t>> pads = pool.attributes.GetInts("pads", {});
  return auto_pad.ok() && *auto_pad == "NOTSET" && ceil_mode.ok() && *ceil_mode == 0 &&
         pads.ok() && std::all_of(pads->begin(), pads->end(), [](int64_t p) { return p == 0; });
}

// The spatial part of `pads` (rank r: r begins, r ends) where the batch and
// channel axes get none and none is negative; nullopt otherwise.
std::optional<std::vector<int64_t>> SpatialPads(const std::vector<int64_t>& pads) {
  const size_t rank = pads.size() / 2;
  if (pads.size() % 2 != 0 || rank < 3) return std::nullopt;
  if (std::any_of(pads.begin(), pads.end(), [](int64_t p) { return p < 0; })) return std::nullopt;
  if (pads[0] != 0 || pads[1] != 0 || pads[rank] != 0 || pads[rank + 1] != 0) return std::nullopt;
  std::vector<int64_t> spatial(pads.begin() + 2, pads.begin() + rank);
  spatial.insert(spatial.end(), pads.begin() + rank + 2, pads.end());
  return spatial;
}

}  // namespace

absl::Status FoldPadIntoAveragePool(ir::Graph& graph) {
  const GraphUses uses(graph);
  const auto producers = Producers(graph);
  std::vector<bool> removed(graph.nodes.size(), false);
  for (ir::Node& pool : graph.nodes) {
    if (!pool.HasInput(0) || !PadsNothingItself(pool)) continue;
    auto producer = producers.find(pool.inputs[0]);
    if (producer == producers.end() || !uses.HasSingleReader(pool.inputs[0])) continue;
    const ir::Node& pad = graph.nodes[producer->second];
    if (pad.op_type != "Pad") continue;
    const std::optional<std::vector<int64_t>> pads = ZeroPads(graph, pad);
    const std::optional<std::vector<int64_t>> spatial = pads ? SpatialPads(*pads) : std::nullopt;
    if (!spatial) continue;
    pool.inputs[0] = pad.inputs[0];
    pool.attributes.Set("pads", *spatial);
    pool.attributes.Set("count_include_pad", int64_t{1});
    removed[producer->second] = true;
  }
  EraseNodes(graph, removed);
  return absl::OkStatus();
}

}  // namespace convoy::engine
