// RepositoryControlQueue: runs model loads and unloads one at a time on a
// thread of its own, with a bounded queue of the ones waiting.
//
// A load takes seconds and must not hold a gRPC callback thread, but a
// thread per request would let a flood of load calls start any number of
// threads, all waiting for the model manager, which serialises them anyway.
// So the repository RPCs submit their operation here: one worker thread runs
// operations in submission order; at most Options::max_pending wait behind
// the running one, and beyond that Submit refuses at once with
// RESOURCE_EXHAUSTED (retryable: the client tries again once the queue has
// moved).
//
//   RepositoryControlQueue queue({});
//   absl::Status queued = queue.Submit([&] { return manager.Load(name); },
//                                      [reactor](absl::Status s) { Finish(reactor, s); });
//   if (!queued.ok()) Finish(reactor, queued);  // `done` is not called.
//
// Shutdown: Stop() (or the destructor) fails every operation still waiting
// with UNAVAILABLE "the server is shutting down", without running it, and
// refuses new ones the same way; the running operation finishes. The
// destructor then joins the worker.
//
// Thread-safety: Submit and Stop may be called from any thread. `done` runs
// on the worker thread, or for operations failed by Stop() on the thread
// calling it, and must not wait for the queue.
#ifndef CONVOY_SERVER_CORE_REPOSITORY_CONTROL_QUEUE_H_
#define CONVOY_SERVER_CORE_REPOSITORY_CONTROL_QUEUE_H_

#include <cstddef>
#include <deque>
#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace convoy::server {

class RepositoryControlQueue {
 public:
  struct Options {
    // Operations that may wait behind the running one. 16: far more loads
    // than an operator or a deployment tool issues at once, few enough that
    // a flood is refused within a second rather than queued for minutes.
    size_t max_pending = 16;
  };
  using Operation = std::function<absl::Status()>;
  using Done = std::function<void(const absl::Status&)>;

  explicit RepositoryControlQueue(Options options);
  // Stop(), then waits for the running operation and joins the worker.
  ~RepositoryControlQueue();
  RepositoryControlQueue(const RepositoryControlQueue&) = delete;
  RepositoryControlQueue& operator=(const RepositoryControlQueue&) = delete;

  // Queues `operation`; the worker runs it after those submitted before,
  // then calls `done` with its result. If it cannot be queued, returns why
  // and calls neither: RESOURCE_EXHAUSTED naming the bound when
  // max_pending operations are waiting, UNAVAILABLE once stopped.
  absl::Status Submit(Operation operation, Done done);

  // Fails the waiting operations (their `done` gets UNAVAILABLE, on this
  // thread) and refuses new ones; the running operation carries on. Does
  // not wait. Idempotent.
  void Stop();

 private:
  struct Pending {
    Operation operation;
    Done done;
  };

  void Work();
  bool HasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopped_ || !pending_.empty(); }

  const Options options_;
  mutable absl::Mutex mu_;
  std::deque<Pending> pending_ ABSL_GUARDED_BY(mu_);
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  std::thread worker_;  // Last: it starts once the rest is built.
};

}  // namespace convoy::server

#endif  // CONVOY_SERVER_CORE_REPOSITORY_CONTROL_QUEUE_H_
