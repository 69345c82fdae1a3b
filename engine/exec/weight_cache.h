// WeightCache: constants (weights) already reordered into the layout a
// primitive asked for, shared by all the plans of one model.
//
// Every batch size gets its own plan, but their convolutions and matmuls
// mostly want the weights in the same layouts; without the cache each plan
// would hold its own copy (VGG-16 at three batch sizes: three times 528 MB).
//
// Thread-safety: all methods may be called concurrently (plans for
// different shapes are compiled in parallel).
#ifndef CONVOY_ENGINE_EXEC_WEIGHT_CACHE_H_
#define CONVOY_ENGINE_EXEC_WEIGHT_CACHE_H_

#include <functional>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "dnnl.hpp"
#include "engine/api/tensor.h"

namespace convoy::engine {

class WeightCache {
 public:
  // The memory holding `constant`, seen through `view`, in layout `desc`:
  // from the cache, or made by `make` (called without the lock held, so it
  // may use the cache itself) and cached. REQUIRES: `constant` outlives the
  // cache.
  dnnl::memory GetOrMake(const Tensor* constant, const dnnl::memory::desc& view,
                         const dnnl::memory::desc& desc, const std::function<dnnl::memory()>& make);

  // True if a float32 copy of float32 `constant` in the cache holds every
  // one of its values, and no entry borrows its bytes: they can then be
  // released and later restored with CopyPlain.
  bool HoldsCopyOf(const Tensor& constant) const;
  // Writes `constant`'s values, plain, to `plain` from such a copy.
  // REQUIRES: HoldsCopyOf(constant) was true.
  void CopyPlain(const Tensor* constant, void* plain, const dnnl::engine& engine) const;

 private:
  struct Entry {
    dnnl::memory::desc view;
    dnnl::memory::desc desc;
    dnnl::memory memory;
  };
  const Entry* Find(const Tensor* constant, const dnnl::memory::desc& view,
                    const dnnl::memory::desc& desc) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // An entry that holds all of `constant`'s values in float32, else nullptr.
  const Entry* FullCopy(const Tensor* constant) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  absl::flat_hash_map<const Tensor*, std::vector<Entry>> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace convoy::engine

#endif  // CONVOY_ENGINE_EXEC_WEIGHT_CACHE_H_
