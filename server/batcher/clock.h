// Clock: the batcher's source of time, injected so that tests are
// deterministic.
//
// The batcher never reads the wall clock or sleeps on its own: it stamps
// tasks with Now() and waits for its queue delay through AwaitWithDeadline().
// Production code passes RealClock(); tests pass a FakeClock
// (server/batcher/testing/fake_clock.h) whose time moves only when the test
// says so, which makes "nothing is dispatched before max_queue_delay" a
// statement a test can check exactly instead of a race against a timer.
//
// Thread-safety: implementations must allow every method to be called
// concurrently from any thread.
#ifndef CONVOY_SERVER_BATCHER_CLOCK_H_
#define CONVOY_SERVER_BATCHER_CLOCK_H_

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace convoy::server {

class Clock {
 public:
  virtual ~Clock() = default;

  virtual absl::Time Now() = 0;

  // Waits until `cond` is true or Now() >= `deadline`
  // (absl::InfiniteFuture(): no deadline) and returns `cond`'s value, like
  // absl::Mutex::AwaitWithDeadline. `mu` is released while waiting and held
  // again on return. `cond` must depend only on state guarded by `mu`.
  // REQUIRES: `mu` is held by the caller.
  virtual bool AwaitWithDeadline(absl::Mutex* mu, const absl::Condition& cond,
                                 absl::Time deadline) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) = 0;
};

// The system clock (absl::Now()). Process-wide, thread-safe, never deleted.
Clock* RealClock();

}  // namespace convoy::server

#endif  // CONVOY_SERVER_BATCHER_CLOCK_H_
