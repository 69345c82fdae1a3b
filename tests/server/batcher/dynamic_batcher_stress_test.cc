// Many producers, several workers, the real clock: whatever the
// interleaving, every task ends exactly once and no item is lost.
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "server/batcher/clock.h"
#include "server/batcher/dynamic_batcher.h"
#include "server/batcher/tsan_annotations.h"
#include "tests/server/batcher/recording_task.h"

namespace convoy::server {
namespace {

using ::convoy::server::batcher_test::Recorder;
using ::convoy::server::batcher_test::TestTask;

TEST(DynamicBatcherStressTest, EveryTaskEndsExactlyOnceUnderConcurrentProducers) {
  constexpr int kProducers = 4;
  constexpr int kTasksPerProducer = 500;
  constexpr int64_t kMaxBatch = 8;
  Recorder recorder;
  std::atomic<int64_t> oversized_batches{0};
  DynamicBatcher::Options options;
  options.name = "stress";
  options.max_batch_size = kMaxBatch;
  options.max_queue_delay = absl::Microseconds(200);
  options.preferred_batch_sizes = {4, 8};
  options.queue.default_queue_policy.max_queue_size = 64;  // Small enough that some producers get refused.
  options.num_workers = 3;
  absl::StatusOr<std::unique_ptr<DynamicBatcher>> batcher =
      DynamicBatcher::Create(options, RealClock(), [&](std::vector<QueuedTask> batch, BatchDelivery&) {
        int64_t items = 0;
        for (const QueuedTask& queued : batch) items += queued.task->size();
        if (items > kMaxBatch) ++oversized_batches;
        recorder.OnBatch(batch);
      });
  ASSERT_TRUE(batcher.ok()) << batcher.status();

  std::atomic<int64_t> accepted_items{0};
  std::atomic<int64_t> refused{0};
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      std::mt19937 rng(1234 + p);
      std::uniform_int_distribution<int64_t> size(1, 4);
      for (int i = 0; i < kTasksPerProducer; ++i) {
        const int id = p * kTasksPerProducer + i;
        const int64_t n = size(rng);
        // Every 7th task is already expired, every 11th cancelled.
        const absl::Time deadline = i % 7 == 0 ? absl::Now() : absl::InfiniteFuture();
        auto cancelled = std::make_shared<std::atomic<bool>>(i % 11 == 0);
        const absl::Status status = (*batcher)->Enqueue(
            std::make_unique<TestTask>(&recorder, id, n, deadline, cancelled));
        if (status.ok()) {
          accepted_items += n;
        } else {
          EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
          ++refused;
        }
        if (i % 50 == 0) std::this_thread::yield();
      }
    });
  }
  for (std::thread& producer : producers) producer.join();
  batcher->reset();

  const std::map<int, int> ends = recorder.ends();
  ASSERT_EQ(ends.size(), static_cast<size_t>(kProducers * kTasksPerProducer));
  for (const auto& [id, count] : ends) EXPECT_EQ(count, 1) << "task " << id;
  EXPECT_EQ(oversized_batches.load(), 0);

  int64_t failed_accepted_items = 0;
  int64_t refused_seen = 0;
  for (const auto& [id, status] : recorder.failures()) {
    const int i = id % kTasksPerProducer;
    if (status.code() == absl::StatusCode::kUnavailable) {
      ++refused_seen;
      continue;
    }
    EXPECT_TRUE(i % 7 == 0 || i % 11 == 0) << "task " << id << ": " << status;
    // Recompute the size this producer drew for the task.
    std::mt19937 rng(1234 + id / kTasksPerProducer);
    std::uniform_int_distribution<int64_t> size(1, 4);
    int64_t n = 0;
    for (int k = 0; k <= i; ++k) n = size(rng);
    failed_accepted_items += n;
  }
  EXPECT_EQ(refused_seen, refused.load());
  EXPECT_GT(recorder.processed_items(), 0);
  RecordProperty("batches", static_cast<int>(recorder.batches().size()));
  RecordProperty("refused", static_cast<int>(refused.load()));
  EXPECT_EQ(recorder.processed_items() + failed_accepted_items, accepted_items.load());
  // Dead tasks were never handed to the callback.
  for (const std::vector<int>& batch : recorder.batches()) {
    for (int id : batch) {
      const int i = id % kTasksPerProducer;
      EXPECT_FALSE(i % 7 == 0 || i % 11 == 0) << "task " << id << " should have failed";
    }
  }
}

// Priority levels, timeouts of both kinds and ordered delivery, with the
// same producers: still every task ends exactly once, and batches deliver
// in the order they were dispatched.
TEST(DynamicBatcherStressTest, QueuePoliciesAndOrderedDeliveryUnderConcurrentProducers) {
  constexpr int kProducers = 4;
  constexpr int kTasksPerProducer = 400;
  Recorder recorder;
  DynamicBatcher::Options options;
  options.name = "stress";
  options.max_batch_size = 8;
  options.max_queue_delay = absl::Microseconds(100);
  options.num_workers = 3;
  options.preserve_ordering = true;
  options.queue.priority_levels = 3;
  options.queue.default_priority_level = 2;
  options.queue.default_queue_policy.max_queue_size = 48;
  QueuePolicy& urgent = options.queue.priority_queue_policy[1];
  urgent.default_timeout = absl::Microseconds(300);
  urgent.allow_timeout_override = true;
  QueuePolicy& delayed = options.queue.priority_queue_policy[2];
  delayed.timeout_action = QueuePolicy::TimeoutAction::kDelay;
  delayed.default_timeout = absl::Microseconds(200);
  delayed.max_queue_size = 48;

  absl::Mutex mu;
  std::vector<uint64_t> delivered;  // Tickets in delivery order; guarded by mu.
  absl::StatusOr<std::unique_ptr<DynamicBatcher>> batcher = DynamicBatcher::Create(
      options, RealClock(), [&](std::vector<QueuedTask> batch, BatchDelivery& delivery) {
        const uint64_t ticket = delivery.ticket();
        if (ticket % 5 == 0) std::this_thread::yield();  // Let later batches overtake.
        delivery.Deliver([&, ticket, batch = std::move(batch)] {
          {
            AnnotatedMutexLock lock(&mu);
            delivered.push_back(ticket);
          }
          recorder.OnBatch(batch);
        });
      });
  ASSERT_TRUE(batcher.ok()) << batcher.status();

  std::atomic<int64_t> accepted_items{0};
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      std::mt19937 rng(4321 + p);
      std::uniform_int_distribution<int64_t> size(1, 3);
      std::uniform_int_distribution<uint64_t> priority(0, 4);  // 4: no such level.
      std::uniform_int_distribution<int64_t> timeout_us(0, 400);
      for (int i = 0; i < kTasksPerProducer; ++i) {
        const int id = p * kTasksPerProducer + i;
        const int64_t n = size(rng);
        auto task = std::make_unique<TestTask>(&recorder, id, n, absl::InfiniteFuture(), nullptr);
        task->set_priority(priority(rng));
        task->set_queue_timeout(absl::Microseconds(timeout_us(rng)));
        if ((*batcher)->Enqueue(std::move(task)).ok()) accepted_items += n;
        if (i % 40 == 0) std::this_thread::yield();
      }
    });
  }
  for (std::thread& producer : producers) producer.join();
  batcher->reset();

  const std::map<int, int> ends = recorder.ends();
  ASSERT_EQ(ends.size(), static_cast<size_t>(kProducers * kTasksPerProducer));
  for (const auto& [id, count] : ends) EXPECT_EQ(count, 1) << "task " << id;
  for (const auto& [id, status] : recorder.failures()) {
    EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << "task " << id << ": " << status;
  }
  EXPECT_GT(recorder.processed_items(), 0);
  EXPECT_LE(recorder.processed_items(), accepted_items.load());
  AnnotatedMutexLock lock(&mu);
  for (size_t i = 0; i < delivered.size(); ++i) ASSERT_EQ(delivered[i], i) << "delivery " << i;
  RecordProperty("batches", static_cast<int>(delivered.size()));
  RecordProperty("failed", static_cast<int>(recorder.failures().size()));
}

}  // namespace
}  // namespace convoy::server
