// HttpServer: the HTTP/1.1 transport of convoy-server. It accepts
// connections (plain, TLS or mutual TLS), reads requests within limits and
// deadlines, hands each whole request to an HttpHandler and writes the
// answer back. It knows nothing of KServe: routes, JSON and the inference
// path are the handler's business.
//
//   class Routes : public HttpHandler { ... };
//   Routes routes;
//   HttpServerOptions options;
//   options.port = 8000;
//   CONVOY_ASSIGN_OR_RETURN(auto http, HttpServer::Start(options, &routes));
//   ...
//   http->StopAccepting();                          // drain: see below
//   http->Shutdown(absl::Now() + absl::Seconds(5));
//
// A request, on one connection at a time (keep-alive per HTTP/1.1, and for
// HTTP/1.0 with `Connection: keep-alive`; pipelined requests are read once
// the previous answer is written):
//   1. the header is read, at most max_header_bytes (else 431), within
//      header_timeout; a malformed request line or header gets 400;
//   2. Content-Length above max_body_bytes gets 413 at once, before a byte
//      of the body is read; draining servers answer 503;
//   3. HttpHandler::Admit sees the header and may refuse (any answer it
//      returns is sent, and the connection is closed if a body would follow);
//   4. `Expect: 100-continue` gets `100 Continue`, then the body is read
//      within body_timeout (a chunked body is cut off with 413 as soon as it
//      passes max_body_bytes);
//   5. HttpHandler::Handle gets the request and a Responder, which it calls
//      once, now or later from any thread.
// Transport errors are answered with a JSON body {"error":"..."} and
// `Connection: close`. Every answer gets Content-Length and `Server: convoy`
// (an answer to HEAD: the length of its body, which is not sent) and must be
// written within write_timeout. After an answer that closes the connection,
// what the client still sends is read and discarded for up to 2 s before
// the close, so that a refused upload does not reset the connection before
// the client has read the refusal.
//
// Why Boost.Beast (on Boost.Asio): it is asynchronous, so an idle or slow
// connection costs a socket and a few KiB rather than a thread; its parser
// reads the header first and the body separately, so limits, admission
// (auth, 413, 503) and `100 Continue` happen before a body is accepted; it
// implements HTTP/1.1 keep-alive, chunked bodies and pipelining correctly;
// TLS comes from Asio's OpenSSL streams with the same PEM files as the gRPC
// listener; it is maintained as part of Boost and packaged by Debian
// (libboost1.81-dev, header-only), so it adds no build or runtime
// dependency beyond OpenSSL, which gRPC already needs. Its headers are
// heavy, so only this module's .cc files include them.
//
// Threads: `threads` I/O threads run every connection; each connection runs
// on its own strand, so its steps never overlap. Admit and Handle run on an
// I/O thread and must not block: long work goes elsewhere, and the answer
// comes back through the Responder.
//
// Thread-safety: every HttpServer method may be called from any thread,
// except that Shutdown() and the destructor must not run on an I/O thread
// (inside Admit or Handle), since they join those threads. The handler must
// outlive Shutdown(); Responders may outlive the server (calling one then
// does nothing).
#ifndef CONVOY_SERVER_HTTP_HTTP_SERVER_H_
#define CONVOY_SERVER_HTTP_HTTP_SERVER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace convoy::server::http {

struct HttpRequest {
  std::string method;  // "GET", "POST", ... as sent
  std::string target;  // path and query, as sent
  // In arrival order, names as the client spelled them.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;    // empty in Admit: the body is not read yet
  std::string remote;  // the peer, "1.2.3.4:5678" or "[::1]:5678", for logs
  // Set by Admit (e.g. a reservation of the memory budget); the transport
  // keeps a reference until the answer has been written or the connection
  // has died, whatever the handler does with the request.
  std::shared_ptr<void> admission;

  // The value of the first header called `name` (ASCII case-insensitive).
  std::optional<std::string_view> Header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;  // a final status, 200..599; anything else is sent as 500
  // Sent as given, e.g. Content-Type. The transport sets Content-Length,
  // Connection and Server itself and drops those names here, as well as
  // headers whose name or value holds CR, LF or NUL.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// Delivers the answer to a request. Callable from any thread, once: a
// second call is ignored (and logged). If it is destroyed without being
// called, the client gets 500. If the connection died (or the server shut
// down) before the answer, the answer is dropped.
using Responder = std::function<void(HttpResponse)>;

class HttpHandler {
 public:
  virtual ~HttpHandler() = default;

  // The header has been read, the body not yet. Return an answer to refuse
  // the request now (401, 404, 413, 503, ...) without reading the body, or
  // nullopt to go on. `content_length` is the body's declared length: 0 for
  // none, -1 for a chunked body (whose length is known only once read). The
  // handler may set request->admission.
  virtual std::optional<HttpResponse> Admit(HttpRequest* request, int64_t content_length) {
    (void)request;
    (void)content_length;
    return std::nullopt;
  }

  // The whole request has been read. Answer through `respond`, now or later
  // from any thread.
  virtual void Handle(HttpRequest request, Responder respond) = 0;
};

// Same fields as the gRPC listener's TlsFiles (server/grpc/tls_credentials.h)
// so both listeners take the same --tls-* flags.
struct HttpTlsFiles {
  std::string cert;       // PEM certificate chain; empty = plain HTTP
  std::string key;        // PEM private key of the certificate, unencrypted
  std::string client_ca;  // PEM CA bundle; not empty = mutual TLS: clients
                          // must present a certificate this CA signed
};

struct HttpServerOptions {
  // Where to listen. Port 0 picks a free port (HttpServer::port()).
  std::string address = "0.0.0.0";
  int port = 8000;
  // TLS 1.2 or newer when tls.cert is set.
  HttpTlsFiles tls;
  // Largest request body, in bytes. Beyond it: 413 before the body is read
  // (Content-Length), or as soon as a chunked body passes it. 64 MiB, the
  // gRPC listener's default message limit.
  int64_t max_body_bytes = 64 << 20;
  // Largest request line plus header fields, in bytes; beyond it: 431.
  int64_t max_header_bytes = 64 << 10;
  // The whole header must arrive within this (against slowloris). Measured
  // from the connection's accept for its first request (so it covers the TLS
  // handshake), and from the request's first byte on a kept-alive connection.
  // A header late by then gets 408, or a silent close if nothing came.
  absl::Duration header_timeout = absl::Seconds(30);
  // The whole body must arrive within this after the header, else 408. A
  // deadline, not a minimum rate: 60 s lets a 64 MiB body come at ~1.1 MB/s.
  // Raise it with max_body_bytes for slow links.
  absl::Duration body_timeout = absl::Seconds(60);
  // A kept-alive connection with no request for this long is closed.
  absl::Duration idle_timeout = absl::Seconds(60);
  // The whole answer must be written within this; a client that stops
  // reading is disconnected.
  absl::Duration write_timeout = absl::Seconds(60);
  // I/O threads. 0 = one per core, at least 2, so that one slow Admit or
  // Handle does not stall every connection.
  int threads = 0;
  // Open connections at most; beyond it a new connection is accepted and
  // closed at once (no answer: nothing of it has been read), and a warning
  // is logged when the limit is first reached.
  int max_connections = 4096;
};

class HttpServer {
 public:
  // Binds, listens and starts the I/O threads. INVALID_ARGUMENT names a bad
  // option or TLS file (unreadable, not PEM, key not the certificate's);
  // UNAVAILABLE names address:port when it cannot be bound. `handler` is not
  // owned and must outlive Shutdown().
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(const HttpServerOptions& options,
                                                           HttpHandler* handler);
  ~HttpServer();  // Shutdown(absl::Now()) if it has not run.

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The port listened on (the one picked, for port 0).
  int port() const;

  // Starts draining; idempotent. New connections are refused (the listening
  // socket is closed when this returns); idle keep-alive connections are
  // closed now; a request in flight gets its answer with `Connection: close`
  // and its connection is then closed; a request that arrives on an open
  // connection gets 503 with `Connection: close`.
  void StopAccepting();

  // StopAccepting(), then waits until every connection is closed or
  // `deadline`, then closes the rest (their answers are dropped) and joins
  // the I/O threads. Idempotent; concurrent calls wait for the first.
  void Shutdown(absl::Time deadline);

  // Connections open now (including those being refused or closed).
  int64_t open_connections() const;

 private:
  class Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace convoy::server::http

#endif  // CONVOY_SERVER_HTTP_HTTP_SERVER_H_
