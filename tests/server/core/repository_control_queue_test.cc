// The queue behind RepositoryModelLoad/Unload: order, bound, shutdown.
#include "server/core/repository_control_queue.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace convoy::server {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Records what ran and what each `done` was told, in order.
class Recorder {
 public:
  RepositoryControlQueue::Operation Op(std::string name) {
    return [this, name] {
      absl::MutexLock lock(&mu_);
      ran_.push_back(name);
      return absl::OkStatus();
    };
  }
  RepositoryControlQueue::Done Done(std::string name) {
    return [this, name](const absl::Status& status) {
      absl::MutexLock lock(&mu_);
      done_.push_back(name + ":" + absl::StatusCodeToString(status.code()));
      if (!status.ok()) messages_.push_back(std::string(status.message()));
    };
  }
  std::vector<std::string> ran() {
    absl::MutexLock lock(&mu_);
    return ran_;
  }
  std::vector<std::string> done() {
    absl::MutexLock lock(&mu_);
    return done_;
  }
  std::vector<std::string> messages() {
    absl::MutexLock lock(&mu_);
    return messages_;
  }
  void AwaitDone(size_t count) {
    absl::MutexLock lock(&mu_);
    awaited_ = count;
    mu_.Await(absl::Condition(this, &Recorder::Answered));
  }

 private:
  bool Answered() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return done_.size() >= awaited_; }

  mutable absl::Mutex mu_;
  std::vector<std::string> ran_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> done_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> messages_ ABSL_GUARDED_BY(mu_);
  size_t awaited_ ABSL_GUARDED_BY(mu_) = 0;
};

// An operation that runs until released, to hold the worker.
struct Blocker {
  absl::Notification started;
  absl::Notification release;
  RepositoryControlQueue::Operation Op() {
    return [this] {
      started.Notify();
      release.WaitForNotification();
      return absl::OkStatus();
    };
  }
};

TEST(RepositoryControlQueueTest, RunsOperationsInSubmissionOrderAndReportsTheirResults) {
  Recorder recorder;
  RepositoryControlQueue queue({});
  ASSERT_TRUE(queue.Submit(recorder.Op("load a"), recorder.Done("load a")).ok());
  ASSERT_TRUE(queue.Submit([] { return absl::NotFoundError("no model 'b'"); }, recorder.Done("load b")).ok());
  ASSERT_TRUE(queue.Submit(recorder.Op("unload a"), recorder.Done("unload a")).ok());
  recorder.AwaitDone(3);
  EXPECT_THAT(recorder.ran(), ElementsAre("load a", "unload a"));
  EXPECT_THAT(recorder.done(), ElementsAre("load a:OK", "load b:NOT_FOUND", "unload a:OK"));
}

TEST(RepositoryControlQueueTest, RefusesBeyondTheBoundWithoutRunningOrAnswering) {
  Recorder recorder;
  Blocker blocker;
  RepositoryControlQueue queue({/*max_pending=*/3});
  ASSERT_TRUE(queue.Submit(blocker.Op(), recorder.Done("running")).ok());
  blocker.started.WaitForNotification();  // Running, so no longer waiting.
  for (const char* name : {"1", "2", "3"}) {
    ASSERT_TRUE(queue.Submit(recorder.Op(name), recorder.Done(name)).ok()) << name;
  }
  const absl::Status refused = queue.Submit(recorder.Op("4"), recorder.Done("4"));
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(refused.message()), HasSubstr("3 model loads and unloads are already waiting"));
  blocker.release.Notify();
  recorder.AwaitDone(4);
  EXPECT_THAT(recorder.ran(), ElementsAre("1", "2", "3"));
  EXPECT_THAT(recorder.done(), ElementsAre("running:OK", "1:OK", "2:OK", "3:OK"));
  // Room again once the queue has moved.
  ASSERT_TRUE(queue.Submit(recorder.Op("5"), recorder.Done("5")).ok());
  recorder.AwaitDone(5);
}

TEST(RepositoryControlQueueTest, StopFailsWhatWaitsAndLetsTheRunningOperationFinish) {
  Recorder recorder;
  Blocker blocker;
  auto queue = std::make_unique<RepositoryControlQueue>(RepositoryControlQueue::Options{});
  ASSERT_TRUE(queue->Submit(blocker.Op(), recorder.Done("running")).ok());
  blocker.started.WaitForNotification();
  ASSERT_TRUE(queue->Submit(recorder.Op("waiting 1"), recorder.Done("waiting 1")).ok());
  ASSERT_TRUE(queue->Submit(recorder.Op("waiting 2"), recorder.Done("waiting 2")).ok());
  queue->Stop();
  EXPECT_THAT(recorder.done(), ElementsAre("waiting 1:UNAVAILABLE", "waiting 2:UNAVAILABLE"));
  EXPECT_THAT(recorder.messages(), ElementsAre("the server is shutting down", "the server is shutting down"));
  const absl::Status late = queue->Submit(recorder.Op("late"), recorder.Done("late"));
  EXPECT_EQ(late.code(), absl::StatusCode::kUnavailable);
  blocker.release.Notify();
  queue.reset();  // Joins the worker once the running operation is done.
  EXPECT_THAT(recorder.ran(), ::testing::IsEmpty());
  EXPECT_THAT(recorder.done(), ElementsAre("waiting 1:UNAVAILABLE", "waiting 2:UNAVAILABLE", "running:OK"));
}

TEST(RepositoryControlQueueTest, DestructorFailsWhatWaitsThenJoinsTheRunningOperation) {
  Recorder recorder;
  Blocker blocker;
  auto queue = std::make_unique<RepositoryControlQueue>(RepositoryControlQueue::Options{});
  ASSERT_TRUE(queue->Submit(blocker.Op(), recorder.Done("running")).ok());
  blocker.started.WaitForNotification();
  ASSERT_TRUE(queue->Submit(recorder.Op("waiting"), recorder.Done("waiting")).ok());
  std::thread destroy([&queue] { queue.reset(); });
  recorder.AwaitDone(1);  // Failed by the destructor while the worker is busy.
  EXPECT_THAT(recorder.done(), ElementsAre("waiting:UNAVAILABLE"));
  blocker.release.Notify();
  destroy.join();
  EXPECT_THAT(recorder.done(), ElementsAre("waiting:UNAVAILABLE", "running:OK"));
  EXPECT_THAT(recorder.ran(), ::testing::IsEmpty());
}

}  // namespace
}  // namespace convoy::server
