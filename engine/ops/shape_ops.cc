// Operators that change only how elements are indexed, not their values:
// Shape, Flatten, Reshape, Squeeze, Unsqueeze, Identity and Dropout (which
// is the identity at inference). On constants they fold; at run time the
// output is a view of the input's plain buffer, so they cost no copy.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "engine/exec/dnnl_util.h"
#include "engine/exec/op_registry.h"
#include "engine/ops/op_util.h"

namespace convoy::engine {
namespace {

absl::StatusOr<Shape> FlattenShape(const OpContext& ctx) {
  const Shape& in = ctx.input_shape(0);
  const int64_t rank = static_cast<int64_t>(in.size());
  CONVOY_ASSIGN_OR_RETURN(int64_t axis, ctx.attrs().GetInt("axis", 1));
  if (axis < -rank || axis > rank) {
    return ctx.Invalid(absl::StrCat("axis ", axis, " is out of range for rank ", rank));
  }
  if (axis < 0) axis += rank;
  // Products, not a division: a dimension may be 0.
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < rank; ++d) (d < axis ? outer : inner) *= in[d];
  return Shape{outer, inner};
}

absl::StatusOr<Shape> ReshapeShape(const OpContext& ctx) {
  const Shape& in = ctx.input_shape(0);
  std::vector<int64_t> target;
  if (ctx.opset() < 5) {  // The target shape was an attribute before opset 5.
    CONVOY_ASSIGN_OR_RETURN(target, ctx.attrs().GetInts("shape", {}));
  } else {
    CONVOY_ASSIGN_OR_RETURN(target, ctx.ConstantInts(1, "shape"));
  }
  CONVOY_ASSIGN_OR_RETURN(int64_t allow_zero, ctx.attrs().GetInt("allowzero", 0));
  Shape out(target.begin(), target.end());
  int64_t inferred = -1, known = 1;
  for (size_t d = 0; d < out.size(); ++d) {
    if (out[d] == 0 && allow_zero == 0) {
      if (d >= in.size()) return ctx.Invalid(absl::StrCat("shape[", d, "] = 0 copies a dimension the input does not have"));
      out[d] = in[d];
    }
    if (out[d] == -1) {
      if (inferred >= 0) return ctx.Invalid("shape has more than one -1");
      inferred = static_cast<int64_t>(d);
      continue;
    }
    if (out[d] < 0) return ctx.Invalid(absl::StrCat("shape[", d, "] = ", out[d], " is negative"));
    if (__builtin_mul_overflow(known, out[d], &known)) {
      return ctx.Invalid(absl::StrCat("shape ", ShapeToString(out), " is too large"));
    }
  }
  const int64_t total = NumElements(in);
  if (inferred >= 0) {
    if (known == 0 || total % known != 0) {
      return ctx.Invalid(absl::StrCat("cannot reshape ", ShapeToString(in), " to ",
                                      ShapeToString(Shape(target.begin(), target.end()))));
    }
    out[inferred] = total / known;
  } else if (known != total) {
    return ctx.Invalid(absl::StrCat("cannot reshape ", ShapeToString(in), " (", total,
                                    " elements) to ", ShapeToString(out)));
  }
  return out;
}

// Squeeze/Unsqueeze axes: an attribute before opset 13, an input since.
absl::StatusOr<std::vector<int64_t>> Axes(const OpContext& ctx) {
  if (ctx.opset() < 13) return ctx.attrs().GetInts("axes", {});
  if (!ctx.has_input(1)) return std::vector<int64_t>{};
  return ctx.ConstantInts(1, "axes");
}

absl::StatusOr<Shape> SqueezeShape(const OpContext& ctx) {
  const Shape& in = ctx.input_shape(0);
  CONVOY_ASSIGN_OR_RETURN(std::vector<int64_t> axes, Axes(ctx));
  std::vector<bool> drop(in.size(), false);
  for (int64_t a : axes) {
    CONVOY_ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(ctx, a, in.size(), "squeeze axis"));
    if (in[axis] != 1) {
      return ctx.Invalid(absl::StrCat("cannot squeeze axis ", a, " of size ", in[axis]));
    }
    drop[axis] = true;
  }
  Shape out;
  for (size_t d = 0; d < in.size(); ++d) {
    if (!(axes.empty() ? in[d] == 1 : drop[d])) out.push_back(in[d]);
  }
  return out;
}

absl::StatusOr<Shape> UnsqueezeShape(const OpContext& ctx) {
  const Shape& in = ctx.input_shape(0);
  CONVOY_ASSIGN_OR_RETURN(std::vector<int64_t> axes, Axes(ctx));
  const int64_t rank = static_cast<int64_t>(in.size() + axes.size());
  std::vector<bool> inserted(rank, false);
  for (int64_t a : axes) {
    CONVOY_ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(ctx, a, rank, "unsqueeze axis"));
    if (inserted[axis]) return ctx.Invalid(absl::StrCat("axis ", a, " is repeated"));
    inserted[axis] = true;
  }
  Shape out;
  size_t next = 0;
  for (int64_t d = 0; d < rank; ++d) out.push_back(inserted[d] ? 1 : in[next++]);
  return out;
}

absl::Status CheckDropout(const OpContext& ctx) {
  if (ctx.node().HasOutput(1)) return ctx.Unsupported("the mask output is not supported");
  if (ctx.opset() >= 12 && ctx.has_input(2)) {
    const Tensor* training = ctx.constant_input(2);
    if (training == nullptr) return ctx.Unsupported("training_mode must be a constant");
    if (training->num_elements() != 1) return ctx.Invalid("training_mode must be a scalar");
    const bool on = training->type() == DataType::kFloat32 ? training->data<float>()[0] != 0
                                                           : training->data<int64_t>()[0] != 0;
    if (on) return ctx.Unsupported("training_mode=true is not supported");
  }
  return absl::OkStatus();
}

// The output shape of a view-like node, after checking its inputs.
absl::StatusOr<Shape> ViewShape(const OpContext& ctx) {
  const std::string& op = ctx.node().op_type;
  if (!ctx.has_input(0)) return ctx.Invalid("input 0 is required");
  if (op == "Flatten") return FlattenShape(ctx);
  if (op == "Reshape") return ReshapeShape(ctx);
  if (op == "Squeeze") return SqueezeShape(ctx);
  if (op == "Unsqueeze") return UnsqueezeShape(ctx);
  if (op == "Dropout") CONVOY_RETURN_IF_ERROR(CheckDropout(ctx));
  return ctx.input_shape(0);  // Identity, Dropout.
}

absl::Status InferView(OpContext& ctx) {
  CONVOY_ASSIGN_OR_RETURN(Shape out, ViewShape(ctx));
  if (const Tensor* constant = ctx.constant_input(0)) {
    ctx.SetOutputConstant(0, constant->Reshaped(std::move(out)));
  } else {
    ctx.SetOutput(0, std::move(out), ctx.input_type(0));
  }
  return absl::OkStatus();
}

absl::Status BuildView(OpContext& ctx) {
  const std::string& op = ctx.node().op_type;
  if (op == "Identity" || op == "Dropout") {
    ctx.BindOutput(0, ctx.Input(0));  // Same shape: keep the layout too.
    return absl::OkStatus();
  }
  dnnl::memory plain = ctx.InputPlain(0);
  ctx.BindOutput(0, ctx.Alias(plain, PlainDesc(ctx.output_shape(0))));
  return absl::OkStatus();
}

absl::Status InferShape(OpContext& ctx) {
  if (ctx.num_inputs() != 1 || !ctx.has_input(0)) return ctx.Invalid("takes 1 input");
  const Shape& in = ctx.input_shape(0);
  const int64_t rank = static_cast<int64_t>(in.size());
  CONVOY_ASSIGN_OR_RETURN(int64_t start, ctx.attrs().GetInt("start", 0));
  CONVOY_ASSIGN_OR_RETURN(int64_t end, ctx.attrs().GetInt("end", rank));
  auto clamp = [rank](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + rank : v, 0, rank); };
  start = clamp(start);
  end = std::max(start, clamp(end));
  std::vector<int64_t> dims(in.begin() + start, in.begin() + end);
  ctx.SetOutputConstant(0, Tensor::FromInt64s({static_cast<int64_t>(dims.size())}, dims));
  return absl::OkStatus();
}

}  // namespace

void RegisterShapeOps(OpRegistry& registry) {
  registry.Add("Shape", {InferShape, nullptr});
  for (const char* op : {"Flatten", "Reshape", "Squeeze", "Unsqueeze", "Identity", "Dropout"}) {
    registry.Add(op, {InferView, BuildView});
  }
}

}  // namespace convoy::engine
