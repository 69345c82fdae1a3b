#include "server/core/heap_trimmer.h"

#include <unistd.h>

#include <fstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/core/log.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace convoy::server {
namespace {

// The process's resident bytes, from /proc/self/statm; 0 if unreadable.
int64_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t size_pages = 0;
  int64_t resident_pages = 0;
  if (!(statm >> size_pages >> resident_pages)) return 0;
  return resident_pages * sysconf(_SC_PAGE_SIZE);
}

}  // namespace

HeapTrimmer::HeapTrimmer(MemoryBudget* budget, Options options)
    : budget_(budget), options_(std::move(options)) {
  budget_->TakePeak();
  if (options_.start_thread) thread_ = std::thread([this] { Loop(); });
}

HeapTrimmer::~HeapTrimmer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool HeapTrimmer::Poll() {
  const int64_t peak = budget_->TakePeak();
  if (peak - budget_->in_use() < options_.min_drop) return false;
  if (options_.trim) {
    options_.trim();
  } else {
    TrimHeap();
  }
  return true;
}

void HeapTrimmer::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!wake_.wait_for(lock, options_.period, [this] { return stopping_; })) {
    lock.unlock();
    Poll();
    lock.lock();
  }
}

void HeapTrimmer::TrimHeap() {
#if defined(__GLIBC__)
  const int64_t before = ResidentBytes();
  malloc_trim(0);
  const int64_t after = ResidentBytes();
  Log(LogLevel::kInfo, "heap_trimmed",
      {{"rss_before_bytes", absl::StrCat(before)}, {"rss_after_bytes", absl::StrCat(after)}});
#endif
}

}  // namespace convoy::server
