// Server: convoy-server's parts put together and started.
//
// Builds the ModelManager over the repository, loads the startup models,
// then serves on one gRPC port (inference.GRPCInferenceService,
// grpc.health.v1.Health and server reflection) and one HTTP port (the same
// KServe v2 protocol in its REST form, rest_handler.h), both on the same
// KServeOperations and RequestRouter. Health reports SERVING for
// the service "" and "inference.GRPCInferenceService" while the server is
// ready (every wanted model ready), and for each model name while that model
// has a ready version. With kPoll a thread polls the repository every
// poll_interval.
//
//   ASSIGN_OR_RETURN(auto server, Server::Start(options));
//   std::cout << "listening on port " << server->port();
//   server->Wait();  // until Shutdown() from another thread
//
// Thread-safety: Shutdown() may be called from any thread, once.
#ifndef CONVOY_SERVER_APP_SERVER_H_
#define CONVOY_SERVER_APP_SERVER_H_

#include <memory>
#include <string>
#include <thread>

#include <grpcpp/server.h>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "server/core/heap_trimmer.h"
#include "server/core/model_manager.h"
#include "server/grpc/inference_service.h"
#include "server/grpc/tls_credentials.h"
#include "server/http/http_server.h"
#include "server/http/rest_handler.h"
#include "server/metrics/metrics_endpoint.h"
#include "server/metrics/server_metrics.h"

namespace convoy::server {

struct ServerOptions {
  ModelManagerOptions models;
  // Where to listen. Port 0 picks a free port (see port()).
  std::string address = "0.0.0.0";
  int grpc_port = 8001;
  // KServe v2 REST on http(s)://address:http_port, with the gRPC listener's
  // TLS; port 0 picks a free port (see http_port()). false: no HTTP.
  bool allow_http = true;
  int http_port = 8000;
  // Threads of the HTTP transport; 0 = its default (http_server.h).
  int http_threads = 0;
  // How long a request's header, and then its body, may take to arrive,
  // and how long a keep-alive connection may wait for its next request.
  absl::Duration http_read_timeout = absl::Seconds(30);
  absl::Duration http_idle_timeout = absl::Seconds(60);
  // kPoll: how often to rescan the repository.
  absl::Duration poll_interval = absl::Seconds(15);
  // Largest request accepted, in bytes; gRPC answers RESOURCE_EXHAUSTED
  // above it, HTTP 413 before reading the body. 64 MiB holds a batch of 32
  // images of 3x512x512 floats.
  int max_receive_message_bytes = 64 << 20;
  // Memory gRPC's transport may use for connections and messages being
  // received (grpc::ResourceQuota): messages are received whole before the
  // service can count them against max_inflight_bytes. Under pressure gRPC
  // refuses new calls (RST_STREAM, ENHANCE_YOUR_CALM) rather than grow.
  // 0 = the byte budget, or 256 MiB if that is less.
  int64_t grpc_memory_bytes = 0;
  // Requests of one ModelStreamInfer stream read and not yet answered;
  // beyond it the stream is not read until one is (stream_infer_call.h).
  int grpc_stream_max_inflight = StreamInferOptions{}.max_in_flight;
  // Ready (ServerReady, health "") only while every wanted model is ready,
  // as Triton's --strict-readiness; false: ready whenever serving.
  bool strict_readiness = true;
  // Prometheus metrics on http://metrics_address:metrics_port/metrics
  // (empty address: the gRPC address; port 0 picks a free port).
  bool allow_metrics = true;
  // With allow_metrics: Triton's nv_inference_* and nv_cpu_* metrics beside
  // convoy_* (docs/METRICS.md), so Triton's dashboards work.
  bool triton_metrics = true;
  // Log a line per request (event=request), not only per failure.
  bool access_log = false;
  std::string metrics_address;
  int metrics_port = 8002;
  // TLS or mutual TLS of the gRPC listener (tls_credentials.h).
  TlsFiles tls;
  // Not empty: RepositoryModelLoad/Unload need `authorization: Bearer <it>`.
  // Empty with ModelControlMode::kExplicit, Start() logs a warning
  // (event=repository_control_open): anyone who reaches the port can load
  // and unload models.
  std::string admin_token;
  // Bytes all inference requests in flight may hold together: their
  // tensors, decoded images, crops and outputs (request_cost.h). 0 = a
  // third of the memory the process may use (DefaultInflightBytes).
  int64_t max_inflight_bytes = 0;
  // What one request's images may cost (image_limits.h).
  ImageLimits image_limits;
  // Threads that decode and crop images (0 = one per core), and how many
  // requests may wait for them before the next is refused (UNAVAILABLE).
  int image_threads = 0;
  int64_t max_image_queue = 1024;
  // Not zero: connections are closed (gracefully, GOAWAY) after this long,
  // so clients reconnect and re-resolve, and balancers that pin connections
  // to replicas spread them again.
  absl::Duration max_connection_age = absl::ZeroDuration();
};

class Server {
 public:
  static absl::StatusOr<std::unique_ptr<Server>> Start(ServerOptions options);
  ~Server();  // Shuts down if Shutdown() was not called.

  int port() const { return port_; }
  // 0 when HTTP is off.
  int http_port() const { return http_server_ ? http_server_->port() : 0; }
  // 0 when metrics are off.
  int metrics_port() const { return metrics_endpoint_ ? metrics_endpoint_->port() : 0; }
  ModelManager& models() { return *manager_; }

  // Health goes NOT_SERVING and new inferences get UNAVAILABLE; accepted
  // requests get up to `grace` to finish, then are cancelled; the batchers
  // then drain and the process may exit.
  void Shutdown(absl::Duration grace);
  // Blocks until Shutdown() has completed.
  void Wait();

 private:
  Server() = default;
  void UpdateHealth(const std::string& model, bool ready);
  void PollLoop(absl::Duration interval);
  absl::Status StartHttp(const ServerOptions& options);

  // Declared first: every loaded model's observer refers to it.
  std::unique_ptr<ServerMetrics> metrics_;
  std::unique_ptr<ModelManager> manager_;
  std::unique_ptr<RequestRouter> router_;
  // Returns what bursts of large requests leave in the allocator.
  std::unique_ptr<HeapTrimmer> heap_trimmer_;
  std::unique_ptr<KServeOperations> operations_;
  std::unique_ptr<InferenceService> service_;
  std::unique_ptr<RestHandler> rest_handler_;
  std::unique_ptr<http::HttpServer> http_server_;
  std::unique_ptr<MetricsEndpoint> metrics_endpoint_;
  std::unique_ptr<grpc::Server> grpc_server_;
  int port_ = 0;
  absl::Notification stopping_;
  absl::Notification stopped_;
  std::thread poller_;
};

}  // namespace convoy::server

#endif  // CONVOY_SERVER_APP_SERVER_H_
