// Lets ThreadSanitizer see what absl::Mutex synchronises.
//
// Debian's libabsl is compiled without -fsanitize=thread, so under TSan the
// lock and unlock inside absl::Mutex are invisible and every access to
// ABSL_GUARDED_BY state looks like a race. The batcher and its clocks call
// these helpers at every point where they acquire or release a mutex, which
// gives TSan the happens-before edges the mutex really provides. Outside TSan
// builds they compile to nothing.
//
// Used by server/batcher, its test doubles, the WorkPool and the HTTP
// transport (server/http), whose tests run under TSan; other code would need
// it for clean TSan runs over its own absl::Mutex.
#ifndef CONVOY_SERVER_BATCHER_TSAN_ANNOTATIONS_H_
#define CONVOY_SERVER_BATCHER_TSAN_ANNOTATIONS_H_

#include "absl/base/config.h"
#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

#ifdef ABSL_HAVE_THREAD_SANITIZER
#include <sanitizer/tsan_interface.h>
#endif

namespace convoy::server {

// Call right after `mu` was acquired: Lock(), a successful TryLock(), or
// return from one of its Await functions.
inline void TsanMutexAcquired([[maybe_unused]] const absl::Mutex* mu) {
#ifdef ABSL_HAVE_THREAD_SANITIZER
  __tsan_acquire(const_cast<absl::Mutex*>(mu));
#endif
}

// Call right before `mu` is released: Unlock(), or entering one of its Await
// functions.
inline void TsanMutexReleasing([[maybe_unused]] const absl::Mutex* mu) {
#ifdef ABSL_HAVE_THREAD_SANITIZER
  __tsan_release(const_cast<absl::Mutex*>(mu));
#endif
}

// absl::MutexLock, annotated.
class ABSL_SCOPED_LOCKABLE AnnotatedMutexLock {
 public:
  explicit AnnotatedMutexLock(absl::Mutex* mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu) : mu_(mu) {
    mu_->Lock();
    TsanMutexAcquired(mu_);
  }
  ~AnnotatedMutexLock() ABSL_UNLOCK_FUNCTION() {
    TsanMutexReleasing(mu_);
    mu_->Unlock();
  }

  AnnotatedMutexLock(const AnnotatedMutexLock&) = delete;
  AnnotatedMutexLock& operator=(const AnnotatedMutexLock&) = delete;

 private:
  absl::Mutex* const mu_;
};

// Runs `await(condition)`, where `await` calls one of mu's Await functions,
// annotated. absl evaluates `cond` with `mu` held, but on any thread and
// inside the uninstrumented library, so each evaluation is bracketed too.
// Returns what `await` returns. REQUIRES: `mu` is held.
template <typename AwaitFn>
bool AnnotatedAwait([[maybe_unused]] absl::Mutex* mu, const absl::Condition& cond, AwaitFn await)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
#ifdef ABSL_HAVE_THREAD_SANITIZER
  auto eval = [mu, &cond] {
    TsanMutexAcquired(mu);
    const bool result = cond.Eval();
    TsanMutexReleasing(mu);
    return result;
  };
  TsanMutexReleasing(mu);
  const bool result = await(absl::Condition(&eval));
  TsanMutexAcquired(mu);
  return result;
#else
  return await(cond);
#endif
}

// mu->AwaitWithTimeout(cond, timeout), annotated. REQUIRES: `mu` is held.
inline bool AnnotatedAwaitWithTimeout(absl::Mutex* mu, const absl::Condition& cond,
                                      absl::Duration timeout) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
  return AnnotatedAwait(mu, cond, [mu, timeout](const absl::Condition& c) {
    return mu->AwaitWithTimeout(c, timeout);
  });
}

}  // namespace convoy::server

#endif  // CONVOY_SERVER_BATCHER_TSAN_ANNOTATIONS_H_
