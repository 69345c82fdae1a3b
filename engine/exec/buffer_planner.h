// BufferPlanner: the run-time buffers of a plan being compiled, which of
// them share bytes, and where each lives in the plan's one arena.
//
// Operators ask for run-time memory while the plan is compiled, before
// anyone knows how long a buffer must live, so such memory has no data
// handle until Place. Meanwhile a memory may be an alias of another's
// buffer (a reshape, a strided view, a slice), and a whole buffer may be
// placed inside another (a Concat input written straight into its slice of
// the output). Once the steps are known, Touch records which steps use
// each memory; a buffer then lives from the first to the last step that
// touches it or anything placed inside it. LayOut places the buffers by
// those lifetimes (PlanArena, arena.h), and Place allocates the arena and
// points every memory into it.
//
//   BufferPlanner buffers(engine);
//   dnnl::memory a = buffers.Allocate(desc), b = buffers.Allocate(desc);
//   buffers.Touch(a, 0);
//   buffers.Touch(b, 1);
//   dnnl::memory arena = buffers.Place(buffers.LayOut());  // a and b share bytes.
//
// Memory that did not come from here (constants, weights) has bytes of its
// own: Touch ignores it, and Alias shares its handle at once.
//
// Thread-safety: used by one compiling thread.
#ifndef CONVOY_ENGINE_EXEC_BUFFER_PLANNER_H_
#define CONVOY_ENGINE_EXEC_BUFFER_PLANNER_H_

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "dnnl.hpp"
#include "engine/exec/arena.h"

namespace convoy::engine {

class BufferPlanner {
 public:
  explicit BufferPlanner(dnnl::engine engine) : engine_(std::move(engine)) {}

  // Run-time memory of `desc`, a buffer of its own.
  dnnl::memory Allocate(const dnnl::memory::desc& desc);
  // The bytes of `memory` seen through `desc`: a reshape, strided view or
  // sub-memory of them.
  dnnl::memory Alias(const dnnl::memory& memory, const dnnl::memory::desc& desc);
  // Gives the buffer of `inner` its room inside the buffer of `outer`, from
  // byte `offset`: the steps that write `inner` then write there, and
  // every reader of either sees the same bytes. False, changing nothing,
  // where `inner` is not a whole buffer from Allocate (an alias, or memory
  // from elsewhere), is placed already, holds `outer`, or does not fit.
  bool PlaceInside(const dnnl::memory& inner, const dnnl::memory& outer, int64_t offset);

  // True if `memory` came from Allocate or Alias here.
  bool Holds(const dnnl::memory& memory) const;
  // True if `a` and `b` both came from here and live in the room of one
  // buffer: the same buffer, aliases of it, or buffers placed inside it.
  bool ShareRoom(const dnnl::memory& a, const dnnl::memory& b) const;

  // Records that step `step` of the plan reads or writes `memory`; memory
  // from elsewhere is ignored.
  void Touch(const dnnl::memory& memory, int step);
  // Where each buffer goes; buffers nothing touched take no room.
  ArenaLayout LayOut() const;
  // Allocates an arena of `layout` (LayOut's) and points every memory from
  // here into it. Null memory, leaving every handle unset, if the layout
  // needs no bytes.
  dnnl::memory Place(const ArenaLayout& layout);

 private:
  // The buffer whose room holds `buffer` (itself unless placed inside
  // another), and the byte offset of `buffer` in it.
  std::pair<size_t, int64_t> Host(size_t buffer) const;
  // The index of the buffer of `memory`; nullopt for memory from elsewhere.
  std::optional<size_t> BufferOf(const dnnl::memory& memory) const;

  dnnl::engine engine_;
  // The memories Allocate made, one per buffer, and the aliases of them
  // with the index of their buffer.
  std::vector<dnnl::memory> buffers_;
  std::vector<std::pair<dnnl::memory, size_t>> aliases_;
  // Per buffer: the buffer it is placed inside, and at which byte offset
  // (itself and 0 unless PlaceInside moved it).
  std::vector<std::pair<size_t, int64_t>> host_;
  // Per buffer: the first and last steps that touch it itself (not what
  // is placed inside it), and whether any does.
  std::vector<ArenaBlock> touched_;
  std::vector<bool> used_;
  absl::flat_hash_map<dnnl_memory_t, size_t> buffer_of_;
};

}  // namespace convoy::engine

#endif  // CONVOY_ENGINE_EXEC_BUFFER_PLANNER_H_
