#include "server/batcher/dynamic_batcher.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/batcher/testing/fake_clock.h"
#include "server/batcher/tsan_annotations.h"
#include "tests/server/batcher/recording_task.h"

namespace convoy::server {
namespace {

using ::convoy::server::batcher_test::Event;
using ::convoy::server::batcher_test::Gate;
using ::convoy::server::batcher_test::kHangGuard;
using ::convoy::server::batcher_test::Recorder;
using ::convoy::server::batcher_test::Sentinel;
using ::convoy::server::batcher_test::TestTask;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class DynamicBatcherTest : public ::testing::Test {
 protected:
  static DynamicBatcher::Options Opts(int64_t max_batch_size, absl::Duration delay) {
    DynamicBatcher::Options options;
    options.name = "m";
    options.max_batch_size = max_batch_size;
    options.max_queue_delay = delay;
    return options;
  }

  // Records every batch; the first batch then waits for `first_gate` if set.
  void Start(const DynamicBatcher::Options& options, Gate* first_gate = nullptr) {
    auto first = std::make_shared<std::atomic<bool>>(true);
    Start(options, [this, first_gate, first](std::vector<QueuedTask> batch, BatchDelivery&) {
      recorder_.OnBatch(batch);
      if (first_gate != nullptr && first->exchange(false)) first_gate->Pass();
    });
  }
  void Start(const DynamicBatcher::Options& options, DynamicBatcher::ProcessFn process) {
    absl::StatusOr<std::unique_ptr<DynamicBatcher>> batcher =
        DynamicBatcher::Create(options, &clock_, std::move(process));
    ASSERT_TRUE(batcher.ok()) << batcher.status();
    batcher_ = *std::move(batcher);
  }

  // Starts the batcher, runs a first task (id 0) of `first` items and,
  // while it runs, queues one task of each of `sizes` items (ids 1, 2, ...),
  // all due; then lets the first batch end and waits for `batches` batches.
  void QueueBehindAFirstBatch(const DynamicBatcher::Options& options, int64_t first,
                              const std::vector<int64_t>& sizes, size_t batches) {
    const absl::Duration delay = options.max_queue_delay;
    Start(options, &first_gate_);
    ASSERT_TRUE(Add(0, first).ok());
    if (delay > absl::ZeroDuration()) {
      ASSERT_TRUE(clock_.BlockUntilWaiterWithDeadline(clock_.Now() + delay));
      clock_.Advance(delay);
    }
    ASSERT_TRUE(recorder_.AwaitBatches(1));
    for (size_t i = 0; i < sizes.size(); ++i) ASSERT_TRUE(Add(static_cast<int>(i) + 1, sizes[i]).ok());
    clock_.Advance(delay);
    first_gate_.Open();
    ASSERT_TRUE(recorder_.AwaitBatches(batches));
  }

  absl::Status Add(int id, int64_t size, absl::Time deadline = absl::InfiniteFuture(),
                   std::shared_ptr<std::atomic<bool>> cancelled = nullptr) {
    return batcher_->Enqueue(
        std::make_unique<TestTask>(&recorder_, id, size, deadline, std::move(cancelled)));
  }

  FakeClock clock_;
  const absl::Time t0_ = clock_.Now();
  Recorder recorder_;
  Gate first_gate_;  // QueueBehindAFirstBatch's; outlives the batcher.
  std::unique_ptr<DynamicBatcher> batcher_;  // Last: destroyed (drained) first.
};

TEST_F(DynamicBatcherTest, CreateRejectsInvalidOptions) {
  struct Case {
    void (*mutate)(DynamicBatcher::Options*);
    const char* message;
  };
  const Case cases[] = {
      {[](auto* o) { o->max_batch_size = 0; }, "max_batch_size must be >= 1, got 0"},
      {[](auto* o) { o->max_queue_delay = absl::Milliseconds(-1); },
       "max_queue_delay must be >= 0, got -1ms"},
      {[](auto* o) { o->preferred_batch_sizes = {4, 9}; }, "preferred_batch_sizes"},
      {[](auto* o) { o->preferred_batch_sizes = {0}; }, "got 0"},
      {[](auto* o) { o->queue.default_queue_policy.max_queue_size = -1; },
       "default_queue_policy.max_queue_size must be >= 0, got -1"},
      {[](auto* o) { o->queue.default_queue_policy.default_timeout = absl::Seconds(-1); },
       "default_queue_policy.default_timeout must be >= 0, got -1s"},
      {[](auto* o) {
         o->queue.priority_levels = 3;
         o->queue.default_priority_level = 4;
       },
       "default_priority_level must be in [1, 3], got 4"},
      {[](auto* o) {
         o->queue.priority_levels = 3;
         o->queue.default_priority_level = 0;
       },
       "default_priority_level must be in [1, 3], got 0"},
      {[](auto* o) {
         o->queue.priority_levels = 3;
         o->queue.default_priority_level = 1;
         o->queue.priority_queue_policy[4] = QueuePolicy{};
       },
       "priority_queue_policy has level 4, outside [1, priority_levels 3]"},
      {[](auto* o) { o->queue.priority_queue_policy[1] = QueuePolicy{}; },
       "priority_queue_policy has level 1, outside [1, priority_levels 0]"},
      {[](auto* o) { o->num_workers = 0; }, "num_workers must be >= 1, got 0"},
  };
  for (const Case& c : cases) {
    DynamicBatcher::Options options = Opts(8, absl::ZeroDuration());
    c.mutate(&options);
    absl::StatusOr<std::unique_ptr<DynamicBatcher>> batcher =
        DynamicBatcher::Create(options, &clock_, [](std::vector<QueuedTask>, BatchDelivery&) {});
    EXPECT_EQ(batcher.status().code(), absl::StatusCode::kInvalidArgument) << c.message;
    EXPECT_THAT(batcher.status().message(), HasSubstr(c.message));
    EXPECT_THAT(batcher.status().message(), HasSubstr("model 'm'"));
  }
  EXPECT_EQ(DynamicBatcher::Create(Opts(8, absl::ZeroDuration()), nullptr,
                                   [](std::vector<QueuedTask>, BatchDelivery&) {})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DynamicBatcher::Create(Opts(8, absl::ZeroDuration()), &clock_, nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(DynamicBatcherTest, FormsFullBatchWithoutWaiting) {
  Start(Opts(4, absl::Hours(1)));  // The clock never moves: only fullness can dispatch.
  for (int id = 0; id < 4; ++id) ASSERT_TRUE(Add(id, 1).ok());
  ASSERT_TRUE(recorder_.AwaitBatches(1));
  EXPECT_THAT(recorder_.batches(), ElementsAre(ElementsAre(0, 1, 2, 3)));
  EXPECT_EQ(batcher_->queue_depth(), 0);
}

TEST_F(DynamicBatcherTest, FlushesPartialBatchAfterMaxDelay) {
  const absl::Duration delay = absl::Milliseconds(10);
  Start(Opts(4, delay));
  ASSERT_TRUE(Add(0, 1).ok());
  ASSERT_TRUE(Add(1, 2).ok());
  // The worker has looked at the queue and chose to wait for the delay.
  ASSERT_TRUE(clock_.BlockUntilWaiterWithDeadline(t0_ + delay));

  clock_.Advance(delay - absl::Microseconds(1));
  // Before the deadline the worker can only go back to waiting.
  ASSERT_TRUE(clock_.BlockUntilWaiterWithDeadline(t0_ + delay));
  EXPECT_TRUE(recorder_.batches().empty());
  EXPECT_EQ(batcher_->queue_depth(), 2);

  clock_.Advance(absl::Microseconds(1));
  ASSERT_TRUE(recorder_.AwaitBatches(1));
  EXPECT_THAT(recorder_.batches(), ElementsAre(ElementsAre(0, 1)));
}

TEST_F(DynamicBatcherTest, ZeroDelayBatchesTasksThatQueuedWhileBusy) {
  DynamicBatcher::Options options = Opts(8, absl::ZeroDuration());
  options.balance = false;  // Triton's rule alone.
  Gate gate;
  Start(options, &gate);
  ASSERT_TRUE(Add(0, 1).ok());  // Dispatched at once though far from full.
  ASSERT_TRUE(recorder_.AwaitBatches(1));
  for (int id = 1; id <= 3; ++id) ASSERT_TRUE(Add(id, 2).ok());
  gate.Open();
  ASSERT_TRUE(recorder_.AwaitBatches(2));
  EXPECT_THAT(recorder_.batches(), ElementsAre(ElementsAre(0), ElementsAre(1, 2, 3)));
}

TEST_F(DynamicBatcherTest, BalancesTheBatchAfterASmallerOne) {
  // 12 queued after a batch of 4: 8 now, then the other 4 with (in a
  // closed loop) the 4 answered.
  QueueBehindAFirstBatch(Opts(16, absl::ZeroDuration()), 4, std::vector<int64_t>(12, 1), 3);
  EXPECT_THAT(recorder_.batches(), ElementsAre(ElementsAre(0), ElementsAre(1, 2, 3, 4, 5, 6, 7, 8),
                                               ElementsAre(9, 10, 11, 12)));
}

TEST_F(DynamicBatcherTest, BalancingTakesWholeTasks) {
  // 12 items after 2: half of 14 is 7, and the shortest prefix of whole
  // tasks that reaches it holds 8.
  QueueBehindAFirstBatch(Opts(16, absl::ZeroDuration()), 2, std::vector<int64_t>(6, 2), 3);
  EXPECT_THAT(recorder_.batches(), ElementsAre(ElementsAre(0), ElementsAre(1, 2, 3, 4), ElementsAre(5, 6)));
}

TEST_F(DynamicBatcherTest, BalancingCountsTheQueueBeyondOneBatch) {
  // 12 items after 2: 7 now (half of 14), although 8 fit.
  QueueBehindAFirstBatch(Opts(8, absl::ZeroDuration()), 2, std::vector<int64_t>(12, 1), 3);
  EXPECT_EQ(recorder_.batches()[1].size(), 7u);
  EXPECT_EQ(recorder_.batches()[2].size(), 5u);
}

TEST_F(DynamicBatcherTest, NoBalancingWithAPreferredSize) {
  DynamicBatcher::Options options = Opts(16, absl::ZeroDuration());
  options.preferred_batch_sizes = {16};
  QueueBehindAFirstBatch(options, 4, std::vector<int64_t>(12, 1), 2);
  batcher_.reset();  // Drains the queue: nothing else may run.
  EXPECT_EQ(recorder_.batches().size(), 2u);
  EXPECT_EQ(recorder_.batches()[1].size(), 12u);
}

TEST_F(DynamicBatcherTest, NoBalancingWithAQueueDelay) {
  QueueBehindAFirstBatch(Opts(16, absl::Microseconds(1)), 4, std::vector<int64_t>(12, 1), 2);
  batcher_.reset();
  EXPECT_EQ(recorder_.batches().size(), 2u);
  EXPECT_EQ(recorder_.batches()[1].size(), 12u);
}

TEST_F(DynamicBatcherTest, NeverSplitsOrReordersTasks) {
  const absl::Duration delay = absl::Milliseconds(10);
  Gate gate;
  Start(Opts(4, delay), &gate);
  ASSERT_TRUE(Add(0, 4).ok());  // Full: runs at once and holds the worker.
  ASSERT_TRUE(recorder_.AwaitBatches(1));
  const int64_t sizes[] = {3, 2, 1, 1, 2};
  for (int id = 1; id <= 5; ++id) ASSERT_TRUE(Add(id, sizes[id - 1]).ok());
  gate.Open();

  // [3] cannot grow (2 does not fit), [2,1,1] is full: both go at once.
  ASSERT_TRUE(recorder_.AwaitBatches(3));
  ASSERT_TRUE(clock_.BlockUntilWaiterWithDeadline(t0_ + delay));
  EXPECT_EQ(recorder_.batches().size(), 3u);
  // The last task is not merged into an earlier batch: it waits its delay.
  clock_.Advance(delay);
  ASSERT_TRUE(recorder_.AwaitBatches(4));
  EXPECT_THAT(recorder_.batches(),
              ElementsAre(ElementsAre(0), ElementsAre(1), ElementsAre(2, 3, 4), ElementsAre(5)));
}

TEST_F(DynamicBatcherTest, MultiItemTasksBatchWithSingleItemOnes) {
  Start(Opts(8, absl::Hours(1)));
  ASSERT_TRUE(Add(0, 3).ok());
  ASSERT_TRUE(Add(1, 1).ok());
  ASSERT_TRUE(Add(2, 4).ok());  // 3 + 1 + 4 = 8: full.
  ASSERT_TRUE(recorder_.AwaitBatches(1));
  EXPECT_THAT(recorder_.batches(), ElementsAre(ElementsAre(0, 1, 2)));
  EXPECT_EQ(recorder_.processed_items(), 8);
}

TEST_F(DynamicBatcherTest, DispatchesPreferredBatchSize) {
  DynamicBatcher::Options options = Opts(8, absl::Hours(1));
  options.preferred_batch_sizes = {4};
  Start(options);
  for (int id = 0; id < 3; ++id) ASSERT_TRUE(Add(id, 1).ok());
  ASSERT_TRUE(clock_.BlockUntilWaiterWithDeadline(t0_ + absl::Hours(1)));
  EXPECT_TRUE(recorder_.batches().empty());  // 3 items: neither full nor preferred.

  ASSERT_TRUE(Add(3, 1).ok());
  ASSERT_TRUE(recorder_.AwaitBatches(1));
  EXPECT_THAT(recorder_.batches(), ElementsAre(ElementsAre(0, 1, 2, 3)));
}

TEST_F(DynamicBatcherTest, DispatchesLargestPreferredPrefix) {
  DynamicBatcher::Options options = Opts(8, absl::Hours(1));
  options.preferred_batch_sizes = {2, 4};
  Gate gate;
  Start(options, &gate);
  ASSERT_TRUE(Add(0, 8).ok());
  ASSERT_TRUE(recorder_.AwaitBatches(1));
  for (int id = 1; id <= 5; ++id) ASSERT_TRUE(Add(id, 1).ok());
  gate.Open();

  ASSERT_TRUE(recorder_.AwaitBatches(2));
  EXPECT_THAT(recorder_.batches()[1], ElementsAre(1, 2, 3, 4));
  // The fifth item matches no preferred size alone; it waits for the delay.
  ASSERT_TRUE(clock_.BlockUntilWaiterWithDeadline(t0_ + absl::Hours(1)));
  EXPECT_EQ(batcher_->queue_depth(), 1);
  clock_.Advance(absl::Hours(1));
  ASSERT_TRUE(recorder_.AwaitBatches(3));
  EXPECT_THAT(recorder_.batches()[2], ElementsAre(5));
}

TEST_F(DynamicBatcherTest, RejectsWhenQueueFull) {
  DynamicBatcher::Options options = Opts(8, absl::Hours(1));
  options.queue.default_queue_policy.max_queue_size = 2;
  Start(options);
  ASSERT_TRUE(Add(0, 1).ok());
  ASSERT_TRUE(Add(1, 1).ok());

  const absl::Status status = Add(2, 1);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(status.message(), "queue of model 'm' is full (2 requests); retry later");
  EXPECT_EQ(recorder_.failures().at(2), status);
  EXPECT_EQ(recorder_.ends().at(2), 1);
  EXPECT_EQ(batcher_->queue_depth(), 2);

  batcher_.reset();  // The accepted ones still run.
  EXPECT_THAT(recorder_.batches(), ElementsAre(ElementsAre(0, 1)));
  EXPECT_EQ(recorder_.ends().at(2), 1);
}

TEST_F(DynamicBatcherTest, RejectsOversizedTask) {
  Start(Opts(32, absl::ZeroDuration()));
  const absl::Status status = Add(0, 40);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "batch of 40 exceeds max_batch_size 32 of model 'm'");
  EXPECT_EQ(recorder_.failures().at(0), status);
  EXPECT_EQ(recorder_.ends().at(0), 1);
  EXPECT_EQ(batcher_->queue_depth(), 0);
}

TEST_F(DynamicBatcherTest, RejectsEmptyTask) {
  Start(Opts(32, absl::ZeroDuration()));
  const absl::Status status = Add(0, 0);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(recorder_.failures().at(0), status);
  EXPECT_EQ(recorder_.ends().at(0), 1);
}

TEST_F(DynamicBatcherTest, ExpiredTaskIsNeverProcessed) {
  const absl::Duration delay = absl::Milliseconds(10);
  Start(Opts(4, delay));
  ASSERT_TRUE(Add(0, 1, t0_ + absl::Milliseconds(5)).ok());
  ASSERT_TRUE(Add(1, 1, t0_ + absl::Milliseconds(50)).ok());
  clock_.Advance(delay);

  ASSERT_TRUE(recorder_.AwaitBatches(1));
  ASSERT_TRUE(recorder_.AwaitFailures(1));
  EXPECT_THAT(recorder_.batches(), ElementsAre(ElementsAre(1)));
  const absl::Status status = recorder_.failures().at(0);
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(status.message(), HasSubstr("after waiting 10ms in the queue of model 'm'"));
  EXPECT_EQ(recorder_.ends().at(0), 1);
}

TEST_F(DynamicBatcherTest, CancelledTaskIsNeverProcessed) {
  const absl::Duration delay = absl::Milliseconds(10);
  Start(Opts(4, delay));
  auto cancelled = std::make_shared<std::atomic<bool>>(false);
  ASSERT_TRUE(Add(0, 1, absl::InfiniteFuture(), cancelled).ok());
  ASSERT_TRUE(Add(1, 1).ok());
  cancelled->store(true);
  clock_.Advance(delay);

  ASSERT_TRUE(recorder_.AwaitBatches(1));
  ASSERT_TRUE(recorder_.AwaitFailures(1));
  EXPECT_THAT(recorder_.batches(), ElementsAre(ElementsAre(1)));
  EXPECT_EQ(recorder_.failures().at(0).code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(recorder_.ends().at(0), 1);
}

TEST_F(DynamicBatcherTest, CancelledTasksDoNotFillABatch) {
  Start(Opts(2, absl::Hours(1)));
  auto cancelled = std::make_shared<std::atomic<bool>>(true);
  ASSERT_TRUE(Add(0, 1, absl::InfiniteFuture(), cancelled).ok());
  ASSERT_TRUE(Add(1, 1).ok());
  ASSERT_TRUE(recorder_.AwaitFailures(1));
  ASSERT_TRUE(clock_.BlockUntilWaiterWithDeadline(t0_ + absl::Hours(1)));
  EXPECT_TRUE(recorder_.batches().empty());
  ASSERT_TRUE(Add(2, 1).ok());
  ASSERT_TRUE(recorder_.AwaitBatches(1));
  EXPECT_THAT(recorder_.batches(), ElementsAre(ElementsAre(1, 2)));
}

TEST_F(DynamicBatcherTest, BatchingOffRunsOneTaskPerBatch) {
  DynamicBatcher::Options options = Opts(8, absl::Hours(1));
  options.batching = false;
  Gate gate;
  Start(options, &gate);
  ASSERT_TRUE(Add(0, 2).ok());  // Dispatched at once despite the delay.
  ASSERT_TRUE(recorder_.AwaitBatches(1));
  ASSERT_TRUE(Add(1, 1).ok());
  ASSERT_TRUE(Add(2, 3).ok());
  ASSERT_TRUE(Add(3, 1).ok());
  gate.Open();
  ASSERT_TRUE(recorder_.AwaitBatches(4));
  EXPECT_THAT(recorder_.batches(),
              ElementsAre(ElementsAre(0), ElementsAre(1), ElementsAre(2), ElementsAre(3)));
}

TEST_F(DynamicBatcherTest, RunsUpToNumWorkersBatchesConcurrently) {
  DynamicBatcher::Options options = Opts(1, absl::ZeroDuration());
  options.num_workers = 3;
  absl::Mutex mu;
  int running = 0;  // Guarded by mu.
  int most_running = 0;  // Guarded by mu.
  Gate gate;
  Start(options, [&](std::vector<QueuedTask> batch, BatchDelivery&) {
    {
      AnnotatedMutexLock lock(&mu);
      most_running = std::max(most_running, ++running);
    }
    gate.Pass();
    {
      AnnotatedMutexLock lock(&mu);
      --running;
    }
    recorder_.OnBatch(batch);
  });
  for (int id = 0; id < 5; ++id) ASSERT_TRUE(Add(id, 1).ok());
  {
    AnnotatedMutexLock lock(&mu);
    auto three = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) { return running == 3; };
    ASSERT_TRUE(AnnotatedAwaitWithTimeout(&mu, absl::Condition(&three), kHangGuard));
  }
  EXPECT_EQ(batcher_->queue_depth(), 2);  // All workers busy: the rest waits.
  gate.Open();
  ASSERT_TRUE(recorder_.AwaitBatches(5));
  AnnotatedMutexLock lock(&mu);
  EXPECT_EQ(most_running, 3);
}

TEST_F(DynamicBatcherTest, DestructorExecutesQueuedTasks) {
  Start(Opts(8, absl::Hours(1)));
  for (int id = 0; id < 3; ++id) ASSERT_TRUE(Add(id, 1).ok());
  ASSERT_TRUE(clock_.BlockUntilWaiterWithDeadline(t0_ + absl::Hours(1)));
  batcher_.reset();  // With the clock frozen: does not wait for the delay.
  EXPECT_THAT(recorder_.batches(), ElementsAre(ElementsAre(0, 1, 2)));
  EXPECT_TRUE(recorder_.failures().empty());
}

TEST_F(DynamicBatcherTest, DestroyedFromInsideCallback) {
  // With one worker the destroying thread must drain the queue itself, after
  // the destructor returned; with two the other worker drains it.
  for (int num_workers : {1, 2}) {
    SCOPED_TRACE(num_workers);
    Recorder recorder;
    DynamicBatcher::Options options = Opts(1, absl::ZeroDuration());
    options.num_workers = num_workers;
    Gate gate;
    Event destroyed;
    Event state_freed;
    auto sentinel = std::make_shared<Sentinel>(&state_freed);
    Start(options, [&, sentinel](std::vector<QueuedTask> batch, BatchDelivery&) {
      recorder.OnBatch(batch);
      if (static_cast<const TestTask&>(*batch[0].task).id() == 0) {
        gate.Pass();
        batcher_.reset();  // The owner drops its last reference here.
        destroyed.Notify();
      }
    });
    sentinel.reset();
    for (int id = 0; id < 3; ++id) {
      ASSERT_TRUE(batcher_->Enqueue(std::make_unique<TestTask>(&recorder, id, 1,
                                                               absl::InfiniteFuture(), nullptr))
                      .ok());
      if (id == 0) {
        ASSERT_TRUE(recorder.AwaitBatches(1));  // Task 0 holds the gate.
      }
    }
    gate.Open();

    ASSERT_TRUE(destroyed.Wait());
    ASSERT_TRUE(state_freed.Wait());  // The last worker is gone.
    EXPECT_EQ(batcher_, nullptr);
    EXPECT_THAT(recorder.batches(), ElementsAre(ElementsAre(0), ElementsAre(1), ElementsAre(2)));
    EXPECT_TRUE(recorder.failures().empty());
  }
}

TEST_F(DynamicBatcherTest, StopAcceptingRejectsNewTasks) {
  Start(Opts(8, absl::Hours(1)));
  ASSERT_TRUE(Add(0, 1).ok());
  ASSERT_TRUE(Add(1, 1).ok());
  batcher_->StopAccepting();
  ASSERT_TRUE(recorder_.AwaitBatches(1));  // Flushed without waiting for the delay.
  EXPECT_THAT(recorder_.batches(), ElementsAre(ElementsAre(0, 1)));

  const absl::Status status = Add(2, 1);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(recorder_.failures().at(2), status);
  batcher_->StopAccepting();  // Idempotent.
  EXPECT_EQ(Add(3, 1).code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(batcher_->queue_depth(), 0);
  EXPECT_EQ(recorder_.ends().at(2), 1);
  EXPECT_EQ(recorder_.ends().at(3), 1);
}

}  // namespace
}  // namespace convoy::server
