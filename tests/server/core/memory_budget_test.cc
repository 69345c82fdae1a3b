#include "server/core/memory_budget.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace convoy::server {
namespace {

using ::testing::HasSubstr;

TEST(MemoryBudgetTest, GrantsWhatFitsAndRefusesTheRestBeforeHandingAnythingOut) {
  MemoryBudget budget(1000);
  absl::StatusOr<MemoryReservation> first = budget.Reserve(600);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(budget.in_use(), 600);
  absl::StatusOr<MemoryReservation> second = budget.Reserve(401);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(second.status().message(), HasSubstr("needs 401 bytes in flight but only 400"));
  EXPECT_THAT(second.status().message(), HasSubstr("budget of 1000 bytes (--max-inflight-bytes)"));
  EXPECT_THAT(second.status().message(), HasSubstr("retry later"));
  EXPECT_EQ(budget.in_use(), 600);  // The refusal took nothing.
  EXPECT_TRUE(budget.Reserve(400).ok());
}

TEST(MemoryBudgetTest, LargeRequestsLeaveAShareOfTheBudgetToSmallOnes) {
  MemoryBudget budget(1 << 20, 1 << 16);  // 64 KiB kept for requests of up to 1 KiB.
  std::vector<MemoryReservation> large;
  while (true) {
    absl::StatusOr<MemoryReservation> more = budget.Reserve(100'000);
    if (!more.ok()) {
      EXPECT_THAT(more.status().message(), HasSubstr("are free for a request of its size; retry later"));
      break;
    }
    large.push_back(*std::move(more));
  }
  EXPECT_LE(budget.in_use(), (1 << 20) - (1 << 16));
  std::vector<MemoryReservation> small;
  while (true) {
    absl::StatusOr<MemoryReservation> more = budget.Reserve(1000);
    if (!more.ok()) break;
    small.push_back(*std::move(more));
  }
  EXPECT_GE(small.size(), 64u);  // The kept share, and what the large left.
  EXPECT_LE(budget.in_use(), 1 << 20);
}

TEST(MemoryBudgetTest, ARequestLargerThanTheWholeBudgetIsToldRetryingCannotHelp) {
  MemoryBudget budget(1000);
  absl::StatusOr<MemoryReservation> huge = budget.Reserve(5000);
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(huge.status().message(), HasSubstr("more than the server's whole budget of 1000 bytes"));
}

TEST(MemoryBudgetTest, ReservationsReturnTheirBytesOnceWhenDestroyedOrMoved) {
  MemoryBudget budget(1000);
  {
    MemoryReservation held = *budget.Reserve(300);
    MemoryReservation moved = std::move(held);
    EXPECT_EQ(held.bytes(), 0);  // NOLINT(bugprone-use-after-move): checking the moved-from state.
    EXPECT_EQ(moved.bytes(), 300);
    EXPECT_EQ(budget.in_use(), 300);
    MemoryReservation assigned = *budget.Reserve(200);
    assigned = std::move(moved);  // Returns the 200 it held, takes over the 300.
    EXPECT_EQ(budget.in_use(), 300);
    assigned.Release();
    EXPECT_EQ(budget.in_use(), 0);
    assigned.Release();  // Twice is harmless.
  }
  EXPECT_EQ(budget.in_use(), 0);
}

TEST(MemoryBudgetTest, AReservationResizesInStepsAndAFailedGrowthChangesNothing) {
  MemoryBudget budget(1000);
  MemoryReservation message = *budget.Reserve(400);  // Before parsing: twice the message.
  MemoryReservation other = *budget.Reserve(300);
  ASSERT_TRUE(message.ResizeTo(200).ok());  // Parsed: once.
  EXPECT_EQ(budget.in_use(), 500);
  ASSERT_TRUE(message.ResizeTo(700).ok());  // Decoded: everything it will hold.
  EXPECT_EQ(budget.in_use(), 1000);
  const absl::Status refused = message.ResizeTo(701);
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(refused.message(), HasSubstr("needs 701 bytes in flight but only 700"));
  EXPECT_EQ(message.bytes(), 700);
  EXPECT_EQ(budget.in_use(), 1000);
  other.Release();
  EXPECT_THAT(message.ResizeTo(1001).message(), HasSubstr("more than the server's whole budget"));
  EXPECT_TRUE(message.ResizeTo(1000).ok());
}

TEST(MemoryBudgetTest, ConcurrentReservationsNeverExceedTheLimit) {
  MemoryBudget budget(10'000);
  std::atomic<int64_t> peak{0};
  std::atomic<int64_t> refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      // Each thread holds up to four reservations at a time, so together
      // they press against the limit.
      std::deque<MemoryReservation> held;
      for (int i = 0; i < 20'000; ++i) {
        absl::StatusOr<MemoryReservation> more = budget.Reserve(1 + (i * 7919 + t) % 3000);
        if (!more.ok()) {
          ++refused;
        } else {
          held.push_back(*std::move(more));
        }
        const int64_t seen = budget.in_use();
        int64_t previous = peak.load();
        while (seen > previous && !peak.compare_exchange_weak(previous, seen)) {
        }
        if (held.size() > 4 || !more.ok()) {
          if (!held.empty()) held.pop_front();
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_LE(peak.load(), 10'000);
  EXPECT_GT(refused.load(), 0);  // The limit was reached.
  EXPECT_EQ(budget.in_use(), 0);
}

TEST(MemoryBudgetTest, TheDefaultIsAThirdOfTheMemoryAndAtLeast256MiB) {
  const int64_t bytes = DefaultInflightBytes();
  const int64_t memory = int64_t{sysconf(_SC_PHYS_PAGES)} * sysconf(_SC_PAGE_SIZE);
  EXPECT_GE(bytes, int64_t{256} << 20);
  // A cgroup limit can only lower it.
  EXPECT_LE(bytes, std::max(memory / 3, int64_t{256} << 20));
}

}  // namespace
}  // namespace convoy::server
