// FakeClock: a Clock whose time moves only when a test says so.
//
// Tests of the batcher use it to make timing deterministic: with the clock
// frozen, a partial batch provably stays queued, and advancing the clock by
// exactly max_queue_delay provably releases it. Together with
// BlockUntilWaiters() a test can wait until a worker has decided to wait
// (it is blocked in AwaitWithDeadline) before moving time, instead of
// sleeping and hoping.
//
// How waiters wake: a waiter blocks in absl::Mutex::Await on its own mutex
// with the condition "cond || Now() >= deadline". absl re-evaluates such
// conditions when the mutex is released, so after moving time Advance()
// briefly locks and unlocks the mutex of every waiter whose deadline has
// passed. It only try-locks while it holds its own registry lock (waiters
// take the two locks in the other order), which also guarantees that a
// waiter's mutex is still alive while Advance() touches it.
//
// Thread-safety: all methods may be called concurrently.
#ifndef CONVOY_SERVER_BATCHER_TESTING_FAKE_CLOCK_H_
#define CONVOY_SERVER_BATCHER_TESTING_FAKE_CLOCK_H_

#include <atomic>
#include <cstdint>
#include <map>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/batcher/clock.h"

namespace convoy::server {

class FakeClock final : public Clock {
 public:
  // A fixed, arbitrary start (2024-01-01 00:00 UTC) so runs are reproducible.
  explicit FakeClock(absl::Time start = absl::FromUnixSeconds(1704067200));

  absl::Time Now() override;
  bool AwaitWithDeadline(absl::Mutex* mu, const absl::Condition& cond, absl::Time deadline)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) override;

  // Moves time forward by `d` (>= 0) and wakes the waiters whose deadline
  // has now passed. REQUIRES: the caller holds no mutex that a waiter waits
  // on (Advance needs to take it for an instant).
  void Advance(absl::Duration d);
  // Sets the time (finite, within +-292 years of 1970); same REQUIRES.
  void SetTime(absl::Time t);

  // Block the calling thread until at least `n` threads are waiting in
  // AwaitWithDeadline (with any deadline), or until at least one waits with
  // exactly `deadline`. A waiter counted here has decided to wait and will
  // not return before its condition holds or time reaches its deadline, so
  // a test can then move time knowing where the waiter stands, e.g.:
  //   batcher->Enqueue(task);  // max_queue_delay 10ms
  //   ASSERT_TRUE(clock.BlockUntilWaiterWithDeadline(start + absl::Milliseconds(10)));
  //   clock.Advance(absl::Milliseconds(10));  // the batch is released now
  // `timeout` is real time and only keeps a broken test from hanging:
  // returns false if it ran out.
  [[nodiscard]] bool BlockUntilWaiters(int n, absl::Duration timeout = absl::Seconds(60));
  [[nodiscard]] bool BlockUntilWaiterWithDeadline(absl::Time deadline,
                                                  absl::Duration timeout = absl::Seconds(60));

  int num_waiters() const;

 private:
  struct Waiter {
    absl::Mutex* mu;
    absl::Time deadline;
  };

  void WakeExpiredWaiters();

  // Nanoseconds since the Unix epoch; atomic because waiters' conditions
  // read it while absl evaluates them, under the waiter's mutex only.
  std::atomic<int64_t> now_ns_;

  mutable absl::Mutex mu_;  // Registry; taken after a waiter's mutex.
  uint64_t next_waiter_id_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<uint64_t, Waiter> waiters_ ABSL_GUARDED_BY(mu_);
};

}  // namespace convoy::server

#endif  // CONVOY_SERVER_BATCHER_TESTING_FAKE_CLOCK_H_
