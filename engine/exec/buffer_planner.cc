#include "engine/exec/buffer_planner.h"

#include <algorithm>

namespace convoy::engine {

dnnl::memory BufferPlanner::Allocate(const dnnl::memory::desc& desc) {
  dnnl::memory m(desc, engine_, DNNL_MEMORY_NONE);
  buffer_of_[m.get()] = buffers_.size();
  host_.push_back({buffers_.size(), 0});
  touched_.emplace_back();
  used_.push_back(false);
  buffers_.push_back(m);
  return m;
}

dnnl::memory BufferPlanner::Alias(const dnnl::memory& memory, const dnnl::memory::desc& desc) {
  const std::optional<size_t> buffer = BufferOf(memory);
  if (!buffer) {  // A buffer of its own, kept by its owner: share it now.
    return dnnl::memory(desc, engine_, memory.get_data_handle());
  }
  dnnl::memory alias(desc, engine_, DNNL_MEMORY_NONE);
  buffer_of_[alias.get()] = *buffer;
  aliases_.emplace_back(alias, *buffer);
  return alias;
}

bool BufferPlanner::PlaceInside(const dnnl::memory& inner, const dnnl::memory& outer,
                                int64_t offset) {
  const std::optional<size_t> buffer = BufferOf(inner);
  const std::optional<size_t> host = BufferOf(outer);
  if (!buffer || !host) return false;
  // Only a whole buffer not placed yet, and never inside itself.
  if (buffers_[*buffer].get() != inner.get() || host_[*buffer].first != *buffer ||
      Host(*host).first == *buffer ||
      offset + static_cast<int64_t>(inner.get_desc().get_size()) >
          static_cast<int64_t>(outer.get_desc().get_size())) {
    return false;
  }
  host_[*buffer] = {*host, offset};
  return true;
}

bool BufferPlanner::Holds(const dnnl::memory& memory) const {
  return BufferOf(memory).has_value();
}

bool BufferPlanner::ShareRoom(const dnnl::memory& a, const dnnl::memory& b) const {
  const std::optional<size_t> in_a = BufferOf(a);
  const std::optional<size_t> in_b = BufferOf(b);
  return in_a && in_b && Host(*in_a).first == Host(*in_b).first;
}

void BufferPlanner::Touch(const dnnl::memory& memory, int step) {
  const std::optional<size_t> buffer = BufferOf(memory);
  if (!buffer) return;
  ArenaBlock& block = touched_[*buffer];
  block.first = used_[*buffer] ? std::min(block.first, step) : step;
  block.last = used_[*buffer] ? std::max(block.last, step) : step;
  used_[*buffer] = true;
}

ArenaLayout BufferPlanner::LayOut() const {
  std::vector<ArenaBlock> blocks(buffers_.size());
  std::vector<bool> used(buffers_.size(), false);
  // A buffer placed inside another lives as long as its host must.
  for (size_t i = 0; i < buffers_.size(); ++i) {
    if (!used_[i]) continue;
    const size_t host = Host(i).first;
    ArenaBlock& block = blocks[host];
    block.first = used[host] ? std::min(block.first, touched_[i].first) : touched_[i].first;
    block.last = used[host] ? std::max(block.last, touched_[i].last) : touched_[i].last;
    used[host] = true;
  }
  for (size_t i = 0; i < buffers_.size(); ++i) {
    // Never read or written: no room needed.
    blocks[i].bytes = used[i] ? static_cast<int64_t>(buffers_[i].get_desc().get_size()) : 0;
  }
  return PlanArena(blocks);
}

dnnl::memory BufferPlanner::Place(const ArenaLayout& layout) {
  if (layout.bytes == 0) return dnnl::memory();
  dnnl::memory arena(
      dnnl::memory::desc({layout.bytes}, dnnl::memory::data_type::u8, dnnl::memory::format_tag::a),
      engine_);
  char* base = static_cast<char*>(arena.get_data_handle());
  auto place = [&](dnnl::memory& m, size_t buffer) {
    const auto [host, offset] = Host(buffer);
    m.set_data_handle(base + layout.offsets[host] + offset);
  };
  for (size_t i = 0; i < buffers_.size(); ++i) place(buffers_[i], i);
  for (auto& [alias, buffer] : aliases_) place(alias, buffer);
  return arena;
}

std::pair<size_t, int64_t> BufferPlanner::Host(size_t buffer) const {
  int64_t offset = 0;
  while (host_[buffer].first != buffer) {
    offset += host_[buffer].second;
    buffer = host_[buffer].first;
  }
  return {buffer, offset};
}

std::optional<size_t> BufferPlanner::BufferOf(const dnnl::memory& memory) const {
  if (!memory) return std::nullopt;
  auto it = buffer_of_.find(memory.get());
  if (it == buffer_of_.end()) return std::nullopt;
  return it->second;
}

}  // namespace convoy::engine
