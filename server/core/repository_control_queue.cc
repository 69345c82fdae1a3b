#include "server/core/repository_control_queue.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace convoy::server {
namespace {

absl::Status ShuttingDown() { return absl::UnavailableError("the server is shutting down"); }

}  // namespace

RepositoryControlQueue::RepositoryControlQueue(Options options)
    : options_(options), worker_([this] { Work(); }) {}

RepositoryControlQueue::~RepositoryControlQueue() {
  Stop();
  worker_.join();
}

absl::Status RepositoryControlQueue::Submit(Operation operation, Done done) {
  absl::MutexLock lock(&mu_);
  if (stopped_) return ShuttingDown();
  if (pending_.size() >= options_.max_pending) {
    return absl::ResourceExhaustedError(
        absl::StrCat(options_.max_pending,
                     " model loads and unloads are already waiting (the most the server queues); "
                     "try again once they are done"));
  }
  pending_.push_back({std::move(operation), std::move(done)});
  return absl::OkStatus();
}

void RepositoryControlQueue::Stop() {
  std::deque<Pending> failed;
  {
    absl::MutexLock lock(&mu_);
    stopped_ = true;
    failed.swap(pending_);
  }
  for (Pending& pending : failed) pending.done(ShuttingDown());
}

void RepositoryControlQueue::Work() {
  for (;;) {
    Pending next;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &RepositoryControlQueue::HasWork));
      if (pending_.empty()) return;  // Stopped, and Stop() failed the rest.
      next = std::move(pending_.front());
      pending_.pop_front();
    }
    next.done(next.operation());
  }
}

}  // namespace convoy::server
