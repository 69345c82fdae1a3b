#include "tests/client/testing/fake_http_server.h"

#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <thread>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"

namespace convoy::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

// Enough for the tests' largest request bodies.
constexpr uint64_t kBodyLimit = uint64_t{64} << 20;

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "FakeHttpServer: %s\n", what.c_str());
  std::abort();
}

}  // namespace

class FakeHttpServer::Impl {
 public:
  Impl(Handler handler, std::optional<FakeServerTls> tls) : handler_(std::move(handler)), acceptor_(io_) {
    if (tls) {
      tls_ = std::make_unique<ssl::context>(ssl::context::tls_server);
      tls_->use_certificate_chain_file(tls->cert_file);
      tls_->use_private_key_file(tls->key_file, ssl::context::pem);
      if (!tls->client_ca_file.empty()) {
        tls_->load_verify_file(tls->client_ca_file);
        tls_->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
      }
    }
    error_code error;
    const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(endpoint.protocol(), error);
    if (!error) acceptor_.bind(endpoint, error);
    if (!error) acceptor_.listen(asio::socket_base::max_listen_connections, error);
    if (error) Die(absl::StrCat("cannot listen on 127.0.0.1: ", error.message()));
    port_ = acceptor_.local_endpoint().port();
    accepter_ = std::thread([this] { AcceptLoop(); });
  }

  ~Impl() {
    stop_.Notify();
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);  // Wakes accept().
    accepter_.join();
    {
      absl::MutexLock lock(&mu_);
      for (int fd : live_) ::shutdown(fd, SHUT_RDWR);  // Wakes reads.
    }
    for (std::thread& thread : connection_threads_) thread.join();
  }

  int port() const { return port_; }
  void AnswerBeforeBody() { answer_before_body_ = true; }

  std::vector<RecordedRequest> requests() const {
    absl::MutexLock lock(&mu_);
    return requests_;
  }
  int connections() const {
    absl::MutexLock lock(&mu_);
    return connections_;
  }
  int max_concurrent() const {
    absl::MutexLock lock(&mu_);
    return max_concurrent_;
  }

 private:
  void AcceptLoop() {
    for (;;) {
      tcp::socket socket(io_);
      error_code error;
      acceptor_.accept(socket, error);
      if (error || stop_.HasBeenNotified()) return;
      int index = 0;
      {
        absl::MutexLock lock(&mu_);
        index = connections_++;
        live_.insert(socket.native_handle());
      }
      // Only this thread adds to connection_threads_; the destructor reads
      // it after joining this thread.
      connection_threads_.emplace_back([this, index, socket = std::move(socket)]() mutable {
        const int fd = socket.native_handle();
        if (tls_) {
          ssl::stream<tcp::socket> stream(std::move(socket), *tls_);
          error_code error;
          stream.handshake(ssl::stream_base::server, error);
          if (!error) Serve(stream, index);
          Forget(fd);
          stream.next_layer().close(error);
        } else {
          Serve(socket, index);
          Forget(fd);
          error_code ignored;
          socket.close(ignored);
        }
      });
    }
  }

  void Forget(int fd) {
    absl::MutexLock lock(&mu_);
    live_.erase(fd);
  }

  template <typename Stream>
  void Serve(Stream& stream, int index) {
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(kBodyLimit);
      error_code error;
      const bool early = answer_before_body_;
      if (early) {
        http::read_header(stream, buffer, parser, error);
      } else {
        http::read(stream, buffer, parser, error);
      }
      if (error) return;
      http::request<http::string_body>& request = parser.get();
      RecordedRequest recorded;
      recorded.connection = index;
      recorded.method = std::string(request.method_string());
      recorded.target = std::string(request.target());
      for (const auto& field : request) {
        recorded.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
      }
      if (!early) recorded.body = request.body();
      {
        absl::MutexLock lock(&mu_);
        requests_.push_back(recorded);
        max_concurrent_ = std::max(max_concurrent_, ++concurrent_);
      }
      CannedResponse canned = handler_(recorded);
      if (canned.delay > absl::ZeroDuration()) stop_.WaitForNotificationWithTimeout(canned.delay);
      http::response<http::string_body> response(static_cast<http::status>(canned.status), 11);
      for (const auto& [name, value] : canned.headers) response.set(name, value);
      response.body() = std::move(canned.body);
      response.keep_alive(canned.keep_alive && !early);
      response.prepare_payload();
      http::write(stream, response, error);
      {
        absl::MutexLock lock(&mu_);
        --concurrent_;
      }
      if (early) {
        // Stop sending, then drain what the client still sends, so that
        // closing does not reset the connection under the answer.
        beast::get_lowest_layer(stream).shutdown(tcp::socket::shutdown_send, error);
        char sink[64 << 10];
        while (!stop_.HasBeenNotified() && !error) stream.read_some(asio::buffer(sink), error);
        return;
      }
      if (error || !canned.keep_alive || canned.close_silently) return;
    }
  }

  const Handler handler_;
  std::unique_ptr<ssl::context> tls_;
  asio::io_context io_;  // Never run: blocking calls only.
  tcp::acceptor acceptor_;
  int port_ = 0;
  std::atomic<bool> answer_before_body_{false};
  absl::Notification stop_;
  std::thread accepter_;
  std::vector<std::thread> connection_threads_;

  mutable absl::Mutex mu_;
  std::set<int> live_ ABSL_GUARDED_BY(mu_);  // Sockets of connections being served.
  std::vector<RecordedRequest> requests_ ABSL_GUARDED_BY(mu_);
  int connections_ ABSL_GUARDED_BY(mu_) = 0;
  int concurrent_ ABSL_GUARDED_BY(mu_) = 0;
  int max_concurrent_ ABSL_GUARDED_BY(mu_) = 0;
};

FakeHttpServer::FakeHttpServer(Handler handler, std::optional<FakeServerTls> tls)
    : impl_(std::make_unique<Impl>(std::move(handler), std::move(tls))) {}
FakeHttpServer::~FakeHttpServer() = default;

int FakeHttpServer::port() const { return impl_->port(); }
std::string FakeHttpServer::target() const { return absl::StrCat("127.0.0.1:", impl_->port()); }
void FakeHttpServer::AnswerBeforeBody() { impl_->AnswerBeforeBody(); }
std::vector<RecordedRequest> FakeHttpServer::requests() const { return impl_->requests(); }
int FakeHttpServer::connections() const { return impl_->connections(); }
int FakeHttpServer::max_concurrent() const { return impl_->max_concurrent(); }

}  // namespace convoy::testing
