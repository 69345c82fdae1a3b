// Element-wise activations: Relu, LeakyRelu, Tanh, Sigmoid, Clip, each one
// oneDNN eltwise primitive that keeps its input's layout.
#include <limits>

#include "absl/strings/str_cat.h"
#include "engine/exec/dnnl_util.h"
#include "engine/exec/op_registry.h"
#include "engine/ops/op_util.h"
#include "engine/ops/post_ops.h"

namespace convoy::engine {
namespace {

using dnnl::algorithm;

struct EltwiseParams {
  algorithm kind;
  float alpha = 0;
  float beta = 0;
};

absl::StatusOr<EltwiseParams> ParamsFor(const OpContext& ctx) {
  const std::string& op = ctx.node().op_type;
  if (op == "Relu" || op == "Tanh" || op == "Sigmoid") return EltwiseParams{EltwiseAlgorithm(op)};
  if (op == "LeakyRelu") {
    CONVOY_ASSIGN_OR_RETURN(float alpha, ctx.attrs().GetFloat("alpha", 0.01f));
    return EltwiseParams{EltwiseAlgorithm(op), alpha};
  }
  // Clip: bounds are attributes before opset 11 and optional inputs after.
  float lo = std::numeric_limits<float>::lowest();
  float hi = std::numeric_limits<float>::max();
  if (ctx.opset() < 11) {
    CONVOY_ASSIGN_OR_RETURN(lo, ctx.attrs().GetFloat("min", lo));
    CONVOY_ASSIGN_OR_RETURN(hi, ctx.attrs().GetFloat("max", hi));
  } else {
    if (ctx.has_input(1)) {
      CONVOY_ASSIGN_OR_RETURN(lo, ctx.ConstantFloat(1, "min"));
    }
    if (ctx.has_input(2)) {
      CONVOY_ASSIGN_OR_RETURN(hi, ctx.ConstantFloat(2, "max"));
    }
  }
  return EltwiseParams{EltwiseAlgorithm(op), lo, hi};
}

// Clip's bounds may be run-time tensors (opset 11 on); then it becomes a
// max and a min against them instead of one eltwise primitive.
bool HasRuntimeBounds(const OpContext& ctx) {
  if (ctx.node().op_type != "Clip" || ctx.opset() < 11) return false;
  for (size_t i : {1, 2}) {
    if (ctx.has_input(i) && ctx.constant_input(i) == nullptr) return true;
  }
  return false;
}

absl::Status BuildClipWithRuntimeBounds(OpContext& ctx) {
  dnnl::memory acc = ctx.Input(0);
  const dnnl::memory::dims ones(acc.get_desc().dims().size(), 1);
  const dnnl::memory::desc scalar(ones, dnnl::memory::data_type::f32, PlainStrides(ones));
  for (auto [i, kind] : {std::pair{size_t{1}, algorithm::binary_max},
                         std::pair{size_t{2}, algorithm::binary_min}}) {
    if (!ctx.has_input(i)) continue;
    dnnl::memory bound = ctx.InputViewed(i, scalar, scalar);
    dnnl::binary::primitive_desc pd({kind, acc.get_desc(), scalar,
                                     AnyDesc(acc.get_desc().dims(), acc.get_desc().data_type())},
                                    ctx.engine());
    dnnl::memory dst = ctx.NewScratch(pd.dst_desc());
    ctx.AddPrimitive(dnnl::binary(pd),
                     {{DNNL_ARG_SRC_0, acc}, {DNNL_ARG_SRC_1, bound}, {DNNL_ARG_DST, dst}});
    acc = dst;
  }
  ctx.BindOutput(0, acc);
  return absl::OkStatus();
}

absl::Status Infer(OpContext& ctx) {
  const bool clip = ctx.node().op_type == "Clip";
  if (clip && ctx.opset() >= 11) {
    CONVOY_RETURN_IF_ERROR(ctx.ExpectInputs(1, 3));
    for (size_t i : {1, 2}) {
      if (ctx.has_input(i) && NumElements(ctx.input_shape(i)) != 1) {
        return ctx.Invalid(absl::StrCat(i == 1 ? "min" : "max", " must be a scalar, got shape ",
                                        ShapeToString(ctx.input_shape(i))));
      }
    }
  } else {
    CONVOY_RETURN_IF_ERROR(ctx.ExpectInputs(1, 1));
  }
  if (!HasRuntimeBounds(ctx)) CONVOY_RETURN_IF_ERROR(ParamsFor(ctx).status());
  ctx.SetOutput(0, ctx.input_shape(0));
  return absl::OkStatus();
}

absl::Status Build(OpContext& ctx) {
  if (HasRuntimeBounds(ctx)) return BuildClipWithRuntimeBounds(ctx);
  CONVOY_ASSIGN_OR_RETURN(EltwiseParams p, ParamsFor(ctx));
  dnnl::memory src = ctx.Input(0);
  dnnl::eltwise_forward::primitive_desc pd(
      {dnnl::prop_kind::forward_inference, p.kind, src.get_desc(), p.alpha, p.beta},
      ctx.engine());
  dnnl::memory dst = ctx.NewOutput(0, pd.dst_desc());
  ctx.AddPrimitive(dnnl::eltwise_forward(pd), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
  return absl::OkStatus();
}

}  // namespace

void RegisterActivationOps(OpRegistry& registry) {
  for (const char* op : {"Relu", "LeakyRelu", "Tanh", "Sigmoid", "Clip"}) {
    registry.Add(op, {Infer, Build});
  }
}

}  // namespace convoy::engine
