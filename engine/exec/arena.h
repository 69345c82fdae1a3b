// Arena layout: where each activation buffer of a plan lives in one block of
// memory, so that buffers never alive at the same time share bytes.
//
// A plan runs its steps in a fixed order, so every buffer has a lifetime: the
// steps from the first to the last that touch it. PlanArena places the
// buffers largest first, each at the lowest offset that overlaps no placed
// buffer whose lifetime meets its own. VGG-16 at batch 8, for example, then
// needs about the two largest activations (input and output of its widest
// convolution) instead of the sum of all of them.
//
//   ArenaLayout layout = PlanArena({{/*bytes=*/100, 0, 1}, {100, 1, 2}, {100, 2, 3}});
//   // layout.offsets == {0, 128, 0}, layout.bytes == 256 (64-byte aligned)
//
// Thread-safety: a pure function.
#ifndef CONVOY_ENGINE_EXEC_ARENA_H_
#define CONVOY_ENGINE_EXEC_ARENA_H_

#include <cstdint>
#include <vector>

namespace convoy::engine {

struct ArenaBlock {
  int64_t bytes = 0;
  int first = 0;  // First step that touches the buffer.
  int last = 0;   // Last step that touches it. REQUIRES: first <= last.
};

struct ArenaLayout {
  std::vector<int64_t> offsets;  // One per block, each a multiple of the alignment.
  int64_t bytes = 0;             // The arena's size.
};

// REQUIRES: alignment is a power of two; every bytes >= 0.
ArenaLayout PlanArena(const std::vector<ArenaBlock>& blocks, int64_t alignment = 64);

}  // namespace convoy::engine

#endif  // CONVOY_ENGINE_EXEC_ARENA_H_
