#include "server/orchestration/work_pool.h"

#include <pthread.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/batcher/tsan_annotations.h"

namespace convoy::server {

absl::StatusOr<std::unique_ptr<WorkPool>> WorkPool::Create(const Options& options) {
  if (options.threads < 0) {
    return absl::InvalidArgumentError(absl::StrCat("threads must be >= 0 (0 = one per core), got ", options.threads));
  }
  if (options.max_queued < 1) {
    return absl::InvalidArgumentError(absl::StrCat("max_queued must be >= 1, got ", options.max_queued));
  }
  std::unique_ptr<WorkPool> pool(new WorkPool(options));
  const int threads =
      options.threads > 0 ? options.threads : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  for (int i = 0; i < threads; ++i) {
    pool->threads_.emplace_back([raw = pool.get()] { raw->Work(); });
    const std::string name = absl::StrCat(options.name, ":", i).substr(0, 15);
    pthread_setname_np(pool->threads_.back().native_handle(), name.c_str());
  }
  return pool;
}

WorkPool::~WorkPool() {
  {
    AnnotatedMutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& thread : threads_) thread.join();
}

absl::Status WorkPool::Submit(std::function<void()> work) {
  AnnotatedMutexLock lock(&mu_);
  if (stopping_) return absl::UnavailableError(absl::StrCat("the ", options_.name, " pool is shutting down"));
  if (static_cast<int64_t>(queue_.size()) >= options_.max_queued) {
    return absl::UnavailableError(absl::StrCat("the ", options_.name, " queue is full (", options_.max_queued,
                                               " requests wait for ", threads_.size(),
                                               " threads); retry later"));
  }
  queue_.push_back(std::move(work));
  return absl::OkStatus();
}

int64_t WorkPool::queued() const {
  AnnotatedMutexLock lock(&mu_);
  return static_cast<int64_t>(queue_.size());
}

void WorkPool::Work() {
  while (true) {
    std::function<void()> work;
    {
      AnnotatedMutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || !queue_.empty(); };
      AnnotatedAwait(&mu_, absl::Condition(&ready), [this](const absl::Condition& c) {
        mu_.Await(c);
        return true;
      });
      if (queue_.empty()) return;  // Stopping, and nothing left to run.
      work = std::move(queue_.front());
      queue_.pop_front();
    }
    work();
  }
}

}  // namespace convoy::server
