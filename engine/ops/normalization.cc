// BatchNormalization (inference, running statistics) and LRN (across
// channels), each one oneDNN primitive in the input's layout; and
// LayerNormalization (opset 17), one oneDNN layer normalization over the
// plain input seen as [prod(dims before axis), prod(dims from axis)].
#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/exec/dnnl_util.h"
#include "engine/exec/op_registry.h"
#include "engine/ops/op_util.h"
#include "engine/passes/graph_passes.h"

namespace convoy::engine {
namespace {

absl::Status InferBatchNorm(OpContext& ctx) {
  CONVOY_RETURN_IF_ERROR(ctx.ExpectInputs(5, 5));
  for (size_t i = 1; i < ctx.num_outputs(); ++i) {
    if (ctx.node().HasOutput(i)) {
      return ctx.Unsupported("only inference is supported: outputs beyond Y must be absent");
    }
  }
  CONVOY_ASSIGN_OR_RETURN(int64_t training, ctx.attrs().GetInt("training_mode", 0));
  if (training != 0) return ctx.Unsupported("training_mode=1 is not supported");
  CONVOY_ASSIGN_OR_RETURN(int64_t spatial, ctx.attrs().GetInt("spatial", 1));
  if (spatial != 1) return ctx.Unsupported("spatial=0 is not supported");
  const Shape& x = ctx.input_shape(0);
  if (x.size() < 2 || x.size() > 5) {
    return ctx.Unsupported(absl::StrCat("input rank ", x.size(), " (only ranks 2 to 5)"));
  }
  for (size_t i = 1; i < 5; ++i) {
    if (ctx.input_shape(i) != Shape{x[1]}) {
      return ctx.Invalid(absl::StrCat("input ", i, " has shape ", ShapeToString(ctx.input_shape(i)),
                                      "; expected [", x[1], "] (one value per channel)"));
    }
  }
  ctx.SetOutput(0, x);
  return absl::OkStatus();
}

absl::Status BuildBatchNorm(OpContext& ctx) {
  CONVOY_ASSIGN_OR_RETURN(float epsilon, ctx.attrs().GetFloat("epsilon", 1e-5f));
  dnnl::memory src = ctx.Input(0);
  auto flags = dnnl::normalization_flags::use_global_stats | dnnl::normalization_flags::use_scale |
               dnnl::normalization_flags::use_shift;
  if (ctx.attrs().Has(kActivationAttr)) {  // FuseActivations: a ReLU, nothing else
    CONVOY_ASSIGN_OR_RETURN(std::string activation, ctx.attrs().GetString(kActivationAttr, ""));
    if (activation != "Relu") {
      return ctx.Invalid(
          absl::StrCat("fused activation '", activation, "' after BatchNormalization"));
    }
    flags |= dnnl::normalization_flags::fuse_norm_relu;
  }
  dnnl::batch_normalization_forward::primitive_desc pd(
      {dnnl::prop_kind::forward_inference, src.get_desc(), epsilon, flags}, ctx.engine());
  dnnl::memory dst = ctx.NewOutput(0, pd.dst_desc());
  ctx.AddPrimitive(dnnl::batch_normalization_forward(pd),
                   {{DNNL_ARG_SRC, src},
                    {DNNL_ARG_SCALE, ctx.InputPlain(1)},
                    {DNNL_ARG_SHIFT, ctx.InputPlain(2)},
                    {DNNL_ARG_MEAN, ctx.InputPlain(3)},
                    {DNNL_ARG_VARIANCE, ctx.InputPlain(4)},
                    {DNNL_ARG_DST, dst}});
  return absl::OkStatus();
}

absl::Status InferLrn(OpContext& ctx) {
  CONVOY_RETURN_IF_ERROR(ctx.ExpectInputs(1, 1));
  CONVOY_ASSIGN_OR_RETURN(int64_t size, ctx.attrs().RequiredInt("size"));
  if (size < 1) return ctx.Invalid("size must be positive");
  // oneDNN sums a symmetric window; ONNX's window for an even size is
  // lopsided, so only odd sizes map exactly.
  if (size % 2 == 0) return ctx.Unsupported(absl::StrCat("even size ", size));
  if (ctx.input_rank(0) < 3 || ctx.input_rank(0) > 5) {
    return ctx.Unsupported(absl::StrCat("input rank ", ctx.input_rank(0), " (only ranks 3 to 5)"));
  }
  ctx.SetOutput(0, ctx.input_shape(0));
  return absl::OkStatus();
}

absl::Status BuildLrn(OpContext& ctx) {
  CONVOY_ASSIGN_OR_RETURN(int64_t size, ctx.attrs().RequiredInt("size"));
  CONVOY_ASSIGN_OR_RETURN(float alpha, ctx.attrs().GetFloat("alpha", 1e-4f));
  CONVOY_ASSIGN_OR_RETURN(float beta, ctx.attrs().GetFloat("beta", 0.75f));
  CONVOY_ASSIGN_OR_RETURN(float bias, ctx.attrs().GetFloat("bias", 1.0f));
  dnnl::memory src = ctx.Input(0);
  dnnl::lrn_forward::primitive_desc pd(
      {dnnl::prop_kind::forward_inference, dnnl::algorithm::lrn_across_channels, src.get_desc(),
       size, alpha, beta, bias},
      ctx.engine());
  dnnl::memory dst = ctx.NewOutput(0, pd.dst_desc());
  std::unordered_map<int, dnnl::memory> args = {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}};
  if (pd.workspace_desc().get_size() > 0) {
    args[DNNL_ARG_WORKSPACE] = ctx.NewScratch(pd.workspace_desc());
  }
  ctx.AddPrimitive(dnnl::lrn_forward(pd), std::move(args));
  return absl::OkStatus();
}

// --- LayerNormalization

absl::StatusOr<int64_t> LayerNormAxis(const OpContext& ctx) {
  CONVOY_ASSIGN_OR_RETURN(int64_t axis, ctx.attrs().GetInt("axis", -1));
  return NormalizeAxis(ctx, axis, ctx.input_rank(0));
}

absl::Status InferLayerNorm(OpContext& ctx) {
  CONVOY_RETURN_IF_ERROR(ctx.ExpectInputs(2, 3));
  for (size_t i = 1; i < ctx.num_outputs(); ++i) {
    if (ctx.node().HasOutput(i)) {
      return ctx.Unsupported("the Mean and InvStdDev outputs (training) are not supported");
    }
  }
  CONVOY_ASSIGN_OR_RETURN(int64_t stash_type, ctx.attrs().GetInt("stash_type", 1));
  if (stash_type != 1) return ctx.Unsupported("stash_type other than 1 (float)");
  const Shape& x = ctx.input_shape(0);
  if (x.empty()) return ctx.Invalid("input must not be a scalar");
  CONVOY_ASSIGN_OR_RETURN(int64_t axis, LayerNormAxis(ctx));
  const int64_t inner = NumElements(Shape(x.begin() + axis, x.end()));
  for (size_t i = 1; i < 3; ++i) {
    if (ctx.has_input(i) && NumElements(ctx.input_shape(i)) != inner) {
      return ctx.Unsupported(absl::StrCat(i == 1 ? "Scale" : "B", " of shape ",
                                          ShapeToString(ctx.input_shape(i)),
                                          " (only one value per normalised element, no broadcast)"));
    }
  }
  ctx.SetOutput(0, x);
  return absl::OkStatus();
}

absl::Status BuildLayerNorm(OpContext& ctx) {
  CONVOY_ASSIGN_OR_RETURN(float epsilon, ctx.attrs().GetFloat("epsilon", 1e-5f));
  CONVOY_ASSIGN_OR_RETURN(int64_t axis, LayerNormAxis(ctx));
  const Shape& x = ctx.input_shape(0);
  const int64_t inner = NumElements(Shape(x.begin() + axis, x.end()));
  const dnnl::memory::desc rows = PlainDesc({NumElements(x) / std::max<int64_t>(inner, 1), inner});
  dnnl::memory src = ctx.InputViewed(0, rows, rows);
  auto flags = dnnl::normalization_flags::use_scale;
  if (ctx.has_input(2)) flags |= dnnl::normalization_flags::use_shift;
  dnnl::layer_normalization_forward::primitive_desc pd(
      {dnnl::prop_kind::forward_inference, rows, epsilon, flags}, ctx.engine());
  const dnnl::memory::desc vector = PlainDesc({inner});
  dnnl::memory dst = ctx.NewScratch(rows);
  std::unordered_map<int, dnnl::memory> args = {
      {DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}, {DNNL_ARG_SCALE, ctx.InputViewed(1, vector, vector)}};
  if (ctx.has_input(2)) args[DNNL_ARG_SHIFT] = ctx.InputViewed(2, vector, vector);
  ctx.AddPrimitive(dnnl::layer_normalization_forward(pd), std::move(args));
  ctx.BindOutput(0, ctx.Alias(dst, PlainDesc(x)));
  return absl::OkStatus();
}

}  // namespace

void RegisterNormalizationOps(OpRegistry& registry) {
  registry.Add("BatchNormalization", {InferBatchNorm, BuildBatchNorm, 5});
  registry.Add("LRN", {InferLrn, BuildLrn});
  registry.Add("LayerNormalization", {InferLayerNorm, BuildLayerNorm, 2});
}

}  // namespace convoy::engine
