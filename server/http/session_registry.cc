#include "server/http/session_registry.h"

#include <utility>

#include "server/batcher/tsan_annotations.h"

namespace convoy::server::http::internal {

bool Lifeline::RunIfAlive(const std::function<void()>& work) {
  AnnotatedMutexLock lock(&mu_);
  if (!alive_) return false;
  work();
  return true;
}

void Lifeline::Kill() {
  AnnotatedMutexLock lock(&mu_);
  alive_ = false;
}

SessionRegistry::AddResult SessionRegistry::Add(std::shared_ptr<Session> session) {
  AnnotatedMutexLock lock(&mu_);
  if (draining_.load(std::memory_order_relaxed)) return AddResult::kDraining;
  if (static_cast<int64_t>(sessions_.size()) >= max_sessions_) return AddResult::kFull;
  const Session* key = session.get();
  sessions_.emplace(key, std::move(session));
  return AddResult::kAdded;
}

void SessionRegistry::Remove(const Session* session) {
  std::shared_ptr<Session> removed;
  AnnotatedMutexLock lock(&mu_);
  auto it = sessions_.find(session);
  if (it == sessions_.end()) return;
  removed = std::move(it->second);
  sessions_.erase(it);
  // `removed` is destroyed after `lock` is released (reverse order).
}

std::vector<std::shared_ptr<Session>> SessionRegistry::BeginDraining() {
  AnnotatedMutexLock lock(&mu_);
  draining_.store(true, std::memory_order_release);
  std::vector<std::shared_ptr<Session>> open;
  open.reserve(sessions_.size());
  for (const auto& [key, session] : sessions_) open.push_back(session);
  return open;
}

std::vector<std::shared_ptr<Session>> SessionRegistry::Snapshot() const {
  AnnotatedMutexLock lock(&mu_);
  std::vector<std::shared_ptr<Session>> open;
  open.reserve(sessions_.size());
  for (const auto& [key, session] : sessions_) open.push_back(session);
  return open;
}

std::vector<std::shared_ptr<Session>> SessionRegistry::TakeAll() {
  AnnotatedMutexLock lock(&mu_);
  std::vector<std::shared_ptr<Session>> open;
  open.reserve(sessions_.size());
  for (auto& [key, session] : sessions_) open.push_back(std::move(session));
  sessions_.clear();
  return open;
}

bool SessionRegistry::AwaitEmpty(absl::Time deadline) {
  AnnotatedMutexLock lock(&mu_);
  return AnnotatedAwait(&mu_, absl::Condition(this, &SessionRegistry::EmptyLocked),
                        [this, deadline](const absl::Condition& empty) {
                          return mu_.AwaitWithDeadline(empty, deadline);
                        });
}

int64_t SessionRegistry::size() const {
  AnnotatedMutexLock lock(&mu_);
  return static_cast<int64_t>(sessions_.size());
}

}  // namespace convoy::server::http::internal
