// Gemm and MatMul as oneDNN matmul primitives. Constant weights are handed
// to oneDNN in the layout it asks for (reordered once at compile time);
// transposes are strided views, not copies. A calibrated Gemm runs in int8;
// a large float32 Gemm of one row, in BlockedGemv (engine/ops/gemv.h).
#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "engine/exec/dnnl_util.h"
#include "engine/exec/op_registry.h"
#include "engine/ops/gemv.h"
#include "engine/ops/op_util.h"
#include "engine/ops/post_ops.h"
#include "engine/ops/quantize.h"

namespace convoy::engine {
namespace {

using dnnl::memory;

memory::desc StridedDesc(const memory::dims& dims, const memory::dims& strides) {
  return memory::desc(dims, memory::data_type::f32, strides);
}

// A plain 2-D matrix of stored shape [rows, cols], seen as its transpose.
memory::desc TransposedView(int64_t rows, int64_t cols) {
  return StridedDesc({cols, rows}, {1, cols});
}

// How the matmul should see operand i, whose data is laid out as `view`:
// in the compute type; in oneDNN's chosen layout for constants (reordered
// once); as the data is for float32 run-time values, and densely converted
// for bfloat16 ones.
memory::desc OperandDesc(const OpContext& ctx, size_t i, const memory::desc& view) {
  const memory::data_type type = ctx.compute_type();
  if (ctx.constant_input(i) != nullptr) return AnyDesc(view.dims(), type);
  if (type == view.data_type()) return view;
  return memory::desc(view.dims(), type, PlainStrides(view.dims()));
}

struct GemmParams {
  bool trans_a = false;
  bool trans_b = false;
  float alpha = 1;
  float beta = 1;
  int64_t m = 0, k = 0, n = 0;
};

absl::StatusOr<GemmParams> ReadGemm(const OpContext& ctx) {
  GemmParams p;
  CONVOY_ASSIGN_OR_RETURN(int64_t ta, ctx.attrs().GetInt("transA", 0));
  CONVOY_ASSIGN_OR_RETURN(int64_t tb, ctx.attrs().GetInt("transB", 0));
  CONVOY_ASSIGN_OR_RETURN(p.alpha, ctx.attrs().GetFloat("alpha", 1.0f));
  CONVOY_ASSIGN_OR_RETURN(p.beta, ctx.attrs().GetFloat("beta", 1.0f));
  p.trans_a = ta != 0;
  p.trans_b = tb != 0;
  const Shape& a = ctx.input_shape(0);
  const Shape& b = ctx.input_shape(1);
  if (a.size() != 2 || b.size() != 2) {
    return ctx.Invalid(absl::StrCat("A and B must be matrices, got ", ShapeToString(a), " and ",
                                    ShapeToString(b)));
  }
  p.m = p.trans_a ? a[1] : a[0];
  p.k = p.trans_a ? a[0] : a[1];
  const int64_t kb = p.trans_b ? b[1] : b[0];
  p.n = p.trans_b ? b[0] : b[1];
  if (kb != p.k) {
    return ctx.Invalid(absl::StrCat("inner dimensions differ: A", ShapeToString(a),
                                    p.trans_a ? "ᵀ" : "", " times B", ShapeToString(b),
                                    p.trans_b ? "ᵀ" : ""));
  }
  if (ctx.has_input(2)) {
    const Shape& c = ctx.input_shape(2);
    Shape padded = PadLeft(c, 2);
    if (c.size() > 2 || (padded[0] != 1 && padded[0] != p.m) || (padded[1] != 1 && padded[1] != p.n)) {
      return ctx.Invalid(absl::StrCat("C of shape ", ShapeToString(c),
                                      " does not broadcast to [", p.m, ",", p.n, "]"));
    }
  }
  return p;
}

absl::Status InferGemm(OpContext& ctx) {
  CONVOY_RETURN_IF_ERROR(ctx.ExpectInputs(ctx.opset() < 11 ? 3 : 2, 3));
  CONVOY_ASSIGN_OR_RETURN(GemmParams p, ReadGemm(ctx));
  ctx.SetOutput(0, {p.m, p.n});
  return absl::OkStatus();
}

// The scales of an int8 Gemm (Precision::kInt8), when it can run as one: A
// is calibrated and not transposed, B is a constant (quantize.h).
struct Int8Gemm {
  SourceQuantization source;
  std::vector<float> weight_scales;  // Per column of op(B), the output's; or one.
};

std::optional<Int8Gemm> Int8GemmOf(const OpContext& ctx, const GemmParams& p) {
  const ValueRange* range = ctx.input_range(0);
  const Tensor* b = ctx.constant_input(1);
  if (range == nullptr || p.trans_a || b == nullptr || !b->has_bytes()) return std::nullopt;
  Int8Gemm int8{QuantizeSource(*range), WeightScales(*b, p.trans_b ? 0 : 1)};
  if (int8.source.type == memory::data_type::s8) {
    // oneDNN 2.6 cannot scale per column the weights of a matmul whose
    // source is signed (the reorder that adds its compensation takes one
    // scale): one scale, the largest magnitude's, for all.
    int8.weight_scales = {*std::min_element(int8.weight_scales.begin(), int8.weight_scales.end())};
  }
  return int8;
}

// oneDNN's scale mask for a Gemm's per-column scales: dim 1 of the
// weights [K, N] and of the output [M, N], or 0 for one scale.
int ColumnMask(const Int8Gemm& int8) { return int8.weight_scales.size() > 1 ? 1 << 1 : 0; }

// What follows the product (and, where C is added, the addition of C):
// scaling by beta, then the fused activation.
absl::Status AppendBetaAndActivation(const OpContext& ctx, const GemmParams& p, bool add_c,
                                     dnnl::post_ops& ops) {
  if (add_c && p.beta != 1) ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_linear, p.beta, 0.0f);
  return AppendFusedActivation(ctx, ops);
}

// At one row a Gemm reads each weight once per run, so a large one runs
// as fast as its weights stream from memory, which BlockedGemv does faster
// than oneDNN's matmul primitive: AlexNet at batch 1 runs 1.2x faster
// (docs/ENGINE.md, "Plans").
bool StreamsWeights(const OpContext& ctx, const GemmParams& p, bool int8) {
  return !int8 && ctx.compute_type() == memory::data_type::f32 && p.m == 1 &&
         ctx.constant_input(1) != nullptr &&
         p.k * p.n * static_cast<int64_t>(sizeof(float)) >= ctx.streamed_weights_bytes();
}

// BlockedGemv writes factor·AB into the output, with op(B) in blocks of 16
// columns (reordered once, as oneDNN's Oihw16o of its transpose); one
// binary step, in place, then adds C, scales by beta and applies the fused
// activation.
absl::Status BuildStreamingGemm(OpContext& ctx, const GemmParams& p, const memory::desc& a_view,
                                float factor, bool add_c) {
  const memory a = ctx.InputViewed(0, a_view, PlainDesc({1, p.k}));
  // op(B)ᵀ, [N, K], seen as the weights of a 1x1 convolution.
  const memory::desc columns = p.trans_b ? StridedDesc({p.n, p.k, 1, 1}, {p.k, 1, 1, 1})
                                         : StridedDesc({p.n, p.k, 1, 1}, {1, p.n, 1, 1});
  const memory w = ctx.InputViewed(
      1, columns, memory::desc({p.n, p.k, 1, 1}, memory::data_type::f32, memory::format_tag::Oihw16o));
  const memory y = ctx.NewOutput(0, PlainDesc({1, p.n}));
  ctx.AddStep(
      [a, w, y, k = p.k, n = p.n, factor] {
        BlockedGemv(static_cast<const float*>(a.get_data_handle()),
                    static_cast<const float*>(w.get_data_handle()), k, n, factor,
                    static_cast<float*>(y.get_data_handle()));
      },
      {a, w, y});
  dnnl::post_ops ops;
  CONVOY_RETURN_IF_ERROR(AppendBetaAndActivation(ctx, p, add_c, ops));
  if (!add_c && ops.len() == 0) return absl::OkStatus();
  const memory::desc c_desc = PlainDesc(add_c ? PadLeft(ctx.input_shape(2), 2) : Shape{1, 1});
  const memory c = add_c ? ctx.InputAs(2, c_desc) : ctx.NewFilled(c_desc, 0.0f);
  dnnl::primitive_attr attr;
  attr.set_post_ops(ops);
  dnnl::binary::primitive_desc pd(
      dnnl::binary::desc(dnnl::algorithm::binary_add, y.get_desc(), c_desc, y.get_desc()), attr,
      ctx.engine());
  ctx.AddPrimitive(dnnl::binary(pd), {{DNNL_ARG_SRC_0, y}, {DNNL_ARG_SRC_1, c}, {DNNL_ARG_DST, y}});
  return absl::OkStatus();
}

absl::Status BuildGemm(OpContext& ctx) {
  CONVOY_ASSIGN_OR_RETURN(GemmParams p, ReadGemm(ctx));
  ctx.CountFlops(2 * p.m * p.n * p.k);
  const Shape& a = ctx.input_shape(0);
  const Shape& b = ctx.input_shape(1);
  memory::desc a_view = p.trans_a ? TransposedView(a[0], a[1]) : PlainDesc(a);
  memory::desc b_view = p.trans_b ? TransposedView(b[0], b[1]) : PlainDesc(b);
  const bool add_c = ctx.has_input(2) && p.beta != 0;
  const std::optional<Int8Gemm> int8 = Int8GemmOf(ctx, p);
  // alpha·AB + beta·C computed as beta·((alpha/beta)·AB + C), so that C
  // needs no scaling step of its own.
  const float factor = add_c ? p.alpha / p.beta : p.alpha;
  if (StreamsWeights(ctx, p, int8.has_value())) {
    return BuildStreamingGemm(ctx, p, a_view, factor, add_c);
  }
  dnnl::primitive_attr attr;
  if (int8) {
    attr.set_output_scales(ColumnMask(*int8),
                           OutputScales(int8->source.scale, int8->weight_scales, factor));
  } else {
    attr.set_output_scales(0, {factor});
  }
  memory::desc c_desc;
  dnnl::post_ops ops;
  if (add_c) {
    c_desc = PlainDesc(PadLeft(ctx.input_shape(2), 2));
    ops.append_binary(dnnl::algorithm::binary_add, c_desc);
  }
  CONVOY_RETURN_IF_ERROR(AppendBetaAndActivation(ctx, p, add_c, ops));
  attr.set_post_ops(ops);
  const memory::desc src_desc =
      int8 ? AnyDesc(a_view.dims(), int8->source.type) : OperandDesc(ctx, 0, a_view);
  const memory::desc weights_desc =
      int8 ? AnyDesc(b_view.dims(), memory::data_type::s8) : OperandDesc(ctx, 1, b_view);
  dnnl::matmul::primitive_desc pd(
      dnnl::matmul::desc(src_desc, weights_desc, PlainDesc({p.m, p.n})), attr, ctx.engine());
  std::unordered_map<int, memory> args = {{DNNL_ARG_DST, ctx.NewOutput(0, pd.dst_desc())}};
  if (int8) {
    args[DNNL_ARG_SRC] = ctx.InputQuantized(0, pd.src_desc(), {int8->source.scale}, 0);
    args[DNNL_ARG_WEIGHTS] =
        ctx.InputQuantized(1, pd.weights_desc(), int8->weight_scales, ColumnMask(*int8), b_view);
  } else {
    args[DNNL_ARG_SRC] = ctx.InputViewed(0, a_view, pd.src_desc());
    args[DNNL_ARG_WEIGHTS] = ctx.InputViewed(1, b_view, pd.weights_desc());
  }
  if (add_c) {
    args[DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1] = ctx.InputAs(2, c_desc);
  }
  ctx.AddPrimitive(dnnl::matmul(pd), std::move(args));
  return absl::OkStatus();
}

// MatMul follows numpy: 1-D operands gain a dimension that the result
// drops again, and leading (batch) dimensions broadcast.
struct MatMulShapes {
  Shape a, b, out;  // a and b at the common rank (>= 2); out at that rank.
  Shape result;     // What the node outputs.
};

absl::StatusOr<MatMulShapes> ReadMatMul(const OpContext& ctx) {
  Shape a = ctx.input_shape(0), b = ctx.input_shape(1);
  if (a.empty() || b.empty()) return ctx.Invalid("MatMul operands must not be scalars");
  const bool a_vector = a.size() == 1, b_vector = b.size() == 1;
  if (a_vector) a.insert(a.begin(), 1);
  if (b_vector) b.push_back(1);
  const size_t rank = std::max(a.size(), b.size());
  MatMulShapes s{PadLeft(a, rank), PadLeft(b, rank), {}, {}};
  if (s.a[rank - 1] != s.b[rank - 2]) {
    return ctx.Invalid(absl::StrCat("inner dimensions differ: ", ShapeToString(ctx.input_shape(0)),
                                    " times ", ShapeToString(ctx.input_shape(1))));
  }
  CONVOY_ASSIGN_OR_RETURN(
      s.out, BroadcastShapes(ctx, Shape(s.a.begin(), s.a.end() - 2), Shape(s.b.begin(), s.b.end() - 2)));
  s.out.push_back(s.a[rank - 2]);
  s.out.push_back(s.b[rank - 1]);
  s.result = s.out;
  if (b_vector) s.result.pop_back();
  if (a_vector) s.result.erase(s.result.end() - (b_vector ? 1 : 2));
  return s;
}

absl::Status InferMatMul(OpContext& ctx) {
  CONVOY_RETURN_IF_ERROR(ctx.ExpectInputs(2, 2));
  CONVOY_ASSIGN_OR_RETURN(MatMulShapes s, ReadMatMul(ctx));
  ctx.SetOutput(0, s.result);
  return absl::OkStatus();
}

absl::Status BuildMatMul(OpContext& ctx) {
  CONVOY_ASSIGN_OR_RETURN(MatMulShapes s, ReadMatMul(ctx));
  ctx.CountFlops(2 * NumElements(s.out) * s.a.back());
  const int64_t k = s.a.back(), n = s.b.back();
  memory::desc a_view = PlainDesc(s.a), b_view = PlainDesc(s.b), out_view = PlainDesc(s.out);
  if (NumElements(s.b) == k * n) {
    // One matrix of weights for every row of a (a Linear layer applied to
    // [N, H, W, C]): one product of all rows, not one per leading index.
    const int64_t rows = NumElements(Shape(s.a.begin(), s.a.end() - 1));
    a_view = PlainDesc({rows, k});
    b_view = PlainDesc({k, n});
    out_view = PlainDesc({rows, n});
  }
  dnnl::matmul::primitive_desc pd(
      dnnl::matmul::desc(OperandDesc(ctx, 0, a_view), OperandDesc(ctx, 1, b_view), out_view),
      ctx.engine());
  memory dst = ctx.NewScratch(pd.dst_desc());
  ctx.BindOutput(0, ctx.Alias(dst, PlainDesc(s.result)));
  ctx.AddPrimitive(dnnl::matmul(pd),
                   {{DNNL_ARG_SRC, ctx.InputViewed(0, a_view, pd.src_desc())},
                    {DNNL_ARG_WEIGHTS, ctx.InputViewed(1, b_view, pd.weights_desc())},
                    {DNNL_ARG_DST, dst}});
  return absl::OkStatus();
}

}  // namespace

void RegisterMatMulOps(OpRegistry& registry) {
  registry.Add("Gemm", {InferGemm, BuildGemm, 2});
  registry.Add("MatMul", {InferMatMul, BuildMatMul, 2});
}

}  // namespace convoy::engine
