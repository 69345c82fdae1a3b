// BatchQueue: the tasks a DynamicBatcher holds, one queue per priority
// level, each under a queue policy, as Triton's dynamic batcher keeps them
// (core's PriorityQueue and PolicyQueue).
//
// Batch order. Tasks leave in "batch order": level 1 (the highest) first,
// then 2, and so on; within a level, the tasks that have not timed out in
// arrival order, then the ones a DELAY policy has set aside, in the order
// they timed out. Walk() and PopFront() follow that order, so a batch is
// always a prefix of it.
//
// Queue policies (QueuePolicy, Triton's ModelQueuePolicy), per level:
//   - max_queue_size: tasks (not items) the level may hold, timed-out ones
//     set aside included; a task beyond it is refused with UNAVAILABLE.
//     0: unbounded.
//   - default_timeout: how long a task may wait before it times out; zero:
//     never. With allow_timeout_override a task's queue_timeout() replaces
//     it when not zero and shorter (Triton's rule: a request may shorten its
//     wait, never lengthen it, and asks nothing when the default is zero).
//   - timeout_action: what Expire() does with a task that timed out. REJECT
//     takes it out of the queue, to be failed with UNAVAILABLE "Request
//     timeout expired"; DELAY moves it behind the tasks of its level that
//     have not timed out, where it waits for its turn without a timeout.
//
// Not thread-safe and without a clock: the DynamicBatcher calls it under its
// lock and passes the time. Nothing here ends a task: tasks taken out are
// handed back to the caller, which ends them outside its lock.
#ifndef CONVOY_SERVER_BATCHER_BATCH_QUEUE_H_
#define CONVOY_SERVER_BATCHER_BATCH_QUEUE_H_

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "server/batcher/batch_task.h"

namespace convoy::server {

struct QueuePolicy {
  enum class TimeoutAction { kReject, kDelay };
  // What happens to a task that has waited its timeout. Default REJECT, as
  // in Triton.
  TimeoutAction timeout_action = TimeoutAction::kReject;
  // How long a task may wait, >= 0. Default zero: no timeout.
  absl::Duration default_timeout = absl::ZeroDuration();
  // Whether a task's queue_timeout() may shorten default_timeout.
  bool allow_timeout_override = false;
  // Tasks the level may hold, >= 0. Default 0: unbounded (the server's byte
  // budget still bounds what requests in flight hold).
  int64_t max_queue_size = 0;
};

// Triton's priority levels and their policies.
struct QueueOptions {
  // Number of levels, 1 the highest. 0 (the default): one queue, under
  // default_queue_policy, whatever priority tasks ask for.
  uint64_t priority_levels = 0;
  // The level of tasks whose priority() is 0 or above priority_levels; in
  // [1, priority_levels] when there are levels.
  uint64_t default_priority_level = 0;
  // The policy of every level not in priority_queue_policy.
  QueuePolicy default_queue_policy;
  // Policies of single levels, keys in [1, priority_levels].
  std::map<uint64_t, QueuePolicy> priority_queue_policy;
};

// INVALID_ARGUMENT naming the field and its value (and `model`) if
// `options` are out of range.
absl::Status ValidateQueueOptions(const QueueOptions& options, const std::string& model);

// A task taken out of the queue with the error it is to be failed with.
struct FailedTask {
  std::unique_ptr<BatchTask> task;
  absl::Status status;
};

class BatchQueue {
 public:
  // REQUIRES: ValidateQueueOptions(options) is OK. `model` names the model
  // in error messages.
  BatchQueue(QueueOptions options, std::string model);

  // Queues `task`, accepted at `now`, at its level. On refusal (its level is
  // full: UNAVAILABLE) `task` is left to the caller and the error returned.
  absl::Status Push(std::unique_ptr<BatchTask>& task, absl::Time now);

  // Applies the timeouts due at `now`: tasks of REJECT levels go to
  // `rejected`, tasks of DELAY levels move behind their level. Returns
  // whether the queue changed.
  bool Expire(absl::Time now, std::vector<FailedTask>* rejected);

  // When the next task times out; absl::InfiniteFuture() if none will.
  absl::Time next_expiry() const;

  enum class Step {
    kNext,    // Go on to the next task.
    kRemove,  // Take this task out (into *removed) and go on.
    kStop,    // Stop here; the task stays.
  };
  // Visits the tasks in batch order until `visit` says kStop or none is
  // left. Removed tasks are appended to `removed` in that order.
  void Walk(absl::FunctionRef<Step(const QueuedTask&)> visit, std::vector<QueuedTask>* removed);

  // Takes the first `n` tasks in batch order. REQUIRES: n <= size().
  std::vector<QueuedTask> PopFront(size_t n);

  int64_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

 private:
  struct Entry {
    QueuedTask queued;
    absl::Time expires;  // absl::InfiniteFuture(): never (or already delayed).
    uint64_t id;         // Arrival order; increasing along `waiting`.
  };
  struct Level {
    std::deque<Entry> waiting;  // Not timed out, in arrival order.
    std::deque<Entry> delayed;  // Timed out under DELAY, in the order they did.
    int64_t size() const { return static_cast<int64_t>(waiting.size() + delayed.size()); }
  };
  // (expires, level, id) of every waiting entry with a finite timeout.
  using ExpiryKey = std::tuple<absl::Time, uint64_t, uint64_t>;

  uint64_t LevelOf(const BatchTask& task) const;
  const QueuePolicy& PolicyOf(uint64_t level) const;
  // Takes `entry` of `level` out of the queue's bookkeeping (the expiry
  // index and the count); the caller erases it from its deque.
  void Forget(uint64_t level, const Entry& entry);

  const QueueOptions options_;
  const std::string model_;
  // Only levels holding tasks, so that priority_levels may be large.
  std::map<uint64_t, Level> levels_;
  std::set<ExpiryKey> expiries_;
  int64_t size_ = 0;
  uint64_t next_id_ = 0;
};

}  // namespace convoy::server

#endif  // CONVOY_SERVER_BATCHER_BATCH_QUEUE_H_
