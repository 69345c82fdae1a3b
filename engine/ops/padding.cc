#include "engine/ops/padding.h"

#include <algorithm>

#include "engine/exec/dnnl_util.h"

namespace convoy::engine {

namespace {

// Plain, unless only the spatial dimensions of an input in channel blocks
// are padded (Inception's average pooling, padded apart as PyTorch exports
// it): then in the same blocks, so that neither the copy in nor the
// pooling and convolution after it change layouts. Only for a whole number
// of blocks: the fill would reach the channels that round up the last.
dnnl::memory::desc PaddedDesc(OpContext& ctx, size_t input, const std::vector<int64_t>& begin,
                              const std::vector<int64_t>& end) {
  const dnnl::memory::desc inner = ctx.Input(input).get_desc();
  dnnl::memory::dims outer = inner.dims();
  for (size_t d = 0; d < outer.size(); ++d) outer[d] += begin[d] + end[d];
  const int64_t block = ChannelBlock(inner);
  if (block > 0 && outer[1] % block == 0 && inner.data_type() == dnnl::memory::data_type::f32 &&
      begin[0] == 0 && end[0] == 0 && begin[1] == 0 && end[1] == 0) {
    return ChannelBlockedDesc(outer, dnnl::memory::data_type::f32, block);
  }
  return dnnl::memory::desc(outer, dnnl::memory::data_type::f32, PlainStrides(outer));
}

void Fill(const dnnl::memory& m, float value) {
  float* data = static_cast<float*>(m.get_data_handle());
  std::fill(data, data + m.get_desc().get_size() / sizeof(float), value);
}

// Adds the copy of the input into the interior of `padded`.
void CopyInterior(OpContext& ctx, size_t input, const std::vector<int64_t>& begin,
                  dnnl::memory padded) {
  dnnl::memory src = ctx.Input(input);
  dnnl::memory::dims inner = src.get_desc().dims();
  dnnl::memory::desc interior_desc =
      padded.get_desc().submemory_desc(inner, dnnl::memory::dims(begin.begin(), begin.end()));
  dnnl::memory interior = ctx.Alias(padded, interior_desc);
  dnnl::reorder copy(src, interior);
  if (ctx.constant_input(input) != nullptr) {
    ctx.RunNow(copy, {{DNNL_ARG_FROM, src}, {DNNL_ARG_TO, interior}});
  } else {
    ctx.AddPrimitive(copy, {{DNNL_ARG_FROM, src}, {DNNL_ARG_TO, interior}});
  }
}

}  // namespace

dnnl::memory PadConstant(OpContext& ctx, size_t input, const std::vector<int64_t>& begin,
                         const std::vector<int64_t>& end, float value) {
  const dnnl::memory::desc desc = PaddedDesc(ctx, input, begin, end);
  dnnl::memory padded;
  if (ctx.constant_input(input) != nullptr) {
    padded = ctx.NewFilled(desc, value);
  } else {
    padded = ctx.NewScratch(desc);
    ctx.AddStep([padded, value] { Fill(padded, value); }, {padded});
  }
  CopyInterior(ctx, input, begin, padded);
  return padded;
}

dnnl::memory PadWithRuntimeValue(OpContext& ctx, size_t input, const std::vector<int64_t>& begin,
                                 const std::vector<int64_t>& end, size_t value_input) {
  dnnl::memory padded = ctx.NewScratch(PaddedDesc(ctx, input, begin, end));
  dnnl::memory value = ctx.InputPlain(value_input);
  ctx.AddStep([padded, value] { Fill(padded, *static_cast<const float*>(value.get_data_handle())); },
              {padded, value});
  CopyInterior(ctx, input, begin, padded);
  return padded;
}

}  // namespace convoy::engine
