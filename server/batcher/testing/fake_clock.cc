#include "server/batcher/testing/fake_clock.h"

#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "server/batcher/tsan_annotations.h"

namespace convoy::server {

FakeClock::FakeClock(absl::Time start) : now_ns_(absl::ToUnixNanos(start)) {}

absl::Time FakeClock::Now() { return absl::FromUnixNanos(now_ns_.load(std::memory_order_acquire)); }

bool FakeClock::AwaitWithDeadline(absl::Mutex* mu, const absl::Condition& cond,
                                  absl::Time deadline) {
  uint64_t id;
  {
    AnnotatedMutexLock lock(&mu_);
    id = next_waiter_id_++;
    waiters_.emplace(id, Waiter{mu, deadline});
  }
  auto done = [this, &cond, deadline] { return cond.Eval() || Now() >= deadline; };
  AnnotatedAwait(mu, absl::Condition(&done), [mu](const absl::Condition& c) {
    mu->Await(c);
    return true;
  });
  {
    AnnotatedMutexLock lock(&mu_);
    waiters_.erase(id);
  }
  return cond.Eval();
}

void FakeClock::Advance(absl::Duration d) {
  if (d < absl::ZeroDuration()) {  // A test bug, not an input error.
    std::fprintf(stderr, "FakeClock::Advance(%s): time does not go backwards\n",
                 absl::FormatDuration(d).c_str());
    std::abort();
  }
  {
    AnnotatedMutexLock lock(&mu_);
    now_ns_.store(absl::ToUnixNanos(Now() + d), std::memory_order_release);
  }
  WakeExpiredWaiters();
}

void FakeClock::SetTime(absl::Time t) {
  {
    AnnotatedMutexLock lock(&mu_);
    now_ns_.store(absl::ToUnixNanos(t), std::memory_order_release);
  }
  WakeExpiredWaiters();
}

void FakeClock::WakeExpiredWaiters() {
  std::vector<uint64_t> pending;
  {
    AnnotatedMutexLock lock(&mu_);
    const absl::Time now = Now();
    for (const auto& [id, waiter] : waiters_) {
      if (waiter.deadline <= now) pending.push_back(id);
    }
  }
  // A failed TryLock means the waiter's mutex is busy: possibly its owner
  // already evaluated the waiter's condition against the old time on its way
  // out, so retry until we get the mutex or the waiter is gone. Waiters that
  // register from now on read the new time themselves.
  while (!pending.empty()) {
    {
      AnnotatedMutexLock lock(&mu_);
      std::vector<uint64_t> still_pending;
      for (uint64_t id : pending) {
        auto it = waiters_.find(id);
        if (it == waiters_.end()) continue;
        absl::Mutex* mu = it->second.mu;
        if (mu->TryLock()) {
          TsanMutexAcquired(mu);
          TsanMutexReleasing(mu);
          mu->Unlock();  // Makes absl re-evaluate the waiters' conditions.
        } else {
          still_pending.push_back(id);
        }
      }
      pending.swap(still_pending);
    }
    if (!pending.empty()) std::this_thread::yield();
  }
}

bool FakeClock::BlockUntilWaiters(int n, absl::Duration timeout) {
  AnnotatedMutexLock lock(&mu_);
  auto enough = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return waiters_.size() >= static_cast<size_t>(n);
  };
  return AnnotatedAwaitWithTimeout(&mu_, absl::Condition(&enough), timeout);
}

bool FakeClock::BlockUntilWaiterWithDeadline(absl::Time deadline, absl::Duration timeout) {
  AnnotatedMutexLock lock(&mu_);
  auto found = [this, deadline]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    for (const auto& [id, waiter] : waiters_) {
      if (waiter.deadline == deadline) return true;
    }
    return false;
  };
  return AnnotatedAwaitWithTimeout(&mu_, absl::Condition(&found), timeout);
}

int FakeClock::num_waiters() const {
  AnnotatedMutexLock lock(&mu_);
  return static_cast<int>(waiters_.size());
}

}  // namespace convoy::server
