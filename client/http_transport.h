// HttpTransport: HTTP/1.1 exchanges with one server over a pool of
// keep-alive connections, plaintext or TLS, for HttpInferenceClient. It
// knows nothing of KServe: an HttpRequest goes out, an HttpResponse (any
// status) comes back, or a transport error.
//
// Connections: one request at a time on each (HTTP/1.1 without
// pipelining), so many requests in flight need many connections. A request
// takes an idle connection if there is one (the most recently used), else
// opens a new one while fewer than `max_connections` are open, else waits in
// line for the first to come free. A connection goes back to the pool after
// its response unless the server said `Connection: close`; connections are
// never closed for idleness, the server does that. Reusing a connection the
// server has just closed is not an error: a request that gets nothing back
// from a reused connection but its closing is sent once more on a new one
// (requests of this protocol are safe to repeat: inference has no side
// effect, loading a loaded model does nothing).
//
// If the server answers before it has read the whole request (413 for a
// body too large, say), that answer is the result, and the connection is
// closed.
//
// Threads: one I/O thread runs every exchange; Send may be called from any
// thread and returns at once. `done` runs on the I/O thread, once per
// request, never inside Send. It must not block there, so it must not make
// a synchronous call through the same transport (InIoThread() lets a caller
// check); sending more with Send is fine.
//
// Timeouts: each request's covers everything, from waiting for a
// connection to the last byte of the response. A request that times out
// has its connection closed (the server may still be writing to it).
//
// Errors (`done` gets a status instead of a response): UNAVAILABLE when the
// server cannot be resolved, connected to, shaken hands with (TLS), or the
// connection breaks; DEADLINE_EXCEEDED when the timeout passes;
// RESOURCE_EXHAUSTED for a response larger than max_response_bytes;
// CANCELLED for requests still in flight when the transport is destroyed.
#ifndef CONVOY_CLIENT_HTTP_TRANSPORT_H_
#define CONVOY_CLIENT_HTTP_TRANSPORT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "client/http_message.h"
#include "client/http_target.h"
#include "client/kserve_client.h"

namespace convoy::client {

struct HttpTransportOptions {
  std::string target;  // As ParseHttpTarget (http_target.h) takes it.
  // TLS with these; unset = plaintext, unless the target says "https://",
  // which means TLS verified against the system's CAs.
  std::optional<ClientTls> tls;
  // Connections open at most. Requests beyond wait for one to come free.
  // 256 carries convoy-loadgen's usual concurrency with room, and stays far
  // below the usual 1024 open files per process.
  int max_connections = 256;
  // Largest response body accepted (RESOURCE_EXHAUSTED beyond).
  int64_t max_response_bytes = int64_t{256} << 20;
};

class HttpTransport {
 public:
  // InvalidArgument for a bad target or TLS material (a key that does not
  // parse, say). No connection is made yet.
  static absl::StatusOr<std::unique_ptr<HttpTransport>> Create(const HttpTransportOptions& options);

  // Requests still in flight end with CANCELLED, their `done` run here
  // (on the I/O thread, while this waits for it). REQUIRES: not called on
  // the I/O thread, i.e. not from inside a `done`.
  ~HttpTransport();
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  using Callback = std::function<void(absl::StatusOr<HttpResponse>)>;
  // Sends `request` (Host, User-Agent and Content-Length are added) and runs
  // `done` with the response, whatever its status, or a transport error.
  // REQUIRES: timeout > 0.
  void Send(HttpRequest request, absl::Duration timeout, Callback done);

  // Runs `task` on the I/O thread, after what is queued there already (so
  // that a caller can report an error the way a `done` would).
  void Post(std::function<void()> task);

  // Whether the caller is on the I/O thread (inside a `done`).
  bool InIoThread() const;

  // Connections opened so far (reuse shows as fewer than requests).
  int64_t connections_opened() const;

 private:
  class Impl;
  explicit HttpTransport(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace convoy::client

#endif  // CONVOY_CLIENT_HTTP_TRANSPORT_H_
