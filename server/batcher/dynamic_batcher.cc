#include "server/batcher/dynamic_batcher.h"

#include <pthread.h>

#include <algorithm>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/memory/memory.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "server/batcher/tsan_annotations.h"

namespace convoy::server {
namespace {

// What a worker does next; everything in it happens outside the lock.
struct Work {
  std::vector<FailedTask> failures;
  std::vector<QueuedTask> batch;
  uint64_t ticket = 0;  // The batch's turn, with preserve_ordering.
  bool exit = false;    // The queue is drained and nothing more can arrive.
};

absl::Status ValidateOptions(const DynamicBatcher::Options& options) {
  const std::string model = absl::StrCat(" (model '", options.name, "')");
  if (options.max_batch_size < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_batch_size must be >= 1, got ", options.max_batch_size, model));
  }
  if (options.max_queue_delay < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat("max_queue_delay must be >= 0, got ",
                                                   absl::FormatDuration(options.max_queue_delay),
                                                   model));
  }
  for (int64_t size : options.preferred_batch_sizes) {
    if (size < 1 || size > options.max_batch_size) {
      return absl::InvalidArgumentError(
          absl::StrCat("preferred_batch_sizes must be in [1, max_batch_size ",
                       options.max_batch_size, "], got ", size, model));
    }
  }
  if (options.num_workers < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("num_workers must be >= 1, got ", options.num_workers, model));
  }
  return ValidateQueueOptions(options.queue, options.name);
}

bool HasTimeouts(const QueueOptions& queue) {
  if (queue.default_queue_policy.default_timeout > absl::ZeroDuration()) return true;
  for (const auto& [level, policy] : queue.priority_queue_policy) {
    if (policy.default_timeout > absl::ZeroDuration()) return true;
  }
  return false;
}

// Linux limits thread names to 15 bytes; a name only helps in debuggers and
// profilers, so failing to set it is ignored.
void NameThisThread(absl::string_view role, const std::string& model) {
  const std::string name = absl::StrCat(role, model).substr(0, 15);
  pthread_setname_np(pthread_self(), name.c_str());
}

}  // namespace

struct DynamicBatcher::State {
  State(const Options& options, Clock* clock, ProcessFn process)
      : options(options),
        clock(clock),
        process(std::move(process)),
        order(options.preserve_ordering ? std::make_shared<DeliveryOrder>() : nullptr),
        queue(options.queue, options.name) {}

  // A worker thread's body: form a batch, run it, until drained.
  void Run();
  // The timeout thread's body: apply each timeout when it is due, until
  // the batcher stops accepting (the workers then flush the queue).
  void RunTimeouts();
  Work TakeWork() ABSL_LOCKS_EXCLUDED(mu);
  // Applies the timeouts due at `now` and lets waiting workers see it.
  void ExpireDue(absl::Time now, std::vector<FailedTask>* failures) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  // How many head tasks to dispatch now; 0 means wait until *wake_at (or a
  // change of the queue). Dead tasks among those that could join the next
  // batch go to `failures` on the way, so that they neither count towards
  // it nor make it look full.
  size_t TasksToDispatch(absl::Time now, absl::Time* wake_at, std::vector<FailedTask>* failures)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  // Why `queued` must not run (deadline passed, cancelled), or OK.
  absl::Status DeadStatus(const QueuedTask& queued, absl::Time now) const;
  // Whether batches are balanced against the last one (Options::balance).
  bool Balances() const {
    return options.balance && options.batching && options.num_workers == 1 &&
           options.max_queue_delay == absl::ZeroDuration() && options.preferred_batch_sizes.empty();
  }
  bool IsPreferred(int64_t items) const {
    const std::vector<int64_t>& sizes = options.preferred_batch_sizes;
    return std::find(sizes.begin(), sizes.end(), items) != sizes.end();
  }

  const Options options;
  Clock* const clock;
  const ProcessFn process;
  const std::shared_ptr<DeliveryOrder> order;  // Null without preserve_ordering.

  mutable absl::Mutex mu;
  BatchQueue queue ABSL_GUARDED_BY(mu);
  // Counts arrivals and timeouts, so that a waiting worker notices them
  // even when another worker has already taken the tasks.
  uint64_t changes ABSL_GUARDED_BY(mu) = 0;
  bool accepting ABSL_GUARDED_BY(mu) = true;
  // Items of the batch dispatched last, while the queue has not run dry
  // since: the requests that batch answers are the ones coming back.
  int64_t last_items ABSL_GUARDED_BY(mu) = 0;
};

void DynamicBatcher::State::Run() {
  NameThisThread("batch:", options.name);
  for (;;) {
    Work work = TakeWork();
    for (FailedTask& failure : work.failures) failure.task->Fail(failure.status);
    work.failures.clear();  // Destroys the failed tasks before running the batch.
    if (!work.batch.empty()) {
      BatchDelivery delivery(order, work.ticket);
      process(std::move(work.batch), delivery);
    }
    if (work.exit) return;
  }
}

void DynamicBatcher::State::RunTimeouts() {
  NameThisThread("queue:", options.name);
  for (;;) {
    std::vector<FailedTask> failures;
    {
      AnnotatedMutexLock lock(&mu);
      for (;;) {
        if (!accepting) return;
        ExpireDue(clock->Now(), &failures);
        if (!failures.empty()) break;
        // Arrivals wake this thread only when they time out first.
        const absl::Time next = queue.next_expiry();
        auto sooner_or_stopped = [this, next]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
          return queue.next_expiry() < next || !accepting;
        };
        clock->AwaitWithDeadline(&mu, absl::Condition(&sooner_or_stopped), next);
      }
    }
    for (FailedTask& failure : failures) failure.task->Fail(failure.status);
  }
}

Work DynamicBatcher::State::TakeWork() {
  Work work;
  AnnotatedMutexLock lock(&mu);
  for (;;) {
    const absl::Time now = clock->Now();
    ExpireDue(now, &work.failures);
    absl::Time wake_at = absl::InfiniteFuture();
    const size_t n = TasksToDispatch(now, &wake_at, &work.failures);
    if (n > 0) {
      work.batch = queue.PopFront(n);
      last_items = 0;
      for (const QueuedTask& queued : work.batch) last_items += queued.task->size();
      // Under the lock, so that tickets follow the dispatch order.
      if (order != nullptr) work.ticket = order->Take();
      return work;
    }
    if (queue.empty() && !accepting) {
      work.exit = true;
      return work;
    }
    if (!work.failures.empty()) return work;  // Report them before idling.
    if (queue.empty()) last_items = 0;
    const uint64_t seen = changes;
    auto changed = [this, seen]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
      return changes != seen || !accepting;
    };
    clock->AwaitWithDeadline(&mu, absl::Condition(&changed), wake_at);
  }
}

void DynamicBatcher::State::ExpireDue(absl::Time now, std::vector<FailedTask>* failures) {
  if (queue.Expire(now, failures)) ++changes;
}

absl::Status DynamicBatcher::State::DeadStatus(const QueuedTask& queued, absl::Time now) const {
  const BatchTask& task = *queued.task;
  // The deadline first: gRPC also marks a call cancelled when its deadline
  // passes, and the deadline is the truer reason.
  if (task.deadline() <= now) {
    return absl::DeadlineExceededError(
        absl::StrCat("deadline exceeded after waiting ", absl::FormatDuration(now - queued.enqueued),
                     " in the queue of model '", options.name, "'"));
  }
  if (task.IsCancelled()) {
    return absl::CancelledError(
        absl::StrCat("request to model '", options.name, "' was cancelled while queued"));
  }
  return absl::OkStatus();
}

size_t DynamicBatcher::State::TasksToDispatch(absl::Time now, absl::Time* wake_at,
                                              std::vector<FailedTask>* failures) {
  size_t n = 0;
  size_t preferred = 0;
  int64_t items = 0;
  std::vector<int64_t> prefix_items;  // Items of the first 1, 2, ... tasks, when balancing.
  const int64_t last = last_items;  // Read here: the visitor below runs outside the analysis of `mu`.
  const bool balance = Balances() && last > 0;
  int64_t queued_items = 0;  // Counted past the candidate only when balancing.
  bool more = false;         // A live task follows that cannot join.
  absl::Time oldest = absl::InfiniteFuture();
  std::vector<QueuedTask> dead;
  std::vector<absl::Status> why;
  queue.Walk(
      [&](const QueuedTask& queued) {
        const int64_t size = queued.task->size();
        if (more) {
          // Past the candidate: only counting, and only up to the point
          // where the balanced batch would be the largest anyway.
          queued_items += size;
          return queued_items + last < 2 * options.max_batch_size ? BatchQueue::Step::kNext
                                                                       : BatchQueue::Step::kStop;
        }
        absl::Status status = DeadStatus(queued, now);
        if (!status.ok()) {
          why.push_back(std::move(status));
          return BatchQueue::Step::kRemove;
        }
        // The first live task that does not fit still matters: it makes
        // the batch full. Anything after it cannot join the next batch.
        if (n > 0 && (!options.batching || items + size > options.max_batch_size)) {
          more = true;
          queued_items = items + size;
          return balance ? BatchQueue::Step::kNext : BatchQueue::Step::kStop;
        }
        ++n;
        items += size;
        if (balance) prefix_items.push_back(items);
        oldest = std::min(oldest, queued.enqueued);
        if (IsPreferred(items)) preferred = n;
        return BatchQueue::Step::kNext;
      },
      &dead);
  for (size_t i = 0; i < dead.size(); ++i) failures->push_back(FailedTask{std::move(dead[i].task), why[i]});
  if (n == 0 || !options.batching) return n;
  if (!more) queued_items = items;
  if (balance && queued_items > last) {
    // More has queued than the batch just run holds: split what is in the
    // system, these and the requests that batch answered, into two even
    // halves, so that the batches alternate at equal sizes (Options::balance).
    const int64_t half = std::min(options.max_batch_size, (queued_items + last + 1) / 2);
    const auto reaching = std::lower_bound(prefix_items.begin(), prefix_items.end(), half);
    return std::min(n, static_cast<size_t>(reaching - prefix_items.begin()) + 1);
  }
  const bool full = items == options.max_batch_size || more;
  // Nothing can arrive once we stop accepting, so waiting would only delay.
  if (full || !accepting) return n;
  if (preferred > 0) return preferred;
  const absl::Time flush_at = oldest + options.max_queue_delay;
  if (now >= flush_at) return n;
  *wake_at = flush_at;
  return 0;
}

absl::StatusOr<std::unique_ptr<DynamicBatcher>> DynamicBatcher::Create(const Options& options,
                                                                       Clock* clock,
                                                                       ProcessFn process) {
  if (absl::Status status = ValidateOptions(options); !status.ok()) return status;
  if (clock == nullptr) return absl::InvalidArgumentError("clock must not be null");
  if (!process) return absl::InvalidArgumentError("process callback must not be empty");
  auto batcher = absl::WrapUnique(
      new DynamicBatcher(std::make_shared<State>(options, clock, std::move(process))));
  batcher->threads_.reserve(options.num_workers + 1);
  for (int i = 0; i < options.num_workers; ++i) {
    batcher->threads_.emplace_back([state = batcher->state_] { state->Run(); });
  }
  if (HasTimeouts(options.queue)) {
    batcher->threads_.emplace_back([state = batcher->state_] { state->RunTimeouts(); });
  }
  return batcher;
}

DynamicBatcher::DynamicBatcher(std::shared_ptr<State> state) : state_(std::move(state)) {}

DynamicBatcher::~DynamicBatcher() {
  StopAccepting();
  const std::thread::id self = std::this_thread::get_id();
  for (std::thread& thread : threads_) {
    // Joining ourselves would deadlock; our thread keeps the State alive
    // and, if it is a worker, drains with the others once the callback
    // that is destroying us returns.
    if (thread.get_id() == self) {
      thread.detach();
    } else {
      thread.join();
    }
  }
}

absl::Status DynamicBatcher::Enqueue(std::unique_ptr<BatchTask> task) {
  if (task == nullptr) return absl::InvalidArgumentError("task must not be null");
  const Options& options = state_->options;
  const int64_t size = task->size();
  absl::Status status;
  if (size < 1) {
    status = absl::InvalidArgumentError(absl::StrCat("batch of ", size, " is empty; model '",
                                                     options.name, "' needs at least 1 item"));
  } else if (size > options.max_batch_size) {
    status = absl::InvalidArgumentError(absl::StrCat("batch of ", size, " exceeds max_batch_size ",
                                                     options.max_batch_size, " of model '",
                                                     options.name, "'"));
  } else {
    AnnotatedMutexLock lock(&state_->mu);
    if (!state_->accepting) {
      status = absl::UnavailableError(
          absl::StrCat("model '", options.name, "' is shutting down and accepts no requests"));
    } else {
      // Stamped under the lock so that queue order is also time order.
      status = state_->queue.Push(task, state_->clock->Now());
      if (status.ok()) {
        ++state_->changes;
        return status;
      }
    }
  }
  task->Fail(status);
  return status;
}

int64_t DynamicBatcher::queue_depth() const {
  AnnotatedMutexLock lock(&state_->mu);
  return state_->queue.size();
}

void DynamicBatcher::StopAccepting() {
  AnnotatedMutexLock lock(&state_->mu);
  state_->accepting = false;
}

}  // namespace convoy::server
