// Operators that move elements around: Concat, Transpose, Gather and Pad.
// All fold when their data is known at compile time (shape arithmetic);
// otherwise Concat has each input written into its slice of the output or
// copies it there (or is a oneDNN concat), Transpose is a strided reorder,
// Pad a copy into a pre-filled border, and Gather a CPU copy of whole slices.
#include <algorithm>
#include <cstring>
#include <optional>

#include "absl/strings/str_cat.h"
#include "engine/exec/dnnl_util.h"
#include "engine/exec/op_registry.h"
#include "engine/ops/op_util.h"
#include "engine/ops/padding.h"
#include "engine/ops/quantize.h"

namespace convoy::engine {
namespace {

using dnnl::memory;

// --- Concat

// The axis is required from opset 4; before, it defaulted to 1.
absl::StatusOr<int64_t> ConcatAxis(const OpContext& ctx) {
  int64_t axis = 1;
  if (ctx.opset() >= 4 || ctx.attrs().Has("axis")) {
    CONVOY_ASSIGN_OR_RETURN(axis, ctx.attrs().RequiredInt("axis"));
  }
  return NormalizeAxis(ctx, axis, ctx.input_rank(0));
}

absl::Status InferConcat(OpContext& ctx) {
  if (ctx.num_inputs() < 1) return ctx.Invalid("takes at least 1 input");
  const Shape& first = ctx.input_shape(0);
  CONVOY_ASSIGN_OR_RETURN(int64_t axis, ConcatAxis(ctx));
  Shape out = first;
  out[axis] = 0;
  bool all_constant = true;
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i)) return ctx.Invalid(absl::StrCat("input ", i, " is missing"));
    const Shape& s = ctx.input_shape(i);
    bool match = s.size() == first.size() && ctx.input_type(i) == ctx.input_type(0);
    for (size_t d = 0; match && d < s.size(); ++d) match = (d == size_t(axis) || s[d] == first[d]);
    if (!match) {
      return ctx.Invalid(absl::StrCat("input ", i, " ", ShapeToString(s), " (",
                                      DataTypeName(ctx.input_type(i)), ") does not fit input 0 ",
                                      ShapeToString(first), " along axis ", axis));
    }
    out[axis] += s[axis];
    all_constant = all_constant && ctx.constant_input(i) != nullptr;
  }
  if (!all_constant) {
    if (ctx.input_type(0) != DataType::kFloat32) {
      return ctx.Unsupported("int64 concatenation of values not known at compile time");
    }
    ctx.SetOutput(0, out);
    return absl::OkStatus();
  }
  // Fold: walk the output, copying from whichever input covers each slice.
  CONVOY_RETURN_IF_ERROR(ctx.CheckOutputSize(0, out));
  if (NumElements(out) == 0) {  // Nothing to copy, however long the axis.
    ctx.SetOutputConstant(0, Tensor(ctx.input_type(0), out));
    return absl::OkStatus();
  }
  const int64_t inner = NumElements(Shape(out.begin() + axis + 1, out.end()));
  std::vector<int64_t> input_of(out[axis]), offset_in(out[axis]);
  for (size_t i = 0, pos = 0; i < ctx.num_inputs(); ++i) {
    for (int64_t k = 0; k < ctx.input_shape(i)[axis]; ++k, ++pos) {
      input_of[pos] = static_cast<int64_t>(i);
      offset_in[pos] = k;
    }
  }
  Tensor result(ctx.input_type(0), out);
  const size_t size = DataTypeSize(result.type());
  auto* dst = static_cast<unsigned char*>(result.raw_data());
  for (int64_t e = 0; e < result.num_elements(); ++e) {
    const int64_t j = (e / inner) % out[axis], outer = e / inner / out[axis];
    const Tensor& src = *ctx.constant_input(input_of[j]);
    const int64_t len = ctx.input_shape(input_of[j])[axis];
    const int64_t from = (outer * len + offset_in[j]) * inner + e % inner;
    std::memcpy(dst + e * size, static_cast<const unsigned char*>(src.raw_data()) + from * size, size);
  }
  ctx.SetOutputConstant(0, std::move(result));
  return absl::OkStatus();
}

// Where each input's place in `dst` is a oneDNN sub-memory (in a blocked
// layout, where it starts at a multiple of the block), the parts of the
// destination the inputs go to. Copying each input there with a reorder
// is about ten times faster than oneDNN 2.6's concat of blocked inputs
// (simple:any) at batch 1 (build/bench/onednn-concat-slice).
std::optional<std::vector<memory::desc>> Slices(const memory::desc& dst, int64_t axis,
                                                const std::vector<memory::desc>& inputs) {
  std::vector<memory::desc> slices;
  memory::dims offsets(dst.dims().size(), 0);
  for (const memory::desc& input : inputs) {
    try {
      slices.push_back(dst.submemory_desc(input.dims(), offsets));
    } catch (const dnnl::error&) {
      return std::nullopt;
    }
    offsets[axis] += input.dims()[axis];
  }
  return slices;
}

// The byte offset of `slice` in its tensor where it is laid out exactly as
// `src`, a dense tensor: each dimension of more than one element with the
// same stride, the same blocks, no padding. In a 16-channel blocked layout
// at batch 1, for example, a slice that starts at a multiple of 16 channels
// is one run of bytes.
std::optional<int64_t> SameLayoutOffset(const memory::desc& src, const memory::desc& slice) {
  const dnnl_memory_desc_t& a = src.data;
  const dnnl_memory_desc_t& b = slice.data;
  if (a.format_kind != dnnl_blocked || b.format_kind != dnnl_blocked || a.ndims != b.ndims ||
      a.data_type != b.data_type || a.offset0 != 0) {
    return std::nullopt;
  }
  const dnnl_blocking_desc_t& x = a.format_desc.blocking;
  const dnnl_blocking_desc_t& y = b.format_desc.blocking;
  if (x.inner_nblks != y.inner_nblks) return std::nullopt;
  for (int i = 0; i < x.inner_nblks; ++i) {
    if (x.inner_blks[i] != y.inner_blks[i] || x.inner_idxs[i] != y.inner_idxs[i]) return std::nullopt;
  }
  int64_t elements = 1;
  for (int d = 0; d < a.ndims; ++d) {
    if (a.dims[d] != b.dims[d] || a.padded_dims[d] != a.dims[d] || b.padded_dims[d] != b.dims[d] ||
        (a.dims[d] > 1 && x.strides[d] != y.strides[d])) {
      return std::nullopt;
    }
    elements *= a.dims[d];
  }
  const int64_t element = static_cast<int64_t>(memory::data_type_size(src.data_type()));
  if (static_cast<int64_t>(src.get_size()) != elements * element) return std::nullopt;  // Not dense.
  return b.offset0 * element;
}

// Concatenating along channels inputs of which some come in channel blocks
// (as convolutions' direct and Winograd kernels write them) and all are a
// whole number of blocks, the output in those blocks: each such input is
// then written straight into its slice at batch 1, and the convolutions and
// poolings after read blocks as they are. oneDNN's own choice for mixed
// inputs is the plain layout, which an Inception block at batch 1 paid for
// with a reorder of every branch into it and another out of it for each
// channels-last convolution after it (docs/ENGINE.md, "Plans").
std::optional<memory::desc> BlockedConcatDesc(const Shape& out, int64_t axis,
                                              const std::vector<memory::desc>& inputs) {
  if (axis != 1) return std::nullopt;
  int64_t block = 0;
  for (const memory::desc& input : inputs) block = std::max(block, ChannelBlock(input));
  if (block == 0) return std::nullopt;
  for (const memory::desc& input : inputs) {
    if (input.dims()[1] % block != 0) return std::nullopt;
  }
  return ChannelBlockedDesc(ToDims(out), inputs[0].data_type(), block);
}

// Precision::kInt8: where every input is stored in 8 bits and the output
// has a range (int8_ranges.h gives it to the inputs only the concatenation
// reads), the output is stored in 8 bits too, as that range quantizes it;
// `sources` are the inputs as stored and `factors` the output's scale over
// each one's: 1 but for an input stored at a scale of its own (a max pool's
// output keeps its input's), which is rescaled on its way into the output.
std::optional<SourceQuantization> EightBitSources(OpContext& ctx, std::vector<memory>* sources,
                                                  std::vector<float>* factors) {
  const ValueRange* range = ctx.output_range(0);
  if (range == nullptr) return std::nullopt;
  const SourceQuantization out = QuantizeSource(*range);
  std::vector<memory> stored;
  std::vector<float> scales;
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    float scale = 0;
    stored.push_back(ctx.StoredQuantizedInput(i, &scale));
    if (!stored.back()) return std::nullopt;
    scales.push_back(out.scale / scale);
  }
  *sources = std::move(stored);
  *factors = std::move(scales);
  return out;
}

// Whether `source` enters the output as it is: the output's type, and a
// factor of 1.
bool AsStored(const memory& source, memory::data_type type, float factor) {
  return source.get_desc().data_type() == type && factor == 1;
}

// A step writing `source` into `dst` multiplied by `factor`.
void AddCopy(OpContext& ctx, const memory& source, const memory& dst, float factor) {
  dnnl::primitive_attr attr;
  if (factor != 1) attr.set_output_scales(0, {factor});
  ctx.AddPrimitive(dnnl::reorder(dnnl::reorder::primitive_desc(source, dst, attr)),
                   {{DNNL_ARG_FROM, source}, {DNNL_ARG_TO, dst}});
}

absl::Status BuildConcat(OpContext& ctx) {
  CONVOY_ASSIGN_OR_RETURN(int64_t axis, ConcatAxis(ctx));
  std::vector<memory> sources;
  std::vector<float> factors;
  const std::optional<SourceQuantization> eight_bit = EightBitSources(ctx, &sources, &factors);
  if (!eight_bit) {
    for (size_t i = 0; i < ctx.num_inputs(); ++i) sources.push_back(ctx.Input(i));
    factors.assign(sources.size(), 1.0f);
  }
  // oneDNN concatenates one element type: 8-bit inputs of the other one
  // are converted on their way in (AddCopy); other mixed inputs (bfloat16
  // convolutions beside float32 values) all go plain float32.
  memory::data_type type = eight_bit ? eight_bit->type : sources[0].get_desc().data_type();
  const bool mixed = std::any_of(sources.begin(), sources.end(), [&](const memory& m) {
    return m.get_desc().data_type() != type;
  });
  if (!eight_bit && mixed) {
    for (size_t i = 0; i < sources.size(); ++i) sources[i] = ctx.InputPlain(i);
    type = memory::data_type::f32;
  }
  std::vector<memory::desc> descs;
  for (const memory& m : sources) descs.push_back(WithType(m.get_desc(), type));
  const std::optional<memory::desc> blocked = BlockedConcatDesc(ctx.output_shape(0), axis, descs);
  dnnl::concat::primitive_desc pd(
      blocked ? *blocked : AnyDesc(ToDims(ctx.output_shape(0)), type),
      static_cast<int>(axis), descs, ctx.engine());
  const memory dst = eight_bit ? ctx.NewQuantizedOutput(0, pd.dst_desc(), eight_bit->scale)
                               : ctx.NewOutput(0, pd.dst_desc());
  if (std::optional<std::vector<memory::desc>> slices = Slices(dst.get_desc(), axis, descs)) {
    for (size_t i = 0; i < sources.size(); ++i) {
      // The input's producer writes straight into its slice where it can.
      const std::optional<int64_t> offset = SameLayoutOffset(descs[i], (*slices)[i]);
      if (offset && AsStored(sources[i], type, factors[i]) &&
          ctx.PlaceInside(sources[i], dst, *offset)) {
        continue;
      }
      AddCopy(ctx, sources[i], ctx.Alias(dst, (*slices)[i]), factors[i]);
    }
    return absl::OkStatus();
  }
  std::unordered_map<int, memory> args = {{DNNL_ARG_DST, dst}};
  for (size_t i = 0; i < sources.size(); ++i) {
    memory source = sources[i];
    if (!AsStored(source, type, factors[i])) {
      source = ctx.NewScratch(descs[i]);
      AddCopy(ctx, sources[i], source, factors[i]);
    }
    args[DNNL_ARG_MULTIPLE_SRC + int(i)] = source;
  }
  ctx.AddPrimitive(dnnl::concat(pd), std::move(args));
  return absl::OkStatus();
}

// --- Transpose

absl::StatusOr<std::vector<int64_t>> Permutation(const OpContext& ctx) {
  const int64_t rank = static_cast<int64_t>(ctx.input_rank(0));
  std::vector<int64_t> reversed;
  for (int64_t d = rank - 1; d >= 0; --d) reversed.push_back(d);
  CONVOY_ASSIGN_OR_RETURN(std::vector<int64_t> perm, ctx.attrs().GetInts("perm", reversed));
  std::vector<bool> seen(rank, false);
  if (static_cast<int64_t>(perm.size()) != rank) {
    return ctx.Invalid(absl::StrCat("perm has ", perm.size(), " entries for rank ", rank));
  }
  for (int64_t p : perm) {
    if (p < 0 || p >= rank || seen[p]) return ctx.Invalid("perm is not a permutation");
    seen[p] = true;
  }
  return perm;
}

absl::Status InferTranspose(OpContext& ctx) {
  if (ctx.num_inputs() != 1 || !ctx.has_input(0)) return ctx.Invalid("takes 1 input");
  CONVOY_ASSIGN_OR_RETURN(std::vector<int64_t> perm, Permutation(ctx));
  const Shape& in = ctx.input_shape(0);
  Shape out;
  for (int64_t p : perm) out.push_back(in[p]);
  if (const Tensor* constant = ctx.constant_input(0)) {
    const std::vector<int64_t> in_strides = Strides(in), out_strides = Strides(out);
    ctx.SetOutputConstant(0, GatherElements(*constant, out, [&](int64_t i) {
      int64_t from = 0;
      for (size_t d = 0; d < out.size(); ++d) from += (i / out_strides[d]) % out[d] * in_strides[perm[d]];
      return from;
    }));
    return absl::OkStatus();
  }
  ctx.SetOutput(0, out);
  return absl::OkStatus();
}

absl::Status BuildTranspose(OpContext& ctx) {
  CONVOY_ASSIGN_OR_RETURN(std::vector<int64_t> perm, Permutation(ctx));
  const Shape& in = ctx.input_shape(0);
  const std::vector<int64_t> in_strides = Strides(in);
  memory::dims dims, strides;
  for (int64_t p : perm) {
    dims.push_back(in[p]);
    strides.push_back(in_strides[p]);
  }
  if (in.empty()) dims = strides = {1};
  memory::desc view(dims, memory::data_type::f32, strides);
  ctx.BindOutput(0, ctx.InputViewed(0, view, PlainDesc(ctx.output_shape(0))));
  return absl::OkStatus();
}

// --- Gather

struct GatherGeometry {
  int64_t axis = 0;
  std::vector<int64_t> indices;  // Normalised to [0, size along axis).
  Shape out;
};

absl::StatusOr<GatherGeometry> ReadGather(const OpContext& ctx) {
  if (ctx.num_inputs() != 2 || !ctx.has_input(0) || !ctx.has_input(1)) {
    return ctx.Invalid("takes 2 inputs");
  }
  const Shape& data = ctx.input_shape(0);
  if (data.empty()) return ctx.Invalid("data must not be a scalar");
  GatherGeometry g;
  CONVOY_ASSIGN_OR_RETURN(int64_t axis, ctx.attrs().GetInt("axis", 0));
  CONVOY_ASSIGN_OR_RETURN(g.axis, NormalizeAxis(ctx, axis, data.size()));
  CONVOY_ASSIGN_OR_RETURN(g.indices, ctx.ConstantInts(1, "indices"));
  for (int64_t& i : g.indices) {
    if (i < -data[g.axis] || i >= data[g.axis]) {
      return ctx.Invalid(absl::StrCat("index ", i, " is out of range for size ", data[g.axis]));
    }
    if (i < 0) i += data[g.axis];
  }
  g.out.assign(data.begin(), data.begin() + g.axis);
  const Shape& idx = ctx.input_shape(1);
  g.out.insert(g.out.end(), idx.begin(), idx.end());
  g.out.insert(g.out.end(), data.begin() + g.axis + 1, data.end());
  return g;
}

absl::Status InferGather(OpContext& ctx) {
  CONVOY_ASSIGN_OR_RETURN(GatherGeometry g, ReadGather(ctx));
  const Shape& data = ctx.input_shape(0);
  const int64_t inner = NumElements(Shape(data.begin() + g.axis + 1, data.end()));
  const int64_t count = static_cast<int64_t>(g.indices.size());
  if (const Tensor* constant = ctx.constant_input(0)) {
    CONVOY_RETURN_IF_ERROR(ctx.CheckOutputSize(0, g.out));
    ctx.SetOutputConstant(0, GatherElements(*constant, g.out, [&](int64_t i) {
      const int64_t outer = i / inner / count, j = (i / inner) % count;
      return (outer * data[g.axis] + g.indices[j]) * inner + i % inner;
    }));
    return absl::OkStatus();
  }
  if (ctx.input_type(0) != DataType::kFloat32) {
    return ctx.Unsupported("gathering int64 values not known at compile time");
  }
  ctx.SetOutput(0, g.out);
  return absl::OkStatus();
}

absl::Status BuildGather(OpContext& ctx) {
  CONVOY_ASSIGN_OR_RETURN(GatherGeometry g, ReadGather(ctx));
  const Shape& data = ctx.input_shape(0);
  const int64_t inner = NumElements(Shape(data.begin() + g.axis + 1, data.end()));
  const int64_t outer = NumElements(Shape(data.begin(), data.begin() + g.axis));
  const int64_t axis_size = data[g.axis];
  memory src = ctx.InputPlain(0);
  memory dst = ctx.NewOutput(0, PlainDesc(g.out));
  ctx.AddStep([src, dst, inner, outer, axis_size, indices = std::move(g.indices)] {
    const float* from = static_cast<const float*>(src.get_data_handle());
    float* to = static_cast<float*>(dst.get_data_handle());
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t index : indices) {
        std::memcpy(to, from + (o * axis_size + index) * inner, inner * sizeof(float));
        to += inner;
      }
    }
  }, {src, dst});
  return absl::OkStatus();
}

// --- Pad

struct PadParams {
  std::vector<int64_t> begin, end;
  float value = 0;
};

// Pads given for the axes of the axes input (opset 18), as pads of every
// axis: the begins of the axes listed, then their ends; 0 for the others.
absl::StatusOr<std::vector<int64_t>> PadsOfEveryAxis(const OpContext& ctx,
                                                     const std::vector<int64_t>& pads) {
  CONVOY_ASSIGN_OR_RETURN(std::vector<int64_t> axes, ctx.ConstantInts(3, "axes"));
  const size_t rank = ctx.input_rank(0);
  if (pads.size() != 2 * axes.size()) {
    return ctx.Invalid(absl::StrCat("pads has ", pads.size(), " values for ", axes.size(),
                                    " axes; expected ", 2 * axes.size()));
  }
  std::vector<int64_t> every(2 * rank, 0);
  std::vector<bool> seen(rank, false);
  for (size_t k = 0; k < axes.size(); ++k) {
    CONVOY_ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(ctx, axes[k], rank));
    if (seen[axis]) return ctx.Invalid(absl::StrCat("axis ", axes[k], " is repeated"));
    seen[axis] = true;
    every[axis] = pads[k];
    every[rank + axis] = pads[axes.size() + k];
  }
  return every;
}

absl::StatusOr<PadParams> ReadPad(const OpContext& ctx) {
  CONVOY_ASSIGN_OR_RETURN(std::string mode, ctx.attrs().GetString("mode", "constant"));
  if (mode != "constant") return ctx.Unsupported(absl::StrCat("mode '", mode, "'"));
  PadParams p;
  std::vector<int64_t> pads;
  if (ctx.opset() < 11) {
    // Opset 1 called the attribute "paddings".
    CONVOY_ASSIGN_OR_RETURN(pads, ctx.attrs().GetInts(ctx.opset() < 2 ? "paddings" : "pads", {}));
    CONVOY_ASSIGN_OR_RETURN(p.value, ctx.attrs().GetFloat("value", 0.0f));
  } else {
    CONVOY_ASSIGN_OR_RETURN(pads, ctx.ConstantInts(1, "pads"));
    if (ctx.has_input(2) && ctx.constant_input(2) != nullptr) {
      CONVOY_ASSIGN_OR_RETURN(p.value, ctx.ConstantFloat(2, "constant_value"));
    }
  }
  const size_t rank = ctx.input_rank(0);
  if (ctx.has_input(3)) {
    CONVOY_ASSIGN_OR_RETURN(pads, PadsOfEveryAxis(ctx, pads));
  }
  if (pads.size() != 2 * rank) {
    return ctx.Invalid(absl::StrCat("pads has ", pads.size(), " values; expected ", 2 * rank));
  }
  for (int64_t v : pads) {
    if (v < 0) return ctx.Unsupported("negative pads (cropping) are not supported");
    if (v > (int64_t{1} << 30)) return ctx.Invalid(absl::StrCat("pad ", v, " is absurdly large"));
  }
  p.begin.assign(pads.begin(), pads.begin() + rank);
  p.end.assign(pads.begin() + rank, pads.end());
  return p;
}

absl::Status InferPad(OpContext& ctx) {
  // Opset 11 made pads and constant_value inputs; 18 added axes.
  CONVOY_RETURN_IF_ERROR(
      ctx.ExpectInputs(1, ctx.opset() < 11 ? 1 : ctx.opset() < 18 ? 3 : 4, {1, 3}));
  if (ctx.has_input(2) && NumElements(ctx.input_shape(2)) != 1) {
    return ctx.Invalid("constant_value must be a single value");
  }
  CONVOY_ASSIGN_OR_RETURN(PadParams p, ReadPad(ctx));
  Shape out = ctx.input_shape(0);
  for (size_t d = 0; d < out.size(); ++d) out[d] += p.begin[d] + p.end[d];
  ctx.SetOutput(0, out);
  return absl::OkStatus();
}

absl::Status BuildPad(OpContext& ctx) {
  CONVOY_ASSIGN_OR_RETURN(PadParams p, ReadPad(ctx));
  if (ctx.input_shape(0).empty()) return ctx.Unsupported("padding a scalar");
  const bool runtime_value = ctx.has_input(2) && ctx.constant_input(2) == nullptr;
  ctx.BindOutput(0, runtime_value ? PadWithRuntimeValue(ctx, 0, p.begin, p.end, 2)
                                  : PadConstant(ctx, 0, p.begin, p.end, p.value));
  return absl::OkStatus();
}

}  // namespace

void RegisterTensorOps(OpRegistry& registry) {
  registry.Add("Concat", {InferConcat, BuildConcat});
  registry.Add("Transpose", {InferTranspose, BuildTranspose});
  registry.Add("Gather", {InferGather, BuildGather, 2});
  registry.Add("Pad", {InferPad, BuildPad});
}

}  // namespace convoy::engine
