#include "server/batcher/batch_queue.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace convoy::server {
namespace {

absl::Status ValidatePolicy(const QueuePolicy& policy, const std::string& field, const std::string& model) {
  if (policy.default_timeout < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ".default_timeout must be >= 0, got ",
                                                   absl::FormatDuration(policy.default_timeout), model));
  }
  if (policy.max_queue_size < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ".max_queue_size must be >= 0, got ", policy.max_queue_size, model));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateQueueOptions(const QueueOptions& options, const std::string& model) {
  const std::string suffix = absl::StrCat(" (model '", model, "')");
  if (options.priority_levels > 0 &&
      (options.default_priority_level < 1 || options.default_priority_level > options.priority_levels)) {
    return absl::InvalidArgumentError(absl::StrCat("default_priority_level must be in [1, ", options.priority_levels,
                                                   "], got ", options.default_priority_level, suffix));
  }
  if (absl::Status status = ValidatePolicy(options.default_queue_policy, "default_queue_policy", suffix);
      !status.ok()) {
    return status;
  }
  for (const auto& [level, policy] : options.priority_queue_policy) {
    if (level < 1 || level > options.priority_levels) {
      return absl::InvalidArgumentError(absl::StrCat("priority_queue_policy has level ", level,
                                                     ", outside [1, priority_levels ", options.priority_levels,
                                                     "]", suffix));
    }
    if (absl::Status status = ValidatePolicy(policy, absl::StrCat("priority_queue_policy[", level, "]"), suffix);
        !status.ok()) {
      return status;
    }
  }
  return absl::OkStatus();
}

BatchQueue::BatchQueue(QueueOptions options, std::string model)
    : options_(std::move(options)), model_(std::move(model)) {}

uint64_t BatchQueue::LevelOf(const BatchTask& task) const {
  if (options_.priority_levels == 0) return 0;
  const uint64_t priority = task.priority();
  // Triton serves an unknown level at the default one rather than refusing
  // the request (InferenceRequest::SetPriority), so we do too.
  if (priority == 0 || priority > options_.priority_levels) return options_.default_priority_level;
  return priority;
}

const QueuePolicy& BatchQueue::PolicyOf(uint64_t level) const {
  auto it = options_.priority_queue_policy.find(level);
  return it == options_.priority_queue_policy.end() ? options_.default_queue_policy : it->second;
}

absl::Status BatchQueue::Push(std::unique_ptr<BatchTask>& task, absl::Time now) {
  const uint64_t level = LevelOf(*task);
  const QueuePolicy& policy = PolicyOf(level);
  auto found = levels_.find(level);
  const int64_t held = found == levels_.end() ? 0 : found->second.size();
  if (policy.max_queue_size > 0 && held >= policy.max_queue_size) {
    const std::string where = options_.priority_levels > 0 ? absl::StrCat(" at priority level ", level) : "";
    return absl::UnavailableError(absl::StrCat("queue of model '", model_, "'", where, " is full (",
                                               policy.max_queue_size, " requests); retry later"));
  }
  absl::Duration timeout = policy.default_timeout;
  const absl::Duration asked = task->queue_timeout();
  if (policy.allow_timeout_override && asked > absl::ZeroDuration() && asked < timeout) timeout = asked;
  // Saturates at absl::InfiniteFuture() for timeouts beyond any real wait.
  const absl::Time expires = timeout > absl::ZeroDuration() ? now + timeout : absl::InfiniteFuture();
  const uint64_t id = next_id_++;
  levels_[level].waiting.push_back(Entry{QueuedTask{std::move(task), now}, expires, id});
  if (expires != absl::InfiniteFuture()) expiries_.emplace(expires, level, id);
  ++size_;
  return absl::OkStatus();
}

void BatchQueue::Forget(uint64_t level, const Entry& entry) {
  if (entry.expires != absl::InfiniteFuture()) expiries_.erase(ExpiryKey(entry.expires, level, entry.id));
  --size_;
}

bool BatchQueue::Expire(absl::Time now, std::vector<FailedTask>* rejected) {
  bool changed = false;
  while (!expiries_.empty() && std::get<0>(*expiries_.begin()) <= now) {
    const auto [expires, level, id] = *expiries_.begin();
    expiries_.erase(expiries_.begin());
    Level& queue = levels_.at(level);
    auto it = std::lower_bound(queue.waiting.begin(), queue.waiting.end(), id,
                               [](const Entry& entry, uint64_t key) { return entry.id < key; });
    Entry entry = std::move(*it);
    queue.waiting.erase(it);
    changed = true;
    if (PolicyOf(level).timeout_action == QueuePolicy::TimeoutAction::kDelay) {
      entry.expires = absl::InfiniteFuture();  // Delayed tasks wait for their turn.
      queue.delayed.push_back(std::move(entry));
      continue;
    }
    --size_;
    if (queue.size() == 0) levels_.erase(level);
    // Triton's code and message (dynamic_batch_scheduler.cc), and how long
    // the request waited.
    rejected->push_back(FailedTask{
        std::move(entry.queued.task),
        absl::UnavailableError(absl::StrCat("Request timeout expired: waited ",
                                            absl::FormatDuration(now - entry.queued.enqueued),
                                            " in the queue of model '", model_, "'"))});
  }
  return changed;
}

absl::Time BatchQueue::next_expiry() const {
  return expiries_.empty() ? absl::InfiniteFuture() : std::get<0>(*expiries_.begin());
}

void BatchQueue::Walk(absl::FunctionRef<Step(const QueuedTask&)> visit, std::vector<QueuedTask>* removed) {
  for (auto level = levels_.begin(); level != levels_.end();) {
    for (std::deque<Entry>* part : {&level->second.waiting, &level->second.delayed}) {
      for (auto it = part->begin(); it != part->end();) {
        switch (visit(it->queued)) {
          case Step::kNext:
            ++it;
            break;
          case Step::kRemove:
            Forget(level->first, *it);
            removed->push_back(std::move(it->queued));
            it = part->erase(it);
            break;
          case Step::kStop:
            return;
        }
      }
    }
    level = level->second.size() == 0 ? levels_.erase(level) : std::next(level);
  }
}

std::vector<QueuedTask> BatchQueue::PopFront(size_t n) {
  std::vector<QueuedTask> batch;
  batch.reserve(n);
  while (batch.size() < n) {
    auto level = levels_.begin();
    std::deque<Entry>& part = level->second.waiting.empty() ? level->second.delayed : level->second.waiting;
    Forget(level->first, part.front());
    batch.push_back(std::move(part.front().queued));
    part.pop_front();
    if (level->second.size() == 0) levels_.erase(level);
  }
  return batch;
}

}  // namespace convoy::server
