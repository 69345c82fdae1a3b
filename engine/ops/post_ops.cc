#include "engine/ops/post_ops.h"

#include "absl/strings/str_cat.h"
#include "engine/ops/op_util.h"
#include "engine/passes/graph_passes.h"

namespace convoy::engine {

dnnl::algorithm EltwiseAlgorithm(absl::string_view op_type) {
  if (op_type == "Tanh") return dnnl::algorithm::eltwise_tanh;
  if (op_type == "Sigmoid") return dnnl::algorithm::eltwise_logistic;
  if (op_type == "Clip") return dnnl::algorithm::eltwise_clip_v2;
  return dnnl::algorithm::eltwise_relu;  // Relu, and LeakyRelu with its alpha.
}

absl::Status AppendFusedActivation(const OpContext& ctx, dnnl::post_ops& ops, float scale) {
  if (!ctx.attrs().Has(kActivationAttr)) return absl::OkStatus();
  CONVOY_ASSIGN_OR_RETURN(std::string op, ctx.attrs().GetString(kActivationAttr, ""));
  CONVOY_ASSIGN_OR_RETURN(float alpha, ctx.attrs().GetFloat(kAlphaAttr, 0.0f));
  CONVOY_ASSIGN_OR_RETURN(float beta, ctx.attrs().GetFloat(kBetaAttr, 0.0f));
  if (op != "Relu" && op != "LeakyRelu" && op != "Tanh" && op != "Sigmoid" && op != "Clip") {
    return ctx.Invalid(absl::StrCat("fused activation '", op, "' is unknown"));
  }
  ops.append_eltwise(scale, EltwiseAlgorithm(op), alpha, beta);
  return absl::OkStatus();
}

bool FusedActivationCommutesWithScale(const OpContext& ctx) {
  if (!ctx.attrs().Has(kActivationAttr)) return true;
  absl::StatusOr<std::string> op = ctx.attrs().GetString(kActivationAttr, "");
  return op.ok() && (*op == "Relu" || *op == "LeakyRelu");
}

}  // namespace convoy::engine
