#include "server/orchestration/work_pool.h"

#include <atomic>
#include <future>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace convoy::server {
namespace {

// std::promise rather than Signal: ThreadSanitizer sees what it
// synchronises (Debian's abseil is not built with it).
class Signal {
 public:
  void Notify() { promise_.set_value(); }
  void Wait() { future_.wait(); }

 private:
  std::promise<void> promise_;
  std::shared_future<void> future_ = promise_.get_future().share();
};

using ::testing::HasSubstr;

TEST(WorkPoolTest, RunsWorkInArrivalOrderOnOneThread) {
  std::vector<int> order;
  Signal done;
  auto pool = *WorkPool::Create({"order", 1, 100});
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(pool->Submit([&order, i] { order.push_back(i); }).ok());
  }
  ASSERT_TRUE(pool->Submit([&done] { done.Notify(); }).ok());
  done.Wait();
  ASSERT_EQ(order.size(), 50u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(order[i], i);
}

TEST(WorkPoolTest, RefusesAtOnceWhenTheQueueIsFull) {
  Signal release;  // Before the pool: they outlive its threads.
  Signal started;
  auto pool = *WorkPool::Create({"full", 1, 2});
  ASSERT_TRUE(pool->Submit([&] {
                started.Notify();
                release.Wait();
              }).ok());
  started.Wait();  // The thread is busy; two may wait.
  EXPECT_TRUE(pool->Submit([] {}).ok());
  EXPECT_TRUE(pool->Submit([] {}).ok());
  EXPECT_EQ(pool->queued(), 2);
  absl::Status refused = pool->Submit([] { ADD_FAILURE() << "refused work ran"; });
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(refused.message(), HasSubstr("the full queue is full (2 requests wait for 1 threads)"));
  release.Notify();
}

TEST(WorkPoolTest, DestructionRunsWhatIsQueued) {
  std::atomic<int> ran{0};
  {
    auto pool = *WorkPool::Create({"drain", 2, 1000});
    for (int i = 0; i < 500; ++i) ASSERT_TRUE(pool->Submit([&ran] { ++ran; }).ok());
  }
  EXPECT_EQ(ran.load(), 500);
}

TEST(WorkPoolTest, WorkMaySubmitMoreWork) {
  Signal done;
  auto pool = *WorkPool::Create({"chain", 2, 10});
  ASSERT_TRUE(pool->Submit([&] { ASSERT_TRUE(pool->Submit([&done] { done.Notify(); }).ok()); }).ok());
  done.Wait();
}

TEST(WorkPoolTest, CreateNamesTheOptionOutOfRange) {
  EXPECT_THAT(WorkPool::Create({"x", -1, 10}).status().message(), HasSubstr("threads must be >= 0"));
  EXPECT_THAT(WorkPool::Create({"x", 1, 0}).status().message(), HasSubstr("max_queued must be >= 1"));
  auto per_core = *WorkPool::Create({"x", 0, 10});
  EXPECT_GE(per_core->threads(), 1);
}

}  // namespace
}  // namespace convoy::server
