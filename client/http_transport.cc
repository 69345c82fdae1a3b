#include "client/http_transport.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "absl/strings/str_cat.h"

namespace convoy::client {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

// Generous for any server's headers, small enough that a broken server
// cannot make the client buffer much before the body limit applies.
constexpr uint32_t kMaxHeaderBytes = 64 << 10;
constexpr absl::Duration kLongestTimeout = absl::Hours(24 * 365);

// One keep-alive connection, plaintext or TLS. Shared between the exchange
// using it and the handlers of its pending operations, so that dropping it
// (closing the socket) never destroys a stream under an operation.
struct Connection {
  explicit Connection(asio::io_context& io) : resolver(io) {}

  beast::tcp_stream& tcp() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
  // Runs f(stream) with the stream the HTTP messages go through.
  template <typename F>
  void With(F&& f) {
    if (tls) {
      f(*tls);
    } else {
      f(*plain);
    }
  }

  tcp::resolver resolver;
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  bool reused = false;  // An exchange completed on it before.
};
using ConnectionPtr = std::shared_ptr<Connection>;

// One request, from Send to `done`.
struct Exchange {
  explicit Exchange(asio::io_context& io) : timer(io) {}

  http::request<http::string_body> request;
  HttpTransport::Callback done;
  absl::Duration timeout;
  asio::steady_timer timer;
  // The connection it is on (or opening); null while waiting for one, and
  // once done. Handlers of operations on any other connection are stale.
  ConnectionPtr connection;
  std::optional<http::response_parser<http::string_body>> parser;
  bool written = false;        // The request went out whole.
  error_code write_error;      // Why it did not.
  bool waiting = false;        // In line for a connection.
  bool finished = false;       // `done` has run.
  bool retried = false;        // Sent again after a reused connection closed.
};
using ExchangePtr = std::shared_ptr<Exchange>;

// Errors that mean the server closed the connection.
bool ClosedByPeer(const error_code& error) {
  return error == http::error::end_of_stream || error == asio::error::eof ||
         error == asio::error::connection_reset || error == asio::error::broken_pipe ||
         error == ssl::error::stream_truncated;
}

bool IsIpAddress(const std::string& host) {
  error_code error;
  asio::ip::make_address(host, error);
  return !error;
}

}  // namespace

class HttpTransport::Impl {
 public:
  Impl(const HttpTransportOptions& options, HttpTarget target, std::unique_ptr<ssl::context> tls,
       std::string tls_name)
      : target_(std::move(target)),
        max_connections_(options.max_connections),
        max_response_bytes_(static_cast<uint64_t>(options.max_response_bytes)),
        tls_(std::move(tls)),
        tls_name_(std::move(tls_name)),
        work_(io_.get_executor()) {
    thread_ = std::thread([this] { io_.run(); });
  }

  ~Impl() {
    if (InIoThread()) {
      // Joining itself would throw; say what the caller did instead.
      std::fprintf(stderr, "convoy: an HTTP client was destroyed inside one of its own callbacks\n");
      std::abort();
    }
    asio::post(io_, [this] { Shutdown(); });
    work_.reset();
    thread_.join();
  }

  void Send(HttpRequest request, absl::Duration timeout, Callback done) {
    auto exchange = std::make_shared<Exchange>(io_);
    http::request<http::string_body>& message = exchange->request;
    message.method(request.method == "POST" ? http::verb::post : http::verb::get);
    message.target(request.target);
    message.version(11);
    message.set(http::field::host, target_.authority);
    message.set(http::field::user_agent, "convoy-client");
    for (const auto& [name, value] : request.headers) message.set(name, value);
    message.body() = std::move(request.body);
    message.prepare_payload();
    exchange->done = std::move(done);
    exchange->timeout = timeout;
    asio::post(io_, [this, exchange] { Start(exchange); });
  }

  void Post(std::function<void()> task) { asio::post(io_, std::move(task)); }
  bool InIoThread() const { return std::this_thread::get_id() == thread_.get_id(); }
  int64_t connections_opened() const { return opened_.load(std::memory_order_relaxed); }

 private:
  // Everything below runs on the I/O thread.

  void Start(const ExchangePtr& exchange) {
    if (closing_) {
      Finish(exchange, absl::CancelledError("the HTTP client is shutting down"));
      return;
    }
    active_.insert(exchange);
    // Capped, as steady_clock::now() + a huge duration would overflow.
    exchange->timer.expires_after(absl::ToChronoNanoseconds(std::min(exchange->timeout, kLongestTimeout)));
    exchange->timer.async_wait([this, exchange](const error_code& error) {
      if (!error) OnTimeout(exchange);
    });
    if (!idle_.empty()) {
      ConnectionPtr connection = std::move(idle_.back());
      idle_.pop_back();
      Transact(exchange, std::move(connection));
    } else if (open_ < max_connections_) {
      Open(exchange);
    } else {
      exchange->waiting = true;
      waiting_.push_back(exchange);
    }
  }

  void Open(const ExchangePtr& exchange) {
    ++open_;
    opened_.fetch_add(1, std::memory_order_relaxed);
    auto connection = std::make_shared<Connection>(io_);
    if (tls_) {
      connection->tls.emplace(io_, *tls_);
      // SNI for names only: RFC 6066 forbids addresses there.
      if (!IsIpAddress(tls_name_)) SSL_set_tlsext_host_name(connection->tls->native_handle(), tls_name_.c_str());
      connection->tls->set_verify_callback(ssl::host_name_verification(tls_name_));
    } else {
      connection->plain.emplace(io_);
    }
    exchange->connection = connection;
    if (endpoints_) {
      Connect(exchange, connection);
      return;
    }
    connection->resolver.async_resolve(
        target_.host, target_.port,
        [this, exchange, connection](const error_code& error, const tcp::resolver::results_type& results) {
          if (exchange->connection != connection) return;
          if (error) {
            Fail(exchange, absl::UnavailableError(absl::StrCat("cannot resolve ", target_.host, ": ", error.message())));
            return;
          }
          endpoints_ = results;
          Connect(exchange, connection);
        });
  }

  void Connect(const ExchangePtr& exchange, const ConnectionPtr& connection) {
    connection->tcp().async_connect(*endpoints_, [this, exchange, connection](const error_code& error,
                                                                              const tcp::endpoint&) {
      if (exchange->connection != connection) return;
      if (error) {
        endpoints_.reset();  // Resolve again next time: the address may have moved.
        Fail(exchange, absl::UnavailableError(
                           absl::StrCat("cannot connect to ", target_.authority, ": ", error.message())));
        return;
      }
      error_code ignored;
      connection->tcp().socket().set_option(tcp::no_delay(true), ignored);
      if (!connection->tls) {
        Transact(exchange, connection);
        return;
      }
      connection->tls->async_handshake(ssl::stream_base::client, [this, exchange, connection](const error_code& error) {
        if (exchange->connection != connection) return;
        if (error) {
          Fail(exchange, absl::UnavailableError(
                             absl::StrCat("TLS handshake with ", target_.authority, " failed: ", error.message())));
          return;
        }
        Transact(exchange, connection);
      });
    });
  }

  // Writes the request and reads the response at the same time, so that an
  // answer sent before the whole request was read is not lost.
  void Transact(const ExchangePtr& exchange, ConnectionPtr connection) {
    exchange->connection = connection;
    exchange->written = false;
    exchange->write_error = {};
    exchange->parser.emplace();
    exchange->parser->header_limit(kMaxHeaderBytes);
    exchange->parser->body_limit(max_response_bytes_);
    connection->With([&](auto& stream) {
      http::async_write(stream, exchange->request,
                        [this, exchange, connection](const error_code& error, size_t) {
                          if (exchange->connection != connection) return;
                          // A failed write is decided by the read: the server
                          // may have answered before closing.
                          exchange->written = !error;
                          exchange->write_error = error;
                        });
      http::async_read(stream, connection->buffer, *exchange->parser,
                       [this, exchange, connection](const error_code& error, size_t) {
                         if (exchange->connection != connection) return;
                         if (error) {
                           ReadFailed(exchange, error);
                           return;
                         }
                         // If the request is not written whole yet, the
                         // server answered early, and Complete closes the
                         // connection. (A write that did go out whole has its
                         // handler run first: the answer came after it.)
                         Complete(exchange);
                       });
    });
  }

  void Complete(const ExchangePtr& exchange) {
    http::response<http::string_body> message = exchange->parser->release();
    ConnectionPtr connection = std::move(exchange->connection);
    const bool reusable = exchange->written && message.keep_alive() && connection->buffer.size() == 0 && !closing_;
    if (reusable) {
      Release(std::move(connection));
    } else {
      Drop(connection);
    }
    HttpResponse response;
    response.status = static_cast<int>(message.result_int());
    for (const auto& field : message) {
      response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    response.body = std::move(message.body());
    Finish(exchange, std::move(response));
    OpenForWaiting();
  }

  void ReadFailed(const ExchangePtr& exchange, const error_code& read_error) {
    // The write's error, when there is one, says better what went wrong.
    const error_code error = exchange->write_error ? exchange->write_error : read_error;
    const bool sent = !exchange->write_error;
    ConnectionPtr connection = std::move(exchange->connection);
    Drop(connection);
    if (connection->reused && !exchange->parser->got_some() && ClosedByPeer(error) && !exchange->retried &&
        !closing_) {
      exchange->retried = true;
      Open(exchange);  // Takes the slot Drop gave back.
      return;
    }
    if (read_error == http::error::body_limit || read_error == http::error::header_limit) {
      Finish(exchange, absl::ResourceExhaustedError(absl::StrCat(
                           "the response of ", target_.authority, " is larger than the ", max_response_bytes_,
                           " bytes allowed (max_receive_message_bytes)")));
    } else {
      Finish(exchange, absl::UnavailableError(absl::StrCat("connection to ", target_.authority, " failed while ",
                                                           sent ? "reading the response: " : "sending the request: ",
                                                           error.message())));
    }
    OpenForWaiting();
  }

  void OnTimeout(const ExchangePtr& exchange) {
    if (exchange->finished) return;
    if (exchange->connection) {
      ConnectionPtr connection = std::move(exchange->connection);
      Drop(connection);
    } else if (exchange->waiting) {
      waiting_.erase(std::find(waiting_.begin(), waiting_.end(), exchange));
      exchange->waiting = false;
    }
    Finish(exchange, absl::DeadlineExceededError(absl::StrCat(
                         "no response from ", target_.authority, " within ", absl::FormatDuration(exchange->timeout))));
    OpenForWaiting();
  }

  // The connection failed before the exchange could use it.
  void Fail(const ExchangePtr& exchange, absl::Status status) {
    ConnectionPtr connection = std::move(exchange->connection);
    Drop(connection);
    Finish(exchange, std::move(status));
    OpenForWaiting();
  }

  void Release(ConnectionPtr connection) {
    connection->reused = true;
    if (!waiting_.empty()) {
      ExchangePtr next = std::move(waiting_.front());
      waiting_.pop_front();
      next->waiting = false;
      Transact(next, std::move(connection));
      return;
    }
    idle_.push_back(std::move(connection));
  }

  // Closes the socket, which ends its pending operations (their handlers
  // see they are stale), and frees its slot.
  void Drop(const ConnectionPtr& connection) {
    connection->resolver.cancel();
    connection->tcp().close();
    --open_;
  }

  // Slots freed by dropped connections go to requests waiting in line.
  void OpenForWaiting() {
    while (!closing_ && open_ < max_connections_ && !waiting_.empty()) {
      ExchangePtr next = std::move(waiting_.front());
      waiting_.pop_front();
      next->waiting = false;
      Open(next);
    }
  }

  void Finish(const ExchangePtr& exchange, absl::StatusOr<HttpResponse> result) {
    exchange->finished = true;
    exchange->timer.cancel();
    active_.erase(exchange);
    Callback done = std::move(exchange->done);
    done(std::move(result));
  }

  void Shutdown() {
    closing_ = true;
    for (const ConnectionPtr& connection : idle_) Drop(connection);
    idle_.clear();
    waiting_.clear();
    const std::set<ExchangePtr> active = std::move(active_);
    active_.clear();
    for (const ExchangePtr& exchange : active) {
      if (exchange->connection) {
        ConnectionPtr connection = std::move(exchange->connection);
        Drop(connection);
      }
      Finish(exchange, absl::CancelledError("the HTTP client was destroyed with the request in flight"));
    }
  }

  const HttpTarget target_;
  const int max_connections_;
  const uint64_t max_response_bytes_;
  const std::unique_ptr<ssl::context> tls_;
  const std::string tls_name_;  // The name the server's certificate must carry.
  std::atomic<int64_t> opened_{0};

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  // I/O thread only:
  std::vector<ConnectionPtr> idle_;      // Most recently used last.
  std::deque<ExchangePtr> waiting_;      // For a connection, oldest first.
  std::set<ExchangePtr> active_;         // Started, not finished.
  int open_ = 0;                         // Connections open or opening.
  std::optional<tcp::resolver::results_type> endpoints_;
  bool closing_ = false;
  std::thread thread_;  // Last: it starts once everything else exists.
};

namespace {

absl::StatusOr<std::unique_ptr<ssl::context>> MakeTlsContext(const ClientTls& tls) {
  auto context = std::make_unique<ssl::context>(ssl::context::tls_client);
  error_code error;
  context->set_verify_mode(ssl::verify_peer, error);
  if (tls.root_certs.empty()) {
    context->set_default_verify_paths(error);
  } else {
    context->add_certificate_authority(asio::buffer(tls.root_certs), error);
  }
  if (error) return absl::InvalidArgumentError(absl::StrCat("TLS root certificates: ", error.message()));
  if (tls.cert_chain.empty() != tls.private_key.empty()) {
    return absl::InvalidArgumentError("TLS: a client certificate and its key go together");
  }
  if (!tls.cert_chain.empty()) {
    context->use_certificate_chain(asio::buffer(tls.cert_chain), error);
    if (error) return absl::InvalidArgumentError(absl::StrCat("TLS client certificate: ", error.message()));
    context->use_private_key(asio::buffer(tls.private_key), ssl::context::pem, error);
    if (error) return absl::InvalidArgumentError(absl::StrCat("TLS client key: ", error.message()));
  }
  return context;
}

}  // namespace

absl::StatusOr<std::unique_ptr<HttpTransport>> HttpTransport::Create(const HttpTransportOptions& options) {
  absl::StatusOr<HttpTarget> target = ParseHttpTarget(options.target);
  if (!target.ok()) return target.status();
  if (options.max_connections < 1) return absl::InvalidArgumentError("max_connections must be at least 1");
  std::unique_ptr<ssl::context> tls;
  std::string tls_name;
  if (options.tls || target->https) {
    const ClientTls settings = options.tls.value_or(ClientTls{});
    absl::StatusOr<std::unique_ptr<ssl::context>> context = MakeTlsContext(settings);
    if (!context.ok()) return context.status();
    tls = *std::move(context);
    tls_name = settings.server_name.empty() ? target->host : settings.server_name;
  }
  return std::unique_ptr<HttpTransport>(
      new HttpTransport(std::make_unique<Impl>(options, *std::move(target), std::move(tls), std::move(tls_name))));
}

HttpTransport::HttpTransport(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpTransport::~HttpTransport() = default;

void HttpTransport::Send(HttpRequest request, absl::Duration timeout, Callback done) {
  impl_->Send(std::move(request), timeout, std::move(done));
}

void HttpTransport::Post(std::function<void()> task) { impl_->Post(std::move(task)); }
bool HttpTransport::InIoThread() const { return impl_->InIoThread(); }
int64_t HttpTransport::connections_opened() const { return impl_->connections_opened(); }

}  // namespace convoy::client
