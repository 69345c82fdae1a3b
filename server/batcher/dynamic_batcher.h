// DynamicBatcher: one model's request queue, which groups requests into
// batches and runs them on a fixed set of worker threads.
//
// Running eight single-image requests as one batch of eight costs far less
// than eight runs, so the server does not run requests as they arrive: it
// queues them here, per model, and a worker takes a batch off the head of the
// queue when it is free. The policy is Triton's dynamic batcher.
//
// How a batch is formed. The queue holds one queue per priority level
// (BatchQueue: level 1 first; within a level, arrival order, then the tasks
// a DELAY policy set aside), which together give the "batch order".
// Whenever a worker is free it looks at the head of that order; the
// candidate batch is the longest prefix whose items sum to at most
// max_batch_size. Tasks are never split and never reordered within their
// level, so every batch is a prefix of the batch order: the highest
// priority tasks first, filled up with lower ones, as in Triton. The worker
// then:
//   1. dispatches the candidate now if it is full: it holds max_batch_size
//      items, or the next task would not fit (waiting cannot make it grow);
//   2. else, if preferred_batch_sizes is set and some prefix holds exactly a
//      preferred number of items, dispatches the largest such prefix now;
//   3. else, if the oldest task of the candidate has waited max_queue_delay,
//      dispatches the candidate as it is;
//   4. else waits until that task has waited max_queue_delay or the queue
//      changes (arrivals, timeouts), and starts again.
// Balanced batches. Steps 1 to 4 are Triton's; one more applies in its
// default configuration (one worker, no max_queue_delay, no
// preferred_batch_sizes), unless Options::balance is off. Under a closed
// loop, N clients each waiting for its answer before sending again, that
// configuration settles into alternating batches whose sizes depend on how
// the load began: 4 and 12 as readily as 8 and 8 for N = 16, since the
// requests a batch answers come back while the next one runs and form the
// one after. The small batch then runs too briefly for the big one's
// requests to arrive and be read, and the cores idle or fight: ResNet-50 at
// N = 16 lost up to 15% of its throughput that way (docs/BENCHMARKS.md,
// "Balanced batches"). So when a worker comes back from a batch of p items,
// the queue has not run dry since it took that batch, and q > p items are
// queued, it takes the shortest prefix of at least
// min(max_batch_size, ceil((q + p) / 2)) items instead of all that fit: q
// and p are then even after one batch. This never delays a task beyond the
// next batch, and the two batches it makes cost about what the one it
// split would have, for a model large enough to be worth pipelining.
//
// Tasks whose deadline has passed or whose client has cancelled are failed
// instead of batched; this is checked for the tasks at the head of the queue
// each time a batch is formed (so a dead task may wait up to max_queue_delay
// before it is failed, and still counts in queue_depth() until then).
// Once the batcher stops accepting (StopAccepting() or destruction) nothing
// can arrive any more, so step 4 is skipped: the queue is flushed at once.
//
// Queue policies (Triton's ModelQueuePolicy, per level; see batch_queue.h).
// A task times out default_timeout after it was queued (or after its own
// queue_timeout(), where the policy allows a request to shorten its wait).
// Timeouts do not wait for a batch to form: when some policy has a timeout
// the batcher runs one more thread, named "queue:<name>", which sleeps until
// the next timeout and applies it at that moment, even while every worker
// is busy. REJECT fails the task at once with UNAVAILABLE "Request timeout
// expired"; DELAY moves it behind the tasks of its level that have not
// timed out, where it no longer times out.
//
// Parameters and how to tune them (see Options):
//   - max_batch_size: the largest batch the model accepts (Triton's
//     max_batch_size). Larger batches raise throughput until the machine is
//     saturated, at the price of latency.
//   - max_queue_delay: how long the oldest request may wait for company.
//     0 (the default) never waits: a free worker runs whatever is queued,
//     and batches still form from requests that pile up while all workers
//     are busy, which is often enough under load. Raise it (100us to a few
//     ms) when the load is light but bursty and per-run overhead dominates;
//     it adds up to that much latency to every lightly loaded request.
//   - preferred_batch_sizes: sizes the model runs especially well (e.g. the
//     batch sizes its plans were compiled for); reaching one dispatches
//     without waiting for the delay. Leave empty if unsure.
//   - queue: priority levels and their policies. max_queue_size bounds
//     memory and latency under overload; beyond it requests are refused
//     with UNAVAILABLE so that clients back off or go to another replica
//     instead of timing out in a long queue. A timeout with REJECT bounds
//     how stale an answer may be; with DELAY, it only lets fresher requests
//     overtake stale ones.
//   - num_workers: batches run concurrently (Triton's instance count). More
//     than one only helps if one batch does not already use every core.
//   - preserve_ordering: with several workers, answers leave in the order
//     the tasks were dispatched (batch_delivery.h); with one worker they
//     already do.
//   - batching = false: every batch is exactly one task, dispatched at once
//     (Triton's default scheduler, for models without a batch dimension or
//     with dynamic batching off).
//
// Example flow (max_batch_size 8, max_queue_delay 2ms, one worker):
//   t=0     A (3 items) arrives; the worker waits until t=2ms.
//   t=1ms   B (4 items) arrives; 7 items, not full: keep waiting.
//   t=1.5ms C (2 items) arrives; C does not fit after A+B, so A+B (7 items)
//           is dispatched at once, and C starts the next batch.
//   t=3.5ms C has waited 2ms; if the worker is free, C runs alone.
//
// Error contract. Enqueue() takes ownership; when it refuses a task it calls
// task->Fail(status) and returns that same status:
//   INVALID_ARGUMENT  size() < 1, or size() > max_batch_size (retrying the
//                     same request cannot succeed);
//   UNAVAILABLE       the task's level already holds its max_queue_size
//                     tasks, or the batcher stopped accepting (retryable,
//                     later or elsewhere).
// An accepted task ends exactly once: handed to the process callback, or
// failed with DEADLINE_EXCEEDED (its deadline passed while queued; the
// message says how long it waited), CANCELLED, or UNAVAILABLE "Request
// timeout expired" (its queue policy's timeout with REJECT). Accepted tasks
// are never failed because of shutdown: destruction executes them.
//
// Threads. The batcher owns num_workers threads, named "batch:<name>", and
// the timeout thread "queue:<name>" when a policy has a timeout (names
// truncated to 15 characters). The process callback, deliveries and Fail()
// for dead or timed-out tasks run on them, never under the batcher's lock:
// they may call Enqueue(), queue_depth() or StopAccepting(), and may even
// destroy the batcher (see ~DynamicBatcher). Enqueue(), queue_depth() and
// StopAccepting() are thread-safe.
#ifndef CONVOY_SERVER_BATCHER_DYNAMIC_BATCHER_H_
#define CONVOY_SERVER_BATCHER_DYNAMIC_BATCHER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/batcher/batch_delivery.h"
#include "server/batcher/batch_queue.h"
#include "server/batcher/batch_task.h"
#include "server/batcher/clock.h"

namespace convoy::server {

class DynamicBatcher {
 public:
  struct Options {
    // Model name, used in error messages and thread names.
    std::string name;
    // Items per batch, >= 1. Default 1: no batching beyond single items.
    int64_t max_batch_size = 1;
    // How long the oldest task may wait for a fuller batch, >= 0.
    // Default 0: never wait (see the tuning notes above).
    absl::Duration max_queue_delay = absl::ZeroDuration();
    // Batch sizes (in items) dispatched without waiting, each in
    // [1, max_batch_size]. Default none.
    std::vector<int64_t> preferred_batch_sizes;
    // Priority levels and the queue policy of each (batch_queue.h).
    // Default: one queue, unbounded, without timeouts.
    QueueOptions queue;
    // Batches executed concurrently, each on its own thread, >= 1.
    int num_workers = 1;
    // true: batches deliver (BatchDelivery) in the order they were
    // dispatched. Default false: each delivers when it is done.
    bool preserve_ordering = false;
    // false: every batch is exactly one task, dispatched at once.
    bool batching = true;
    // Balances the batches of a lone worker that never waits (no
    // max_queue_delay, no preferred_batch_sizes; otherwise ignored): when
    // more items have queued than the batch just dispatched holds, the next
    // batch takes only half of both together, rounded up. See "Balanced
    // batches" above.
    bool balance = true;
  };

  // Runs one batch on a worker thread and takes ownership of its tasks: it
  // must complete every one of them, and must not throw. Tasks are in batch
  // order. Batches may run concurrently (num_workers > 1), so batches can
  // finish out of order; to answer in dispatch order the callback ends its
  // tasks inside delivery.Deliver(...) (with preserve_ordering off that
  // runs at once, so a callback may also end them directly).
  using ProcessFn = std::function<void(std::vector<QueuedTask> batch, BatchDelivery& delivery)>;

  // Starts the workers (and the timeout thread when a policy has a
  // timeout). INVALID_ARGUMENT, naming the option and its value,
  // if `options` are out of range or `clock`/`process` are null. `clock` is
  // not owned and must outlive the batcher's threads (RealClock() does).
  static absl::StatusOr<std::unique_ptr<DynamicBatcher>> Create(const Options& options,
                                                                Clock* clock, ProcessFn process);

  // Stops accepting, executes every task already accepted (without waiting
  // for max_queue_delay), then joins the workers and the timeout thread.
  // May be called from inside the process callback, a delivery or a task's
  // Fail: that thread is then detached instead of joined. The other workers
  // drain the queue before the destructor returns; with num_workers == 1
  // the tasks still queued run on the detached thread once the callback
  // returns. The process callback is kept alive until that thread exits
  // (then destroyed on it); the clock must stay usable until then too.
  ~DynamicBatcher();

  DynamicBatcher(const DynamicBatcher&) = delete;
  DynamicBatcher& operator=(const DynamicBatcher&) = delete;

  // Queues `task` (see the error contract above). Thread-safe.
  absl::Status Enqueue(std::unique_ptr<BatchTask> task);

  // Tasks waiting at every level, not yet handed to a worker (dead ones not
  // yet failed and delayed ones included). Thread-safe.
  int64_t queue_depth() const;

  // From now on Enqueue refuses with UNAVAILABLE; queued tasks still run,
  // without waiting for max_queue_delay, and the workers exit once the queue
  // is empty. Idempotent, thread-safe.
  void StopAccepting();

 private:
  // Everything the workers touch. Shared with them so that a worker can
  // outlive the DynamicBatcher when the callback destroys it.
  struct State;

  explicit DynamicBatcher(std::shared_ptr<State> state);

  const std::shared_ptr<State> state_;
  std::vector<std::thread> threads_;  // The workers, then the timeout thread.
};

}  // namespace convoy::server

#endif  // CONVOY_SERVER_BATCHER_DYNAMIC_BATCHER_H_
