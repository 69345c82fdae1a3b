// Conv (1-D, 2-D and 3-D, grouped, dilated, padded) as one oneDNN
// convolution whose source, weights and destination layouts oneDNN chooses;
// in float32, bfloat16 or, calibrated, int8 (quantize.h). Float32 3x3
// convolutions run Winograd kernels where oneDNN has them, the convolutions
// after them read their blocked output as it is, and the first layers of
// small networks a kernel for plain sources, or to few channels one of
// Convoy's own (narrow_conv.h; docs/ENGINE.md, Plans).
#include <algorithm>
#include <optional>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/exec/dnnl_util.h"
#include "engine/exec/op_registry.h"
#include "engine/ops/narrow_conv.h"
#include "engine/ops/op_util.h"
#include "engine/ops/post_ops.h"
#include "engine/ops/quantize.h"
#include "engine/ops/silu.h"
#include "engine/passes/graph_passes.h"
#include "engine/ops/window.h"

namespace convoy::engine {
namespace {

struct ConvGeometry {
  int64_t groups = 1;
  Window window;
};

absl::StatusOr<ConvGeometry> Geometry(const OpContext& ctx) {
  const Shape& x = ctx.input_shape(0);
  const Shape& w = ctx.input_shape(1);
  if (x.size() < 3 || x.size() > 5) {
    return ctx.Unsupported(absl::StrCat("input rank ", x.size(), " (only 1-D, 2-D and 3-D ",
                                        "convolutions, ranks 3 to 5)"));
  }
  if (w.size() != x.size()) {
    return ctx.Invalid(absl::StrCat("weights of shape ", ShapeToString(w),
                                    " do not match input of shape ", ShapeToString(x)));
  }
  ConvGeometry g;
  CONVOY_ASSIGN_OR_RETURN(g.groups, ctx.attrs().GetInt("group", 1));
  if (g.groups < 1 || x[1] % g.groups != 0 || w[0] % g.groups != 0) {
    return ctx.Invalid(absl::StrCat("group ", g.groups, " must divide input channels ", x[1],
                                    " and output channels ", w[0]));
  }
  if (w[1] * g.groups != x[1]) {
    return ctx.Invalid(absl::StrCat("weights expect ", w[1] * g.groups, " input channels, input ",
                                    "has ", x[1]));
  }
  std::vector<int64_t> kernel(w.begin() + 2, w.end());
  CONVOY_ASSIGN_OR_RETURN(std::vector<int64_t> declared, ctx.attrs().GetInts("kernel_shape", kernel));
  if (declared != kernel) {
    return ctx.Invalid(absl::StrCat("kernel_shape ", ShapeToString(declared),
                                    " disagrees with the weights' shape ", ShapeToString(w)));
  }
  if (ctx.has_input(2) && ctx.input_shape(2) != Shape{w[0]}) {
    return ctx.Invalid(absl::StrCat("bias of shape ", ShapeToString(ctx.input_shape(2)),
                                    " should be [", w[0], "]"));
  }
  CONVOY_ASSIGN_OR_RETURN(g.window, ComputeWindow(ctx, {x.begin() + 2, x.end()}, kernel,
                                                  /*ceil_mode=*/false));
  return g;
}

bool HasResidual(const OpContext& ctx) { return ctx.attrs().Has(kSumAttr); }

absl::Status Infer(OpContext& ctx) {
  CONVOY_RETURN_IF_ERROR(ctx.ExpectInputs(2, HasResidual(ctx) ? 4 : 3));
  CONVOY_ASSIGN_OR_RETURN(ConvGeometry g, Geometry(ctx));
  Shape out = {ctx.input_shape(0)[0], ctx.input_shape(1)[0]};
  out.insert(out.end(), g.window.out.begin(), g.window.out.end());
  if (HasResidual(ctx)) {
    if (!ctx.has_input(3)) return ctx.Invalid("the fused residual (input 3) is missing");
    CONVOY_ASSIGN_OR_RETURN(Shape sum, BroadcastShapes(ctx, out, ctx.input_shape(3)));
    if (sum != out) {
      return ctx.Unsupported(absl::StrCat(
          "the Add fused into this Conv broadcasts its output ", ShapeToString(out), " to ",
          ShapeToString(sum), "; load the model with ModelOptions::optimize = false"));
    }
  }
  ctx.SetOutput(0, out);
  return absl::OkStatus();
}

// Conv without the residual, then a binary Add that broadcasts the residual
// (of a smaller shape) into the result, with the activation after it.
absl::Status BuildWithBroadcastResidual(OpContext& ctx, const dnnl::convolution_forward::desc& desc,
                                        std::unordered_map<int, dnnl::memory> args) {
  dnnl::convolution_forward::primitive_desc pd(desc, ctx.engine());
  dnnl::memory conv_out = ctx.NewScratch(pd.dst_desc());
  args[DNNL_ARG_SRC] = ctx.InputAs(0, pd.src_desc());
  args[DNNL_ARG_WEIGHTS] = ctx.InputAs(1, pd.weights_desc());
  if (ctx.has_input(2)) args[DNNL_ARG_BIAS] = ctx.InputAs(2, pd.bias_desc());
  args[DNNL_ARG_DST] = conv_out;
  ctx.AddPrimitive(dnnl::convolution_forward(pd), std::move(args));

  const Shape& out = ctx.output_shape(0);
  const dnnl::memory::dims residual_dims = ToDims(PadLeft(ctx.input_shape(3), out.size()));
  const dnnl::memory::desc residual_view(residual_dims, dnnl::memory::data_type::f32,
                                         PlainStrides(residual_dims));
  dnnl::memory plain_out = ctx.NewScratch(PlainDesc(out));
  ctx.AddPrimitive(dnnl::reorder(conv_out, plain_out),
                   {{DNNL_ARG_FROM, conv_out}, {DNNL_ARG_TO, plain_out}});
  dnnl::post_ops activation;
  CONVOY_RETURN_IF_ERROR(AppendFusedActivation(ctx, activation));
  dnnl::primitive_attr attr;
  attr.set_post_ops(activation);
  dnnl::binary::primitive_desc add(
      {dnnl::algorithm::binary_add, PlainDesc(out), residual_view, PlainDesc(out)}, attr,
      ctx.engine());
  ctx.AddPrimitive(dnnl::binary(add),
                   {{DNNL_ARG_SRC_0, plain_out},
                    {DNNL_ARG_SRC_1, ctx.InputViewed(3, residual_view, residual_view)},
                    {DNNL_ARG_DST, ctx.NewOutput(0, PlainDesc(out))}});
  return absl::OkStatus();
}

// The scales of an int8 convolution (Precision::kInt8), when it can run
// as one: its input is calibrated, its weights and bias are constants,
// and any fused residual has the output's shape.
struct Int8Conv {
  SourceQuantization source;
  std::vector<float> weight_scales;
  // Set when the output is calibrated too (another int8 convolution reads
  // it): it is then written in 8 bits, scaled as that reader wants it.
  std::optional<SourceQuantization> output;
  // With an 8-bit output and a fused residual: how the destination holds
  // the residual before the sum post-op adds the convolution to it. An
  // 8-bit type of its own (a signed projection shortcut under a u8
  // output) at a scale of its own, so that a residual stored in 8 bits is
  // written over where it lies rather than copied and rescaled.
  std::optional<SourceQuantization> residual;
};

// How input 3, the residual, is held in 8 bits: as its producer stored it,
// else as its calibrated range quantizes it; nullopt without either.
std::optional<SourceQuantization> HeldResidual(const OpContext& ctx) {
  float scale = 0;
  if (const dnnl::memory stored = ctx.StoredQuantizedInput(3, &scale)) {
    return SourceQuantization{stored.get_desc().data_type(), scale};
  }
  if (const ValueRange* range = ctx.input_range(3)) return QuantizeSource(*range);
  return std::nullopt;
}

std::optional<Int8Conv> Int8ConvOf(const OpContext& ctx) {
  const ValueRange* range = ctx.input_range(0);
  const Tensor* weights = ctx.constant_input(1);
  if (range == nullptr || weights == nullptr || !weights->has_bytes()) return std::nullopt;
  if (ctx.has_input(2) && (ctx.constant_input(2) == nullptr || !ctx.constant_input(2)->has_bytes())) {
    return std::nullopt;
  }
  if (HasResidual(ctx) && ctx.input_shape(3) != ctx.output_shape(0)) return std::nullopt;
  Int8Conv int8{QuantizeSource(*range), WeightScales(*weights), std::nullopt, std::nullopt};
  if (const ValueRange* out = ctx.output_range(0)) {
    // An 8-bit destination must hold the fused residual in 8 bits too.
    if (HasResidual(ctx)) int8.residual = HeldResidual(ctx);
    if (!HasResidual(ctx) || int8.residual) int8.output = QuantizeSource(*out);
  }
  return int8;
}

// A 2-D convolution from fewer than 16 channels to at most 16 (LeNet-5's
// second, and its first where NarrowConv does not apply); in float32 and
// ungrouped, oneDNN has a kernel for such a layer that reads its source
// plain (nchw) and writes 16-channel blocks, faster than its channels-last
// kernel for so few channels. With more output channels
// (a 224-pixel network's first layer, 3 to 64) the blocked output must be
// reordered for the channels-last layers after it, which costs what the
// plain source saved: ResNet-18 at batch 1 was slower.
bool FewChannelsInAndOut(const OpContext& ctx) {
  return ctx.input_rank(0) == 4 && ctx.input_shape(0)[1] < 16 && ctx.output_shape(0)[1] <= 16;
}

// A float32 2-D convolution to at most 8 channels from fewer than 16, stride
// 1, undilated, ungrouped, with output rows of at least a vector (16
// pixels), on an AVX-512 processor: it runs NarrowConv (narrow_conv.h),
// which computes only the channels there are. LeNet-5's first convolution
// (1 to 6 channels) took 6.7 us an image in oneDNN's kernel, its activation
// included (docs/ENGINE.md, Plans).
bool NarrowConvApplies(const OpContext& ctx, const ConvGeometry& g,
                       const std::optional<Int8Conv>& int8) {
  const Shape& out = ctx.output_shape(0);
  return NarrowConvIsFaster() && !int8 && ctx.compute_type() == dnnl::memory::data_type::f32 &&
         ctx.input_rank(0) == 4 && g.groups == 1 && !HasResidual(ctx) &&
         g.window.strides == std::vector<int64_t>{1, 1} &&
         g.window.dilations == std::vector<int64_t>{1, 1} && ctx.input_shape(0)[1] < 16 &&
         out[1] <= kNarrowConvMaxOutChannels && out[3] >= 16;
}

// The activation a single eltwise stage computes, where NarrowConv can
// apply it as it stores its output; kNone for any other.
NarrowConvActivation InKernel(const dnnl::post_ops& stages) {
  NarrowConvActivation activation;
  if (stages.len() != 1) return activation;
  float scale = 1;
  dnnl::algorithm kind;
  stages.get_params_eltwise(0, scale, kind, activation.alpha, activation.beta);
  if (kind == dnnl::algorithm::eltwise_relu) activation.kind = NarrowConvActivation::kRelu;
  if (kind == dnnl::algorithm::eltwise_clip_v2) activation.kind = NarrowConvActivation::kClip;
  if (kind == dnnl::algorithm::eltwise_tanh) activation.kind = NarrowConvActivation::kTanh;
  return activation;
}

// The convolution as NarrowConv, from and to plain layouts, with its fused
// activation: in the kernel (Relu, LeakyRelu, Clip, Tanh), else in place
// after it, one oneDNN eltwise stage after another.
absl::Status BuildNarrow(OpContext& ctx, const Window& window) {
  const Shape& x = ctx.input_shape(0);
  const Shape& out = ctx.output_shape(0);
  const NarrowConvGeometry g{x[0],   x[1],   x[2],   x[3], out[1], out[2], out[3],
                             window.kernel[0], window.kernel[1], window.pad_begin[0],
                             window.pad_begin[1]};
  dnnl::post_ops stages;
  CONVOY_RETURN_IF_ERROR(AppendFusedActivation(ctx, stages));
  const NarrowConvActivation activation = InKernel(stages);
  // [in][kh][kw][out], reordered once and shared by every plan (WeightCache).
  const dnnl::memory w = ctx.InputAs(
      1, dnnl::memory::desc(ToDims(ctx.input_shape(1)), dnnl::memory::data_type::f32,
                            dnnl::memory::format_tag::bcda));
  const dnnl::memory src = ctx.InputAs(0, PlainDesc(x));
  const dnnl::memory scratch = ctx.NewScratch(PlainDesc({NarrowConvScratchElements(g)}));
  const dnnl::memory dst = ctx.NewOutput(0, PlainDesc(out));
  const dnnl::memory bias = ctx.has_input(2) ? ctx.InputAs(2, PlainDesc(ctx.input_shape(2)))
                                             : dnnl::memory();
  std::vector<dnnl::memory> touches = {src, w, scratch, dst};
  if (bias) touches.push_back(bias);
  ctx.AddStep(
      [g, activation, src, w, bias, scratch, dst] {
        NarrowConv(g, activation, static_cast<const float*>(src.get_data_handle()),
                   static_cast<const float*>(w.get_data_handle()),
                   bias ? static_cast<const float*>(bias.get_data_handle()) : nullptr,
                   static_cast<float*>(scratch.get_data_handle()),
                   static_cast<float*>(dst.get_data_handle()));
      },
      std::move(touches));
  if (activation.kind != NarrowConvActivation::kNone) return absl::OkStatus();
  for (int k = 0; k < stages.len(); ++k) {
    float scale = 1, alpha = 0, beta = 0;
    dnnl::algorithm kind;
    stages.get_params_eltwise(k, scale, kind, alpha, beta);
    dnnl::eltwise_forward::primitive_desc pd(
        {dnnl::prop_kind::forward_inference, kind, PlainDesc(out), alpha, beta}, ctx.engine());
    ctx.AddPrimitive(dnnl::eltwise_forward(pd), {{DNNL_ARG_SRC, dst}, {DNNL_ARG_DST, dst}});
  }
  return absl::OkStatus();
}

// A 3x3 convolution with stride 1, undilated, in a model that allows it
// (ModelOptions::winograd); in float32 and ungrouped, oneDNN has Winograd
// kernels for it (F(2x2, 3x3) and F(4x4, 3x3)), which do the same sums with
// 2.25 to 4 times fewer multiplications, within 1e-5 of the direct result.
bool WinogradApplies(const OpContext& ctx, const Window& w) {
  return ctx.winograd() && w.kernel == std::vector<int64_t>{3, 3} &&
         w.strides == std::vector<int64_t>{1, 1} && w.dilations == std::vector<int64_t>{1, 1};
}

// A source in 16-channel blocks (nChw16c), as Winograd convolutions write
// it: the convolutions after them read it as it is, with oneDNN's kernels
// for blocked layouts, rather than have it reordered to channels-last for
// the kernel oneDNN picks by default. In ResNet-50 that removes 23 of the
// 84 steps of a batch-1 run (docs/ENGINE.md, "Plans").
bool InChannelBlocks(const dnnl::memory::desc& desc) {
  return desc.data.format_kind == dnnl_blocked && desc.data.format_desc.blocking.inner_nblks > 0;
}

// How wide the vectors of a oneDNN implementation are, from its name
// ("brgconv_1x1:avx512_core", "jit_1x1:avx2"): 0 for the reference one.
int VectorWidthRank(const dnnl::primitive_desc_base& pd) {
  const std::string impl = pd.impl_info_str();
  if (IsReference(pd)) return 0;
  if (absl::StrContains(impl, "avx512") || absl::StrContains(impl, "amx")) return 3;
  if (absl::StrContains(impl, "avx")) return 2;
  return 1;
}

// oneDNN's Winograd kernels keep their weights transformed (1.8 to 4 times
// the direct ones), and as no reorder reads such a copy back, the file's
// weights stay beside them. In oneDNN's forward_training mode the same
// kernels transform the weights on every run instead, and take them in a
// direct layout, which frees the file's bytes. That pays where the
// transformed weights are large and a run has many output pixels to share
// the work: VGG-16's 512-channel layers at batch 8 hold 207 MB less for
// 3.5% of the time of a batch; at batch 1, or on ResNet's 7x7 layers at
// batch 8, those layers would take 1.24 to 3.6 times as long
// (docs/ENGINE.md, "Plans").
bool TransformWeightsEachRun(const OpContext& ctx,
                             const dnnl::convolution_forward::primitive_desc& pd) {
  constexpr size_t kLargeWeights = size_t{16} << 20;
  constexpr int64_t kManyPixels = 8 * 14 * 14;
  const Shape& out = ctx.output_shape(0);
  return absl::StrContains(pd.impl_info_str(), "wino") &&
         pd.weights_desc().get_size() >= kLargeWeights && out[0] * out[2] * out[3] >= kManyPixels;
}

// A fused Swish (SiLU) on a float32 convolution runs after it as
// SiluInPlace over its output where that is faster than oneDNN's swish
// post-op, which more than doubles the time of a depthwise convolution
// (engine/ops/silu.h).
bool SiluAfter(const OpContext& ctx, const std::optional<Int8Conv>& int8) {
  return !int8 && ctx.compute_type() == dnnl::memory::data_type::f32 &&
         FusedActivationIs(ctx, "Swish") && SiluInPlaceIsFaster();
}

// Types and attributes of the convolution, whatever its precision.
struct ConvParts {
  dnnl::memory::data_type src_type, weights_type, dst_type;
  float dst_scale = 1;      // Output values are stored multiplied by this.
  dnnl::primitive_attr attr;
};

// Where the int8 scales go: oneDNN 2.x computes
// post_ops(output_scale * (acc + bias)) and rounds it into the destination.
// The output's own scale joins the output scales when the activation
// commutes with scaling; otherwise the post-ops run on real values (the sum
// reads the held residual back with 1 / its scale) and the activation
// applies dst_scale.
absl::StatusOr<ConvParts> Parts(const OpContext& ctx, const std::optional<Int8Conv>& int8,
                                bool sum, bool silu_after) {
  ConvParts parts;
  const dnnl::memory::data_type type = ctx.compute_type();
  parts.src_type = int8 ? int8->source.type : type;
  parts.weights_type = int8 ? dnnl::memory::data_type::s8 : type;
  // Without a calibrated output, an int8 convolution writes float32.
  parts.dst_type = int8 ? (int8->output ? int8->output->type : dnnl::memory::data_type::f32) : type;
  parts.dst_scale = int8 && int8->output ? int8->output->scale : 1.0f;
  const bool scale_first = FusedActivationCommutesWithScale(ctx);
  dnnl::post_ops post_ops;
  // dst += conv(x), dst holding the residual: at dst_scale and in dst's
  // type, unless an int8 destination holds it at a scale and type of its own.
  if (sum) {
    const bool own = int8 && int8->residual;
    const float held_scale = own ? int8->residual->scale : parts.dst_scale;
    const dnnl::memory::data_type held_type =
        own && int8->residual->type != parts.dst_type ? int8->residual->type
                                                      : dnnl::memory::data_type::undef;
    post_ops.append_sum((scale_first ? parts.dst_scale : 1.0f) / held_scale, held_type);
  }
  if (!silu_after) {
    CONVOY_RETURN_IF_ERROR(AppendFusedActivation(ctx, post_ops, scale_first ? 1.0f : parts.dst_scale));
  }
  parts.attr.set_post_ops(post_ops);
  // The plan gives each convolution its scratch memory (in its arena):
  // oneDNN's own, in the Winograd kernels, is only safe on the thread
  // that created the primitive, and plans run on whichever thread calls.
  parts.attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  if (int8) {
    parts.attr.set_output_scales(1 << 1, OutputScales(int8->source.scale, int8->weight_scales,
                                                      scale_first ? parts.dst_scale : 1.0f));
  }
  return parts;
}

absl::Status Build(OpContext& ctx) {
  CONVOY_ASSIGN_OR_RETURN(ConvGeometry g, Geometry(ctx));
  const Shape& w = ctx.input_shape(1);
  // Each output element is a dot product over one group's inputs × kernel.
  ctx.CountFlops(2 * NumElements(ctx.output_shape(0)) * NumElements(Shape(w.begin() + 1, w.end())));
  dnnl::memory::dims weight_dims(w.begin(), w.end());
  if (g.groups > 1) {
    weight_dims[0] /= g.groups;
    weight_dims.insert(weight_dims.begin(), g.groups);
  }
  const bool has_bias = ctx.has_input(2);
  dnnl::memory::desc bias_desc =
      has_bias ? PlainDesc(ctx.input_shape(2)) : dnnl::memory::desc();
  const bool sum = HasResidual(ctx) && ctx.input_shape(3) == ctx.output_shape(0);
  const std::optional<Int8Conv> int8 = Int8ConvOf(ctx);
  if (NarrowConvApplies(ctx, g, int8)) return BuildNarrow(ctx, g.window);
  const bool silu_after = SiluAfter(ctx, int8);
  CONVOY_ASSIGN_OR_RETURN(ConvParts parts, Parts(ctx, int8, sum, silu_after));
  auto describe = [&](dnnl::algorithm algorithm, const dnnl::memory::desc& src,
                      dnnl::prop_kind prop = dnnl::prop_kind::forward_inference) {
    return dnnl::convolution_forward::desc(
        prop, algorithm, src,
        AnyDesc(weight_dims, parts.weights_type), bias_desc,
        AnyDesc(ToDims(ctx.output_shape(0)), parts.dst_type), g.window.OneDnnStrides(),
        g.window.OneDnnDilations(), g.window.OneDnnPadBegin(), g.window.OneDnnPadEnd());
  };
  const dnnl::memory::desc any_src = AnyDesc(ToDims(ctx.input_shape(0)), parts.src_type);
  dnnl::convolution_forward::desc desc = describe(dnnl::algorithm::convolution_direct, any_src);
  if (HasResidual(ctx) && !sum) return BuildWithBroadcastResidual(ctx, desc, {});
  dnnl::convolution_forward::primitive_desc pd(desc, parts.attr, ctx.engine());
  // A faster kernel than oneDNN's default, where one applies: never oneDNN's
  // reference implementation, nor one of narrower vectors than the default
  // (a source in 8-channel blocks, as a grouped convolution of few channels
  // per group writes, gets AVX2's 1x1 kernel on an AVX-512 machine).
  auto prefer = [&](dnnl::algorithm algorithm, const dnnl::memory::desc& src,
                    dnnl::prop_kind prop = dnnl::prop_kind::forward_inference) {
    try {
      dnnl::convolution_forward::primitive_desc other(describe(algorithm, src, prop), parts.attr,
                                                      ctx.engine());
      if (VectorWidthRank(other) >= std::max(VectorWidthRank(pd), 1)) pd = other;
    } catch (const dnnl::error&) {
      // No such kernel for this convolution: the default it is.
    }
  };
  // Both alternatives are float32 kernels for ungrouped convolutions.
  const bool float_ungrouped =
      !int8 && ctx.compute_type() == dnnl::memory::data_type::f32 && g.groups == 1;
  if (float_ungrouped && FewChannelsInAndOut(ctx)) {
    prefer(dnnl::algorithm::convolution_direct, PlainDesc(ctx.input_shape(0)));
  } else if (float_ungrouped && WinogradApplies(ctx, g.window)) {
    prefer(dnnl::algorithm::convolution_winograd, any_src);
    if (TransformWeightsEachRun(ctx, pd)) {
      prefer(dnnl::algorithm::convolution_winograd, any_src, dnnl::prop_kind::forward_training);
    }
  } else if (float_ungrouped && ctx.constant_input(0) == nullptr &&
             InChannelBlocks(ctx.Input(0).get_desc())) {
    prefer(dnnl::algorithm::convolution_direct, ctx.Input(0).get_desc());
  }
  // A fused residual is first in the destination: the sum post-op adds the
  // convolution to it in the same pass over memory. The convolution writes
  // over the residual's own buffer where nothing reads it later.
  std::unordered_map<int, dnnl::memory> args;
  if (int8 && int8->output && sum) {
    args[DNNL_ARG_DST] = ctx.NewQuantizedOutputHolding(
        0, 3, pd.dst_desc(), parts.dst_scale, int8->residual->type, int8->residual->scale);
  } else if (int8 && int8->output) {
    args[DNNL_ARG_DST] = ctx.NewQuantizedOutput(0, pd.dst_desc(), parts.dst_scale);
  } else if (sum) {
    args[DNNL_ARG_DST] = ctx.NewOutputHolding(0, 3, pd.dst_desc());
  } else {
    args[DNNL_ARG_DST] = ctx.NewOutput(0, pd.dst_desc());
  }
  if (int8) {
    // Per output channel: over dims 0 and 1 of grouped weights (group,
    // channel in group), whose order is the output channels' order.
    args[DNNL_ARG_SRC] = ctx.InputQuantized(0, pd.src_desc(), {int8->source.scale}, 0);
    args[DNNL_ARG_WEIGHTS] =
        ctx.InputQuantized(1, pd.weights_desc(), int8->weight_scales, g.groups > 1 ? 0b11 : 0b1);
    if (has_bias) {
      args[DNNL_ARG_BIAS] = ctx.NewConstant(
          pd.bias_desc(),
          QuantizedBias(*ctx.constant_input(2), int8->source.scale, int8->weight_scales));
    }
  } else {
    args[DNNL_ARG_SRC] = ctx.InputAs(0, pd.src_desc());
    args[DNNL_ARG_WEIGHTS] = ctx.InputAs(1, pd.weights_desc());
    if (has_bias) args[DNNL_ARG_BIAS] = ctx.InputAs(2, pd.bias_desc());
  }
  if (pd.scratchpad_desc().get_size() > 0) {
    args[DNNL_ARG_SCRATCHPAD] = ctx.NewScratch(pd.scratchpad_desc());
  }
  const dnnl::memory dst = args[DNNL_ARG_DST];
  ctx.AddPrimitive(dnnl::convolution_forward(pd), std::move(args));
  if (silu_after) {
    const int64_t n = static_cast<int64_t>(dst.get_desc().get_size() / sizeof(float));
    ctx.AddStep([dst, n] { SiluInPlace(static_cast<float*>(dst.get_data_handle()), n); }, {dst});
  }
  return absl::OkStatus();
}

}  // namespace

void RegisterConvOps(OpRegistry& registry) { registry.Add("Conv", {Infer, Build, 2}); }

}  // namespace convoy::engine
