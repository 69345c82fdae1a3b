#include "engine/ops/post_ops.h"

#include "absl/strings/str_cat.h"
#include "engine/ops/op_util.h"
#include "engine/passes/graph_passes.h"

namespace convoy::engine {

using dnnl::algorithm;

bool IsFusableActivation(absl::string_view op) {
  return op == "Relu" || op == "LeakyRelu" || op == "Tanh" || op == "Sigmoid" || op == "Clip" ||
         op == "HardSigmoid" || op == "HardSwish" || op == "Swish";
}

std::vector<EltwiseStage> EltwiseStages(absl::string_view op, float alpha, float beta) {
  if (op == "Tanh") return {{algorithm::eltwise_tanh}};
  if (op == "Sigmoid") return {{algorithm::eltwise_logistic}};
  if (op == "Clip") return {{algorithm::eltwise_clip_v2, alpha, beta}};
  if (op == "HardSwish") return {{algorithm::eltwise_hardswish}};
  if (op == "Swish") return {{algorithm::eltwise_swish, alpha}};
  if (op == "Sqrt") return {{algorithm::eltwise_sqrt}};
  if (op == "HardSigmoid") {
    return {{algorithm::eltwise_linear, alpha, beta}, {algorithm::eltwise_clip_v2, 0.0f, 1.0f}};
  }
  if (op == "LeakyRelu") return {{algorithm::eltwise_relu, alpha}};
  return {{algorithm::eltwise_relu}};
}

absl::Status AppendFusedActivation(const OpContext& ctx, dnnl::post_ops& ops, float scale) {
  if (!ctx.attrs().Has(kActivationAttr)) return absl::OkStatus();
  CONVOY_ASSIGN_OR_RETURN(std::string op, ctx.attrs().GetString(kActivationAttr, ""));
  CONVOY_ASSIGN_OR_RETURN(float alpha, ctx.attrs().GetFloat(kAlphaAttr, 0.0f));
  CONVOY_ASSIGN_OR_RETURN(float beta, ctx.attrs().GetFloat(kBetaAttr, 0.0f));
  if (!IsFusableActivation(op)) {
    return ctx.Invalid(absl::StrCat("fused activation '", op, "' is unknown"));
  }
  const std::vector<EltwiseStage> stages = EltwiseStages(op, alpha, beta);
  for (size_t k = 0; k < stages.size(); ++k) {
    ops.append_eltwise(k + 1 == stages.size() ? scale : 1.0f, stages[k].kind, stages[k].alpha,
                       stages[k].beta);
  }
  return absl::OkStatus();
}

bool FusedActivationIs(const OpContext& ctx, absl::string_view op_type) {
  const absl::StatusOr<std::string> op = ctx.attrs().GetString(kActivationAttr, "");
  return op.ok() && *op == op_type;
}

bool FusedActivationCommutesWithScale(const OpContext& ctx) {
  return !ctx.attrs().Has(kActivationAttr) || FusedActivationIs(ctx, "Relu") ||
         FusedActivationIs(ctx, "LeakyRelu");
}

}  // namespace convoy::engine
