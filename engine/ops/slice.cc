// Slice: starts, ends, axes and steps as attributes (before opset 10) or
// inputs known at load. Split: consecutive parts along one axis, of sizes
// given (an attribute before opset 13, an input known at load from it),
// num_outputs of them (opset 18), or equal. Constant data (shape
// arithmetic) folds; run-time data in unit steps is a oneDNN reorder out
// of a sub-memory view of the plain input, and other steps (negative ones
// included) a CPU copy.
#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "engine/exec/dnnl_util.h"
#include "engine/exec/op_registry.h"
#include "engine/ops/op_util.h"

namespace convoy::engine {
namespace {

using dnnl::memory;

struct SliceGeometry {
  // Per input dimension: first index, step, and the output size.
  std::vector<int64_t> start, step;
  Shape out;
};

absl::StatusOr<std::vector<int64_t>> Param(const OpContext& ctx, size_t input,
                                           const char* name) {
  if (ctx.opset() < 10) return ctx.attrs().GetInts(name, {});
  if (!ctx.has_input(input)) return std::vector<int64_t>{};
  if (ctx.constant_input(input) == nullptr) {
    return ctx.Unsupported(absl::StrCat(name, " not known at load (must be a constant)"));
  }
  return ctx.ConstantInts(input, name);
}

absl::StatusOr<SliceGeometry> ReadGeometry(const OpContext& ctx) {
  const Shape& in = ctx.input_shape(0);
  const int64_t rank = static_cast<int64_t>(in.size());
  CONVOY_ASSIGN_OR_RETURN(std::vector<int64_t> starts, Param(ctx, 1, "starts"));
  CONVOY_ASSIGN_OR_RETURN(std::vector<int64_t> ends, Param(ctx, 2, "ends"));
  CONVOY_ASSIGN_OR_RETURN(std::vector<int64_t> axes, Param(ctx, 3, "axes"));
  CONVOY_ASSIGN_OR_RETURN(std::vector<int64_t> steps, Param(ctx, 4, "steps"));
  if (ctx.opset() < 10 && !ctx.attrs().Has("starts")) return ctx.Invalid("starts is required");
  if (axes.empty()) {
    for (size_t a = 0; a < starts.size(); ++a) axes.push_back(static_cast<int64_t>(a));
  }
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() ||
      steps.size() != starts.size()) {
    return ctx.Invalid(absl::StrCat("starts, ends, axes and steps have ", starts.size(), ", ",
                                    ends.size(), ", ", axes.size(), " and ", steps.size(),
                                    " values; they must agree"));
  }
  SliceGeometry g;
  g.start.assign(rank, 0);
  g.step.assign(rank, 1);
  g.out = in;
  std::vector<bool> seen(rank, false);
  for (size_t k = 0; k < starts.size(); ++k) {
    CONVOY_ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(ctx, axes[k], rank));
    if (seen[axis]) return ctx.Invalid(absl::StrCat("axis ", axes[k], " is repeated"));
    seen[axis] = true;
    const int64_t dim = in[axis], step = steps[k];
    if (step == 0) return ctx.Invalid("steps must not be 0");
    // Negative positions count from the end; then clamp as ONNX says
    // (ends may be INT64_MAX or INT64_MIN, so never add to them unchecked).
    int64_t start = starts[k] < 0 ? std::max(starts[k], -dim) + dim : starts[k];
    int64_t end = ends[k] < 0 ? std::max(ends[k], -dim - 1) + dim : ends[k];
    if (step > 0) {
      start = std::clamp<int64_t>(start, 0, dim);
      end = std::clamp<int64_t>(end, 0, dim);
      g.out[axis] = end > start ? (end - start + step - 1) / step : 0;
    } else {
      start = std::clamp<int64_t>(start, 0, dim - 1);
      end = std::clamp<int64_t>(end, -1, dim - 1);
      g.out[axis] = start > end ? (start - end - step - 1) / -step : 0;
    }
    g.start[axis] = start;
    g.step[axis] = step;
  }
  return g;
}

// The flat input index of flat output index `i`.
int64_t SourceIndex(const SliceGeometry& g, const std::vector<int64_t>& in_strides, int64_t i) {
  int64_t from = 0;
  for (int d = static_cast<int>(g.out.size()) - 1; d >= 0; --d) {
    from += (g.start[d] + (i % g.out[d]) * g.step[d]) * in_strides[d];
    i /= g.out[d];
  }
  return from;
}

absl::Status Infer(OpContext& ctx) {
  if (!ctx.has_input(0)) return ctx.Invalid("input 0 is required");
  // int64 data is shape arithmetic, which folds below.
  std::vector<size_t> int64_inputs = {1, 2, 3, 4};
  if (ctx.input_type(0) == DataType::kInt64) int64_inputs.push_back(0);
  CONVOY_RETURN_IF_ERROR(ctx.ExpectInputs(ctx.opset() < 10 ? 1 : 3, ctx.opset() < 10 ? 1 : 5,
                                          int64_inputs));
  CONVOY_ASSIGN_OR_RETURN(SliceGeometry g, ReadGeometry(ctx));
  if (const Tensor* constant = ctx.constant_input(0)) {
    CONVOY_RETURN_IF_ERROR(ctx.CheckOutputSize(0, g.out));
    const std::vector<int64_t> in_strides = Strides(ctx.input_shape(0));
    ctx.SetOutputConstant(
        0, GatherElements(*constant, g.out, [&](int64_t i) { return SourceIndex(g, in_strides, i); }));
    return absl::OkStatus();
  }
  if (ctx.input_type(0) != DataType::kFloat32) {
    return ctx.Unsupported("slicing int64 values not known at compile time");
  }
  ctx.SetOutput(0, g.out);
  return absl::OkStatus();
}

// Output `i`, the part of the plain input `src` of dims `out` from `start`,
// copied by a reorder.
void CopyPart(OpContext& ctx, const memory& src, size_t i, const Shape& out,
              const std::vector<int64_t>& start) {
  memory dst = ctx.NewOutput(i, PlainDesc(out));
  if (NumElements(out) == 0) return;
  const memory part = ctx.Alias(src, src.get_desc().submemory_desc(ToDims(out), memory::dims(start)));
  ctx.AddPrimitive(dnnl::reorder(part, dst), {{DNNL_ARG_FROM, part}, {DNNL_ARG_TO, dst}});
}

absl::Status Build(OpContext& ctx) {
  CONVOY_ASSIGN_OR_RETURN(SliceGeometry g, ReadGeometry(ctx));
  const Shape& in = ctx.input_shape(0);
  if (in.empty()) return ctx.Invalid("cannot slice a scalar");
  memory src = ctx.InputPlain(0);
  if (std::all_of(g.step.begin(), g.step.end(), [](int64_t s) { return s == 1; })) {
    CopyPart(ctx, src, 0, g.out, g.start);
    return absl::OkStatus();
  }
  memory dst = ctx.NewOutput(0, PlainDesc(g.out));
  if (NumElements(g.out) == 0) return absl::OkStatus();
  const std::vector<int64_t> in_strides = Strides(in);
  const int64_t n = NumElements(g.out);
  ctx.AddStep([src, dst, g = std::move(g), in_strides, n] {
    const float* x = static_cast<const float*>(src.get_data_handle());
    float* y = static_cast<float*>(dst.get_data_handle());
    for (int64_t i = 0; i < n; ++i) y[i] = x[SourceIndex(g, in_strides, i)];
  }, {src, dst});
  return absl::OkStatus();
}

// --- Split

struct SplitGeometry {
  int64_t axis = 0;
  std::vector<int64_t> sizes;  // Along the axis, one per output.
};

absl::StatusOr<SplitGeometry> ReadSplit(const OpContext& ctx) {
  const Shape& in = ctx.input_shape(0);
  if (in.empty()) return ctx.Invalid("cannot split a scalar");
  SplitGeometry g;
  CONVOY_ASSIGN_OR_RETURN(int64_t axis, ctx.attrs().GetInt("axis", 0));
  CONVOY_ASSIGN_OR_RETURN(g.axis, NormalizeAxis(ctx, axis, static_cast<int64_t>(in.size())));
  const int64_t outputs = static_cast<int64_t>(ctx.num_outputs());
  const int64_t dim = in[g.axis];
  // The sizes: an input from opset 13 (and optionally in opset 1), else an
  // attribute. Empty or absent, the axis splits into equal parts.
  if (ctx.has_input(1)) {
    CONVOY_ASSIGN_OR_RETURN(g.sizes, ctx.ConstantInts(1, "split"));
  } else if (ctx.opset() < 13) {
    CONVOY_ASSIGN_OR_RETURN(g.sizes, ctx.attrs().GetInts("split", {}));
  }
  if (ctx.opset() >= 18 && ctx.attrs().Has("num_outputs")) {
    CONVOY_ASSIGN_OR_RETURN(int64_t parts, ctx.attrs().RequiredInt("num_outputs"));
    if (!g.sizes.empty()) return ctx.Invalid("give split or num_outputs, not both");
    if (parts < 1) return ctx.Invalid(absl::StrCat("num_outputs is ", parts, "; at least 1"));
    if (parts != outputs) {
      return ctx.Invalid(absl::StrCat("num_outputs is ", parts, " but the node has ", outputs,
                                      " outputs"));
    }
    // Parts of ceil(dim / parts), the last smaller where it does not divide.
    const int64_t chunk = (dim + parts - 1) / parts;
    for (int64_t k = 0; k < parts; ++k) {
      g.sizes.push_back(std::clamp<int64_t>(dim - k * chunk, 0, chunk));
    }
  } else if (g.sizes.empty()) {
    if (outputs < 1 || dim % outputs != 0) {
      return ctx.Invalid(absl::StrCat("axis ", g.axis, " of size ", dim, " does not split into ",
                                      outputs, " equal parts"));
    }
    g.sizes.assign(outputs, dim / outputs);
  }
  if (static_cast<int64_t>(g.sizes.size()) != outputs) {
    return ctx.Invalid(absl::StrCat("split has ", g.sizes.size(), " sizes for ", outputs,
                                    " outputs"));
  }
  int64_t total = 0;
  for (int64_t size : g.sizes) {
    if (size < 0 || size > dim) {
      return ctx.Invalid(absl::StrCat("split size ", size, " is out of range for axis size ", dim));
    }
    total += size;
  }
  if (total != dim) {
    return ctx.Invalid(absl::StrCat("split sizes add up to ", total, ", not the axis size ", dim));
  }
  return g;
}

Shape PartShape(const Shape& in, const SplitGeometry& g, size_t i) {
  Shape out = in;
  out[g.axis] = g.sizes[i];
  return out;
}

absl::Status InferSplit(OpContext& ctx) {
  if (!ctx.has_input(0)) return ctx.Invalid("input 0 is required");
  std::vector<size_t> int64_inputs = {1};
  if (ctx.input_type(0) == DataType::kInt64) int64_inputs.push_back(0);
  CONVOY_RETURN_IF_ERROR(ctx.ExpectInputs(1, 2, int64_inputs));
  CONVOY_ASSIGN_OR_RETURN(SplitGeometry g, ReadSplit(ctx));
  // A copy: defining each output may move the values the input's shape is in.
  const Shape in = ctx.input_shape(0);
  const Tensor* constant = ctx.constant_input(0);
  if (constant == nullptr && ctx.input_type(0) != DataType::kFloat32) {
    return ctx.Unsupported("splitting int64 values not known at compile time");
  }
  const std::vector<int64_t> in_strides = Strides(in);
  SliceGeometry part{std::vector<int64_t>(in.size(), 0), std::vector<int64_t>(in.size(), 1), {}};
  for (size_t i = 0; i < ctx.num_outputs(); ++i) {
    part.out = PartShape(in, g, i);
    if (constant != nullptr) {
      CONVOY_RETURN_IF_ERROR(ctx.CheckOutputSize(i, part.out));
      ctx.SetOutputConstant(i, GatherElements(*constant, part.out, [&](int64_t e) {
                              return SourceIndex(part, in_strides, e);
                            }));
    } else {
      ctx.SetOutput(i, part.out);
    }
    part.start[g.axis] += g.sizes[i];
  }
  return absl::OkStatus();
}

absl::Status BuildSplit(OpContext& ctx) {
  CONVOY_ASSIGN_OR_RETURN(SplitGeometry g, ReadSplit(ctx));
  const Shape in = ctx.input_shape(0);
  memory src = ctx.InputPlain(0);
  std::vector<int64_t> start(in.size(), 0);
  for (size_t i = 0; i < ctx.num_outputs(); ++i) {
    if (ctx.node().HasOutput(i)) CopyPart(ctx, src, i, PartShape(in, g, i), start);
    start[g.axis] += g.sizes[i];
  }
  return absl::OkStatus();
}

}  // namespace

void RegisterSliceOps(OpRegistry& registry) {
  registry.Add("Slice", {Infer, Build});
  registry.Add("Split", {InferSplit, BuildSplit});
}

}  // namespace convoy::engine
