// The DynamicBatcher's queue policies, priority levels and preserve_ordering,
// on the fake clock: timeouts happen exactly when due, whatever the workers
// are doing.
#include <atomic>
#include <memory>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/batcher/dynamic_batcher.h"
#include "server/batcher/testing/fake_clock.h"
#include "tests/server/batcher/recording_task.h"

namespace convoy::server {
namespace {

using ::convoy::server::batcher_test::Event;
using ::convoy::server::batcher_test::Gate;
using ::convoy::server::batcher_test::Recorder;
using ::convoy::server::batcher_test::Sentinel;
using ::convoy::server::batcher_test::TestTask;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr absl::Duration kTimeout = absl::Milliseconds(10);

class DynamicBatcherQueueTest : public ::testing::Test {
 protected:
  static DynamicBatcher::Options Opts(int64_t max_batch_size, absl::Duration delay) {
    DynamicBatcher::Options options;
    options.name = "m";
    options.max_batch_size = max_batch_size;
    options.max_queue_delay = delay;
    return options;
  }
  static QueuePolicy Policy(QueuePolicy::TimeoutAction action, absl::Duration timeout, bool allow_override = false) {
    QueuePolicy policy;
    policy.timeout_action = action;
    policy.default_timeout = timeout;
    policy.allow_timeout_override = allow_override;
    return policy;
  }

  // Records every batch (when it is delivered); the batch of task 0 first
  // notifies held_ and waits for `gate`.
  void Start(const DynamicBatcher::Options& options, Gate* gate = nullptr) {
    Start(options, [this, gate](std::vector<QueuedTask> batch, BatchDelivery& delivery) {
      if (gate != nullptr && static_cast<const TestTask&>(*batch[0].task).id() == 0) {
        held_.Notify();
        gate->Pass();
      }
      delivery.Deliver([this, batch = std::move(batch)] { recorder_.OnBatch(batch); });
    });
  }
  void Start(const DynamicBatcher::Options& options, DynamicBatcher::ProcessFn process) {
    absl::StatusOr<std::unique_ptr<DynamicBatcher>> batcher =
        DynamicBatcher::Create(options, &clock_, std::move(process));
    ASSERT_TRUE(batcher.ok()) << batcher.status();
    batcher_ = *std::move(batcher);
  }

  absl::Status Add(int id, int64_t size, uint64_t priority = 0,
                   absl::Duration timeout = absl::ZeroDuration()) {
    auto task = std::make_unique<TestTask>(&recorder_, id, size, absl::InfiniteFuture(), nullptr);
    task->set_priority(priority);
    task->set_queue_timeout(timeout);
    return batcher_->Enqueue(std::move(task));
  }

  FakeClock clock_;
  const absl::Time t0_ = clock_.Now();
  Recorder recorder_;
  Event held_;  // A worker holds task 0's batch.
  std::unique_ptr<DynamicBatcher> batcher_;  // Last: destroyed (drained) first.
};

TEST_F(DynamicBatcherQueueTest, RejectFailsTaskWhenItsTimeoutIsDueWhileWorkerIsBusy) {
  DynamicBatcher::Options options = Opts(4, absl::ZeroDuration());
  options.queue.default_queue_policy = Policy(QueuePolicy::TimeoutAction::kReject, kTimeout);
  Gate gate;
  Start(options, &gate);
  ASSERT_TRUE(Add(0, 4).ok());  // Full: holds the only worker.
  ASSERT_TRUE(held_.Wait());
  ASSERT_TRUE(Add(1, 1).ok());
  // The timeout thread waits for task 1's timeout; task 0 left the queue
  // before it could time out.
  ASSERT_TRUE(clock_.BlockUntilWaiterWithDeadline(t0_ + kTimeout));

  clock_.Advance(kTimeout - absl::Microseconds(1));
  ASSERT_TRUE(clock_.BlockUntilWaiterWithDeadline(t0_ + kTimeout));
  EXPECT_THAT(recorder_.failures(), IsEmpty());
  EXPECT_EQ(batcher_->queue_depth(), 1);

  clock_.Advance(absl::Microseconds(1));
  ASSERT_TRUE(recorder_.AwaitFailures(1));  // The worker is still held.
  const absl::Status status = recorder_.failures().at(1);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(status.message(), "Request timeout expired: waited 10ms in the queue of model 'm'");
  EXPECT_EQ(batcher_->queue_depth(), 0);
  EXPECT_THAT(recorder_.batches(), IsEmpty());

  gate.Open();
  ASSERT_TRUE(recorder_.AwaitBatches(1));
  batcher_.reset();
  EXPECT_THAT(recorder_.batches(), ElementsAre(ElementsAre(0)));
  EXPECT_EQ(recorder_.ends().at(1), 1);
}

TEST_F(DynamicBatcherQueueTest, RejectFailsTaskWhileWorkerWaitsForALongerQueueDelay) {
  DynamicBatcher::Options options = Opts(8, absl::Hours(1));
  options.queue.default_queue_policy = Policy(QueuePolicy::TimeoutAction::kReject, kTimeout);
  Start(options);
  ASSERT_TRUE(Add(0, 1).ok());
  ASSERT_TRUE(clock_.BlockUntilWaiterWithDeadline(t0_ + absl::Hours(1)));  // The worker.
  ASSERT_TRUE(clock_.BlockUntilWaiterWithDeadline(t0_ + kTimeout));       // The timeout thread.
  clock_.Advance(kTimeout);
  ASSERT_TRUE(recorder_.AwaitFailures(1));
  EXPECT_EQ(recorder_.failures().at(0).code(), absl::StatusCode::kUnavailable);
  // The worker saw the queue change and has nothing to wait for now.
  ASSERT_TRUE(clock_.BlockUntilWaiterWithDeadline(absl::InfiniteFuture()));
  batcher_.reset();
  EXPECT_THAT(recorder_.batches(), IsEmpty());
  EXPECT_EQ(recorder_.ends().at(0), 1);
}

TEST_F(DynamicBatcherQueueTest, DelayMovesTimedOutTasksBehindTheOthersOfTheirLevel) {
  DynamicBatcher::Options options = Opts(2, absl::ZeroDuration());
  options.queue.default_queue_policy = Policy(QueuePolicy::TimeoutAction::kDelay, kTimeout);
  Gate gate;
  Start(options, &gate);
  ASSERT_TRUE(Add(0, 2).ok());  // Full: holds the only worker.
  ASSERT_TRUE(held_.Wait());
  ASSERT_TRUE(Add(1, 1).ok());  // Times out at t0 + 10ms.
  clock_.Advance(absl::Milliseconds(6));
  ASSERT_TRUE(Add(2, 1).ok());  // Times out at t0 + 16ms.
  ASSERT_TRUE(Add(3, 1).ok());
  ASSERT_TRUE(clock_.BlockUntilWaiterWithDeadline(t0_ + kTimeout));
  clock_.Advance(absl::Milliseconds(4));
  // Task 1 is delayed, not failed; the timeout thread waits for the next.
  ASSERT_TRUE(clock_.BlockUntilWaiterWithDeadline(t0_ + absl::Milliseconds(16)));
  EXPECT_THAT(recorder_.failures(), IsEmpty());
  EXPECT_EQ(batcher_->queue_depth(), 3);

  gate.Open();
  ASSERT_TRUE(recorder_.AwaitBatches(3));
  EXPECT_THAT(recorder_.batches(), ElementsAre(ElementsAre(0), ElementsAre(2, 3), ElementsAre(1)));
  EXPECT_THAT(recorder_.failures(), IsEmpty());
}

TEST_F(DynamicBatcherQueueTest, DelayedTaskNeverTimesOutAgain) {
  DynamicBatcher::Options options = Opts(1, absl::ZeroDuration());
  options.queue.default_queue_policy = Policy(QueuePolicy::TimeoutAction::kDelay, kTimeout);
  Gate gate;
  Start(options, &gate);
  ASSERT_TRUE(Add(0, 1).ok());
  ASSERT_TRUE(held_.Wait());
  ASSERT_TRUE(Add(1, 1).ok());
  ASSERT_TRUE(clock_.BlockUntilWaiterWithDeadline(t0_ + kTimeout));
  clock_.Advance(absl::Hours(1));
  ASSERT_TRUE(clock_.BlockUntilWaiterWithDeadline(absl::InfiniteFuture()));
  gate.Open();
  ASSERT_TRUE(recorder_.AwaitBatches(2));
  EXPECT_THAT(recorder_.batches(), ElementsAre(ElementsAre(0), ElementsAre(1)));
  EXPECT_THAT(recorder_.failures(), IsEmpty());
}

TEST_F(DynamicBatcherQueueTest, RequestTimeoutShortensTheDefaultWhenOverrideIsAllowed) {
  DynamicBatcher::Options options = Opts(8, absl::Hours(1));
  options.queue.default_queue_policy =
      Policy(QueuePolicy::TimeoutAction::kReject, absl::Milliseconds(100), /*allow_override=*/true);
  Start(options);
  ASSERT_TRUE(Add(0, 1, 0, absl::Milliseconds(5)).ok());    // Shorter: applies.
  ASSERT_TRUE(Add(1, 1, 0, absl::Milliseconds(500)).ok());  // Longer: the default holds.
  ASSERT_TRUE(Add(2, 1).ok());                               // None asked: the default.
  ASSERT_TRUE(clock_.BlockUntilWaiterWithDeadline(t0_ + absl::Milliseconds(5)));
  clock_.Advance(absl::Milliseconds(5));
  ASSERT_TRUE(recorder_.AwaitFailures(1));
  ASSERT_TRUE(clock_.BlockUntilWaiterWithDeadline(t0_ + absl::Milliseconds(100)));
  EXPECT_THAT(recorder_.failures(), ElementsAre(testing::Key(0)));

  clock_.Advance(absl::Milliseconds(95));
  ASSERT_TRUE(recorder_.AwaitFailures(3));
  EXPECT_THAT(recorder_.batches(), IsEmpty());
}

TEST_F(DynamicBatcherQueueTest, RequestTimeoutIsIgnoredWithoutOverride) {
  DynamicBatcher::Options options = Opts(8, absl::Hours(1));
  options.queue.default_queue_policy = Policy(QueuePolicy::TimeoutAction::kReject, absl::Milliseconds(100));
  Start(options);
  ASSERT_TRUE(Add(0, 1, 0, absl::Milliseconds(5)).ok());
  ASSERT_TRUE(clock_.BlockUntilWaiterWithDeadline(t0_ + absl::Milliseconds(100)));
  clock_.Advance(absl::Milliseconds(50));
  ASSERT_TRUE(clock_.BlockUntilWaiterWithDeadline(t0_ + absl::Milliseconds(100)));
  EXPECT_THAT(recorder_.failures(), IsEmpty());
  clock_.Advance(absl::Milliseconds(50));
  ASSERT_TRUE(recorder_.AwaitFailures(1));
}

TEST_F(DynamicBatcherQueueTest, RequestTimeoutIsIgnoredWhenThePolicyHasNone) {
  // Triton's rule: a request may only shorten the policy's timeout, and
  // zero is no timeout at all.
  DynamicBatcher::Options options = Opts(8, absl::Hours(2));
  options.queue.default_queue_policy =
      Policy(QueuePolicy::TimeoutAction::kReject, absl::ZeroDuration(), /*allow_override=*/true);
  Start(options);
  ASSERT_TRUE(Add(0, 1, 0, absl::Milliseconds(5)).ok());
  ASSERT_TRUE(clock_.BlockUntilWaiterWithDeadline(t0_ + absl::Hours(2)));
  clock_.Advance(absl::Hours(1));
  ASSERT_TRUE(clock_.BlockUntilWaiterWithDeadline(t0_ + absl::Hours(2)));
  EXPECT_EQ(clock_.num_waiters(), 1);  // No timeout thread.
  clock_.Advance(absl::Hours(1));
  ASSERT_TRUE(recorder_.AwaitBatches(1));
  EXPECT_THAT(recorder_.failures(), IsEmpty());
}

TEST_F(DynamicBatcherQueueTest, HigherPrioritiesAreBatchedFirst) {
  DynamicBatcher::Options options = Opts(4, absl::ZeroDuration());
  options.queue.priority_levels = 3;
  options.queue.default_priority_level = 2;
  Gate gate;
  Start(options, &gate);
  ASSERT_TRUE(Add(0, 4).ok());
  ASSERT_TRUE(held_.Wait());
  ASSERT_TRUE(Add(1, 1, 3).ok());
  ASSERT_TRUE(Add(2, 1, 0).ok());  // 0: the default level, 2.
  ASSERT_TRUE(Add(3, 1, 1).ok());
  ASSERT_TRUE(Add(4, 1, 2).ok());
  ASSERT_TRUE(Add(5, 1, 7).ok());  // No such level: the default, as Triton.
  ASSERT_TRUE(Add(6, 1, 1).ok());
  EXPECT_EQ(batcher_->queue_depth(), 6);
  gate.Open();
  ASSERT_TRUE(recorder_.AwaitBatches(3));
  // Level 1, then level 2 fills the batch; the rest follows in level order.
  EXPECT_THAT(recorder_.batches(),
              ElementsAre(ElementsAre(0), ElementsAre(3, 6, 2, 4), ElementsAre(5, 1)));
}

TEST_F(DynamicBatcherQueueTest, PriorityIsIgnoredWithoutLevels) {
  Gate gate;
  Start(Opts(8, absl::ZeroDuration()), &gate);
  ASSERT_TRUE(Add(0, 8).ok());
  ASSERT_TRUE(held_.Wait());
  ASSERT_TRUE(Add(1, 1, 5).ok());
  ASSERT_TRUE(Add(2, 1, 1).ok());
  gate.Open();
  ASSERT_TRUE(recorder_.AwaitBatches(2));
  EXPECT_THAT(recorder_.batches()[1], ElementsAre(1, 2));
}

TEST_F(DynamicBatcherQueueTest, EachLevelHasItsOwnPolicy) {
  DynamicBatcher::Options options = Opts(8, absl::Hours(1));
  options.queue.priority_levels = 2;
  options.queue.default_priority_level = 2;
  options.queue.default_queue_policy.max_queue_size = 2;
  options.queue.priority_queue_policy[1] = Policy(QueuePolicy::TimeoutAction::kReject, kTimeout);
  options.queue.priority_queue_policy[1].max_queue_size = 1;
  Start(options);
  ASSERT_TRUE(Add(0, 1, 1).ok());
  const absl::Status full = Add(1, 1, 1);
  EXPECT_EQ(full.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(full.message(), "queue of model 'm' at priority level 1 is full (1 requests); retry later");
  ASSERT_TRUE(Add(2, 1, 2).ok());
  ASSERT_TRUE(Add(3, 1).ok());
  EXPECT_EQ(Add(4, 1, 2).code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(batcher_->queue_depth(), 3);

  // Only level 1 times out.
  ASSERT_TRUE(clock_.BlockUntilWaiterWithDeadline(t0_ + kTimeout));
  clock_.Advance(kTimeout);
  ASSERT_TRUE(recorder_.AwaitFailures(3));
  EXPECT_EQ(recorder_.failures().at(0).code(), absl::StatusCode::kUnavailable);
  ASSERT_TRUE(clock_.BlockUntilWaiterWithDeadline(absl::InfiniteFuture()));
  EXPECT_EQ(batcher_->queue_depth(), 2);
  ASSERT_TRUE(Add(5, 1, 1).ok());  // Level 1 has room again.
  batcher_.reset();
  EXPECT_THAT(recorder_.batches(), ElementsAre(ElementsAre(5, 2, 3)));
}

TEST_F(DynamicBatcherQueueTest, MaxQueueSizeZeroIsUnbounded) {
  Gate gate;
  Start(Opts(1, absl::ZeroDuration()), &gate);
  constexpr int kTasks = 5000;
  for (int id = 0; id < kTasks; ++id) ASSERT_TRUE(Add(id, 1).ok()) << id;
  ASSERT_TRUE(held_.Wait());
  EXPECT_GE(batcher_->queue_depth(), kTasks - 1);
  gate.Open();
  ASSERT_TRUE(recorder_.AwaitBatches(kTasks));
  EXPECT_THAT(recorder_.failures(), IsEmpty());
}

// Two workers; the first batch (task 0) holds its worker until `gate`
// opens, the second finishes at once.
class PreserveOrderingTest : public DynamicBatcherQueueTest, public ::testing::WithParamInterface<bool> {};

TEST_P(PreserveOrderingTest, LaterBatchWaitsForEarlierOnesOnlyWhenPreserving) {
  const bool preserve = GetParam();
  DynamicBatcher::Options options = Opts(1, absl::ZeroDuration());
  options.num_workers = 2;
  options.preserve_ordering = preserve;
  Gate gate;
  Event second_done;
  Start(options, [&](std::vector<QueuedTask> batch, BatchDelivery& delivery) {
    const int id = static_cast<const TestTask&>(*batch[0].task).id();
    if (id == 0) gate.Pass();
    delivery.Deliver([this, batch = std::move(batch)] { recorder_.OnBatch(batch); });
    if (id == 1) second_done.Notify();
  });
  ASSERT_TRUE(Add(0, 1).ok());
  ASSERT_TRUE(Add(1, 1).ok());
  ASSERT_TRUE(second_done.Wait());
  if (preserve) {
    EXPECT_THAT(recorder_.batches(), IsEmpty()) << "batch 1 was delivered before batch 0";
  } else {
    EXPECT_THAT(recorder_.batches(), ElementsAre(ElementsAre(1)));
  }
  gate.Open();
  ASSERT_TRUE(recorder_.AwaitBatches(2));
  ASSERT_TRUE(Add(2, 1).ok());  // The order goes on after the gap closed.
  ASSERT_TRUE(recorder_.AwaitBatches(3));
  if (preserve) {
    EXPECT_THAT(recorder_.batches(), ElementsAre(ElementsAre(0), ElementsAre(1), ElementsAre(2)));
  } else {
    EXPECT_THAT(recorder_.batches(), ElementsAre(ElementsAre(1), ElementsAre(0), ElementsAre(2)));
  }
}

INSTANTIATE_TEST_SUITE_P(Both, PreserveOrderingTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Preserving" : "NotPreserving"; });

TEST_F(DynamicBatcherQueueTest, UndeliveredBatchReleasesItsTurn) {
  DynamicBatcher::Options options = Opts(1, absl::ZeroDuration());
  options.num_workers = 2;
  options.preserve_ordering = true;
  Start(options, [&](std::vector<QueuedTask> batch, BatchDelivery& delivery) {
    const int id = static_cast<const TestTask&>(*batch[0].task).id();
    if (id == 0) {
      recorder_.OnBatch(batch);  // Ended without Deliver.
      return;
    }
    delivery.Deliver([this, batch = std::move(batch)] { recorder_.OnBatch(batch); });
  });
  ASSERT_TRUE(Add(0, 1).ok());
  ASSERT_TRUE(Add(1, 1).ok());
  ASSERT_TRUE(recorder_.AwaitBatches(2));
  EXPECT_THAT(recorder_.batches(), ElementsAre(ElementsAre(0), ElementsAre(1)));
}

TEST_F(DynamicBatcherQueueTest, DestroyedFromATimedOutTasksFail) {
  // Failing a task may drop the last reference to the model, and so destroy
  // the batcher on the timeout thread.
  DynamicBatcher::Options options = Opts(8, absl::Hours(1));
  options.queue.default_queue_policy = Policy(QueuePolicy::TimeoutAction::kReject, kTimeout);
  Event state_freed;
  auto sentinel = std::make_shared<Sentinel>(&state_freed);
  Start(options, [this, sentinel](std::vector<QueuedTask> batch, BatchDelivery&) { recorder_.OnBatch(batch); });
  sentinel.reset();
  Event destroyed;
  class DestroyingTask : public TestTask {
   public:
    DestroyingTask(Recorder* recorder, std::unique_ptr<DynamicBatcher>* batcher, Event* destroyed)
        : TestTask(recorder, 0, 1, absl::InfiniteFuture(), nullptr), batcher_(batcher), destroyed_(destroyed) {}
    void Fail(const absl::Status& status) override {
      TestTask::Fail(status);
      batcher_->reset();
      destroyed_->Notify();
    }

   private:
    std::unique_ptr<DynamicBatcher>* const batcher_;
    Event* const destroyed_;
  };
  ASSERT_TRUE(batcher_->Enqueue(std::make_unique<DestroyingTask>(&recorder_, &batcher_, &destroyed)).ok());
  ASSERT_TRUE(Add(1, 1).ok());
  ASSERT_TRUE(clock_.BlockUntilWaiterWithDeadline(t0_ + kTimeout));
  clock_.Advance(kTimeout);
  ASSERT_TRUE(destroyed.Wait());
  ASSERT_TRUE(state_freed.Wait());  // The last thread is gone.
  EXPECT_EQ(batcher_, nullptr);
  EXPECT_THAT(recorder_.batches(), IsEmpty());
  EXPECT_EQ(recorder_.ends().at(0), 1);
  EXPECT_EQ(recorder_.ends().at(1), 1);
  EXPECT_EQ(recorder_.failures().at(1).code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace convoy::server
