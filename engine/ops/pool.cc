// MaxPool, AveragePool, GlobalAveragePool and GlobalMaxPool as oneDNN
// pooling_v2 primitives (which support dilation) in the input's layout.
#include <optional>

#include "absl/strings/str_cat.h"
#include "engine/exec/dnnl_util.h"
#include "engine/exec/op_registry.h"
#include "engine/ops/op_util.h"
#include "engine/ops/padding.h"
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

absl::Status Build(OpContext& ctx) {
  CONVOY_ASSIGN_OR_RETURN(Window w, PoolWindow(ctx));
  CONVOY_ASSIGN_OR_RETURN(int64_t include_pad, ctx.attrs().GetInt("count_include_pad", 0));
  dnnl::algorithm kind = dnnl::algorithm::pooling_max;
  dnnl::memory src;
  // Precision::kInt8: a max pool of 8-bit values writes 8 bits at their
  // scale, where its output has its input's range (int8_ranges.h).
  std::optional<float> eight_bit_scale;
  const ValueRange* out_range = ctx.output_range(0);
  if (IsMax(ctx) && out_range != nullptr) src = InputStoredAs(ctx, 0, *out_range);
  if (src) {
    eight_bit_scale = QuantizeSource(*out_range).scale;
  } else if (IsMax(ctx)) {
    src = ctx.Input(0);
  } else if (include_pad == 0 || w.pad_end_effective == w.pad_end) {
    src = ctx.Input(0);
    kind = include_pad ? dnnl::algorithm::pooling_avg_include_padding
                       : dnnl::algorithm::pooling_avg_exclude_padding;
  } else if (!w.HasPadding()) {
    src = ctx.Input(0);  // The only padding is the overhang, which never counts.
    kind = dnnl::algorithm::pooling_avg_exclude_padding;
  } else {
    // Explicit pads count in the divisor but the ceil-mode overhang does
    // not; pad explicitly, then exclude only the overhang.
    std::vector<int64_t> begin = {0, 0}, end = {0, 0};
    begin.insert(begin.end(), w.pad_begin.begin(), w.pad_begin.end());
    end.insert(end.end(), w.pad_end.begin(), w.pad_end.end());
    src = PadConstant(ctx, 0, begin, end, 0.0f);
    for (size_t i = 0; i < w.pad_begin.size(); ++i) {
      w.pad_end_effective[i] -= w.pad_end[i];
      w.pad_begin[i] = 0;
    }
    kind = dnnl::algorithm::pooling_avg_exclude_padding;
  }
  Shape out_shape = ctx.output_shape(0);
  dnnl::pooling_v2_forward::desc desc(
      dnnl::prop_kind::forward_inference, kind, src.get_desc(),
      AnyDesc(ToDims(out_shape), src.get_desc().data_type()),
      w.OneDnnStrides(), dnnl::memory::dims(w.kernel.begin(), w.kernel.end()),
      w.OneDnnDilations(), w.OneDnnPadBegin(), w.OneDnnPadEnd());
  dnnl::pooling_v2_forward::primitive_desc pd(desc, ctx.engine());
  dnnl::memory dst = eight_bit_scale ? ctx.NewQuantizedOutput(0, pd.dst_desc(), *eight_bit_scale)
                                     : ctx.NewOutput(0, pd.dst_desc());
  std::unordered_map<int, dnnl::memory> args = {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}};
  if (pd.workspace_desc().get_size() > 0) {
    args[DNNL_ARG_WORKSPACE] = ctx.NewScratch(pd.workspace_desc());
  }
  ctx.AddPrimitive(dnnl::pooling_v2_forward(pd), std::move(args));
  return absl::OkStatus();
}

}  // namespace

void RegisterPoolOps(OpRegistry& registry) {
  for (const char* op : {"MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool"}) {
    registry.Add(op, {Infer, Build});
  }
}

}  // namespace convoy::engine
