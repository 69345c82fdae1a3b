// Plan: a network compiled for one set of concrete input shapes.
//
// A plan owns its activation memories, the weights reordered into the
// layouts its primitives chose, and the ordered list of steps (oneDNN
// primitives and a few CPU steps) that computes the requested outputs.
// PlanBuilder makes plans, through the methods under "Building"; Model
// caches one per input-shape key.
//
// Thread-safety: Run() writes the plan's activation buffers, so callers must
// serialise runs of one plan (Model does, with a mutex per plan). The
// building methods may not be called once the plan runs.
#ifndef CONVOY_ENGINE_EXEC_PLAN_H_
#define CONVOY_ENGINE_EXEC_PLAN_H_

#include <deque>
#include <functional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "dnnl.hpp"
#include "engine/api/tensor.h"

namespace convoy::engine {

class Plan {
 public:
  // `inputs` are the float32 graph inputs, in the order the plan was built
  // with. REQUIRES: their shapes equal the shapes the plan was built for.
  absl::StatusOr<std::vector<Tensor>> Run(const std::vector<const Tensor*>& inputs);

  // Bytes the plan allocated: its activation arena and the constants it
  // folded (its weights are shared through the model's WeightCache and not
  // counted).
  int64_t activation_bytes() const;

  // Floating-point operations of one run (multiply-adds of convolutions and
  // matrix products, counted twice): how much a run has to share among
  // threads.
  int64_t flops() const { return flops_; }

  // Steps of a run that are oneDNN primitives of `kind`: reorders (a
  // value's layout or type changed for the step reading it, or a Concat
  // input copied into place), concats, convolutions...
  int steps(dnnl::primitive::kind kind) const;
  // The oneDNN implementation of each such step, in run order
  // ("brgconv_1x1:avx512_core", "ref:any", ...).
  std::vector<std::string> implementations(dnnl::primitive::kind kind) const;
  // Steps of a run that the plan's own code does rather than oneDNN: a
  // residual copied into its convolution's output, Gather, Pad's fill.
  int cpu_steps() const;

  // True if a run reads any of the `size` bytes at `data` (a constant's
  // bytes the plan uses in place).
  bool Borrows(const void* data, size_t size) const;

  // --- Building.
  // One step of a run: a oneDNN primitive with its arguments, or the
  // plan's own code on the CPU. Make it with Primitive() or Cpu().
  struct Step {
    // A oneDNN primitive run with `args`.
    static Step Primitive(std::string node, dnnl::primitive primitive,
                          std::unordered_map<int, dnnl::memory> args);
    // `cpu`, run on the calling thread in order with the primitives;
    // `touches` lists every memory it reads or writes.
    static Step Cpu(std::string node, std::function<void()> cpu,
                    std::vector<dnnl::memory> touches);

    std::string node;  // What the step computes, named in errors.
    dnnl::primitive primitive;
    std::unordered_map<int, dnnl::memory> args;
    std::function<void()> cpu;  // Set instead of `primitive` for CPU steps.
    std::vector<dnnl::memory> touches;  // The memories `cpu` reads or writes.
  };
  // A requested output, in the order asked for.
  struct Output {
    Shape shape;
    DataType type = DataType::kFloat32;
    dnnl::memory memory;              // Run-time value, or
    const Tensor* constant = nullptr;  // a value known at compile time.
    // Copies `memory` into a plain tensor; made once, with the plan, since
    // creating it per run costs more than running it for a small network.
    dnnl::reorder to_plain;
  };

  explicit Plan(dnnl::engine engine) : engine_(engine), stream_(engine) {}

  const dnnl::engine& engine() const { return engine_; }
  // The memory Run copies the next float32 graph input into.
  void AddInput(dnnl::memory memory) { inputs_.push_back(std::move(memory)); }
  void AddOutput(Output output) { outputs_.push_back(std::move(output)); }
  void AddStep(Step step) { steps_.push_back(std::move(step)); }
  // Adds to flops().
  void CountFlops(int64_t flops) { flops_ += flops; }
  // Keeps `value`, folded while compiling, as long as the plan: the
  // pointer stays valid.
  const Tensor* AddConstant(Tensor value) { return &constants_.emplace_back(std::move(value)); }
  // Memory with a buffer of its own, for values computed while compiling,
  // kept as long as the plan and counted by activation_bytes().
  dnnl::memory NewOwnedMemory(const dnnl::memory::desc& desc);
  // The one buffer every activation lives in (see arena.h), or null memory
  // if no activation needs bytes.
  void set_arena(dnnl::memory arena) { arena_ = std::move(arena); }
  // Calls `use` with each memory a run reads or writes and the position of
  // the step that does: inputs at 0 (written before the first step),
  // outputs at the number of steps (read after the last).
  void ForEachUse(const std::function<void(const dnnl::memory& memory, int step)>& use) const;

 private:
  dnnl::engine engine_;
  dnnl::stream stream_;
  std::vector<dnnl::memory> inputs_;
  std::vector<Output> outputs_;
  std::vector<Step> steps_;
  int64_t flops_ = 0;
  std::deque<Tensor> constants_;  // Values folded while compiling.
  // Every activation lives in this one buffer (see arena.h).
  dnnl::memory arena_;
  // Memories with buffers of their own (values computed while compiling);
  // views made with a borrowed handle rely on these staying alive as long
  // as the plan.
  std::vector<dnnl::memory> memories_;
};

}  // namespace convoy::engine

#endif  // CONVOY_ENGINE_EXEC_PLAN_H_
