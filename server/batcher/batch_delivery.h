// BatchDelivery: when the results of a batch may reach their clients.
//
// Triton's preserve_ordering returns responses in the order the requests
// left the queue. With several workers a later batch can finish first, so a
// DynamicBatcher with preserve_ordering gives every batch a ticket as it
// dispatches it (DeliveryOrder::Take, in dispatch order), and the process
// callback ends the batch's tasks inside the closure it hands to
// BatchDelivery::Deliver. The closure runs once every batch dispatched
// before it has delivered: at once on the calling thread when that is so,
// otherwise later, on the thread that delivers the batch just before it.
// Nothing blocks: a finished batch whose turn has not come waits as a
// closure while its worker goes on to the next batch.
//
// A batch that is never delivered (the callback returned without calling
// Deliver) releases its turn when its BatchDelivery is destroyed, so one
// mistake cannot hold every later answer forever.
//
// Without an order (preserve_ordering off), Deliver runs the closure at once.
//
// Thread-safety: DeliveryOrder's methods may be called concurrently. A
// BatchDelivery belongs to the worker running its batch.
#ifndef CONVOY_SERVER_BATCHER_BATCH_DELIVERY_H_
#define CONVOY_SERVER_BATCHER_BATCH_DELIVERY_H_

#include <cstdint>
#include <map>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"

namespace convoy::server {

class DeliveryOrder {
 public:
  // The next ticket. Callers take tickets in the order deliveries must run.
  uint64_t Take();

  // Runs `deliver` (may be empty: the ticket's turn is only released) in
  // ticket order: now, with every later one already waiting, if `ticket` is
  // the next due, else once it is. Never called under the caller's locks:
  // the closures may do anything, even destroy their batcher.
  // REQUIRES: `ticket` came from Take() and is finished once.
  void Finish(uint64_t ticket, absl::AnyInvocable<void()> deliver);

 private:
  absl::Mutex mu_;
  uint64_t next_ticket_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t next_due_ ABSL_GUARDED_BY(mu_) = 0;
  // Finished tickets whose turn has not come.
  std::map<uint64_t, absl::AnyInvocable<void()>> waiting_ ABSL_GUARDED_BY(mu_);
  // A thread is running closures in order; others only leave theirs.
  bool delivering_ ABSL_GUARDED_BY(mu_) = false;
};

class BatchDelivery {
 public:
  // No order: Deliver runs at once.
  BatchDelivery() = default;
  // `order` may be null (no order).
  BatchDelivery(std::shared_ptr<DeliveryOrder> order, uint64_t ticket)
      : order_(std::move(order)), ticket_(ticket) {}
  // Releases the turn if Deliver was not called.
  ~BatchDelivery();

  BatchDelivery(const BatchDelivery&) = delete;
  BatchDelivery& operator=(const BatchDelivery&) = delete;

  // Runs `deliver`, which ends the batch's tasks, in the batch's turn (see
  // above). `deliver` must not throw and must not wait for a later batch.
  // REQUIRES: called at most once.
  void Deliver(absl::AnyInvocable<void()> deliver);

  // The batch's place in the delivery order (0, 1, ...); 0 without one.
  uint64_t ticket() const { return ticket_; }

 private:
  std::shared_ptr<DeliveryOrder> order_;
  uint64_t ticket_ = 0;
  bool done_ = false;
};

}  // namespace convoy::server

#endif  // CONVOY_SERVER_BATCHER_BATCH_DELIVERY_H_
