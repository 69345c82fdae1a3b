// ThreadSanitizer suppressions built into the batcher's test binaries, so
// that they apply under ctest without TSAN_OPTIONS.
//
// Debian's libabsl is not built with TSan. Our own uses of absl::Mutex are
// annotated (server/batcher/tsan_annotations.h), but absl's deadlock
// detector keeps a lock-order graph guarded by an internal spinlock that
// TSan cannot see, and reports the memmove calls inside it as races.
#include "absl/base/config.h"

#ifdef ABSL_HAVE_THREAD_SANITIZER
extern "C" const char* __tsan_default_suppressions() {
  return "race:synchronization_internal::GraphCycles\n";
}
#endif
