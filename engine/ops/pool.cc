// MaxPool, AveragePool, GlobalAveragePool and GlobalMaxPool as oneDNN
// pooling_v2 primitives (which support dilation) in the input's layout, or
// a 2x2 pool of a plain input as PlainPool2x2 (plain_pool.h).
#include <optional>

#include "absl/strings/str_cat.h"
#include "engine/exec/dnnl_util.h"
#include "engine/exec/op_registry.h"
#include "engine/ops/op_util.h"
#include "engine/ops/padding.h"
#include "engine/ops/plain_pool.h"
#include "engine/ops/quantize.h"
#include "engine/ops/window.h"

namespace convoy::engine {
namespace {

bool IsGlobal(const OpContext& ctx) { return ctx.node().op_type.rfind("Global", 0) == 0; }
bool IsMax(const OpContext& ctx) { return ctx.node().op_type.find("Max") != std::string::npos; }

absl::StatusOr<Window> PoolWindow(const OpContext& ctx) {
  const Shape& x = ctx.input_shape(0);
  if (x.size() < 3 || x.size() > 5) {
    return ctx.Unsupported(absl::StrCat("input rank ", x.size(), " (only ranks 3 to 5)"));
  }
  std::vector<int64_t> spatial(x.begin() + 2, x.end());
  if (IsGlobal(ctx)) {
    Window w;
    w.kernel = spatial;
    w.strides = w.dilations = std::vector<int64_t>(spatial.size(), 1);
    w.pad_begin = w.pad_end = w.pad_end_effective = std::vector<int64_t>(spatial.size(), 0);
    w.out = std::vector<int64_t>(spatial.size(), 1);
    return w;
  }
  CONVOY_ASSIGN_OR_RETURN(std::vector<int64_t> kernel, ctx.attrs().GetInts("kernel_shape", {}));
  if (kernel.empty()) return ctx.Invalid("required attribute 'kernel_shape' is missing");
  CONVOY_ASSIGN_OR_RETURN(int64_t ceil_mode, ctx.attrs().GetInt("ceil_mode", 0));
  return ComputeWindow(ctx, spatial, kernel, ceil_mode != 0);
}

absl::Status Infer(OpContext& ctx) {
  CONVOY_RETURN_IF_ERROR(ctx.ExpectInputs(1, 1));
  if (ctx.node().HasOutput(1)) return ctx.Unsupported("the Indices output is not supported");
  CONVOY_ASSIGN_OR_RETURN(Window w, PoolWindow(ctx));
  Shape out = {ctx.input_shape(0)[0], ctx.input_shape(0)[1]};
  out.insert(out.end(), w.out.begin(), w.out.end());
  ctx.SetOutput(0, out);
  return absl::OkStatus();
}

// Precision::kInt8: a pool whose input is stored in 8 bits and whose
// output has a range (int8_ranges.h) reads those 8 bits and writes its
// output in 8 bits as its range quantizes it. A max pool's output takes its
// input's range, so it keeps the scale; an average pool's is measured, and
// an eltwise post-op rescales the average into it.
struct EightBitPool {
  dnnl::memory src;
  SourceQuantization out;
  float factor;  // The output's scale over the input's.
};

std::optional<EightBitPool> EightBitInput(OpContext& ctx) {
  const ValueRange* out_range = ctx.output_range(0);
  if (out_range == nullptr) return std::nullopt;
  float scale = 0;
  const dnnl::memory src = ctx.StoredQuantizedInput(0, &scale);
  if (!src) return std::nullopt;
  const SourceQuantization out = QuantizeSource(*out_range);
  return EightBitPool{src, out, out.scale / scale};
}

// Adds the pooling of `src` with window `w`, in 8 bits where `eight_bit`
// is set; false, adding nothing, where oneDNN has no kernel for that.
bool AddPool(OpContext& ctx, const Window& w, dnnl::algorithm kind, const dnnl::memory& src,
             const std::optional<EightBitPool>& eight_bit) {
  dnnl::primitive_attr attr;
  if (eight_bit && eight_bit->factor != 1) {
    dnnl::post_ops rescale;
    rescale.append_eltwise(1.0f, dnnl::algorithm::eltwise_linear, eight_bit->factor, 0.0f);
    attr.set_post_ops(rescale);
  }
  const dnnl::memory::data_type dst_type =
      eight_bit ? eight_bit->out.type : src.get_desc().data_type();
  dnnl::pooling_v2_forward::desc desc(
      dnnl::prop_kind::forward_inference, kind, src.get_desc(),
      AnyDesc(ToDims(ctx.output_shape(0)), dst_type), w.OneDnnStrides(),
      dnnl::memory::dims(w.kernel.begin(), w.kernel.end()), w.OneDnnDilations(),
      w.OneDnnPadBegin(), w.OneDnnPadEnd());
  std::optional<dnnl::pooling_v2_forward::primitive_desc> pd;
  try {
    pd.emplace(desc, attr, ctx.engine());
  } catch (const dnnl::error&) {
    if (eight_bit) return false;
    throw;
  }
  const dnnl::memory dst = eight_bit
                               ? ctx.NewQuantizedOutput(0, pd->dst_desc(), eight_bit->out.scale)
                               : ctx.NewOutput(0, pd->dst_desc());
  std::unordered_map<int, dnnl::memory> args = {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}};
  if (pd->workspace_desc().get_size() > 0) {
    args[DNNL_ARG_WORKSPACE] = ctx.NewScratch(pd->workspace_desc());
  }
  ctx.AddPrimitive(dnnl::pooling_v2_forward(*pd), std::move(args));
  return true;
}

// A float32 2x2 pool with stride 2, unpadded and undilated, of an input
// stored plain (nchw), on a processor where PlainPool2x2 is faster: it runs
// there, its output plain too.
bool AddPlainPool(OpContext& ctx, const Window& w, dnnl::algorithm kind) {
  const Shape& x = ctx.input_shape(0);
  const dnnl::memory src = ctx.Input(0);
  const std::vector<int64_t> two = {2, 2};
  if (!PlainPool2x2IsFaster() || x.size() != 4 || src.get_desc() != PlainDesc(x) ||
      w.kernel != two || w.strides != two || w.dilations != std::vector<int64_t>{1, 1} ||
      w.HasPadding() || w.pad_end_effective != std::vector<int64_t>{0, 0}) {
    return false;
  }
  const dnnl::memory dst = ctx.NewOutput(0, PlainDesc(ctx.output_shape(0)));
  const bool max = kind == dnnl::algorithm::pooling_max;
  ctx.AddStep(
      [src, dst, max, planes = x[0] * x[1], height = x[2], width = x[3]] {
        PlainPool2x2(max, planes, height, width, static_cast<const float*>(src.get_data_handle()),
                     static_cast<float*>(dst.get_data_handle()));
      },
      {src, dst});
  return true;
}

absl::Status Build(OpContext& ctx) {
  CONVOY_ASSIGN_OR_RETURN(Window w, PoolWindow(ctx));
  CONVOY_ASSIGN_OR_RETURN(int64_t include_pad, ctx.attrs().GetInt("count_include_pad", 0));
  dnnl::algorithm kind = dnnl::algorithm::pooling_max;
  bool pad_first = false;
  if (!IsMax(ctx)) {
    // With count_include_pad, explicit pads count in the divisor but the
    // ceil-mode overhang does not: where there are both, the input is
    // padded explicitly below and only the overhang excluded.
    const bool overhang = w.pad_end_effective != w.pad_end;
    kind = include_pad && !overhang ? dnnl::algorithm::pooling_avg_include_padding
                                    : dnnl::algorithm::pooling_avg_exclude_padding;
    pad_first = include_pad && overhang && w.HasPadding();
  }
  if (!pad_first) {
    const std::optional<EightBitPool> eight_bit = EightBitInput(ctx);
    if (eight_bit && AddPool(ctx, w, kind, eight_bit->src, eight_bit)) return absl::OkStatus();
    if (AddPlainPool(ctx, w, kind)) return absl::OkStatus();
    AddPool(ctx, w, kind, ctx.Input(0), std::nullopt);
    return absl::OkStatus();
  }
  std::vector<int64_t> begin = {0, 0}, end = {0, 0};
  begin.insert(begin.end(), w.pad_begin.begin(), w.pad_begin.end());
  end.insert(end.end(), w.pad_end.begin(), w.pad_end.end());
  const dnnl::memory padded = PadConstant(ctx, 0, begin, end, 0.0f);
  for (size_t i = 0; i < w.pad_begin.size(); ++i) {
    w.pad_end_effective[i] -= w.pad_end[i];
    w.pad_begin[i] = 0;
  }
  AddPool(ctx, w, kind, padded, std::nullopt);
  return absl::OkStatus();
}

}  // namespace

void RegisterPoolOps(OpRegistry& registry) {
  for (const char* op : {"MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool"}) {
    registry.Add(op, {Infer, Build});
  }
}

}  // namespace convoy::engine
