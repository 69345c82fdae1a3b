// Softmax and LogSoftmax. Before opset 13 the input is seen as a matrix
// [prod(dims before axis), prod(dims from axis)] normalised along its rows;
// from 13 on, along the one axis given.
#include "absl/strings/str_cat.h"
#include "engine/exec/dnnl_util.h"
#include "engine/exec/op_registry.h"
#include "engine/ops/op_util.h"

namespace convoy::engine {
namespace {

struct SoftmaxView {
  Shape shape;  // The shape the primitive sees.
  int axis = 0;
};

absl::StatusOr<SoftmaxView> ReadView(const OpContext& ctx) {
  const Shape& in = ctx.input_shape(0);
  const int64_t rank = static_cast<int64_t>(in.size());
  if (rank == 0) return ctx.Invalid("input must not be a scalar");
  CONVOY_ASSIGN_OR_RETURN(int64_t axis, ctx.attrs().GetInt("axis", ctx.opset() < 13 ? 1 : -1));
  CONVOY_ASSIGN_OR_RETURN(axis, NormalizeAxis(ctx, axis, rank));
  if (ctx.opset() >= 13) return SoftmaxView{in, static_cast<int>(axis)};
  const int64_t outer = NumElements(Shape(in.begin(), in.begin() + axis));
  return SoftmaxView{{outer, NumElements(in) / outer}, 1};
}

absl::Status Infer(OpContext& ctx) {
  CONVOY_RETURN_IF_ERROR(ctx.ExpectInputs(1, 1));
  CONVOY_RETURN_IF_ERROR(ReadView(ctx).status());
  ctx.SetOutput(0, ctx.input_shape(0));
  return absl::OkStatus();
}

absl::Status Build(OpContext& ctx) {
  CONVOY_ASSIGN_OR_RETURN(SoftmaxView view, ReadView(ctx));
  dnnl::memory::desc desc = PlainDesc(view.shape);
  dnnl::memory src = ctx.InputViewed(0, desc, desc);
  dnnl::memory dst = ctx.NewScratch(desc);
  if (ctx.node().op_type == "Softmax") {
    dnnl::softmax_forward::primitive_desc pd(
        {dnnl::prop_kind::forward_inference, desc, view.axis}, ctx.engine());
    ctx.AddPrimitive(dnnl::softmax_forward(pd), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
  } else {
    dnnl::logsoftmax_forward::primitive_desc pd(
        {dnnl::prop_kind::forward_inference, desc, view.axis}, ctx.engine());
    ctx.AddPrimitive(dnnl::logsoftmax_forward(pd), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
  }
  ctx.BindOutput(0, ctx.Alias(dst, PlainDesc(ctx.output_shape(0))));
  return absl::OkStatus();
}

}  // namespace

void RegisterSoftmaxOps(OpRegistry& registry) {
  registry.Add("Softmax", {Infer, Build});
  registry.Add("LogSoftmax", {Infer, Build});
}

}  // namespace convoy::engine
