// Element-wise activations as oneDNN eltwise stages: run as primitives by
// engine/ops/activation.cc, and as post-ops of a Conv or Gemm that
// FuseActivations (engine/passes/graph_passes.h) fused them into.
#ifndef CONVOY_ENGINE_OPS_POST_OPS_H_
#define CONVOY_ENGINE_OPS_POST_OPS_H_

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "dnnl.hpp"
#include "engine/exec/op_context.h"

namespace convoy::engine {

// One oneDNN eltwise operation, y = f(x; alpha, beta).
struct EltwiseStage {
  dnnl::algorithm kind;
  float alpha = 0;
  float beta = 0;
};

// The activations that may be fused as post-ops.
bool IsFusableActivation(absl::string_view op_type);

// The eltwise stages, applied in order, that compute an activation with
// parameters `alpha` and `beta` (LeakyRelu's and Swish's alpha, Clip's min
// and max, HardSigmoid's alpha and beta; ignored by the others). HardSigmoid,
// which oneDNN 2.6 lacks, is a linear stage then a clip to [0, 1].
// REQUIRES: IsFusableActivation(op_type), or op_type is Sqrt.
std::vector<EltwiseStage> EltwiseStages(absl::string_view op_type, float alpha, float beta);

// Appends the activation recorded on the node, if any, to `ops`, its
// result multiplied by `scale`.
absl::Status AppendFusedActivation(const OpContext& ctx, dnnl::post_ops& ops, float scale = 1.0f);

// True if the node's fused activation is `op_type` ("Swish", "Relu"...).
bool FusedActivationIs(const OpContext& ctx, absl::string_view op_type);

// True if the node has no fused activation or one that commutes with
// positive scaling, act(s * x) = s * act(x): Relu, LeakyRelu.
bool FusedActivationCommutesWithScale(const OpContext& ctx);

}  // namespace convoy::engine

#endif  // CONVOY_ENGINE_OPS_POST_OPS_H_
