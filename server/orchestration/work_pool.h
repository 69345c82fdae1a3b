// WorkPool: a fixed set of threads that run a bounded queue of work items,
// in arrival order.
//
// Decoding and resizing images takes milliseconds to seconds of CPU per
// request. Done on gRPC's callback threads it would hold the threads that
// answer health checks and every other model's requests; so the request
// runners hand it to this pool instead (docs/SERVER.md, "Threading model").
// The queue is bounded: beyond max_queued waiting items Submit refuses at
// once with UNAVAILABLE (retryable), so a burst of image requests cannot
// queue unbounded work.
//
//   ASSIGN_OR_RETURN(auto pool, WorkPool::Create({.name = "preprocess", .threads = 2}));
//   RETURN_IF_ERROR(pool->Submit([] { DecodeSomething(); }));
//
// Thread-safety: Submit may be called concurrently, also from the pool's own
// threads. The destructor runs what is queued, then joins the threads; it
// must not run on a pool thread.
#ifndef CONVOY_SERVER_ORCHESTRATION_WORK_POOL_H_
#define CONVOY_SERVER_ORCHESTRATION_WORK_POOL_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace convoy::server {

class WorkPool {
 public:
  struct Options {
    // Names the threads ("<name>:<i>", truncated to 15 characters) and
    // appears in the refusal message.
    std::string name = "pool";
    // Threads, >= 1; 0 = one per core.
    int threads = 0;
    // Items waiting for a thread, >= 1; beyond it Submit refuses.
    int64_t max_queued = 1024;
  };

  // INVALID_ARGUMENT naming the option when one is out of range.
  static absl::StatusOr<std::unique_ptr<WorkPool>> Create(const Options& options);
  ~WorkPool();

  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;

  // Queues `work`, or UNAVAILABLE when max_queued items already wait. Work
  // must not throw.
  absl::Status Submit(std::function<void()> work);

  int threads() const { return static_cast<int>(threads_.size()); }
  // Items waiting for a thread (not those running).
  int64_t queued() const;

 private:
  explicit WorkPool(const Options& options) : options_(options) {}
  void Work();

  const Options options_;
  mutable absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace convoy::server

#endif  // CONVOY_SERVER_ORCHESTRATION_WORK_POOL_H_
