#include "engine/exec/layout_cache.h"

#include <algorithm>
#include <cstring>

#include "engine/exec/dnnl_util.h"

namespace convoy::engine {

LayoutCache::LayoutCache(const ir::Graph& graph, WeightCache& weights, BufferPlanner& buffers,
                         Plan& plan)
    : graph_(graph), weights_(weights), buffers_(buffers), plan_(plan), stream_(plan.engine()) {
  for (const auto& [name, tensor] : graph.initializers) {
    Value& v = values_[name];
    v.type = tensor.type();
    v.shape = tensor.shape();
    v.constant = &tensor;
  }
}

const LayoutCache::Value* LayoutCache::Find(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? nullptr : &it->second;
}

dnnl::memory LayoutCache::MemoryOf(const std::string& name) {
  Value& v = at(name);
  if (v.quantized && !v.memory) {
    v.memory = buffers_.Allocate(WithType(v.quantized.get_desc(), dnnl::memory::data_type::f32));
    dnnl::primitive_attr attr;
    attr.set_output_scales(0, {1.0f / v.scale});
    Reorder(name, v.quantized, v.memory, attr);
  }
  if (v.memory || v.constant == nullptr) return v.memory;
  const dnnl::memory::desc plain = PlainDesc(v.shape);
  if (v.constant->has_bytes()) {
    // oneDNN wants a mutable handle; constants are only ever read.
    v.memory = dnnl::memory(plain, plan_.engine(), const_cast<void*>(v.constant->raw_data()));
  } else {
    // Released weights (PlanOptions::release_weights): plain again, once
    // for all plans, from the cache's copy.
    v.memory = weights_.GetOrMake(v.constant, plain, plain, [&] {
      dnnl::memory m = AllocateFor(name, plain);
      weights_.CopyPlain(v.constant, m.get_data_handle(), plan_.engine());
      return m;
    });
  }
  return v.memory;
}

dnnl::memory LayoutCache::Reordered(const std::string& name, const dnnl::memory::desc& desc) {
  Value& v = at(name);
  if (v.constant == nullptr) MemoryOf(name);  // An int8 output: float32 first.
  // Constants are materialised only if no cached layout serves.
  const dnnl::memory::desc stored = v.memory ? v.memory.get_desc() : PlainDesc(v.shape);
  if (stored == desc) return MemoryOf(name);
  for (const dnnl::memory& view : v.views) {
    if (view.get_desc() == desc) return view;
  }
  if (desc.dims() != stored.dims()) {
    // Same elements seen with other dims (grouped weights, broadcast ranks),
    // in the element type they are stored in.
    dnnl::memory m = Viewed(
        name, dnnl::memory::desc(desc.dims(), stored.data_type(), PlainStrides(desc.dims())), desc);
    v.views.push_back(m);
    return m;
  }
  auto make = [&] {
    dnnl::memory m = AllocateFor(name, desc);
    Reorder(name, MemoryOf(name), m);
    return m;
  };
  const Tensor* shared = SharedConstant(name);
  dnnl::memory dst = shared != nullptr ? weights_.GetOrMake(shared, stored, desc, make) : make();
  v.views.push_back(dst);
  return dst;
}

dnnl::memory LayoutCache::Viewed(const std::string& name, const dnnl::memory::desc& view,
                                 const dnnl::memory::desc& desc) {
  const Tensor* shared = SharedConstant(name);
  if (shared == nullptr || view == desc) return ViewedUncached(name, view, desc);
  return weights_.GetOrMake(shared, view, desc, [&] { return ViewedUncached(name, view, desc); });
}

dnnl::memory LayoutCache::Quantized(const std::string& name, const dnnl::memory::desc& desc,
                                    const std::vector<float>& scales, int mask,
                                    const dnnl::memory::desc& view) {
  Value& v = at(name);
  // A value's scales are its own (its calibrated range, or its weights'
  // channels), so an integer view of it in this layout can be shared.
  for (const dnnl::memory& made : v.views) {
    if (made.get_desc() == desc) return made;
  }
  if (v.quantized) {  // Already scaled by its range, as `scales` would.
    if (v.quantized.get_desc() == desc) return v.quantized;
    dnnl::memory dst = buffers_.Allocate(desc);
    Reorder(name, v.quantized, dst);
    v.views.push_back(dst);
    return dst;
  }
  const dnnl::memory src = v.constant == nullptr ? MemoryOf(name)
                           : view ? Viewed(name, view, view)
                                  : Reordered(name, dnnl::memory::desc(desc.dims(),
                                                                       dnnl::memory::data_type::f32,
                                                                       PlainStrides(desc.dims())));
  auto make = [&] {
    dnnl::primitive_attr attr;
    attr.set_output_scales(mask, scales);
    dnnl::memory m = AllocateFor(name, desc);
    Reorder(name, src, m, attr);
    return m;
  };
  const Tensor* shared = SharedConstant(name);
  dnnl::memory dst =
      shared != nullptr ? weights_.GetOrMake(shared, src.get_desc(), desc, make) : make();
  v.views.push_back(dst);
  return dst;
}

void LayoutCache::CopyInto(const std::string& name, const dnnl::memory& dst, float scale) {
  const Value& v = at(name);
  const dnnl::memory src = v.quantized ? v.quantized : MemoryOf(name);
  const float factor = v.quantized ? scale / v.scale : scale;
  if (factor == 1 && src.get_desc() == dst.get_desc()) {
    // A memcpy beats oneDNN's generic same-layout reorder severalfold.
    plan_.AddStep(Plan::Step::Cpu(
        name,
        [src, dst] {
          std::memcpy(dst.get_data_handle(), src.get_data_handle(), dst.get_desc().get_size());
        },
        {src, dst}));
    return;
  }
  dnnl::primitive_attr attr;
  if (factor != 1) attr.set_output_scales(0, {factor});
  // A step even for a constant: `dst` is run-time memory.
  plan_.AddStep(Plan::Step::Primitive(name,
                                      dnnl::reorder(dnnl::reorder::primitive_desc(src, dst, attr)),
                                      {{DNNL_ARG_FROM, src}, {DNNL_ARG_TO, dst}}));
}

const Tensor* LayoutCache::SharedConstant(const std::string& name) const {
  auto it = graph_.initializers.find(name);
  const Tensor* constant = at(name).constant;
  return it != graph_.initializers.end() && &it->second == constant ? constant : nullptr;
}

dnnl::memory LayoutCache::ViewedUncached(const std::string& name, const dnnl::memory::desc& view,
                                         const dnnl::memory::desc& desc) {
  Value& v = at(name);
  dnnl::memory plain = Reordered(name, PlainDesc(v.shape));
  dnnl::memory src = buffers_.Alias(plain, view);
  if (view == desc) return src;
  dnnl::memory dst = AllocateFor(name, desc);
  Reorder(name, src, dst);
  return dst;
}

void LayoutCache::Reorder(const std::string& name, dnnl::memory src, dnnl::memory dst,
                          const dnnl::primitive_attr& attr) {
  dnnl::reorder reorder(dnnl::reorder::primitive_desc(src, dst, attr));
  if (at(name).constant != nullptr) {
    RunNow(reorder, {{DNNL_ARG_FROM, src}, {DNNL_ARG_TO, dst}});
  } else {
    plan_.AddStep(
        Plan::Step::Primitive(name, reorder, {{DNNL_ARG_FROM, src}, {DNNL_ARG_TO, dst}}));
  }
}

void LayoutCache::RunNow(const dnnl::primitive& primitive, const std::unordered_map<int, dnnl::memory>& args) {
  primitive.execute(stream_, args);
  stream_.wait();
}

dnnl::memory LayoutCache::AllocateFor(const std::string& name, const dnnl::memory::desc& desc) {
  if (at(name).constant == nullptr) return buffers_.Allocate(desc);
  // The graph's weights go to the WeightCache, which keeps them, and they
  // are not the plan's to count.
  if (SharedConstant(name) != nullptr) return dnnl::memory(desc, plan_.engine());
  return plan_.NewOwnedMemory(desc);
}

void LayoutCache::ForgetBytesOf(const std::string& name) {
  Value& v = at(name);
  const Tensor& bytes = *v.constant;
  auto borrows = [&bytes](const dnnl::memory& m) {
    return PointsInto(m, bytes.raw_data(), bytes.byte_size());
  };
  if (v.memory && borrows(v.memory)) v.memory = dnnl::memory();
  v.views.erase(std::remove_if(v.views.begin(), v.views.end(), borrows), v.views.end());
}

}  // namespace convoy::engine
