// The reductions ReduceMean, ReduceSum, ReduceMax, ReduceMin, ReduceProd,
// ReduceL1, ReduceL2 and ReduceSumSquare, each one oneDNN reduction
// primitive over float32 in the input's layout; a mean or maximum over every
// spatial axis (global pooling written as a reduction) is a pooling primitive.
//
// The axes are an attribute, or (ReduceSum from opset 13, every reduction
// from opset 18) an optional input, which must then be known at load. With
// no axes every axis is reduced, unless noop_with_empty_axes=1 makes the
// node an identity.
#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "engine/exec/dnnl_util.h"
#include "engine/exec/op_registry.h"
#include "engine/ops/op_util.h"

namespace convoy::engine {
namespace {

using dnnl::algorithm;
using dnnl::memory;

struct Reduction {
  algorithm kind;
  float p = 0;  // The norm's power (oneDNN's `p`); ignored by the others.
};

Reduction ReductionOf(const std::string& op) {
  if (op == "ReduceSum") return {algorithm::reduction_sum};
  if (op == "ReduceMax") return {algorithm::reduction_max};
  if (op == "ReduceMin") return {algorithm::reduction_min};
  if (op == "ReduceProd") return {algorithm::reduction_mul};
  if (op == "ReduceL1") return {algorithm::reduction_norm_lp_sum, 1.0f};
  if (op == "ReduceL2") return {algorithm::reduction_norm_lp_sum, 2.0f};
  if (op == "ReduceSumSquare") return {algorithm::reduction_norm_lp_power_p_sum, 2.0f};
  return {algorithm::reduction_mean};
}

struct ReduceGeometry {
  bool identity = false;         // noop_with_empty_axes with no axes.
  std::vector<bool> reduced;     // Per input dimension.
  Shape kept;                    // The result with reduced dimensions as 1s.
  Shape out;                     // The output: `kept`, or without them (keepdims=0).
};

absl::StatusOr<ReduceGeometry> ReadGeometry(const OpContext& ctx) {
  const Shape& in = ctx.input_shape(0);
  const int64_t rank = static_cast<int64_t>(in.size());
  std::vector<int64_t> axes;
  if (ctx.has_input(1)) {
    if (ctx.constant_input(1) == nullptr) {
      return ctx.Unsupported("axes not known at load (the axes input must be a constant)");
    }
    CONVOY_ASSIGN_OR_RETURN(axes, ctx.ConstantInts(1, "axes"));
  } else {
    CONVOY_ASSIGN_OR_RETURN(axes, ctx.attrs().GetInts("axes", {}));
  }
  CONVOY_ASSIGN_OR_RETURN(int64_t keepdims, ctx.attrs().GetInt("keepdims", 1));
  CONVOY_ASSIGN_OR_RETURN(int64_t noop, ctx.attrs().GetInt("noop_with_empty_axes", 0));
  ReduceGeometry g;
  g.reduced.assign(rank, axes.empty());
  if (axes.empty() && noop != 0) {
    g.identity = true;
    g.reduced.assign(rank, false);
  }
  for (int64_t a : axes) {
    CONVOY_ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(ctx, a, rank, "reduction axis"));
    if (g.reduced[axis]) return ctx.Invalid(absl::StrCat("axis ", a, " is repeated"));
    g.reduced[axis] = true;
  }
  for (int64_t d = 0; d < rank; ++d) {
    if (g.reduced[d] && in[d] == 0) {
      return ctx.Unsupported(absl::StrCat("reducing axis ", d, " of size 0"));
    }
    g.kept.push_back(g.reduced[d] ? 1 : in[d]);
    if (!g.reduced[d] || keepdims != 0) g.out.push_back(g.kept.back());
  }
  return g;
}

absl::Status Infer(OpContext& ctx) {
  CONVOY_RETURN_IF_ERROR(ctx.ExpectInputs(1, 2, {1}));
  CONVOY_ASSIGN_OR_RETURN(ReduceGeometry g, ReadGeometry(ctx));
  ctx.SetOutput(0, g.identity ? ctx.input_shape(0) : g.out);
  return absl::OkStatus();
}

// Reducing only axes of size 1 leaves each element alone, up to the
// reduction's per-element function; oneDNN refuses a reduction whose
// source and destination have the same dims, so this is an eltwise.
memory ReduceSingletons(OpContext& ctx, const Reduction& r, const memory& src) {
  algorithm kind = algorithm::eltwise_linear;  // x: mean, sum, max, min, prod.
  if (r.kind == algorithm::reduction_norm_lp_sum) kind = algorithm::eltwise_abs;
  if (r.kind == algorithm::reduction_norm_lp_power_p_sum) kind = algorithm::eltwise_square;
  dnnl::eltwise_forward::primitive_desc pd(
      {dnnl::prop_kind::forward_inference, kind, src.get_desc(), 1.0f, 0.0f}, ctx.engine());
  memory dst = ctx.NewScratch(pd.dst_desc());
  ctx.AddPrimitive(dnnl::eltwise_forward(pd), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
  return dst;
}

// The pooling a mean or max over exactly the spatial axes (2 and on, of a
// rank-3 to rank-5 float32 input) is, or nullopt. oneDNN 2.6 has only its
// reference reduction for blocked layouts, where its pooling has a jit
// kernel: torch exports MnasNet's and ShuffleNet's global pooling as
// ReduceMean over [2, 3], which took 0.9 of MnasNet's 5.6 ms at batch 1.
std::optional<algorithm> GlobalPooling(const Reduction& r, const ReduceGeometry& g,
                                       const memory& src) {
  const size_t rank = g.reduced.size();
  if (rank < 3 || rank > 5 || g.reduced[0] || g.reduced[1] ||
      src.get_desc().data_type() != memory::data_type::f32 ||
      !std::all_of(g.reduced.begin() + 2, g.reduced.end(), [](bool reduced) { return reduced; })) {
    return std::nullopt;
  }
  if (r.kind == algorithm::reduction_mean) return algorithm::pooling_avg_exclude_padding;
  if (r.kind == algorithm::reduction_max) return algorithm::pooling_max;
  return std::nullopt;
}

memory Pool(OpContext& ctx, algorithm kind, const memory& src, const Shape& kept) {
  const memory::dims dims = src.get_desc().dims();
  const memory::dims kernel(dims.begin() + 2, dims.end());
  const memory::dims ones(kernel.size(), 1), zeros(kernel.size(), 0);
  dnnl::pooling_v2_forward::primitive_desc pd(
      {dnnl::prop_kind::forward_inference, kind, src.get_desc(), AnyDesc(ToDims(kept)), ones,
       kernel, zeros, zeros, zeros},
      ctx.engine());
  memory dst = ctx.NewScratch(pd.dst_desc());  // No workspace: forward_inference.
  ctx.AddPrimitive(dnnl::pooling_v2_forward(pd), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
  return dst;
}

absl::Status Build(OpContext& ctx) {
  CONVOY_ASSIGN_OR_RETURN(ReduceGeometry g, ReadGeometry(ctx));
  if (g.identity) {
    ctx.BindOutput(0, ctx.Input(0));
    return absl::OkStatus();
  }
  const Reduction r = ReductionOf(ctx.node().op_type);
  const Shape& in = ctx.input_shape(0);
  const bool any_reduced = std::any_of(in.begin(), in.end(), [&, d = size_t{0}](int64_t size) mutable {
    return g.reduced[d++] && size > 1;
  });
  memory src = ctx.Input(0);
  if (src.get_desc().dims() != ToDims(in)) src = ctx.InputPlain(0);  // A scalar, stored as [1].
  memory result;
  if (!any_reduced) {
    result = ReduceSingletons(ctx, r, src);
  } else if (std::optional<algorithm> pooling = GlobalPooling(r, g, src)) {
    result = Pool(ctx, *pooling, src, g.kept);
  } else {
    dnnl::reduction::primitive_desc pd(
        {r.kind, src.get_desc(), AnyDesc(ToDims(g.kept)), r.p, 0.0f}, ctx.engine());
    result = ctx.NewScratch(pd.dst_desc());
    ctx.AddPrimitive(dnnl::reduction(pd), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, result}});
  }
  if (g.out == g.kept && !in.empty()) {
    ctx.BindOutput(0, result);  // keepdims: the layout may stay blocked.
    return absl::OkStatus();
  }
  // Dropping dimensions is a reshape of the plain result.
  if (!IsPlain(result.get_desc())) {
    memory plain = ctx.NewScratch(PlainDesc(g.kept));
    ctx.AddPrimitive(dnnl::reorder(result, plain), {{DNNL_ARG_FROM, result}, {DNNL_ARG_TO, plain}});
    result = plain;
  }
  ctx.BindOutput(0, ctx.Alias(result, PlainDesc(g.out)));
  return absl::OkStatus();
}

}  // namespace

void RegisterReduceOps(OpRegistry& registry) {
  for (const char* op : {"ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd",
                         "ReduceL1", "ReduceL2", "ReduceSumSquare"}) {
    registry.Add(op, {Infer, Build});
  }
}

}  // namespace convoy::engine
