// HeapTrimmer: gives the memory a burst of large requests leaves in the
// allocator back to the operating system once they are done.
//
// glibc's malloc keeps freed memory for reuse: the heap of each of its
// arenas (gRPC's threads use several) shrinks only from the top, and large
// blocks stop being mapped on their own once blocks of their size have been
// freed (the dynamic mmap threshold). After a few hundred megabytes of
// requests have come and gone, the server's resident memory stays that
// much higher although nothing uses it, and successive bursts on different
// threads add up: 1.6 GB resident after three bursts, 0.9 GB of it in use.
//
// So a thread looks at the byte budget every `period`. When what requests
// hold has fallen by at least `min_drop` below its highest point since the
// last look, it calls malloc_trim(0), which returns every free page of
// every arena. Steady traffic of small requests never triggers it; a trim
// costs a few milliseconds of one thread per burst. Where an operator
// preloads jemalloc or gperftools' tcmalloc in place of glibc's malloc (as
// many do for Triton), malloc_trim would see none of their memory, so the
// trim asks them instead: jemalloc's "arena.<all>.purge", tcmalloc's
// MallocExtension_ReleaseFreeMemory.
//
//   HeapTrimmer trimmer(&budget, HeapTrimmer::Options{});
//   ... serve; the destructor stops the thread ...
//
// Thread-safety: Poll() may be called on any thread; the destructor joins
// the thread the constructor started.
#ifndef CONVOY_SERVER_CORE_HEAP_TRIMMER_H_
#define CONVOY_SERVER_CORE_HEAP_TRIMMER_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

#include "server/core/memory_budget.h"

namespace convoy::server {

class HeapTrimmer {
 public:
  struct Options {
    std::chrono::milliseconds period{500};
    int64_t min_drop = int64_t{64} << 20;
    // What returns the memory; TrimHeap() by default.
    // Tests count calls instead.
    std::function<void()> trim;
    // Whether to start the thread; without it, only Poll() trims.
    bool start_thread = true;
  };

  HeapTrimmer(MemoryBudget* budget, Options options);
  ~HeapTrimmer();
  HeapTrimmer(const HeapTrimmer&) = delete;
  HeapTrimmer& operator=(const HeapTrimmer&) = delete;

  // Trims if what the budget holds fell by min_drop since the last Poll;
  // returns whether it did.
  bool Poll();

  // Returns the allocator's free pages (jemalloc's or tcmalloc's where the
  // process allocates with one, else glibc's malloc_trim), logs the
  // allocator and the resident memory it returned, and names the allocator:
  // "jemalloc", "tcmalloc", "glibc" (or "none" without glibc).
  static const char* TrimHeap();

 private:
  void Loop();

  MemoryBudget* const budget_;
  const Options options_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // Guarded by mu_.
  std::thread thread_;
};

}  // namespace convoy::server

#endif  // CONVOY_SERVER_CORE_HEAP_TRIMMER_H_
