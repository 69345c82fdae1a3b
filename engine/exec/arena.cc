#include "engine/exec/arena.h"

#include <algorithm>
#include <numeric>
#include <utility>

namespace convoy::engine {

ArenaLayout PlanArena(const std::vector<ArenaBlock>& blocks, int64_t alignment) {
  auto aligned = [alignment](int64_t bytes) { return (bytes + alignment - 1) & ~(alignment - 1); };
  std::vector<size_t> order(blocks.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return blocks[a].bytes > blocks[b].bytes; });

  ArenaLayout layout;
  layout.offsets.assign(blocks.size(), 0);
  std::vector<size_t> placed;
  std::vector<std::pair<int64_t, int64_t>> taken;  // [begin, end) of live neighbours.
  for (size_t i : order) {
    const ArenaBlock& block = blocks[i];
    taken.clear();
    for (size_t j : placed) {
      if (blocks[j].first <= block.last && block.first <= blocks[j].last) {
        taken.emplace_back(layout.offsets[j], layout.offsets[j] + aligned(blocks[j].bytes));
      }
    }
    std::sort(taken.begin(), taken.end());
    int64_t offset = 0;
    for (const auto& [begin, end] : taken) {
      if (begin - offset >= aligned(block.bytes)) break;  // Fits in the gap before.
      offset = std::max(offset, end);
    }
    layout.offsets[i] = offset;
    layout.bytes = std::max(layout.bytes, offset + aligned(block.bytes));
    placed.push_back(i);
  }
  return layout;
}

}  // namespace convoy::engine
