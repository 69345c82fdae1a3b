#include "server/core/plan_sizes.h"

#include <algorithm>

namespace convoy::server {

PlanSizes::PlanSizes(int64_t max_batch_size, const std::vector<int64_t>& prepared)
    : met_(static_cast<size_t>(std::max<int64_t>(max_batch_size, 1)) + 1, 0),
      whole_(met_.size(), false) {
  whole_[1] = true;
  for (int64_t size : prepared) {
    if (size >= 1 && size < static_cast<int64_t>(whole_.size())) whole_[size] = true;
  }
}

std::vector<int64_t> PlanSizes::Runs(int64_t items) {
  absl::MutexLock lock(&mu_);
  if (items < 1 || items >= static_cast<int64_t>(whole_.size()) || whole_[items]) return {items};
  if (++met_[items] >= kRunsBeforeCompiling) {
    whole_[items] = true;
    return {items};
  }
  std::vector<int64_t> runs;
  int64_t left = items;
  for (int64_t size = items - 1; size >= 1 && left > 0; --size) {
    if (!whole_[size]) continue;
    for (; left >= size; left -= size) runs.push_back(size);
  }
  return runs;
}

}  // namespace convoy::server
