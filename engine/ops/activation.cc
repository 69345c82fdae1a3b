// Element-wise unary operators: Relu, LeakyRelu, Tanh, Sigmoid, Clip,
// HardSigmoid, HardSwish, Gelu, Swish, Sqrt, Pow by a constant scalar exponent, each one
// or two oneDNN eltwise primitives that keep their input's layout; and Erf,
// which oneDNN has no primitive for, a CPU step over the plain data.
#include <cmath>
#include <limits>
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/exec/dnnl_util.h"
#include "engine/exec/op_registry.h"
#include "engine/ops/op_util.h"
#include "engine/ops/post_ops.h"

namespace convoy::engine {
namespace {

using dnnl::algorithm;

absl::StatusOr<std::vector<EltwiseStage>> StagesFor(const OpContext& ctx) {
  const std::string& op = ctx.node().op_type;
  if (op == "Pow") {
    // Only a constant scalar exponent maps onto eltwise_pow (alpha * x^beta).
    CONVOY_ASSIGN_OR_RETURN(float exponent, ctx.ConstantFloat(1, "exponent (Y)"));
    return std::vector<EltwiseStage>{{algorithm::eltwise_pow, 1.0f, exponent}};
  }
  if (op == "Gelu") {  // opset 20; FuseGelu writes it for the spelled-out form
    CONVOY_ASSIGN_OR_RETURN(std::string approximate, ctx.attrs().GetString("approximate", "none"));
    if (approximate != "none" && approximate != "tanh") {
      return ctx.Invalid(absl::StrCat("approximate must be \"none\" or \"tanh\", not \"",
                                      approximate, "\""));
    }
    return std::vector<EltwiseStage>{
        {approximate == "none" ? algorithm::eltwise_gelu_erf : algorithm::eltwise_gelu_tanh}};
  }
  if (op != "Clip") {
    float alpha = 0, beta = 0;
    if (op == "Swish") {  // opset 24: x * sigmoid(alpha * x)
      CONVOY_ASSIGN_OR_RETURN(alpha, ctx.attrs().GetFloat("alpha", 1.0f));
    } else if (op == "LeakyRelu") {
      CONVOY_ASSIGN_OR_RETURN(alpha, ctx.attrs().GetFloat("alpha", 0.01f));
    } else if (op == "HardSigmoid") {
      CONVOY_ASSIGN_OR_RETURN(alpha, ctx.attrs().GetFloat("alpha", 0.2f));
      CONVOY_ASSIGN_OR_RETURN(beta, ctx.attrs().GetFloat("beta", 0.5f));
    }
    return EltwiseStages(op, alpha, beta);
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
  return EltwiseStages(op, lo, hi);
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
  } else if (ctx.node().op_type == "Pow") {
    CONVOY_RETURN_IF_ERROR(ctx.ExpectInputs(2, 2));
    if (NumElements(ctx.input_shape(1)) != 1 || ctx.constant_input(1) == nullptr) {
      return ctx.Unsupported(absl::StrCat("exponent of shape ", ShapeToString(ctx.input_shape(1)),
                                          " not known at load: only a constant scalar exponent"));
    }
  } else {
    CONVOY_RETURN_IF_ERROR(ctx.ExpectInputs(1, 1));
  }
  if (ctx.node().op_type == "Erf") {
    ctx.SetOutput(0, ctx.input_shape(0));
    return absl::OkStatus();
  }
  if (!HasRuntimeBounds(ctx)) CONVOY_RETURN_IF_ERROR(StagesFor(ctx).status());
  ctx.SetOutput(0, ctx.input_shape(0));
  return absl::OkStatus();
}

// Erf has no oneDNN eltwise (GELU's erf form becomes one Gelu, see
// FuseGelu); a standalone one is rare in CNNs, so a plain loop serves.
absl::Status BuildErf(OpContext& ctx) {
  dnnl::memory src = ctx.InputPlain(0);
  dnnl::memory dst = ctx.NewOutput(0, src.get_desc());
  const int64_t n = NumElements(ctx.input_shape(0));
  ctx.AddStep([src, dst, n] {
    const float* x = static_cast<const float*>(src.get_data_handle());
    float* y = static_cast<float*>(dst.get_data_handle());
    for (int64_t i = 0; i < n; ++i) y[i] = std::erf(x[i]);
  }, {src, dst});
  return absl::OkStatus();
}

absl::Status Build(OpContext& ctx) {
  if (ctx.node().op_type == "Erf") return BuildErf(ctx);
  if (HasRuntimeBounds(ctx)) return BuildClipWithRuntimeBounds(ctx);
  CONVOY_ASSIGN_OR_RETURN(std::vector<EltwiseStage> stages, StagesFor(ctx));
  dnnl::memory acc = ctx.Input(0);
  for (size_t k = 0; k < stages.size(); ++k) {
    const EltwiseStage& s = stages[k];
    dnnl::eltwise_forward::primitive_desc pd(
        {dnnl::prop_kind::forward_inference, s.kind, acc.get_desc(), s.alpha, s.beta},
        ctx.engine());
    dnnl::memory dst = k + 1 == stages.size() ? ctx.NewOutput(0, pd.dst_desc())
                                              : ctx.NewScratch(pd.dst_desc());
    ctx.AddPrimitive(dnnl::eltwise_forward(pd), {{DNNL_ARG_SRC, acc}, {DNNL_ARG_DST, dst}});
    acc = dst;
  }
  return absl::OkStatus();
}

}  // namespace

void RegisterActivationOps(OpRegistry& registry) {
  for (const char* op : {"Relu", "LeakyRelu", "Tanh", "Sigmoid", "Clip", "HardSigmoid",
                         "HardSwish", "Gelu", "Swish", "Sqrt", "Erf"}) {
    registry.Add(op, {Infer, Build});
  }
  registry.Add("Pow", {Infer, Build, 2});
}

}  // namespace convoy::engine
