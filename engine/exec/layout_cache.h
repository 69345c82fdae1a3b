// LayoutCache: every value of a plan being compiled, and the layouts, views
// and integer copies of it that the plan's steps read.
//
// A value's memory has whatever layout its producer chose. When an
// operator wants it in another layout, element type or shape, the cache
// makes that copy once per plan and hands the same memory to every later
// reader: through a reorder step for a run-time value, or a reorder run now
// for a constant, which never costs a step. Copies of the graph's weights
// are made through the model's WeightCache, so the plans of one model
// share them; other copies live in run-time memory (BufferPlanner) or in
// memory the plan owns.
//
// Thread-safety: used by one compiling thread.
#ifndef CONVOY_ENGINE_EXEC_LAYOUT_CACHE_H_
#define CONVOY_ENGINE_EXEC_LAYOUT_CACHE_H_

#include <string>
#include <unordered_map>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "dnnl.hpp"
#include "engine/api/tensor.h"
#include "engine/exec/buffer_planner.h"
#include "engine/exec/plan.h"
#include "engine/exec/weight_cache.h"
#include "engine/ir/graph.h"

namespace convoy::engine {

class LayoutCache {
 public:
  struct Value {
    DataType type = DataType::kFloat32;
    Shape shape;
    const Tensor* constant = nullptr;  // Set if known at compile time.
    dnnl::memory memory;  // Run-time memory, in the layout its producer chose.
    // An int8 convolution's output (Precision::kInt8) is stored as
    // round(value × scale) in an integer type, for the int8 convolutions
    // that read it; `memory` is then a float32 copy made on first demand.
    dnnl::memory quantized;
    float scale = 0;
    std::vector<dnnl::memory> views;  // The same value in other layouts, made on demand.
  };

  // Starts with one value per initializer of `graph`. Copies of the graph's
  // weights go to `weights`, other run-time memory to `buffers`, steps and
  // other constant memory to `plan`. REQUIRES: all four outlive the cache.
  LayoutCache(const ir::Graph& graph, WeightCache& weights, BufferPlanner& buffers, Plan& plan);

  // --- The values.
  // The value `name`, made empty if there is none yet.
  Value& Define(const std::string& name) { return values_[name]; }
  // nullptr if there is no value `name` yet.
  const Value* Find(const std::string& name) const;
  // REQUIRES: the value `name` exists.
  Value& at(const std::string& name) { return values_.at(name); }
  const Value& at(const std::string& name) const { return values_.at(name); }

  // --- Its layouts. REQUIRES: the value `name` exists.
  // The value as stored: constants materialised (in place where their
  // bytes are there), int8 outputs converted to float32 once.
  dnnl::memory MemoryOf(const std::string& name);
  // In layout `desc` (OpContext::InputAs).
  dnnl::memory Reordered(const std::string& name, const dnnl::memory::desc& desc);
  // Plain data seen through `view`, in layout `desc` (OpContext::InputViewed).
  dnnl::memory Viewed(const std::string& name, const dnnl::memory::desc& view,
                      const dnnl::memory::desc& desc);
  // In layout and integer type `desc`, scaled (OpContext::InputQuantized).
  dnnl::memory Quantized(const std::string& name, const dnnl::memory::desc& desc,
                         const std::vector<float>& scales, int mask,
                         const dnnl::memory::desc& view);
  // A step writing the value into `dst` (same dims) multiplied by `scale`
  // (1 for a float32 `dst`).
  void CopyInto(const std::string& name, const dnnl::memory& dst, float scale);

  // Runs `primitive` now, on constants (compile-time work such as the
  // reorders above, or padding a constant).
  void RunNow(const dnnl::primitive& primitive, const std::unordered_map<int, dnnl::memory>& args);

  // --- Released weights (PlanOptions::release_weights).
  // The graph initializer behind `name`, if it is one (plan-folded
  // constants are not shared between plans), else nullptr.
  const Tensor* SharedConstant(const std::string& name) const;
  // Forgets the memories that read the bytes of constant `name` in place,
  // before those bytes are released; a later request restores the values
  // from the WeightCache's copy.
  void ForgetBytesOf(const std::string& name);

 private:
  dnnl::memory ViewedUncached(const std::string& name, const dnnl::memory::desc& view,
                              const dnnl::memory::desc& desc);
  // Runs now for constants, else adds a step.
  void Reorder(const std::string& name, dnnl::memory src, dnnl::memory dst,
               const dnnl::primitive_attr& attr = dnnl::primitive_attr());
  // Memory of `desc` for a copy of value `name`: run-time memory for
  // run-time values; for the graph's weights, memory of its own that the
  // WeightCache keeps and the plan does not count; for other constants,
  // memory the plan owns.
  dnnl::memory AllocateFor(const std::string& name, const dnnl::memory::desc& desc);

  const ir::Graph& graph_;
  WeightCache& weights_;
  BufferPlanner& buffers_;
  Plan& plan_;
  dnnl::stream stream_;  // Runs the work on constants (RunNow).
  absl::flat_hash_map<std::string, Value> values_;
};

}  // namespace convoy::engine

#endif  // CONVOY_ENGINE_EXEC_LAYOUT_CACHE_H_
