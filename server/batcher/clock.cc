#include "server/batcher/clock.h"

#include "server/batcher/tsan_annotations.h"

namespace convoy::server {
namespace {

class SystemClock final : public Clock {
 public:
  absl::Time Now() override { return absl::Now(); }

  bool AwaitWithDeadline(absl::Mutex* mu, const absl::Condition& cond, absl::Time deadline)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) override {
    return AnnotatedAwait(mu, cond, [mu, deadline](const absl::Condition& c) {
      return mu->AwaitWithDeadline(c, deadline);
    });
  }
};

}  // namespace

Clock* RealClock() {
  // Leaked on purpose: batchers may outlive static destruction order.
  static Clock* const clock = new SystemClock();
  return clock;
}

}  // namespace convoy::server
