#include "server/core/heap_trimmer.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <vector>
#include <future>
#include <thread>

#include "gtest/gtest.h"

#ifndef __has_feature
#define __has_feature(x) 0
#endif

namespace convoy::server {
namespace {

constexpr int64_t kMiB = int64_t{1} << 20;

HeapTrimmer::Options Counting(int* calls) {
  HeapTrimmer::Options options;
  options.min_drop = 64 * kMiB;
  options.trim = [calls] { ++*calls; };
  options.start_thread = false;
  return options;
}

TEST(HeapTrimmerTest, TrimsOnceAfterABurstIsReleased) {
  MemoryBudget budget(1024 * kMiB);
  int calls = 0;
  HeapTrimmer trimmer(&budget, Counting(&calls));
  {
    absl::StatusOr<MemoryReservation> burst = budget.Reserve(100 * kMiB);
    ASSERT_TRUE(burst.ok());
  }
  EXPECT_TRUE(trimmer.Poll());
  EXPECT_FALSE(trimmer.Poll()) << "nothing was released since the last trim";
  EXPECT_EQ(calls, 1);
}

TEST(HeapTrimmerTest, SmallRequestsNeverTrim) {
  MemoryBudget budget(1024 * kMiB);
  int calls = 0;
  HeapTrimmer trimmer(&budget, Counting(&calls));
  for (int i = 0; i < 1000; ++i) {
    absl::StatusOr<MemoryReservation> small = budget.Reserve(1 * kMiB);
    ASSERT_TRUE(small.ok());
  }
  EXPECT_FALSE(trimmer.Poll()) << "1000 requests of 1 MiB, one at a time, never held 64 MiB together";
  EXPECT_EQ(calls, 0);
}

TEST(HeapTrimmerTest, WaitsUntilTheBurstIsOver) {
  MemoryBudget budget(1024 * kMiB);
  int calls = 0;
  HeapTrimmer trimmer(&budget, Counting(&calls));
  absl::StatusOr<MemoryReservation> held = budget.Reserve(200 * kMiB);
  ASSERT_TRUE(held.ok());
  {
    absl::StatusOr<MemoryReservation> brief = budget.Reserve(50 * kMiB);
    ASSERT_TRUE(brief.ok());
  }
  EXPECT_FALSE(trimmer.Poll()) << "the peak (250 MiB) is only 50 MiB above what is still held";
  ASSERT_TRUE(held->ResizeTo(100 * kMiB).ok());
  EXPECT_TRUE(trimmer.Poll()) << "100 MiB released since the peak of 200";
  EXPECT_EQ(calls, 1);
}

TEST(HeapTrimmerTest, ItsThreadTrimsAfterABurst) {
  MemoryBudget budget(1024 * kMiB);
  std::promise<void> trimmed;
  HeapTrimmer::Options options;
  options.period = std::chrono::milliseconds(10);
  options.trim = [&trimmed, once = std::make_shared<std::once_flag>()] {
    std::call_once(*once, [&trimmed] { trimmed.set_value(); });
  };
  HeapTrimmer trimmer(&budget, options);
  {
    absl::StatusOr<MemoryReservation> burst = budget.Reserve(128 * kMiB);
    ASSERT_TRUE(burst.ok());
  }
  EXPECT_EQ(trimmed.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
}

#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__) && \
    !__has_feature(address_sanitizer) && !__has_feature(thread_sanitizer)
int64_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t size_pages = 0;
  int64_t resident_pages = 0;
  statm >> size_pages >> resident_pages;
  return resident_pages * sysconf(_SC_PAGE_SIZE);
}

// The allocator the process runs on: glibc's, or the one ctest preloads
// (heap_trimmer_on_jemalloc and _on_tcmalloc, tests/server/core/CMakeLists.txt).
std::string ExpectedAllocator() {
  const char* preloaded = std::getenv("CONVOY_TEST_PRELOADED_ALLOCATOR");
  return preloaded != nullptr ? preloaded : "glibc";
}

TEST(HeapTrimmerTest, TrimHeapReturnsFreedHeapMemory) {
  // 128 MiB in 64 KiB blocks (below glibc's mmap threshold: they come from the
  // heap), written to, then freed but for the last, which pins the heap's
  // top so that free() alone cannot shrink it.
  std::vector<char*> blocks;
  for (int i = 0; i < 2048; ++i) {
    blocks.push_back(static_cast<char*>(malloc(64 << 10)));  // NOLINT: the C allocator is what is tested.
    memset(blocks.back(), 1, 64 << 10);
  }
  for (size_t i = 0; i + 1 < blocks.size(); ++i) free(blocks[i]);  // NOLINT
  const int64_t before = ResidentBytes();
  EXPECT_EQ(std::string(HeapTrimmer::TrimHeap()), ExpectedAllocator());
  const int64_t after = ResidentBytes();
  free(blocks.back());  // NOLINT
  EXPECT_GT(before - after, 64 * kMiB) << "resident before " << before << ", after " << after;
}
#endif

}  // namespace
}  // namespace convoy::server
