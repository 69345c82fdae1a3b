// The table of operators the engine can run, one entry per ONNX op type.
//
// Operators live in engine/ops/, grouped by kind (conv.cc, pool.cc, ...);
// each group exposes one Register function that adds its entries, and
// OpRegistry::Global() calls them all. Registration is explicit rather than
// by static initialisers, which static libraries would silently drop.
#ifndef CONVOY_ENGINE_EXEC_OP_REGISTRY_H_
#define CONVOY_ENGINE_EXEC_OP_REGISTRY_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "engine/exec/op_context.h"

namespace convoy::engine {

struct OpKernel {
  // Validates the node and declares its outputs (shapes, or constant values).
  absl::Status (*infer)(OpContext& ctx) = nullptr;
  // Emits the run-time work. Null for operators that always fold to constants.
  absl::Status (*build)(OpContext& ctx) = nullptr;
  // Inputs that must be present and named (ONNX writes an omitted optional
  // input as an empty name); checked before `infer` runs, so kernels may read
  // inputs [0, min_inputs) without checking.
  size_t min_inputs = 1;
};

class OpRegistry {
 public:
  static const OpRegistry& Global();

  void Add(std::string op_type, OpKernel kernel) { kernels_[std::move(op_type)] = kernel; }
  const OpKernel* Find(absl::string_view op_type) const;
  std::vector<std::string> OpTypes() const;  // Sorted.

 private:
  absl::flat_hash_map<std::string, OpKernel> kernels_;
};

// One per file in engine/ops/.
void RegisterActivationOps(OpRegistry& registry);
void RegisterBinaryOps(OpRegistry& registry);
void RegisterCastOps(OpRegistry& registry);
void RegisterConvOps(OpRegistry& registry);
void RegisterMatMulOps(OpRegistry& registry);
void RegisterNormalizationOps(OpRegistry& registry);
void RegisterPoolOps(OpRegistry& registry);
void RegisterReduceOps(OpRegistry& registry);
void RegisterShapeOps(OpRegistry& registry);
void RegisterSliceOps(OpRegistry& registry);
void RegisterSoftmaxOps(OpRegistry& registry);
void RegisterTensorOps(OpRegistry& registry);

}  // namespace convoy::engine

#endif  // CONVOY_ENGINE_EXEC_OP_REGISTRY_H_
