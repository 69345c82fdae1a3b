#include "engine/exec/weight_cache.h"

namespace convoy {

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

}  // namespace convoy
