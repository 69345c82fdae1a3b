#include "engine/exec/dnnl_util.h"

#include "absl/strings/match.h"

namespace convoy::engine {

dnnl::memory::dims ToDims(const Shape& shape) {
  if (shape.empty()) return {1};
  return dnnl::memory::dims(shape.begin(), shape.end());
}

dnnl::memory::dims PlainStrides(const dnnl::memory::dims& dims) {
  dnnl::memory::dims strides(dims.size(), 1);
  for (int i = static_cast<int>(dims.size()) - 2; i >= 0; --i) {
    strides[i] = strides[i + 1] * dims[i + 1];
  }
  return strides;
}

dnnl::memory::desc PlainDesc(const Shape& shape) {
  dnnl::memory::dims dims = ToDims(shape);
  return dnnl::memory::desc(dims, dnnl::memory::data_type::f32, PlainStrides(dims));
}

dnnl::memory::desc AnyDesc(const dnnl::memory::dims& dims, dnnl::memory::data_type type) {
  return dnnl::memory::desc(dims, type, dnnl::memory::format_tag::any);
}

bool IsPlain(const dnnl::memory::desc& desc) {
  return desc == dnnl::memory::desc(desc.dims(), desc.data_type(), PlainStrides(desc.dims()));
}

dnnl::memory::desc ChannelBlockedDesc(const dnnl::memory::dims& dims, dnnl::memory::data_type type,
                                      int64_t block) {
  using tag = dnnl::memory::format_tag;
  const bool sixteen = block == 16;
  if (dims.size() == 3) return {dims, type, sixteen ? tag::aBc16b : tag::aBc8b};
  if (dims.size() == 4) return {dims, type, sixteen ? tag::aBcd16b : tag::aBcd8b};
  return {dims, type, sixteen ? tag::aBcde16b : tag::aBcde8b};
}

int64_t ChannelBlock(const dnnl::memory::desc& desc) {
  const size_t rank = desc.dims().size();
  if (rank < 3 || rank > 5 || desc.data.format_kind != dnnl_blocked) return 0;
  for (int64_t block : {16, 8}) {
    if (desc == ChannelBlockedDesc(desc.dims(), desc.data_type(), block)) return block;
  }
  return 0;
}

bool IsReference(const dnnl::primitive_desc_base& pd) {
  return absl::StartsWith(pd.impl_info_str(), "ref");
}

bool PointsInto(const dnnl::memory& memory, const void* data, size_t size) {
  const char* p = static_cast<const char*>(memory.get_data_handle());
  const char* begin = static_cast<const char*>(data);
  return p >= begin && p < begin + size;
}

dnnl::memory::desc WithType(const dnnl::memory::desc& desc, dnnl::memory::data_type type) {
  dnnl::memory::desc typed = desc;
  typed.data.data_type = static_cast<dnnl_data_type_t>(type);
  typed.data.extra = dnnl_memory_extra_desc_t{};  // Compensations belong to integer weights.
  return typed;
}

}  // namespace convoy::engine
