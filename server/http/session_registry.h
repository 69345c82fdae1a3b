// Internal to server/http: the set of open connections of one HttpServer,
// and the Lifeline that lets Responders outlive the server.
//
// The registry owns every open session (a shared_ptr from accept to close),
// so that a session waiting for its handler's answer, with no I/O pending,
// stays alive and can still be drained or closed. Responders hold only a
// weak_ptr: a session that closed is gone, and its answer is dropped.
//
// Thread-safety: both classes are thread-safe. No Boost here, so the drain
// logic compiles without Beast.
#ifndef CONVOY_SERVER_HTTP_SESSION_REGISTRY_H_
#define CONVOY_SERVER_HTTP_SESSION_REGISTRY_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/http/http_server.h"

namespace convoy::server::http::internal {

// One connection (http_session.h). Each method posts onto the session's
// strand and returns at once; callable from any thread.
class Session {
 public:
  virtual ~Session() = default;
  // Begins the TLS handshake or the first read.
  virtual void Start() = 0;
  // The server is draining: close now if no request is under way.
  virtual void Drain() = 0;
  // Close now, whatever the state; an answer not yet written is dropped.
  virtual void Close() = 0;
  // The handler's answer to the request in flight.
  virtual void Answer(HttpResponse response) = 0;
};

// Whether the server's io_context still runs handlers. Responders post onto
// it only through RunIfAlive, so once Kill() has returned none can touch an
// io_context that is about to be destroyed.
class Lifeline {
 public:
  // Runs `work` under the lock if Kill() has not run; true if it ran.
  bool RunIfAlive(const std::function<void()>& work) ABSL_LOCKS_EXCLUDED(mu_);
  void Kill() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  absl::Mutex mu_;
  bool alive_ ABSL_GUARDED_BY(mu_) = true;
};

class SessionRegistry {
 public:
  explicit SessionRegistry(int64_t max_sessions) : max_sessions_(max_sessions) {}

  enum class AddResult { kAdded, kFull, kDraining };
  // Keeps `session` until Remove(). Refused (the caller drops it, which
  // closes its socket) beyond max_sessions or once draining.
  AddResult Add(std::shared_ptr<Session> session) ABSL_LOCKS_EXCLUDED(mu_);
  // Forgets `session`. The reference is dropped outside the lock; the caller
  // holds its own.
  void Remove(const Session* session) ABSL_LOCKS_EXCLUDED(mu_);

  // Sets draining (for good) and returns the sessions open now.
  std::vector<std::shared_ptr<Session>> BeginDraining() ABSL_LOCKS_EXCLUDED(mu_);
  bool draining() const { return draining_.load(std::memory_order_acquire); }

  std::vector<std::shared_ptr<Session>> Snapshot() const ABSL_LOCKS_EXCLUDED(mu_);
  // Removes and returns every session (at shutdown, once the I/O threads
  // have stopped).
  std::vector<std::shared_ptr<Session>> TakeAll() ABSL_LOCKS_EXCLUDED(mu_);
  // True once no session is open; false if `deadline` came first.
  bool AwaitEmpty(absl::Time deadline) ABSL_LOCKS_EXCLUDED(mu_);
  int64_t size() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  bool EmptyLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return sessions_.empty(); }

  const int64_t max_sessions_;
  mutable absl::Mutex mu_;
  std::unordered_map<const Session*, std::shared_ptr<Session>> sessions_ ABSL_GUARDED_BY(mu_);
  // Written under mu_ (so Add sees it), read without.
  std::atomic<bool> draining_{false};
};

}  // namespace convoy::server::http::internal

#endif  // CONVOY_SERVER_HTTP_SESSION_REGISTRY_H_
