#include "server/core/heap_trimmer.h"

#include <unistd.h>

#include <fstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/core/log.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

// The allocators operators preload in place of glibc's (LD_PRELOAD), found
// at run time: null unless the process allocates with them.
extern "C" {
// jemalloc's control interface.
int mallctl(const char* name, void* oldp, size_t* oldlenp, void* newp, size_t newlen) __attribute__((weak));
// gperftools' tcmalloc.
void MallocExtension_ReleaseFreeMemory() __attribute__((weak));
}

namespace convoy::server {
namespace {

// Returns the free pages the process's allocator keeps; names the allocator.
const char* ReturnFreePages() {
  if (mallctl != nullptr) {
    // Every arena's unused pages (4096 is MALLCTL_ARENAS_ALL).
    mallctl("arena.4096.purge", nullptr, nullptr, nullptr, 0);
    return "jemalloc";
  }
  if (MallocExtension_ReleaseFreeMemory != nullptr) {
    MallocExtension_ReleaseFreeMemory();
    return "tcmalloc";
  }
#if defined(__GLIBC__)
  malloc_trim(0);
  return "glibc";
#else
  return "none";
#endif
}

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

const char* HeapTrimmer::TrimHeap() {
  const int64_t before = ResidentBytes();
  const char* allocator = ReturnFreePages();
  const int64_t after = ResidentBytes();
  Log(LogLevel::kInfo, "heap_trimmed",
      {{"allocator", allocator}, {"rss_before_bytes", absl::StrCat(before)}, {"rss_after_bytes", absl::StrCat(after)}});
  return allocator;
}

}  // namespace convoy::server
