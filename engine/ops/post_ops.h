// Activations fused into a Conv or Gemm by FuseActivations
// (engine/passes/graph_passes.h), turned into oneDNN post-ops.
#ifndef CONVOY_ENGINE_OPS_POST_OPS_H_
#define CONVOY_ENGINE_OPS_POST_OPS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "dnnl.hpp"
#include "engine/exec/op_context.h"

namespace convoy::engine {

// The eltwise algorithm of an activation op type (Relu, LeakyRelu, Tanh,
// Sigmoid, Clip). REQUIRES: one of those.
dnnl::algorithm EltwiseAlgorithm(absl::string_view op_type);

// Appends the activation recorded on the node, if any, to `ops`, its
// result multiplied by `scale`.
absl::Status AppendFusedActivation(const OpContext& ctx, dnnl::post_ops& ops, float scale = 1.0f);

// True if the node has no fused activation or one that commutes with
// positive scaling, act(s * x) = s * act(x): Relu, LeakyRelu.
bool FusedActivationCommutesWithScale(const OpContext& ctx);

}  // namespace convoy::engine

#endif  // CONVOY_ENGINE_OPS_POST_OPS_H_
