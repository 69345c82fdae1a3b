#include "server/batcher/testing/fake_clock.h"

#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "server/batcher/tsan_annotations.h"

namespace convoy::server {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1000);

// A thread blocked in clock.AwaitWithDeadline on its own mutex and flag.
class Waiter {
 public:
  Waiter(FakeClock* clock, absl::Time deadline)
      : thread_([this, clock, deadline] {
          AnnotatedMutexLock lock(&mu_);
          const bool result =
              clock->AwaitWithDeadline(&mu_, absl::Condition(&flag_), deadline);
          result_ = result;
          woke_at_ = clock->Now();
        }) {}
  ~Waiter() { Join(); }

  void SetFlag() {
    AnnotatedMutexLock lock(&mu_);
    flag_ = true;
  }
  void Join() {
    if (thread_.joinable()) thread_.join();
  }
  bool result() {
    AnnotatedMutexLock lock(&mu_);
    return result_;
  }
  absl::Time woke_at() {
    AnnotatedMutexLock lock(&mu_);
    return woke_at_;
  }

 private:
  absl::Mutex mu_;
  bool flag_ ABSL_GUARDED_BY(mu_) = false;
  bool result_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time woke_at_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;  // Last: starts after the fields it uses.
};

TEST(FakeClockTest, TimeMovesOnlyWhenAdvancedOrSet) {
  FakeClock clock(kStart);
  EXPECT_EQ(clock.Now(), kStart);
  EXPECT_EQ(clock.Now(), kStart);
  clock.Advance(absl::Milliseconds(5));
  EXPECT_EQ(clock.Now(), kStart + absl::Milliseconds(5));
  clock.SetTime(kStart + absl::Hours(1));
  EXPECT_EQ(clock.Now(), kStart + absl::Hours(1));
}

TEST(FakeClockTest, AwaitReturnsAtOnceWhenConditionHolds) {
  FakeClock clock(kStart);
  absl::Mutex mu;
  bool ready = true;
  AnnotatedMutexLock lock(&mu);
  EXPECT_TRUE(clock.AwaitWithDeadline(&mu, absl::Condition(&ready), absl::InfiniteFuture()));
  EXPECT_EQ(clock.num_waiters(), 0);
}

TEST(FakeClockTest, AwaitReturnsFalseAtOnceWhenDeadlinePassed) {
  FakeClock clock(kStart);
  absl::Mutex mu;
  bool ready = false;
  AnnotatedMutexLock lock(&mu);
  EXPECT_FALSE(clock.AwaitWithDeadline(&mu, absl::Condition(&ready), kStart));
}

TEST(FakeClockTest, WaiterWakesExactlyWhenTimeReachesDeadline) {
  FakeClock clock(kStart);
  const absl::Time deadline = kStart + absl::Milliseconds(10);
  Waiter waiter(&clock, deadline);
  ASSERT_TRUE(clock.BlockUntilWaiterWithDeadline(deadline));

  clock.Advance(absl::Milliseconds(10) - absl::Microseconds(1));
  // Not woken: the only ways out are the flag and the deadline, and neither
  // has happened, so this cannot change under our feet.
  EXPECT_EQ(clock.num_waiters(), 1);

  clock.Advance(absl::Microseconds(1));
  waiter.Join();
  EXPECT_FALSE(waiter.result());
  EXPECT_EQ(waiter.woke_at(), deadline);
  EXPECT_EQ(clock.num_waiters(), 0);
}

TEST(FakeClockTest, WaiterWakesWhenConditionBecomesTrueWithoutTimeMoving) {
  FakeClock clock(kStart);
  Waiter waiter(&clock, absl::InfiniteFuture());
  ASSERT_TRUE(clock.BlockUntilWaiters(1));
  waiter.SetFlag();
  waiter.Join();
  EXPECT_TRUE(waiter.result());
  EXPECT_EQ(waiter.woke_at(), kStart);
}

TEST(FakeClockTest, AdvanceWakesOnlyWaitersWhoseDeadlinePassed) {
  FakeClock clock(kStart);
  Waiter early(&clock, kStart + absl::Seconds(1));
  Waiter late(&clock, kStart + absl::Seconds(2));
  ASSERT_TRUE(clock.BlockUntilWaiters(2));

  clock.Advance(absl::Seconds(1));
  early.Join();
  EXPECT_FALSE(early.result());
  EXPECT_EQ(clock.num_waiters(), 1);

  clock.SetTime(kStart + absl::Seconds(5));
  late.Join();
  EXPECT_EQ(late.woke_at(), kStart + absl::Seconds(5));
}

TEST(FakeClockTest, BlockUntilWaitersTimesOutWhenNobodyWaits) {
  FakeClock clock(kStart);
  EXPECT_FALSE(clock.BlockUntilWaiters(1, absl::Milliseconds(1)));
  EXPECT_FALSE(clock.BlockUntilWaiterWithDeadline(kStart, absl::Milliseconds(1)));
}

TEST(RealClockTest, AwaitReturnsFalseOnceDeadlinePassed) {
  Clock* clock = RealClock();
  absl::Mutex mu;
  bool ready = false;
  AnnotatedMutexLock lock(&mu);
  const absl::Time deadline = clock->Now() + absl::Milliseconds(2);
  EXPECT_FALSE(clock->AwaitWithDeadline(&mu, absl::Condition(&ready), deadline));
  EXPECT_GE(clock->Now(), deadline);
}

}  // namespace
}  // namespace convoy::server
