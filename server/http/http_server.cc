#include "server/http/http_server.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "absl/base/thread_annotations.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/bounded_file.h"
#include "common/status_macros.h"
#include "server/batcher/tsan_annotations.h"
#include "server/core/log.h"
#include "server/http/http_session.h"
#include "server/http/session_registry.h"

namespace convoy::server::http {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

// Certificate bundles are a few KiB; anything far larger is a wrong path.
constexpr int64_t kMaxPemFileBytes = 1 << 20;
// After a failed accept (out of file descriptors, say), before the next.
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);
// At shutdown, how long closing the connections left at the deadline may take.
constexpr absl::Duration kForcedCloseGrace = absl::Milliseconds(200);

absl::Status ValidateOptions(const HttpServerOptions& options) {
  auto invalid = [](auto... parts) { return absl::InvalidArgumentError(absl::StrCat("HTTP server: ", parts...)); };
  if (options.port < 0 || options.port > 65535) return invalid("port must be in 0..65535, got ", options.port);
  if (options.max_body_bytes < 0) return invalid("max_body_bytes must be >= 0, got ", options.max_body_bytes);
  if (options.max_header_bytes < 256 || options.max_header_bytes > (int64_t{1} << 30)) {
    return invalid("max_header_bytes must be in 256..2^30, got ", options.max_header_bytes);
  }
  const std::pair<const char*, absl::Duration> timeouts[] = {{"header_timeout", options.header_timeout},
                                                             {"body_timeout", options.body_timeout},
                                                             {"idle_timeout", options.idle_timeout},
                                                             {"write_timeout", options.write_timeout}};
  for (const auto& [name, timeout] : timeouts) {
    if (timeout <= absl::ZeroDuration()) return invalid(name, " must be > 0, got ", absl::FormatDuration(timeout));
  }
  if (options.threads < 0) return invalid("threads must be >= 0 (0 = one per core), got ", options.threads);
  if (options.max_connections < 1) return invalid("max_connections must be >= 1, got ", options.max_connections);
  if (options.tls.cert.empty() != options.tls.key.empty()) {
    return invalid("the TLS certificate and key go together (cert \"", options.tls.cert, "\", key \"",
                   options.tls.key, "\")");
  }
  if (options.tls.cert.empty() && !options.tls.client_ca.empty()) {
    return invalid("a TLS client CA needs a TLS certificate and key");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadPem(const char* what, const std::string& path) {
  absl::StatusOr<std::string> content = ReadBoundedFile(path, kMaxPemFileBytes);
  if (!content.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read the HTTP TLS ", what, " ", path, ": ", content.status().message()));
  }
  return content;
}

absl::Status TlsError(const char* what, const std::string& path, const std::string& problem) {
  ERR_clear_error();
  return absl::InvalidArgumentError(absl::StrCat("HTTP TLS ", what, " ", path, " ", problem));
}

// TLS 1.2 or newer with the certificate chain and key of `files`, and, for
// mutual TLS, client certificates required and checked against client_ca.
absl::StatusOr<std::unique_ptr<net::ssl::context>> MakeTlsContext(const HttpTlsFiles& files) {
  auto tls = std::make_unique<net::ssl::context>(net::ssl::context::tls_server);
  SSL_CTX* native = tls->native_handle();
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1) return TlsError("setup", "", "failed");
  tls->set_options(net::ssl::context::default_workarounds | net::ssl::context::single_dh_use);
  // An encrypted key must fail here, not prompt on the terminal.
  tls->set_password_callback([](std::size_t, net::ssl::context::password_purpose) { return std::string(); });

  CONVOY_ASSIGN_OR_RETURN(const std::string cert_pem, ReadPem("certificate", files.cert));
  CONVOY_ASSIGN_OR_RETURN(const std::string key_pem, ReadPem("key", files.key));
  error_code ec;
  tls->use_certificate_chain(net::buffer(cert_pem), ec);
  if (ec) return TlsError("certificate", files.cert, "holds no PEM certificate chain");
  tls->use_private_key(net::buffer(key_pem), net::ssl::context::pem, ec);
  if (ec) return TlsError("key", files.key, "holds no unencrypted PEM private key");
  if (SSL_CTX_check_private_key(native) != 1) {
    return TlsError("key", files.key, absl::StrCat("is not the key of the certificate ", files.cert));
  }
  if (!files.client_ca.empty()) {
    CONVOY_ASSIGN_OR_RETURN(const std::string ca_pem, ReadPem("client CA", files.client_ca));
    tls->add_certificate_authority(net::buffer(ca_pem), ec);
    if (ec) return TlsError("client CA", files.client_ca, "holds no PEM certificate");
    tls->set_verify_mode(net::ssl::verify_peer | net::ssl::verify_fail_if_no_peer_cert);
    // Session resumption with client certificates needs an id context.
    static constexpr unsigned char kSessionContext[] = "convoy-http";
    SSL_CTX_set_session_id_context(native, kSessionContext, sizeof(kSessionContext) - 1);
  }
  return tls;
}

std::string EndpointText(const tcp::endpoint& endpoint) {
  const net::ip::address address = endpoint.address();
  return address.is_v6() ? absl::StrCat("[", address.to_string(), "]:", endpoint.port())
                         : absl::StrCat(address.to_string(), ":", endpoint.port());
}

}  // namespace

std::optional<std::string_view> HttpRequest::Header(std::string_view name) const {
  const absl::string_view wanted(name.data(), name.size());
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, wanted)) return std::string_view(value);
  }
  return std::nullopt;
}

class HttpServer::Impl {
 public:
  Impl(const HttpServerOptions& options, HttpHandler* handler, std::unique_ptr<net::ssl::context> tls)
      : options_(options),
        threads_wanted_(options.threads > 0 ? options.threads
                                            : std::max(2, static_cast<int>(std::thread::hardware_concurrency()))),
        tls_(std::move(tls)),
        registry_(options.max_connections),
        context_{&options_, handler, &registry_, lifeline_},
        io_(threads_wanted_),
        acceptor_(io_),
        accept_retry_(io_) {}
  ~Impl() { Shutdown(absl::Now()); }

  absl::Status Listen();
  void Run();
  void StopAccepting();
  void Shutdown(absl::Time deadline);
  int port() const { return port_; }
  int64_t open_connections() const { return registry_.size(); }

 private:
  void Accept() ABSL_EXCLUSIVE_LOCKS_REQUIRED(accept_mu_);
  void OnAccept(error_code ec, tcp::socket socket);

  const HttpServerOptions options_;
  const int threads_wanted_;
  const std::shared_ptr<internal::Lifeline> lifeline_ = std::make_shared<internal::Lifeline>();
  const std::unique_ptr<net::ssl::context> tls_;  // null: plain HTTP
  internal::SessionRegistry registry_;
  const internal::SessionContext context_;
  // Declared after what sessions refer to: destroying it destroys the
  // sessions still referenced by its queued handlers.
  net::io_context io_;

  absl::Mutex accept_mu_;
  tcp::acceptor acceptor_ ABSL_GUARDED_BY(accept_mu_);
  net::steady_timer accept_retry_ ABSL_GUARDED_BY(accept_mu_);
  bool accepting_ ABSL_GUARDED_BY(accept_mu_) = false;
  // At max_connections: the warning is logged once per episode.
  std::atomic<bool> at_capacity_{false};
  int port_ = 0;

  absl::Mutex shutdown_mu_;
  bool shut_down_ ABSL_GUARDED_BY(shutdown_mu_) = false;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work_ ABSL_GUARDED_BY(shutdown_mu_);
  std::vector<std::thread> threads_ ABSL_GUARDED_BY(shutdown_mu_);
};

absl::Status HttpServer::Impl::Listen() {
  error_code ec;
  tcp::endpoint endpoint;
  const net::ip::address address = net::ip::make_address(options_.address, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, static_cast<unsigned short>(options_.port));
  } else {
    tcp::resolver resolver(io_);
    auto found = resolver.resolve(options_.address, absl::StrCat(options_.port), tcp::resolver::passive, ec);
    if (ec || found.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("HTTP server: cannot resolve the address \"", options_.address, "\": ", ec.message()));
    }
    endpoint = found.begin()->endpoint();
  }
  const std::string where = EndpointText(endpoint);
  AnnotatedMutexLock lock(&accept_mu_);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("cannot listen for HTTP on ", where, ": ", ec.message()));
  port_ = acceptor_.local_endpoint(ec).port();
  return absl::OkStatus();
}

void HttpServer::Impl::Run() {
  AnnotatedMutexLock shutdown_lock(&shutdown_mu_);
  work_.emplace(net::make_work_guard(io_));
  {
    AnnotatedMutexLock lock(&accept_mu_);
    accepting_ = true;
    Accept();
  }
  for (int i = 0; i < threads_wanted_; ++i) {
    threads_.emplace_back([this] {
      while (true) {
        try {
          io_.run();
          return;
        } catch (const std::exception& e) {
          Log(LogLevel::kError, "http_io_thread_error", {{"error", e.what()}});
        }
      }
    });
    pthread_setname_np(threads_.back().native_handle(), absl::StrCat("http:", i).substr(0, 15).c_str());
  }
}

void HttpServer::Impl::Accept() {
  acceptor_.async_accept(net::make_strand(io_),
                         [this](error_code ec, tcp::socket socket) { OnAccept(ec, std::move(socket)); });
}

void HttpServer::Impl::OnAccept(error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted) return;
  {
    AnnotatedMutexLock lock(&accept_mu_);
    if (!accepting_) return;  // draining: `socket` closes as it goes
    if (ec) {
      Log(LogLevel::kWarning, "http_accept_failed", {{"port", absl::StrCat(port_)}, {"error", ec.message()}});
      accept_retry_.expires_after(kAcceptRetryDelay);
      accept_retry_.async_wait([this](error_code wait_ec) {
        AnnotatedMutexLock retry_lock(&accept_mu_);
        if (!wait_ec && accepting_) Accept();
      });
      return;
    }
    Accept();
  }
  error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  const tcp::endpoint peer = socket.remote_endpoint(ignored);
  std::shared_ptr<internal::Session> session =
      internal::MakeSession(std::move(socket), tls_.get(), EndpointText(peer), context_);
  switch (registry_.Add(session)) {
    case internal::SessionRegistry::AddResult::kAdded:
      at_capacity_.store(false, std::memory_order_relaxed);
      session->Start();
      break;
    case internal::SessionRegistry::AddResult::kFull:
      // Dropping the session closes the connection.
      if (!at_capacity_.exchange(true, std::memory_order_relaxed)) {
        Log(LogLevel::kWarning, "http_connection_limit",
            {{"port", absl::StrCat(port_)}, {"max_connections", absl::StrCat(options_.max_connections)}});
      }
      break;
    case internal::SessionRegistry::AddResult::kDraining:
      break;
  }
}

void HttpServer::Impl::StopAccepting() {
  {
    AnnotatedMutexLock lock(&accept_mu_);
    if (accepting_) {
      accepting_ = false;
      error_code ignored;
      acceptor_.close(ignored);
      accept_retry_.cancel();
      Log(LogLevel::kInfo, "http_draining",
          {{"port", absl::StrCat(port_)}, {"open_connections", absl::StrCat(registry_.size())}});
    }
  }
  for (const std::shared_ptr<internal::Session>& session : registry_.BeginDraining()) session->Drain();
}

void HttpServer::Impl::Shutdown(absl::Time deadline) {
  AnnotatedMutexLock lock(&shutdown_mu_);
  if (shut_down_) return;
  shut_down_ = true;
  StopAccepting();
  if (!registry_.AwaitEmpty(deadline)) {
    std::vector<std::shared_ptr<internal::Session>> left = registry_.Snapshot();
    Log(LogLevel::kWarning, "http_shutdown_forced",
        {{"port", absl::StrCat(port_)}, {"open_connections", absl::StrCat(left.size())}});
    for (const std::shared_ptr<internal::Session>& session : left) session->Close();
    left.clear();
    registry_.AwaitEmpty(absl::Now() + kForcedCloseGrace);
  }
  // From here on Responders do nothing, and nothing else runs on io_.
  lifeline_->Kill();
  work_.reset();
  io_.stop();
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
  // Sessions the registry still holds go now, while io_ exists; those its
  // queued handlers hold go with it.
  registry_.TakeAll();
  AnnotatedMutexLock accept_lock(&accept_mu_);
  error_code ignored;
  acceptor_.close(ignored);
  accept_retry_.cancel();
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() = default;  // ~Impl shuts down

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpServerOptions& options,
                                                              HttpHandler* handler) {
  if (handler == nullptr) return absl::InvalidArgumentError("HTTP server: no handler");
  CONVOY_RETURN_IF_ERROR(ValidateOptions(options));
  std::unique_ptr<net::ssl::context> tls;
  if (!options.tls.cert.empty()) {
    CONVOY_ASSIGN_OR_RETURN(tls, MakeTlsContext(options.tls));
  }
  // The words of the gRPC listener's event=listening.
  const char* mode = tls == nullptr ? "off" : options.tls.client_ca.empty() ? "on" : "mutual";
  auto impl = std::make_unique<Impl>(options, handler, std::move(tls));
  CONVOY_RETURN_IF_ERROR(impl->Listen());
  impl->Run();
  Log(LogLevel::kInfo, "http_listening",
      {{"address", options.address}, {"port", absl::StrCat(impl->port())}, {"tls", mode}});
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

int HttpServer::port() const { return impl_->port(); }
void HttpServer::StopAccepting() { impl_->StopAccepting(); }
void HttpServer::Shutdown(absl::Time deadline) { impl_->Shutdown(deadline); }
int64_t HttpServer::open_connections() const { return impl_->open_connections(); }

}  // namespace convoy::server::http
