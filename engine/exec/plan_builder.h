// PlanBuilder: compiles an IR graph into a Plan for concrete input shapes.
//
// It walks the nodes that the requested outputs depend on, in order; for
// each it runs the operator's `infer` (shapes, constant folding) and, unless
// every output folded to a constant, its `build` (primitives), both through
// an OpContext. Errors from either name the file, node and operator; a
// dnnl::error thrown while building becomes a Status here and goes no
// further.
//
// The builder knows the order of the nodes, so which values are still to
// be read; the rest is done by its parts: the Plan collects the steps, the
// LayoutCache holds every value and the layouts made of it, and the
// BufferPlanner decides where each run-time memory lives.
#ifndef CONVOY_ENGINE_EXEC_PLAN_BUILDER_H_
#define CONVOY_ENGINE_EXEC_PLAN_BUILDER_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "dnnl.hpp"
#include "engine/api/model.h"
#include "engine/exec/buffer_planner.h"
#include "engine/exec/layout_cache.h"
#include "engine/exec/plan.h"
#include "engine/exec/weight_cache.h"
#include "engine/ir/graph.h"

namespace convoy::engine {

struct PlanOptions {
  int64_t max_value_bytes = 0;  // ModelOptions::max_value_bytes.
  // Element type of convolutions and matrix products (ModelOptions::precision).
  dnnl::memory::data_type compute_type = dnnl::memory::data_type::f32;
  bool winograd = true;  // ModelOptions::winograd.
  // A float32 Gemm of one row whose constant weights take at least this
  // many bytes streams them through its own kernel (engine/ops/matmul.cc):
  // AlexNet's and VGG-16's fully connected layers (16 to 411 MB), where
  // that was measured; ResNet's and GoogLeNet's (8 and 4 MB) stay oneDNN's.
  int64_t streamed_weights_bytes = int64_t{12} << 20;
  // Ranges of the values Precision::kInt8 quantizes; nullptr otherwise.
  // REQUIRES: outlives the plans.
  const Calibration* calibration = nullptr;
  // If set, called with the name of each weight whose values the
  // WeightCache holds a float32 copy of once the node that made the copy is
  // compiled, and which nothing reads in place: the owner of the graph
  // frees its bytes (Tensor::ReleaseBytes), and plans that need them later
  // restore them from the copy. Only weights of products (products.h)
  // qualify: compiling those reads no values. REQUIRES: no other plan of
  // the graph is being compiled or run meanwhile.
  std::function<void(const std::string& name)> release_weights;
  // If set, called once per plan when its activation memory is known,
  // before the arena is allocated, with the bytes Plan::activation_bytes()
  // will report: the model's plan cache makes room for them, and may block
  // until it can.
  std::function<void(int64_t bytes)> reserve_activations;
};

class PlanBuilder {
 public:
  // `inputs` holds one tensor per graph input, in graph order: float inputs
  // contribute only their shape; int64 inputs their values too, which are
  // folded into the plan. `output_names` must be non-empty.
  static absl::StatusOr<std::unique_ptr<Plan>> Build(const ir::Graph& graph,
                                                     const dnnl::engine& engine,
                                                     const std::vector<const Tensor*>& inputs,
                                                     const std::vector<std::string>& output_names,
                                                     const PlanOptions& options,
                                                     WeightCache& weights);

  // --- The plan being compiled, as the OpContext of the node being
  // compiled sees it (only Build makes a PlanBuilder, and only OpContext is
  // handed one).
  const ir::Graph& graph() const { return graph_; }
  const PlanOptions& options() const { return options_; }
  Plan& plan() { return *plan_; }
  BufferPlanner& buffers() { return buffers_; }
  LayoutCache& values() { return values_; }
  // InvalidArgument if a value of `shape` would break the size limit, or
  // Unimplemented past oneDNN's rank limit.
  absl::Status CheckSize(const std::string& name, const Shape& shape) const;
  // The run-time memory of value `name` if `node`, the node being compiled,
  // may write over it: `node` is its last reader and reads it once, it has
  // layout `desc`, and no other value still to be read shares its bytes.
  // Else null memory.
  dnnl::memory TakeOver(const ir::Node& node, const std::string& name,
                        const dnnl::memory::desc& desc);
  // The same for the value's 8-bit memory (LayoutCache::Value::quantized),
  // where it has layout and type `desc` and scale `scale`.
  dnnl::memory TakeOverQuantized(const ir::Node& node, const std::string& name,
                                 const dnnl::memory::desc& desc, float scale);

 private:
  // Whether `node` may write over `memory`, the run-time memory value
  // `name` is stored in (TakeOver's conditions but the layout).
  bool MayWriteOver(const ir::Node& node, const std::string& name,
                    const dnnl::memory& memory) const;
  PlanBuilder(const ir::Graph& graph, const dnnl::engine& engine, const PlanOptions& options,
              WeightCache& weights);

  absl::Status BindInputs(const std::vector<const Tensor*>& inputs);
  absl::StatusOr<std::vector<const ir::Node*>> NodesNeededFor(
      const std::vector<std::string>& output_names) const;
  // Records, for each value, the position in `nodes` of the last node
  // that reads it (past the end for the requested outputs).
  void NoteLastReaders(const std::vector<const ir::Node*>& nodes,
                       const std::vector<std::string>& output_names);
  absl::Status CompileNode(const ir::Node& node);
  // PlanOptions::release_weights for the weights of `node`, once compiled.
  void ReleaseCopiedWeights(const ir::Node& node);
  absl::Status BindOutputs(const std::vector<std::string>& output_names);
  // Lays out the run-time buffers by the steps that touch them, allocates
  // the arena and points every run-time memory into it.
  void PlaceActivations();

  const ir::Graph& graph_;
  const PlanOptions options_;
  WeightCache& weights_;
  std::unique_ptr<Plan> plan_;
  BufferPlanner buffers_;  // Every run-time memory.
  LayoutCache values_;     // Every value, in every layout asked for.
  absl::flat_hash_map<std::string, size_t> last_reader_;  // NoteLastReaders.
  size_t compiled_ = 0;  // Nodes compiled so far: the position of the current one.
};

}  // namespace convoy::engine

#endif  // CONVOY_ENGINE_EXEC_PLAN_BUILDER_H_
