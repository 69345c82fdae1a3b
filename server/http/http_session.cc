#include "server/http/http_session.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "server/core/log.h"

namespace convoy::server::http::internal {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

// After an answer that ends the connection the client may still be sending
// (a body that was refused). We stop sending, then read and discard for up
// to this long before closing: closing with unread data would reset the
// connection, and a reset can destroy the answer before the client reads
// it (Apache's and nginx's "lingering close").
constexpr absl::Duration kLingerTime = absl::Seconds(2);
// The read that waits for a request's first bytes: small, since an idle
// keep-alive connection holds it (the header's own reads grow the buffer).
constexpr size_t kFirstReadBytes = 1 << 10;
// Each read that discards what a client sends after a closing answer.
constexpr size_t kDiscardReadBytes = 16 << 10;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

std::string_view View(beast::string_view text) { return std::string_view(text.data(), text.size()); }

std::string JsonEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(static_cast<unsigned char>(c) < 0x20 ? ' ' : c);
  }
  return out;
}

HttpResponse ErrorResponse(int status, std::string_view message) {
  HttpResponse response;
  response.status = status;
  response.headers = {{"Content-Type", "application/json"}};
  response.body = absl::StrCat("{\"error\":\"", JsonEscape(message), "\"}");
  return response;
}

// Headers the transport writes itself, or that would corrupt the framing.
bool Sendable(const std::string& name, const std::string& value) {
  for (const char* managed : {"content-length", "transfer-encoding", "connection", "server"}) {
    if (absl::EqualsIgnoreCase(name, managed)) return false;
  }
  auto bad = [](char c) { return c == '\r' || c == '\n' || c == '\0'; };
  return !name.empty() && name.find_first_of(" \t:") == std::string::npos &&
         std::none_of(name.begin(), name.end(), bad) && std::none_of(value.begin(), value.end(), bad);
}

std::string Millis(absl::Duration duration) { return absl::StrCat(absl::ToInt64Milliseconds(duration), " ms"); }

net::steady_timer::duration ToTimer(absl::Duration duration) {
  // Far enough to mean "never", near enough not to overflow steady_clock.
  const absl::Duration bounded = std::clamp(duration, absl::ZeroDuration(), absl::Hours(24 * 365 * 10));
  return std::chrono::duration_cast<net::steady_timer::duration>(absl::ToChronoNanoseconds(bounded));
}

// Stands behind one Responder: delivers its answer at most once, or a 500
// if every copy of it is destroyed unanswered.
class ResponseSlot {
 public:
  ResponseSlot(std::weak_ptr<Session> session, std::shared_ptr<Lifeline> lifeline, std::string remote)
      : session_(std::move(session)), lifeline_(std::move(lifeline)), remote_(std::move(remote)) {}
  ~ResponseSlot() {
    if (!answered_.exchange(true)) Deliver(std::nullopt);
  }

  void Answer(HttpResponse response) {
    if (answered_.exchange(true)) {
      Log(LogLevel::kError, "http_second_answer", {{"remote", remote_}, {"status", absl::StrCat(response.status)}});
      return;
    }
    Deliver(std::move(response));
  }

 private:
  void Deliver(std::optional<HttpResponse> response) {
    lifeline_->RunIfAlive([&] {
      // Released under the lifeline's lock: the io_context is still there.
      std::shared_ptr<Session> session = session_.lock();
      if (session == nullptr) return;
      if (!response.has_value()) {
        Log(LogLevel::kError, "http_request_dropped", {{"remote", remote_}});
        response = ErrorResponse(500, "the request was dropped without an answer");
      }
      session->Answer(*std::move(response));
    });
  }

  const std::weak_ptr<Session> session_;
  const std::shared_ptr<Lifeline> lifeline_;
  const std::string remote_;
  std::atomic<bool> answered_{false};
};

// Where a session is; decides what a timeout, a drain or an answer means.
enum class Phase { kStarting, kHandshake, kIdle, kHeader, kBody, kHandling, kWriting, kClosing, kClosed };

template <class Stream>
class HttpSession final : public Session, public std::enable_shared_from_this<HttpSession<Stream>> {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, tcp::socket>;

  template <class... StreamArgs>
  HttpSession(const SessionContext& context, std::string remote, StreamArgs&&... stream_args)
      : context_(context),
        options_(*context.options),
        remote_(std::move(remote)),
        stream_(std::forward<StreamArgs>(stream_args)...),
        executor_(stream_.get_executor()),
        timer_(executor_),
        // Room for the largest header plus one read beyond it; a body goes
        // from here into the parser as it comes, so it never piles up.
        buffer_(static_cast<size_t>(options_.max_header_bytes) + (64 << 10)) {}

  void Start() override { Post([](HttpSession* self) { self->Begin(); }); }
  void Drain() override { Post([](HttpSession* self) { self->OnDrain(); }); }
  void Close() override { Post([](HttpSession* self) { self->CloseNow(); }); }
  void Answer(HttpResponse response) override {
    net::post(executor_, [self = this->shared_from_this(), response = std::move(response)]() mutable {
      if (self->phase_ == Phase::kHandling) self->Respond(std::move(response), self->keep_alive_);
    });
  }

 private:
  template <class Fn>
  void Post(Fn fn) {
    net::post(executor_, [self = this->shared_from_this(), fn]() { fn(self.get()); });
  }

  tcp::socket& Socket() { return beast::get_lowest_layer(stream_); }
  bool draining() const { return context_.registry->draining(); }

  void Begin() {
    if (phase_ != Phase::kStarting) return;
    // A connection's first request must be in within header_timeout of the
    // accept: the handshake, the wait and the header all count.
    SetDeadline(options_.header_timeout);
    if (draining()) return CloseNow();
    if constexpr (kTls) {
      phase_ = Phase::kHandshake;
      stream_.async_handshake(net::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) { self->OnHandshake(ec); });
    } else {
      ReadRequest();
    }
  }

  void OnHandshake(beast::error_code ec) {
    if (phase_ == Phase::kClosed) return;
    if (ec) {
      Log(LogLevel::kDebug, "http_tls_handshake_failed", {{"remote", remote_}, {"error", ec.message()}});
      return CloseNow();
    }
    ReadRequest();
  }

  // True if the client has sent nothing we have not read.
  bool NothingPending() {
    beast::error_code ec;
    if (Socket().available(ec) > 0 && !ec) return false;
    if constexpr (kTls) {
      if (SSL_pending(stream_.native_handle()) > 0) return false;
    }
    return true;
  }

  void ReadRequest() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(options_.max_header_bytes));
    // Now, not after the header: the parser checks Content-Length against
    // its limit (by default 1 MB) as soon as the header is complete.
    parser_->body_limit(static_cast<std::uint64_t>(options_.max_body_bytes));
    if (buffer_.size() > 0) {  // pipelined: the next request is already here
      phase_ = Phase::kHeader;
      if (!first_request_) SetDeadline(options_.header_timeout);
      return ReadHeader();
    }
    if (draining() && NothingPending()) return CloseNow();
    phase_ = Phase::kIdle;
    buffer_.shrink_to_fit();
    if (!first_request_) SetDeadline(options_.idle_timeout);
    // Wait for the first bytes apart from the header, so that idle time and
    // header time are told apart (idle_timeout vs. header_timeout, and no
    // 408 for a connection that sent nothing).
    stream_.async_read_some(buffer_.prepare(kFirstReadBytes),
                            [self = this->shared_from_this()](beast::error_code ec, size_t bytes) {
                              self->OnFirstBytes(ec, bytes);
                            });
  }

  void OnFirstBytes(beast::error_code ec, size_t bytes) {
    buffer_.commit(bytes);
    if (phase_ == Phase::kClosed) return;
    if (ec) return CloseNow();  // closed by the client, idle too long or drained
    phase_ = Phase::kHeader;
    if (!first_request_) SetDeadline(options_.header_timeout);
    ReadHeader();
  }

  void ReadHeader() {
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (phase_ == Phase::kClosed) return;
    if (ec) return FailRead(ec);
    const auto& header = parser_->get();
    HttpRequest request;
    request.method = std::string(View(header.method_string()));
    request.target = std::string(View(header.target()));
    for (const auto& field : header) {
      request.headers.emplace_back(std::string(View(field.name_string())), std::string(View(field.value())));
    }
    request.remote = remote_;
    keep_alive_ = parser_->keep_alive();
    http10_ = header.version() < 11;
    head_ = header.method() == bhttp::verb::head;

    const bool chunked = parser_->chunked();
    const std::uint64_t declared = parser_->content_length().value_or(0);
    if (!chunked && declared > static_cast<std::uint64_t>(options_.max_body_bytes)) return RefuseBodyTooLarge();
    if (draining()) return Respond(ErrorResponse(503, "the server is shutting down"), false);

    std::optional<HttpResponse> refusal;
    try {
      refusal = context_.handler->Admit(&request, chunked ? -1 : static_cast<int64_t>(declared));
    } catch (const std::exception& e) {
      Log(LogLevel::kError, "http_handler_threw", {{"remote", remote_}, {"step", "admit"}, {"error", e.what()}});
      refusal = ErrorResponse(500, "internal error");
    }
    admission_ = request.admission;
    if (refusal.has_value()) {
      // Kept alive only if no body follows: an unread body would be taken
      // for the next request.
      return Respond(*std::move(refusal), keep_alive_ && parser_->is_done());
    }
    request_ = std::move(request);
    if (parser_->is_done()) return Dispatch();

    phase_ = Phase::kBody;
    SetDeadline(options_.body_timeout);
    const beast::string_view expect = header[bhttp::field::expect];
    if (!http10_ && absl::EqualsIgnoreCase(absl::string_view(expect.data(), expect.size()), "100-continue")) {
      net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                       [self = this->shared_from_this()](beast::error_code ec, size_t) {
                         if (self->phase_ == Phase::kClosed) return;
                         if (ec) return self->CloseNow();
                         self->ReadBody();
                       });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    bhttp::async_read(stream_, buffer_, *parser_, [self = this->shared_from_this()](beast::error_code ec, size_t) {
      if (self->phase_ == Phase::kClosed) return;
      if (ec) return self->FailRead(ec);
      self->Dispatch();
    });
  }

  void FailRead(beast::error_code ec) {
    const bool received = phase_ == Phase::kHeader || phase_ == Phase::kBody;
    if (timed_out_) {
      if (!received) return CloseNow();
      const bool header = phase_ == Phase::kHeader;
      LogRefusal(408, ec);
      return Respond(ErrorResponse(408, absl::StrCat("the request ", header ? "header" : "body", " did not arrive within ",
                                                     Millis(header ? options_.header_timeout : options_.body_timeout))),
                     false);
    }
    if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow) {
      LogRefusal(431, ec);
      return Respond(
          ErrorResponse(431, absl::StrCat("the request header exceeds the limit of ", options_.max_header_bytes, " bytes")),
          false);
    }
    if (ec == bhttp::error::body_limit) return RefuseBodyTooLarge();
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
        ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
      LogRefusal(400, ec);
      return Respond(ErrorResponse(400, absl::StrCat("malformed request: ", ec.message())), false);
    }
    CloseNow();  // the client went away
  }

  void RefuseBodyTooLarge() {
    LogRefusal(413, bhttp::error::body_limit);
    Respond(ErrorResponse(413, absl::StrCat("the request body exceeds the limit of ", options_.max_body_bytes, " bytes")),
            false);
  }

  void LogRefusal(int status, beast::error_code ec) {
    Log(LogLevel::kDebug, "http_request_refused",
        {{"remote", remote_}, {"status", absl::StrCat(status)}, {"error", ec.message()}});
  }

  void Dispatch() {
    request_->body = std::move(parser_->get().body());
    parser_.reset();
    ClearDeadline();
    phase_ = Phase::kHandling;
    HttpRequest request = *std::move(request_);
    request_.reset();
    auto slot = std::make_shared<ResponseSlot>(this->weak_from_this(), context_.lifeline, remote_);
    try {
      context_.handler->Handle(std::move(request), [slot](HttpResponse response) { slot->Answer(std::move(response)); });
    } catch (const std::exception& e) {
      // The Responder went with the unwinding, so the client gets a 500.
      Log(LogLevel::kError, "http_handler_threw", {{"remote", remote_}, {"step", "handle"}, {"error", e.what()}});
    }
  }

  void Respond(HttpResponse answer, bool keep_alive) {
    keep_alive = keep_alive && !draining();
    if (answer.status < 200 || answer.status > 599) {
      Log(LogLevel::kError, "http_invalid_status", {{"remote", remote_}, {"status", absl::StrCat(answer.status)}});
      answer = ErrorResponse(500, "the handler answered with an invalid status");
    }
    response_ = {};
    response_.version(11);
    response_.result(static_cast<unsigned>(answer.status));
    for (const auto& [name, value] : answer.headers) {
      if (Sendable(name, value)) {
        response_.insert(name, value);
      } else {
        Log(LogLevel::kDebug, "http_header_dropped", {{"remote", remote_}, {"name", name}});
      }
    }
    response_.set(bhttp::field::server, "convoy");
    if (answer.status == 204 || answer.status == 304) answer.body.clear();  // must not have one
    response_.keep_alive(keep_alive);
    if (keep_alive && http10_) response_.set(bhttp::field::connection, "keep-alive");
    if (head_) {
      // The length of what a GET would get, and no body.
      response_.content_length(answer.body.size());
    } else {
      response_.body() = std::move(answer.body);
      response_.prepare_payload();
    }

    keep_alive_after_write_ = keep_alive;
    phase_ = Phase::kWriting;
    SetDeadline(options_.write_timeout);
    bhttp::async_write(stream_, response_,
                       [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnWritten(ec); });
  }

  void OnWritten(beast::error_code ec) {
    if (phase_ == Phase::kClosed) return;
    ClearDeadline();
    admission_.reset();
    response_ = {};
    if (ec) return CloseNow();
    if (!keep_alive_after_write_ || draining()) return GracefulClose();
    first_request_ = false;
    ReadRequest();
  }

  void OnDrain() {
    if (phase_ == Phase::kStarting || phase_ == Phase::kHandshake) return CloseNow();
    if (phase_ == Phase::kIdle && NothingPending()) return CloseNow();
    // Otherwise a request is under way: it gets 503 (header not read yet)
    // or its answer with Connection: close, then the connection closes.
  }

  void GracefulClose() {
    phase_ = Phase::kClosing;
    SetDeadline(kLingerTime);
    if constexpr (kTls) {
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) { self->CloseNow(); });
    } else {
      beast::error_code ignored;
      stream_.shutdown(tcp::socket::shutdown_send, ignored);
      buffer_.clear();
      Discard();
    }
  }

  void Discard() {
    stream_.async_read_some(buffer_.prepare(kDiscardReadBytes),
                            [self = this->shared_from_this()](beast::error_code ec, size_t) {
                              if (self->phase_ == Phase::kClosed) return;
                              if (ec) return self->CloseNow();  // the client closed too, or kLingerTime is up
                              self->Discard();
                            });
  }

  void CloseNow() {
    if (phase_ == Phase::kClosed) return;
    const auto self = this->shared_from_this();  // the registry may hold the last other reference
    phase_ = Phase::kClosed;
    ClearDeadline();
    beast::error_code ignored;
    Socket().close(ignored);
    // Not the parser, buffer or response: an aborted operation may still
    // refer to them until its handler has run.
    admission_.reset();
    context_.registry->Remove(this);
  }

  // On expiry the pending operation is cancelled (not the socket closed, as
  // beast::tcp_stream would), so that a 408 can still be written.
  void SetDeadline(absl::Duration duration) {
    const std::uint64_t generation = ++deadline_generation_;
    timed_out_ = false;
    timer_.expires_after(ToTimer(duration));
    timer_.async_wait([self = this->shared_from_this(), generation](beast::error_code ec) {
      if (ec || generation != self->deadline_generation_ || self->phase_ == Phase::kClosed) return;
      self->timed_out_ = true;
      beast::error_code ignored;
      self->Socket().cancel(ignored);
    });
  }

  void ClearDeadline() {
    ++deadline_generation_;
    timer_.cancel();
  }

  const SessionContext context_;
  const HttpServerOptions& options_;
  const std::string remote_;
  // Everything below is touched only on the strand.
  Stream stream_;
  const net::any_io_executor executor_;  // the strand
  net::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<HttpRequest> request_;  // between header and body
  bhttp::response<bhttp::string_body> response_;
  std::shared_ptr<void> admission_;  // until the answer is written
  Phase phase_ = Phase::kStarting;
  bool first_request_ = true;
  bool keep_alive_ = false;
  bool http10_ = false;
  bool head_ = false;
  bool keep_alive_after_write_ = false;
  bool timed_out_ = false;
  std::uint64_t deadline_generation_ = 0;
};

}  // namespace

std::shared_ptr<Session> MakeSession(tcp::socket socket, net::ssl::context* tls, std::string remote,
                                     const SessionContext& context) {
  if (tls != nullptr) {
    return std::make_shared<HttpSession<beast::ssl_stream<tcp::socket>>>(context, std::move(remote), std::move(socket),
                                                                         *tls);
  }
  return std::make_shared<HttpSession<tcp::socket>>(context, std::move(remote), std::move(socket));
}

}  // namespace convoy::server::http::internal
