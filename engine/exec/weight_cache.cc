#include "engine/exec/weight_cache.h"

#include "engine/exec/dnnl_util.h"

namespace convoy::engine {

const WeightCache::Entry* WeightCache::Find(const Tensor* constant,
                                            const dnnl::memory::desc& view,
                                            const dnnl::memory::desc& desc) const {
  auto it = entries_.find(constant);
  if (it == entries_.end()) return nullptr;
  for (const Entry& e : it->second) {
    if (e.view == view && e.desc == desc) return &e;
  }
  return nullptr;
}

const WeightCache::Entry* WeightCache::FullCopy(const Tensor* constant) const {
  auto it = entries_.find(constant);
  if (it == entries_.end()) return nullptr;
  constexpr auto kF32 = dnnl::memory::data_type::f32;
  for (const Entry& e : it->second) {
    // A view of all the elements, each once (no broadcast), stored as float32
    // in a layout a reorder can read back (not Winograd-transformed).
    int64_t elements = 1;
    for (int64_t d : e.view.dims()) elements *= d;
    if (e.view.data_type() == kF32 && e.desc.data_type() == kF32 &&
        e.desc.data.format_kind == dnnl_blocked && elements == constant->num_elements()) {
      return &e;
    }
  }
  return nullptr;
}

dnnl::memory WeightCache::GetOrMake(const Tensor* constant, const dnnl::memory::desc& view,
                                    const dnnl::memory::desc& desc,
                                    const std::function<dnnl::memory()>& make) {
  {
    absl::MutexLock lock(&mu_);
    if (const Entry* e = Find(constant, view, desc)) return e->memory;
  }
  dnnl::memory made = make();
  absl::MutexLock lock(&mu_);
  if (const Entry* e = Find(constant, view, desc)) return e->memory;  // Another plan won.
  entries_[constant].push_back({view, desc, made});
  return made;
}

bool WeightCache::HoldsCopyOf(const Tensor& constant) const {
  if (constant.type() != DataType::kFloat32 || !constant.has_bytes()) return false;
  absl::MutexLock lock(&mu_);
  const Entry* copy = FullCopy(&constant);
  if (copy == nullptr) return false;
  for (const Entry& e : entries_.at(&constant)) {
    if (PointsInto(e.memory, constant.raw_data(), constant.byte_size())) return false;
  }
  return true;
}

void WeightCache::CopyPlain(const Tensor* constant, void* plain, const dnnl::engine& engine) const {
  absl::MutexLock lock(&mu_);
  const Entry* copy = FullCopy(constant);
  // The view's strides say where each element lies in the plain tensor.
  dnnl::memory src = copy->memory;
  dnnl::memory dst(copy->view, engine, plain);
  dnnl::stream stream(engine);
  dnnl::reorder(src, dst).execute(stream, src, dst);
  stream.wait();
}

}  // namespace convoy::engine
