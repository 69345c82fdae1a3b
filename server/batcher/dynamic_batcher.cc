#include "server/batcher/dynamic_batcher.h"

#include <pthread.h>

#include <algorithm>
#include <deque>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/memory/memory.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "server/batcher/tsan_annotations.h"

namespace convoy::server {
namespace {

struct Failure {
  std::unique_ptr<BatchTask> task;
  absl::Status status;
};

// What a worker does next; everything in it happens outside the lock.
struct Work {
  std::vector<Failure> failures;
  std::vector<QueuedTask> batch;
  bool exit = false;  // The queue is drained and nothing more can arrive.
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
  if (options.max_queue_size < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_queue_size must be >= 1, got ", options.max_queue_size, model));
  }
  if (options.num_workers < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("num_workers must be >= 1, got ", options.num_workers, model));
  }
  return absl::OkStatus();
}

// Linux limits thread names to 15 bytes; a name only helps in debuggers and
// profilers, so failing to set it is ignored.
void NameThisThread(const std::string& model) {
  const std::string name = absl::StrCat("batch:", model).substr(0, 15);
  pthread_setname_np(pthread_self(), name.c_str());
}

}  // namespace

struct DynamicBatcher::State {
  State(const Options& options, Clock* clock, ProcessFn process)
      : options(options), clock(clock), process(std::move(process)) {}

  // The worker thread's body: form a batch, run it, until drained.
  void Run();
  Work TakeWork() ABSL_LOCKS_EXCLUDED(mu);
  // Fails dead tasks among those that could join the next batch, so that
  // they neither count towards it nor make it look full.
  void DropDeadHead(absl::Time now, std::vector<Failure>* failures)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  // How many head tasks to dispatch now; 0 means wait until *wake_at (or
  // new arrivals). REQUIRES: the queue is not empty.
  size_t TasksToDispatch(absl::Time now, absl::Time* wake_at) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  bool IsPreferred(int64_t items) const {
    const std::vector<int64_t>& sizes = options.preferred_batch_sizes;
    return std::find(sizes.begin(), sizes.end(), items) != sizes.end();
  }

  const Options options;
  Clock* const clock;
  const ProcessFn process;

  mutable absl::Mutex mu;
  std::deque<QueuedTask> queue ABSL_GUARDED_BY(mu);
  // Counts accepted tasks, so that a waiting worker notices arrivals even
  // when another worker has already taken them.
  uint64_t arrivals ABSL_GUARDED_BY(mu) = 0;
  bool accepting ABSL_GUARDED_BY(mu) = true;
};

void DynamicBatcher::State::Run() {
  NameThisThread(options.name);
  for (;;) {
    Work work = TakeWork();
    for (Failure& failure : work.failures) failure.task->Fail(failure.status);
    work.failures.clear();  // Destroys the failed tasks before running the batch.
    if (!work.batch.empty()) process(std::move(work.batch));
    if (work.exit) return;
  }
}

Work DynamicBatcher::State::TakeWork() {
  Work work;
  AnnotatedMutexLock lock(&mu);
  for (;;) {
    const absl::Time now = clock->Now();
    DropDeadHead(now, &work.failures);
    if (queue.empty()) {
      if (!accepting) {
        work.exit = true;
        return work;
      }
      if (!work.failures.empty()) return work;  // Report them before idling.
      auto arrived_or_stopped = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
        return !queue.empty() || !accepting;
      };
      clock->AwaitWithDeadline(&mu, absl::Condition(&arrived_or_stopped), absl::InfiniteFuture());
      continue;
    }
    absl::Time wake_at = absl::InfiniteFuture();
    const size_t n = TasksToDispatch(now, &wake_at);
    if (n > 0) {
      work.batch.reserve(n);
      for (size_t i = 0; i < n; ++i) {
        work.batch.push_back(std::move(queue.front()));
        queue.pop_front();
      }
      return work;
    }
    if (!work.failures.empty()) return work;
    const uint64_t seen = arrivals;
    auto changed = [this, seen]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
      return arrivals != seen || !accepting;
    };
    clock->AwaitWithDeadline(&mu, absl::Condition(&changed), wake_at);
  }
}

void DynamicBatcher::State::DropDeadHead(absl::Time now, std::vector<Failure>* failures) {
  int64_t items = 0;
  for (auto it = queue.begin(); it != queue.end();) {
    const BatchTask& task = *it->task;
    absl::Status status;
    // The deadline first: gRPC also marks a call cancelled when its
    // deadline passes, and the deadline is the truer reason.
    if (task.deadline() <= now) {
      status = absl::DeadlineExceededError(
          absl::StrCat("deadline exceeded after waiting ", absl::FormatDuration(now - it->enqueued),
                       " in the queue of model '", options.name, "'"));
    } else if (task.IsCancelled()) {
      status = absl::CancelledError(
          absl::StrCat("request to model '", options.name, "' was cancelled while queued"));
    }
    if (!status.ok()) {
      failures->push_back(Failure{std::move(it->task), std::move(status)});
      it = queue.erase(it);
      continue;
    }
    // The first live task that does not fit still matters: it makes the
    // batch full. Anything after it cannot join the next batch.
    items += task.size();
    if (items > options.max_batch_size || !options.batching) return;
    ++it;
  }
}

size_t DynamicBatcher::State::TasksToDispatch(absl::Time now, absl::Time* wake_at) {
  if (!options.batching) return 1;
  size_t n = 0;
  size_t preferred = 0;
  int64_t items = 0;
  while (n < queue.size() && items + queue[n].task->size() <= options.max_batch_size) {
    items += queue[n].task->size();
    ++n;
    if (IsPreferred(items)) preferred = n;
  }
  const bool full = items == options.max_batch_size || n < queue.size();
  // Nothing can arrive once we stop accepting, so waiting would only delay.
  if (full || !accepting) return n;
  if (preferred > 0) return preferred;
  const absl::Time flush_at = queue.front().enqueued + options.max_queue_delay;
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
  batcher->workers_.reserve(options.num_workers);
  for (int i = 0; i < options.num_workers; ++i) {
    batcher->workers_.emplace_back([state = batcher->state_] { state->Run(); });
  }
  return batcher;
}

DynamicBatcher::DynamicBatcher(std::shared_ptr<State> state) : state_(std::move(state)) {}

DynamicBatcher::~DynamicBatcher() {
  StopAccepting();
  const std::thread::id self = std::this_thread::get_id();
  for (std::thread& worker : workers_) {
    // Joining ourselves would deadlock; our thread keeps the State alive
    // and drains with the others once the callback that is destroying us
    // returns.
    if (worker.get_id() == self) {
      worker.detach();
    } else {
      worker.join();
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
    } else if (static_cast<int64_t>(state_->queue.size()) >= options.max_queue_size) {
      status = absl::UnavailableError(absl::StrCat("queue of model '", options.name,
                                                   "' is full (", options.max_queue_size,
                                                   " requests); retry later"));
    } else {
      // Stamped under the lock so that queue order is also time order.
      state_->queue.push_back(QueuedTask{std::move(task), state_->clock->Now()});
      ++state_->arrivals;
      return absl::OkStatus();
    }
  }
  task->Fail(status);
  return status;
}

int64_t DynamicBatcher::queue_depth() const {
  AnnotatedMutexLock lock(&state_->mu);
  return static_cast<int64_t>(state_->queue.size());
}

void DynamicBatcher::StopAccepting() {
  AnnotatedMutexLock lock(&state_->mu);
  state_->accepting = false;
}

}  // namespace convoy::server
