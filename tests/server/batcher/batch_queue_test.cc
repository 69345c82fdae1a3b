// BatchQueue on its own: batch order across levels, timeouts, and removal.
#include "server/batcher/batch_queue.h"

#include <limits>
#include <memory>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/server/batcher/recording_task.h"

namespace convoy::server {
namespace {

using ::convoy::server::batcher_test::Recorder;
using ::convoy::server::batcher_test::TestTask;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

const absl::Time kT0 = absl::FromUnixSeconds(1000);

class BatchQueueTest : public ::testing::Test {
 protected:
  absl::Status Push(BatchQueue* queue, int id, uint64_t priority = 0, absl::Duration timeout = absl::ZeroDuration(),
                    absl::Time now = kT0) {
    std::unique_ptr<BatchTask> task = std::make_unique<TestTask>(&recorder_, id, 1, absl::InfiniteFuture(), nullptr);
    static_cast<TestTask&>(*task).set_priority(priority);
    static_cast<TestTask&>(*task).set_queue_timeout(timeout);
    absl::Status status = queue->Push(task, now);
    EXPECT_EQ(task == nullptr, status.ok()) << "a refused task stays with the caller";
    return status;
  }
  static std::vector<int> Ids(const std::vector<QueuedTask>& tasks) {
    std::vector<int> ids;
    for (const QueuedTask& queued : tasks) ids.push_back(static_cast<const TestTask&>(*queued.task).id());
    return ids;
  }
  static std::vector<int> Order(BatchQueue* queue) {
    std::vector<int> ids;
    std::vector<QueuedTask> removed;
    queue->Walk(
        [&](const QueuedTask& queued) {
          ids.push_back(static_cast<const TestTask&>(*queued.task).id());
          return BatchQueue::Step::kNext;
        },
        &removed);
    return ids;
  }

  Recorder recorder_;
};

TEST_F(BatchQueueTest, BatchOrderIsLevelThenArrival) {
  QueueOptions options;
  options.priority_levels = 3;
  options.default_priority_level = 3;
  BatchQueue queue(options, "m");
  ASSERT_TRUE(Push(&queue, 0, 2).ok());
  ASSERT_TRUE(Push(&queue, 1).ok());  // Default level 3.
  ASSERT_TRUE(Push(&queue, 2, 1).ok());
  ASSERT_TRUE(Push(&queue, 3, 2).ok());
  ASSERT_TRUE(Push(&queue, 4, 1).ok());
  EXPECT_EQ(queue.size(), 5);
  EXPECT_THAT(Order(&queue), ElementsAre(2, 4, 0, 3, 1));
  EXPECT_THAT(Ids(queue.PopFront(3)), ElementsAre(2, 4, 0));
  EXPECT_THAT(Order(&queue), ElementsAre(3, 1));
  EXPECT_THAT(Ids(queue.PopFront(2)), ElementsAre(3, 1));
  EXPECT_TRUE(queue.empty());
}

TEST_F(BatchQueueTest, ManyLevelsCostNothingUntilUsed) {
  QueueOptions options;
  options.priority_levels = std::numeric_limits<uint64_t>::max();
  options.default_priority_level = options.priority_levels;
  BatchQueue queue(options, "m");
  ASSERT_TRUE(Push(&queue, 0).ok());
  ASSERT_TRUE(Push(&queue, 1, 1'000'000'000'000).ok());
  EXPECT_THAT(Order(&queue), ElementsAre(1, 0));
}

TEST_F(BatchQueueTest, WalkRemovesAndStops) {
  BatchQueue queue(QueueOptions{}, "m");
  for (int id = 0; id < 5; ++id) ASSERT_TRUE(Push(&queue, id).ok());
  std::vector<QueuedTask> removed;
  queue.Walk(
      [](const QueuedTask& queued) {
        const int id = static_cast<const TestTask&>(*queued.task).id();
        if (id == 3) return BatchQueue::Step::kStop;
        return id % 2 == 0 ? BatchQueue::Step::kRemove : BatchQueue::Step::kNext;
      },
      &removed);
  EXPECT_THAT(Ids(removed), ElementsAre(0, 2));
  EXPECT_EQ(queue.size(), 3);
  EXPECT_THAT(Order(&queue), ElementsAre(1, 3, 4));
}

TEST_F(BatchQueueTest, RejectTakesTimedOutTasksOut) {
  QueueOptions options;
  options.default_queue_policy.default_timeout = absl::Milliseconds(10);
  BatchQueue queue(options, "m");
  ASSERT_TRUE(Push(&queue, 0).ok());
  ASSERT_TRUE(Push(&queue, 1, 0, absl::ZeroDuration(), kT0 + absl::Milliseconds(3)).ok());
  EXPECT_EQ(queue.next_expiry(), kT0 + absl::Milliseconds(10));
  std::vector<FailedTask> rejected;
  EXPECT_FALSE(queue.Expire(kT0 + absl::Milliseconds(9), &rejected));
  EXPECT_TRUE(queue.Expire(kT0 + absl::Milliseconds(10), &rejected));
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(static_cast<const TestTask&>(*rejected[0].task).id(), 0);
  EXPECT_EQ(rejected[0].status, absl::UnavailableError(
                                    "Request timeout expired: waited 10ms in the queue of model 'm'"));
  EXPECT_EQ(queue.size(), 1);
  EXPECT_EQ(queue.next_expiry(), kT0 + absl::Milliseconds(13));
  // Dispatched tasks no longer time out.
  EXPECT_THAT(Ids(queue.PopFront(1)), ElementsAre(1));
  EXPECT_EQ(queue.next_expiry(), absl::InfiniteFuture());
}

TEST_F(BatchQueueTest, DelayKeepsTimedOutTasksBehindTheirLevelInTimeoutOrder) {
  QueueOptions options;
  options.priority_levels = 2;
  options.default_priority_level = 1;
  options.default_queue_policy.timeout_action = QueuePolicy::TimeoutAction::kDelay;
  options.default_queue_policy.default_timeout = absl::Milliseconds(10);
  options.default_queue_policy.allow_timeout_override = true;
  BatchQueue queue(options, "m");
  ASSERT_TRUE(Push(&queue, 0, 1).ok());                          // Times out at 10ms.
  ASSERT_TRUE(Push(&queue, 1, 1, absl::Milliseconds(2)).ok());   // At 2ms.
  ASSERT_TRUE(Push(&queue, 2, 1, absl::Milliseconds(20)).ok());  // Cannot lengthen: 10ms.
  ASSERT_TRUE(Push(&queue, 3, 2).ok());
  ASSERT_TRUE(Push(&queue, 4, 1, absl::ZeroDuration(), kT0 + absl::Milliseconds(5)).ok());  // At 15ms.
  std::vector<FailedTask> rejected;
  EXPECT_TRUE(queue.Expire(kT0 + absl::Milliseconds(10), &rejected));
  EXPECT_THAT(rejected, IsEmpty());
  EXPECT_EQ(queue.size(), 5);
  // Level 1: the one still waiting, then the delayed ones; then level 2.
  EXPECT_THAT(Order(&queue), ElementsAre(4, 1, 0, 2, 3));
  EXPECT_EQ(queue.next_expiry(), kT0 + absl::Milliseconds(15));
  EXPECT_THAT(Ids(queue.PopFront(2)), ElementsAre(4, 1));
  EXPECT_EQ(queue.next_expiry(), absl::InfiniteFuture());
}

TEST_F(BatchQueueTest, MaxQueueSizeCountsDelayedTasks) {
  QueueOptions options;
  options.default_queue_policy.timeout_action = QueuePolicy::TimeoutAction::kDelay;
  options.default_queue_policy.default_timeout = absl::Milliseconds(1);
  options.default_queue_policy.max_queue_size = 2;
  BatchQueue queue(options, "m");
  ASSERT_TRUE(Push(&queue, 0).ok());
  std::vector<FailedTask> rejected;
  ASSERT_TRUE(queue.Expire(kT0 + absl::Seconds(1), &rejected));
  ASSERT_TRUE(Push(&queue, 1).ok());
  const absl::Status full = Push(&queue, 2);
  EXPECT_EQ(full, absl::UnavailableError("queue of model 'm' is full (2 requests); retry later"));
}

TEST(ValidateQueueOptionsTest, AcceptsWhatTritonAccepts) {
  QueueOptions options;
  EXPECT_TRUE(ValidateQueueOptions(options, "m").ok());
  options.priority_levels = 2;
  options.default_priority_level = 2;
  options.priority_queue_policy[1].max_queue_size = 4;
  options.priority_queue_policy[2].default_timeout = absl::Seconds(1);
  EXPECT_TRUE(ValidateQueueOptions(options, "m").ok());
}

}  // namespace
}  // namespace convoy::server
