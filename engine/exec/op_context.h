// OpContext: what an operator implementation sees while a plan is compiled.
//
// Each operator is two functions (see op_registry.h). `infer` reads input
// shapes, types and (where known) constant values, checks attributes, and
// declares its outputs: either a shape to be computed at run time, or a
// constant value it computed right away (shape arithmetic is folded this way,
// so every int64 value in a plan is known when the plan is compiled). `build`
// runs only when some output is not constant; it turns the node into oneDNN
// primitives or CPU steps that read input memories and write output memories.
//
// Layouts: a value's memory has whatever layout its producer chose (oneDNN's
// blocked or NHWC layouts for convolutions). Input() returns it as it is;
// InputAs() and InputPlain() return it in the layout asked for, adding a
// reorder to the plan only when the layouts differ. Constant inputs are
// reordered once, here, and never at run time.
//
// Thread-safety: used by one compiling thread.
#ifndef CONVOY_ENGINE_EXEC_OP_CONTEXT_H_
#define CONVOY_ENGINE_EXEC_OP_CONTEXT_H_

#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "dnnl.hpp"
#include "engine/api/calibration.h"
#include "engine/api/tensor.h"
#include "engine/ir/graph.h"

namespace convoy::engine {

class PlanBuilder;

class OpContext {
 public:
  OpContext(PlanBuilder& builder, const ir::Node& node) : builder_(builder), node_(node) {}

  // --- The node.
  const ir::Node& node() const { return node_; }
  const ir::AttributeMap& attrs() const { return node_.attributes; }
  int64_t opset() const;
  size_t num_inputs() const { return node_.inputs.size(); }
  bool has_input(size_t i) const { return node_.HasInput(i); }
  size_t num_outputs() const { return node_.outputs.size(); }

  // --- Inputs. REQUIRES: has_input(i).
  DataType input_type(size_t i) const;
  const Shape& input_shape(size_t i) const;
  size_t input_rank(size_t i) const { return input_shape(i).size(); }
  const Tensor* constant_input(size_t i) const;  // nullptr unless known at compile time.
  // Values of a constant int64 input; `what` names it in the error.
  absl::StatusOr<std::vector<int64_t>> ConstantInts(size_t i, absl::string_view what) const;
  // The single value of a constant float input (e.g. Clip's min).
  absl::StatusOr<float> ConstantFloat(size_t i, absl::string_view what) const;

  // Checks the number of inputs (present or omitted) and that required ones
  // are present, and that every present input is float32 unless its index
  // is in `int64_inputs`.
  absl::Status ExpectInputs(size_t min, size_t max, std::vector<size_t> int64_inputs = {}) const;

  // --- Errors naming the file, node and operator.
  absl::Status Invalid(absl::string_view message) const;      // Malformed model.
  absl::Status Unsupported(absl::string_view message) const;  // Valid, but not implemented.

  // --- Infer: declare outputs.
  // The size limits of the plan (ModelOptions::max_value_bytes) for output i
  // of `shape`. Outputs are checked after `infer` anyway; folding operators
  // call it first, before they allocate the value they fold.
  absl::Status CheckOutputSize(size_t i, const Shape& shape) const;
  void SetOutput(size_t i, Shape shape, DataType type = DataType::kFloat32);
  void SetOutputConstant(size_t i, Tensor value);
  const Shape& output_shape(size_t i) const;

  // --- Build.
  const dnnl::engine& engine() const;
  // The element type convolutions and matrix products compute in (f32, or
  // bf16 for Precision::kBfloat16). Other operators keep their input's type.
  dnnl::memory::data_type compute_type() const;
  // Whether float32 convolutions may use Winograd kernels (ModelOptions::winograd).
  bool winograd() const;
  // PlanOptions::streamed_weights_bytes.
  int64_t streamed_weights_bytes() const;
  // The calibrated range of input i when the model runs in int8 and its
  // calibration covers the input (Precision::kInt8), else nullptr.
  const ValueRange* input_range(size_t i) const;
  // The same for output i.
  const ValueRange* output_range(size_t i) const;
  dnnl::memory Input(size_t i);
  dnnl::memory InputAs(size_t i, const dnnl::memory::desc& desc);
  dnnl::memory InputPlain(size_t i);
  // The input's plain data seen through `view` (same element count, any
  // strides: a transpose, a broadcast rank), returned in layout `desc`;
  // reordered (once, for constants) only when `desc` differs from `view`.
  dnnl::memory InputViewed(size_t i, const dnnl::memory::desc& view,
                           const dnnl::memory::desc& desc);
  // The input in layout `desc` of an integer type: each value multiplied
  // by its scale, rounded and saturated. `scales` and `mask` are oneDNN's
  // output scales (one scale and mask 0, or one per index of the dims set
  // in mask); they must be the same whenever the same input is asked for
  // in the same `desc`, as they are for a calibrated range or weights.
  // Constants are converted once, their plain data seen through `view`
  // (as InputViewed's) if given, else with desc's dims; run-time values by
  // a step, from whatever layout they have.
  dnnl::memory InputQuantized(size_t i, const dnnl::memory::desc& desc,
                              const std::vector<float>& scales, int mask,
                              const dnnl::memory::desc& view = dnnl::memory::desc());
  // Input i as its producer stored it in 8 bits (NewQuantizedOutput), its
  // scale in *scale; a null memory, *scale untouched, where it is stored
  // otherwise. For operators that pass 8-bit values on (int8_ranges.h).
  dnnl::memory StoredQuantizedInput(size_t i, float* scale) const;
  // Allocates the output's memory with `desc` (dims must match the inferred
  // shape, or be its oneDNN form for scalars).
  dnnl::memory NewOutput(size_t i, const dnnl::memory::desc& desc);
  // The same for an output stored as round(value × scale) in the integer
  // type of `desc`, for int8 convolutions to read (InputQuantized with the
  // same scale); anything else reading it gets float32, converted once.
  dnnl::memory NewQuantizedOutput(size_t i, const dnnl::memory::desc& desc, float scale);
  // NewQuantizedOutput(i, desc, scale), holding input `in` (of the output's
  // dims) when the node's steps start, as round(value × held_scale) in
  // `held_type`, a type of desc's size: the 8 bits the input is stored in
  // where they are held so (StoredQuantizedInput), this node may write
  // over them and they have desc's layout; else a new buffer and a step
  // copying the input into it. For an int8 convolution's sum post-op.
  dnnl::memory NewQuantizedOutputHolding(size_t i, size_t in, const dnnl::memory::desc& desc,
                                         float scale, dnnl::memory::data_type held_type,
                                         float held_scale);
  // A step writing input i into `dst` (of the input's dims) multiplied by
  // `scale`: 1 for a float32 `dst`, the integer type's scale otherwise.
  void CopyInputInto(size_t i, const dnnl::memory& dst, float scale = 1.0f);
  // NewOutput(i, desc), holding input `in` (of the output's dims) when the
  // node's steps start: the input's own memory where this node may write
  // over it (its last reader, and it has layout `desc`), else a new buffer
  // and a step copying the input into it.
  dnnl::memory NewOutputHolding(size_t i, size_t in, const dnnl::memory::desc& desc);
  // Makes the output share `memory` (for reshapes and identities).
  void BindOutput(size_t i, dnnl::memory memory);
  // Run-time memory for intermediate results. Like NewOutput's, it has no
  // buffer until the plan is finished (its place in the plan's arena), so
  // it may only be used by the steps added here.
  dnnl::memory NewScratch(const dnnl::memory::desc& desc);
  // Memory with a buffer of its own, filled now with `value`; steps may
  // read it but never write it.
  dnnl::memory NewFilled(const dnnl::memory::desc& desc, float value);
  // The same, holding `values`. REQUIRES: one float32 per element of `desc`.
  dnnl::memory NewConstant(const dnnl::memory::desc& desc, const std::vector<float>& values);
  // The buffer of `memory` (any memory obtained here) seen through `desc`: a
  // reshape, strided view or sub-memory of the same bytes.
  dnnl::memory Alias(const dnnl::memory& memory, const dnnl::memory::desc& desc);
  // Gives the buffer of `inner` (run-time memory obtained here, a buffer
  // of its own) its room inside the buffer of `outer`, from byte `offset`:
  // the steps that write `inner` then write there, and every reader of
  // either sees the same bytes. False, changing nothing, where `inner` is
  // an alias, a constant, placed already, or does not fit.
  bool PlaceInside(const dnnl::memory& inner, const dnnl::memory& outer, int64_t offset);
  void AddPrimitive(dnnl::primitive primitive, std::unordered_map<int, dnnl::memory> args);
  // A step run on the calling thread in order with the primitives; it may
  // only touch memories obtained above, and must list every one it touches
  // (they decide how long their buffers are kept).
  void AddStep(std::function<void()> step, std::vector<dnnl::memory> touches);
  // Adds to the plan's count of floating-point operations (Plan::flops).
  void CountFlops(int64_t flops);
  // Runs `primitive` once, now (for work on constants at compile time).
  void RunNow(dnnl::primitive primitive, std::unordered_map<int, dnnl::memory> args);

 private:
  // Makes `memory` output i's 8-bit memory, stored at `scale`.
  void BindQuantizedOutput(size_t i, const dnnl::memory& memory, float scale);

  PlanBuilder& builder_;
  const ir::Node& node_;
};

}  // namespace convoy::engine

#endif  // CONVOY_ENGINE_EXEC_OP_CONTEXT_H_
