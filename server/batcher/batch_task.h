// BatchTask: one request's worth of work waiting in a DynamicBatcher.
//
// The server wraps each inference request in a BatchTask subclass; the
// batcher only needs to know how many batch items it carries, until when it
// is worth running, whether its client is still waiting, and what the
// request asked of the queue (Triton's `priority` and `timeout` request
// parameters).
//
// The batcher calls size(), deadline(), IsCancelled(), priority() and
// queue_timeout() from its threads while holding its lock: they must be
// thread-safe, cheap, and must not call back into the batcher.
//
// Ownership: the batcher owns queued tasks. Every task ends exactly once:
// either it is handed to the batcher's process callback (which then owns it
// and must complete it), or the batcher calls Fail() and destroys it.
#ifndef CONVOY_SERVER_BATCHER_BATCH_TASK_H_
#define CONVOY_SERVER_BATCHER_BATCH_TASK_H_

#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace convoy::server {

class BatchTask {
 public:
  virtual ~BatchTask() = default;

  // Batch items this task carries (the request's leading dimension), >= 1.
  // Must not change while the task is queued.
  virtual int64_t size() const = 0;

  // Past this instant the result is useless and the task is failed with
  // DEADLINE_EXCEEDED instead of run. absl::InfiniteFuture() when none.
  virtual absl::Time deadline() const = 0;

  // True once the client gave up; such a task is failed with CANCELLED
  // instead of run.
  virtual bool IsCancelled() const = 0;

  // The request's priority level, 1 the highest. 0 (the default) asks for
  // the model's default_priority_level; so does a level the model does not
  // have, as in Triton. Must not change while the task is queued.
  virtual uint64_t priority() const { return 0; }

  // How long the request asks to wait in the queue at most (its `timeout`
  // parameter). It only counts where its level's queue policy has
  // allow_timeout_override and it is shorter than the policy's default
  // timeout. Zero (the default): the request asks nothing. Must not change
  // while the task is queued.
  virtual absl::Duration queue_timeout() const { return absl::ZeroDuration(); }

  // Ends the task with an error. Called at most once, never under a batcher
  // lock (it may call back into the batcher), on the thread that enqueued it
  // (rejection) or on a batcher thread (deadline, cancellation, queue
  // timeout).
  virtual void Fail(const absl::Status& status) = 0;
};

// A task as it leaves the queue: the process callback receives these.
struct QueuedTask {
  std::unique_ptr<BatchTask> task;
  absl::Time enqueued;  // Clock time at which Enqueue accepted the task.
};

}  // namespace convoy::server

#endif  // CONVOY_SERVER_BATCHER_BATCH_TASK_H_
