#include "server/batcher/batch_delivery.h"

#include <utility>

#include "server/batcher/tsan_annotations.h"

namespace convoy::server {

uint64_t DeliveryOrder::Take() {
  AnnotatedMutexLock lock(&mu_);
  return next_ticket_++;
}

void DeliveryOrder::Finish(uint64_t ticket, absl::AnyInvocable<void()> deliver) {
  {
    AnnotatedMutexLock lock(&mu_);
    waiting_.emplace(ticket, std::move(deliver));
    if (delivering_) return;  // The delivering thread will come to it.
    delivering_ = true;
  }
  for (;;) {
    absl::AnyInvocable<void()> next;
    {
      AnnotatedMutexLock lock(&mu_);
      auto it = waiting_.begin();
      if (it == waiting_.end() || it->first != next_due_) {
        // Checked and released under one lock: a ticket finished after
        // this finds delivering_ false and delivers itself.
        delivering_ = false;
        return;
      }
      next = std::move(it->second);
      waiting_.erase(it);
      ++next_due_;
    }
    if (next) next();
  }
}

BatchDelivery::~BatchDelivery() {
  if (!done_ && order_ != nullptr) order_->Finish(ticket_, nullptr);
}

void BatchDelivery::Deliver(absl::AnyInvocable<void()> deliver) {
  if (done_ || order_ == nullptr) {
    done_ = true;
    deliver();
    return;
  }
  done_ = true;
  order_->Finish(ticket_, std::move(deliver));
}

}  // namespace convoy::server
