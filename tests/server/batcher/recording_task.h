// Test doubles for DynamicBatcher tests: tasks that record how they ended,
// and the small synchronisation helpers the tests share. Locks go through
// AnnotatedMutexLock so that TSan builds understand them (see
// server/batcher/tsan_annotations.h).
#ifndef CONVOY_TESTS_SERVER_BATCHER_RECORDING_TASK_H_
#define CONVOY_TESTS_SERVER_BATCHER_RECORDING_TASK_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "server/batcher/batch_task.h"
#include "server/batcher/tsan_annotations.h"

namespace convoy::server::batcher_test {

using Batches = std::vector<std::vector<int>>;

// Real time only bounds how long a broken test hangs; it never decides
// whether a correct batcher passes.
constexpr absl::Duration kHangGuard = absl::Seconds(60);

// Everything that happened to the tasks of one test, thread-safe.
class Recorder {
 public:
  void OnBatch(const std::vector<QueuedTask>& batch);
  void OnFail(int id, const absl::Status& status) {
    AnnotatedMutexLock lock(&mu_);
    failures_.emplace(id, status);
    ++ends_[id];
  }

  bool AwaitBatches(size_t n) {
    AnnotatedMutexLock lock(&mu_);
    auto enough = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return batches_.size() >= n; };
    return AnnotatedAwaitWithTimeout(&mu_, absl::Condition(&enough), kHangGuard);
  }
  bool AwaitFailures(size_t n) {
    AnnotatedMutexLock lock(&mu_);
    auto enough = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return failures_.size() >= n; };
    return AnnotatedAwaitWithTimeout(&mu_, absl::Condition(&enough), kHangGuard);
  }

  Batches batches() {
    AnnotatedMutexLock lock(&mu_);
    return batches_;
  }
  std::map<int, absl::Status> failures() {
    AnnotatedMutexLock lock(&mu_);
    return failures_;
  }
  std::map<int, int> ends() {
    AnnotatedMutexLock lock(&mu_);
    return ends_;
  }
  int64_t processed_items() {
    AnnotatedMutexLock lock(&mu_);
    return processed_items_;
  }

 private:
  absl::Mutex mu_;
  Batches batches_ ABSL_GUARDED_BY(mu_);
  std::map<int, absl::Status> failures_ ABSL_GUARDED_BY(mu_);
  std::map<int, int> ends_ ABSL_GUARDED_BY(mu_);  // id -> times the task ended
  int64_t processed_items_ ABSL_GUARDED_BY(mu_) = 0;
};

class TestTask : public BatchTask {
 public:
  TestTask(Recorder* recorder, int id, int64_t size, absl::Time deadline,
           std::shared_ptr<std::atomic<bool>> cancelled)
      : recorder_(recorder),
        id_(id),
        size_(size),
        deadline_(deadline),
        cancelled_(std::move(cancelled)) {}

  int64_t size() const override { return size_; }
  absl::Time deadline() const override { return deadline_; }
  bool IsCancelled() const override { return cancelled_ != nullptr && cancelled_->load(); }
  uint64_t priority() const override { return priority_; }
  absl::Duration queue_timeout() const override { return queue_timeout_; }
  void Fail(const absl::Status& status) override { recorder_->OnFail(id_, status); }
  int id() const { return id_; }

  // Before the task is queued only.
  void set_priority(uint64_t priority) { priority_ = priority; }
  void set_queue_timeout(absl::Duration timeout) { queue_timeout_ = timeout; }

 private:
  Recorder* const recorder_;
  const int id_;
  const int64_t size_;
  const absl::Time deadline_;
  const std::shared_ptr<std::atomic<bool>> cancelled_;
  uint64_t priority_ = 0;
  absl::Duration queue_timeout_ = absl::ZeroDuration();
};

inline void Recorder::OnBatch(const std::vector<QueuedTask>& batch) {
  AnnotatedMutexLock lock(&mu_);
  std::vector<int>& ids = batches_.emplace_back();
  for (const QueuedTask& queued : batch) {
    const int id = static_cast<const TestTask&>(*queued.task).id();
    ids.push_back(id);
    ++ends_[id];
    processed_items_ += queued.task->size();
  }
}

// A one-shot event, like absl::Notification but visible to TSan.
class Event {
 public:
  void Notify() {
    AnnotatedMutexLock lock(&mu_);
    notified_ = true;
  }
  [[nodiscard]] bool Wait() {
    AnnotatedMutexLock lock(&mu_);
    return AnnotatedAwaitWithTimeout(&mu_, absl::Condition(&notified_), kHangGuard);
  }

 private:
  absl::Mutex mu_;
  bool notified_ ABSL_GUARDED_BY(mu_) = false;
};

// Holds worker threads inside the process callback until opened.
class Gate {
 public:
  void Open() { open_.Notify(); }
  void Pass() { EXPECT_TRUE(open_.Wait()) << "gate never opened"; }

 private:
  Event open_;
};

// Signals when the batcher's state, which owns the process callback, is freed.
class Sentinel {
 public:
  explicit Sentinel(Event* freed) : freed_(freed) {}
  Sentinel(const Sentinel&) = delete;
  Sentinel& operator=(const Sentinel&) = delete;
  ~Sentinel() { freed_->Notify(); }

 private:
  Event* const freed_;
};

}  // namespace convoy::server::batcher_test

#endif  // CONVOY_TESTS_SERVER_BATCHER_RECORDING_TASK_H_
