// MemoryBudget: the bytes every request in flight may make the server hold,
// together, and the reservations that account for them.
//
// A request small on the wire can be expensive to serve: 32 one-pixel PNGs
// with 10 crops each become 1,920 KB of float crops, and every stage copies
// and holds its part (decoded tensors, the batch they are stacked into,
// outputs, the encoded response). The queue bounds count requests, not
// bytes, so without a byte bound a handful of such requests exhausts the
// process's memory and takes every other client's requests down with it.
//
// So a request states what it will cost before anything is allocated for
// it (request_cost.h works that out), and Reserve() either grants all of it
// or refuses at once with RESOURCE_EXHAUSTED, naming the budget; the
// reservation is released when the request's last response byte has been
// handed to the transport. A request reserves the size of its message before
// it is parsed, and resizes that to its whole cost (ResizeTo) once decoded.
//
//   MemoryBudget budget(2 << 30);
//   ASSIGN_OR_RETURN(MemoryReservation held, budget.Reserve(cost));
//   ... serve; `held` lives until the response is sent ...
//
// Thread-safety: all methods of both classes may be called concurrently;
// a reservation may be released on any thread. The budget must outlive
// every reservation made from it.
#ifndef CONVOY_SERVER_CORE_MEMORY_BUDGET_H_
#define CONVOY_SERVER_CORE_MEMORY_BUDGET_H_

#include <atomic>
#include <cstdint>

#include "absl/status/statusor.h"

namespace convoy::server {

class MemoryBudget;

// Bytes held against a MemoryBudget until destroyed (or Release()d).
// Move-only; a moved-from or default reservation holds nothing.
class MemoryReservation {
 public:
  MemoryReservation() = default;
  MemoryReservation(MemoryReservation&& other) noexcept;
  MemoryReservation& operator=(MemoryReservation&& other) noexcept;
  MemoryReservation(const MemoryReservation&) = delete;
  MemoryReservation& operator=(const MemoryReservation&) = delete;
  ~MemoryReservation() { Release(); }

  int64_t bytes() const { return bytes_; }
  // Holds `total` bytes from now on. More than it holds is reserved as by
  // MemoryBudget::Reserve, and refused the same way (the reservation is
  // then unchanged); less returns the difference. What a request holds is
  // known in steps: its message before parsing, everything once decoded.
  absl::Status ResizeTo(int64_t total);
  void Release();

 private:
  friend class MemoryBudget;
  MemoryReservation(MemoryBudget* budget, int64_t bytes) : budget_(budget), bytes_(bytes) {}

  MemoryBudget* budget_ = nullptr;
  int64_t bytes_ = 0;
};

class MemoryBudget {
 public:
  // `kept_for_small` bytes of the budget are kept for small requests, of
  // at most kept_for_small / 64 bytes: clients filling the budget with large
  // requests then do not shut out everyone else's small ones. The server
  // keeps limit / 16 (64 MiB of 1 GiB, for requests up to 1 MiB).
  // REQUIRES: limit_bytes > 0, 0 <= kept_for_small < limit_bytes.
  explicit MemoryBudget(int64_t limit_bytes, int64_t kept_for_small = 0)
      : limit_(limit_bytes), kept_for_small_(kept_for_small) {}
  MemoryBudget(const MemoryBudget&) = delete;
  MemoryBudget& operator=(const MemoryBudget&) = delete;

  // All of `bytes` (>= 0), or RESOURCE_EXHAUSTED when they do not fit in
  // what is free now (for a request that is not small: what is free beyond
  // the share kept for small ones). The message says how much the request needs, how much
  // is free and the limit, and whether a retry can help (not when the
  // request alone needs more than the whole budget).
  absl::StatusOr<MemoryReservation> Reserve(int64_t bytes);

  int64_t limit() const { return limit_; }

  int64_t in_use() const { return in_use_.load(std::memory_order_relaxed); }

  // The most held at once since the last call (or since construction), and
  // starts the next span at what is held now. HeapTrimmer reads it.
  int64_t TakePeak() { return peak_.exchange(in_use(), std::memory_order_relaxed); }

 private:
  friend class MemoryReservation;
  void Return(int64_t bytes) { in_use_.fetch_sub(bytes, std::memory_order_relaxed); }
  // Adds `bytes` to what is in use if they fit, else the refusal. `held`:
  // what the caller holds already, for the message.
  absl::Status Take(int64_t bytes, int64_t held);

  const int64_t limit_;
  const int64_t kept_for_small_;
  std::atomic<int64_t> in_use_{0};
  std::atomic<int64_t> peak_{0};
};

// The default budget: a third of the memory this process may use, which is
// the cgroup's limit (v2 memory.max, or v1 memory.limit_in_bytes) when one is
// set, else the machine's physical memory; at least 256 MiB. A third leaves
// room for the models' weights and compiled plans, which are not requests'.
int64_t DefaultInflightBytes();

}  // namespace convoy::server

#endif  // CONVOY_SERVER_CORE_MEMORY_BUDGET_H_
