// Add, Sub, Mul, Div and Sum with numpy broadcasting. Values known at
// compile time (shape arithmetic, mostly int64) are folded here; the rest
// become oneDNN binary primitives.
#include "absl/strings/str_cat.h"
#include "engine/exec/dnnl_util.h"
#include "engine/exec/op_registry.h"
#include "engine/ops/op_util.h"

namespace convoy::engine {
namespace {

using dnnl::memory;

enum class BinaryKind { kAdd, kSub, kMul, kDiv };

BinaryKind KindOf(const std::string& op) {
  if (op == "Sub") return BinaryKind::kSub;
  if (op == "Mul") return BinaryKind::kMul;
  if (op == "Div") return BinaryKind::kDiv;
  return BinaryKind::kAdd;  // Add and Sum.
}

dnnl::algorithm AlgorithmOf(BinaryKind kind) {
  switch (kind) {
    case BinaryKind::kSub:
      return dnnl::algorithm::binary_sub;
    case BinaryKind::kMul:
      return dnnl::algorithm::binary_mul;
    case BinaryKind::kDiv:
      return dnnl::algorithm::binary_div;
    case BinaryKind::kAdd:
      break;
  }
  return dnnl::algorithm::binary_add;
}

template <typename T>
T Apply(BinaryKind kind, T a, T b) {
  switch (kind) {
    case BinaryKind::kSub:
      return a - b;
    case BinaryKind::kMul:
      return a * b;
    case BinaryKind::kDiv:
      return b == 0 ? T(0) : a / b;  // int64 division by zero is undefined; never trap.
    case BinaryKind::kAdd:
      break;
  }
  return a + b;
}

// Flat index into a tensor of shape `from` (left-padded to out's rank) for
// the element at flat index `i` of the broadcast result of shape `out`.
int64_t BroadcastIndex(int64_t i, const Shape& out, const Shape& from) {
  int64_t index = 0, stride = 1;
  for (int d = static_cast<int>(out.size()) - 1; d >= 0; --d) {
    const int64_t coord = i % out[d];
    i /= out[d];
    if (from[d] != 1) index += coord * stride;
    stride *= from[d];
  }
  return index;
}

template <typename T>
Tensor FoldTyped(BinaryKind kind, const Tensor& a, const Tensor& b, const Shape& out) {
  Tensor result(a.type(), out);
  const Shape pa = PadLeft(a.shape(), out.size()), pb = PadLeft(b.shape(), out.size());
  for (int64_t i = 0; i < result.num_elements(); ++i) {
    result.data<T>()[i] = Apply<T>(kind, a.data<T>()[BroadcastIndex(i, out, pa)],
                                   b.data<T>()[BroadcastIndex(i, out, pb)]);
  }
  return result;
}

// The shape input `i` takes part in broadcasting with. Before opset 7,
// broadcasting was opt-in (broadcast=1) and B aligned with A at `axis`
// (by default at the end, as numpy does).
absl::StatusOr<Shape> OperandShape(const OpContext& ctx, size_t i) {
  const Shape& s = ctx.input_shape(i);
  if (ctx.opset() >= 7 || i == 0 || ctx.node().op_type == "Sum") return s;
  CONVOY_ASSIGN_OR_RETURN(int64_t broadcast, ctx.attrs().GetInt("broadcast", 0));
  if (broadcast == 0) {
    if (s != ctx.input_shape(0)) {
      return ctx.Invalid(absl::StrCat("shapes ", ShapeToString(ctx.input_shape(0)), " and ",
                                      ShapeToString(s), " differ and broadcast=0"));
    }
    return s;
  }
  if (!ctx.attrs().Has("axis")) return s;
  const int64_t rank = static_cast<int64_t>(ctx.input_rank(0));
  CONVOY_ASSIGN_OR_RETURN(int64_t axis, ctx.attrs().GetInt("axis", 0));
  CONVOY_ASSIGN_OR_RETURN(axis, NormalizeAxis(ctx, axis, rank));
  if (axis + static_cast<int64_t>(s.size()) > rank) {
    return ctx.Invalid(absl::StrCat("B ", ShapeToString(s), " does not fit A at axis ", axis));
  }
  Shape aligned = s;
  aligned.resize(rank - axis, 1);
  return aligned;
}

absl::Status Infer(OpContext& ctx) {
  const bool sum = ctx.node().op_type == "Sum";
  if (sum ? ctx.num_inputs() < 1 : ctx.num_inputs() != 2) {
    return ctx.Invalid(absl::StrCat("takes ", sum ? "at least 1" : "2", " inputs, got ",
                                    ctx.num_inputs()));
  }
  const DataType type = ctx.input_type(0);
  Shape out = ctx.input_shape(0);
  bool all_constant = true;
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i)) return ctx.Invalid(absl::StrCat("input ", i, " is missing"));
    if (ctx.input_type(i) != type) {
      return ctx.Invalid(absl::StrCat("inputs mix ", DataTypeName(type), " and ",
                                      DataTypeName(ctx.input_type(i))));
    }
    CONVOY_ASSIGN_OR_RETURN(Shape operand, OperandShape(ctx, i));
    CONVOY_ASSIGN_OR_RETURN(out, BroadcastShapes(ctx, out, operand));
    all_constant = all_constant && ctx.constant_input(i) != nullptr;
  }
  if (type == DataType::kUint8) return ctx.Unsupported("uint8 arithmetic");
  if (!all_constant) {
    if (type != DataType::kFloat32) {
      return ctx.Unsupported("int64 arithmetic on values not known at compile time");
    }
    CONVOY_RETURN_IF_ERROR(ctx.ExpectInputs(ctx.num_inputs(), ctx.num_inputs()));
    ctx.SetOutput(0, out);
    return absl::OkStatus();
  }
  const BinaryKind kind = KindOf(ctx.node().op_type);
  Tensor acc = *ctx.constant_input(0);
  for (size_t i = 1; i < ctx.num_inputs(); ++i) {
    CONVOY_ASSIGN_OR_RETURN(Shape operand, OperandShape(ctx, i));
    CONVOY_ASSIGN_OR_RETURN(Shape step, BroadcastShapes(ctx, acc.shape(), operand));
    CONVOY_RETURN_IF_ERROR(ctx.CheckOutputSize(0, step));  // Broadcasting can multiply sizes.
    const Tensor rhs = ctx.constant_input(i)->Reshaped(operand);
    acc = type == DataType::kFloat32 ? FoldTyped<float>(kind, acc, rhs, step)
                                     : FoldTyped<int64_t>(kind, acc, rhs, step);
  }
  ctx.SetOutputConstant(0, std::move(acc));
  return absl::OkStatus();
}

// One oneDNN binary primitive: dst = lhs (op) rhs, where lhs already has
// the dims of the result and rhs broadcasts to them.
memory EmitBinary(OpContext& ctx, dnnl::algorithm algorithm, memory lhs, memory rhs) {
  dnnl::binary::primitive_desc pd(
      {algorithm, lhs.get_desc(), rhs.get_desc(),
       AnyDesc(lhs.get_desc().dims(), lhs.get_desc().data_type())},
      ctx.engine());
  memory dst = ctx.NewScratch(pd.dst_desc());
  ctx.AddPrimitive(dnnl::binary(pd), {{DNNL_ARG_SRC_0, lhs}, {DNNL_ARG_SRC_1, rhs}, {DNNL_ARG_DST, dst}});
  return dst;
}

// True if oneDNN has a kernel other than its reference one for `lhs`, in
// its layout, (op) `rhs` broadcasting: it has for a per-channel `rhs` over
// channels-last or blocked values (squeeze-excitation's scale), not for
// every pattern.
bool BroadcastsFast(const OpContext& ctx, dnnl::algorithm algorithm, const memory& lhs,
                    const memory& rhs) {
  const dnnl::binary::primitive_desc pd(
      {algorithm, lhs.get_desc(), rhs.get_desc(),
       AnyDesc(lhs.get_desc().dims(), lhs.get_desc().data_type())},
      ctx.engine());
  return !IsReference(pd);
}

memory ToPlain(OpContext& ctx, memory m) {
  if (IsPlain(m.get_desc())) return m;
  memory plain = ctx.NewScratch(
      memory::desc(m.get_desc().dims(), memory::data_type::f32, PlainStrides(m.get_desc().dims())));
  ctx.AddPrimitive(dnnl::reorder(m, plain), {{DNNL_ARG_FROM, m}, {DNNL_ARG_TO, plain}});
  return plain;
}

absl::Status Build(OpContext& ctx) {
  const BinaryKind kind = KindOf(ctx.node().op_type);
  const Shape& out_shape = ctx.output_shape(0);
  const memory::dims out = ToDims(out_shape);
  const size_t rank = out.size();
  std::vector<memory::dims> operand_dims;
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    CONVOY_ASSIGN_OR_RETURN(Shape operand, OperandShape(ctx, i));
    operand_dims.push_back(ToDims(PadLeft(operand, rank)));
  }
  auto padded = [&](size_t i) { return operand_dims[i]; };
  auto plain_view = [&](size_t i) {
    memory::dims d = padded(i);
    memory::desc view(d, memory::data_type::f32, PlainStrides(d));
    return ctx.InputViewed(i, view, view);
  };

  if (ctx.num_inputs() == 1) {  // Sum of one input.
    ctx.BindOutput(0, ctx.Input(0));
    return absl::OkStatus();
  }
  // Accumulate left to right; Sum is a chain of Adds. A commutative pair
  // may swap so that the full-size operand leads.
  std::vector<size_t> order;
  for (size_t i = 0; i < ctx.num_inputs(); ++i) order.push_back(i);
  if (order.size() == 2 && padded(0) != out && padded(1) == out &&
      (kind == BinaryKind::kAdd || kind == BinaryKind::kMul)) {
    std::swap(order[0], order[1]);
  }
  memory acc;
  if (padded(order[0]) == out) {
    acc = ctx.Input(order[0]);
    if (acc.get_desc().dims() != out) acc = plain_view(order[0]);  // Scalar stored as [1].
  } else {
    // Broadcast the leading operand up to the result's dims first: 0 + x.
    memory zeros = ctx.NewFilled(PlainDesc(out_shape), 0.0f);
    acc = EmitBinary(ctx, dnnl::algorithm::binary_add, zeros, plain_view(order[0]));
  }
  for (size_t k = 1; k < order.size(); ++k) {
    const size_t i = order[k];
    memory rhs;
    if (padded(i) == out) {
      rhs = ctx.InputAs(i, acc.get_desc());
    } else {
      // Broadcasting against a blocked or channels-last value: where oneDNN
      // would run its reference kernel, go plain on both sides.
      rhs = plain_view(i);
      if (!BroadcastsFast(ctx, AlgorithmOf(kind), acc, rhs)) acc = ToPlain(ctx, acc);
    }
    acc = EmitBinary(ctx, AlgorithmOf(kind), acc, rhs);
  }
  ctx.BindOutput(0, acc);
  return absl::OkStatus();
}

}  // namespace

void RegisterBinaryOps(OpRegistry& registry) {
  for (const char* op : {"Add", "Sub", "Mul", "Div", "Sum"}) registry.Add(op, {Infer, Build});
}

}  // namespace convoy::engine
