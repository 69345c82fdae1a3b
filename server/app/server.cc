#include "server/app/server.h"

#include <algorithm>
#include <set>
#include <utility>

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/resource_quota.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include "absl/strings/str_cat.h"
#include "server/core/heap_trimmer.h"
#include "server/core/log.h"
#include "server/core/memory_budget.h"
#include "server/orchestration/work_pool.h"

namespace convoy::server {
namespace {

constexpr char kServiceName[] = "inference.GRPCInferenceService";
// SERVING from the moment the server listens until it drains, whether or not
// its models are ready: for liveness probes, which must not restart a server
// that is still loading. A model name cannot contain '/', so no model's
// health entry can take this name.
constexpr char kLivenessService[] = "convoy/liveness";

RuntimeSample SampleRuntime(const ModelManager& models, const RequestRouter& router) {
  RuntimeSample sample;
  sample.inflight_bytes = router.budget().in_use();
  sample.inflight_bytes_limit = router.budget().limit();
  sample.image_queue_depth = router.image_queue_depth();
  for (const std::shared_ptr<ServableModel>& model : models.Served()) {
    sample.served.push_back({model->name(), absl::StrCat(model->version()), model->queue_depth()});
  }
  // Index() has a row per served version; a model counts once.
  std::set<std::string> counted;
  for (const ModelIndexEntry& entry : models.Index(/*ready_only=*/false)) {
    if (counted.insert(entry.name).second) ++sample.models_by_state[entry.state];
  }
  return sample;
}

}  // namespace

// A drain ends once no inference request has arrived for this long.
constexpr absl::Duration kDrainQuiet = absl::Milliseconds(100);

absl::StatusOr<std::unique_ptr<Server>> Server::Start(ServerOptions options) {
  // Bad certificates fail the start before any model is loaded.
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials = ServerCredentialsFor(options.tls);
  if (!credentials.ok()) return credentials.status();
  std::unique_ptr<Server> server(new Server());
  const ModelControlMode mode = options.models.mode;
  if (options.allow_metrics) {
    server->metrics_ =
        std::make_unique<ServerMetrics>(ServerMetrics::Options{.triton_metrics = options.triton_metrics});
    ServerMetrics* metrics = server->metrics_.get();
    options.models.servable.observer_factory = [metrics](const std::string& model, int64_t version) {
      return metrics->ObserverFor(model, version);
    };
  }
  absl::StatusOr<std::unique_ptr<ModelManager>> manager =
      ModelManager::Create(std::move(options.models));
  if (!manager.ok()) return manager.status();
  server->manager_ = *std::move(manager);
  RequestRouterOptions router_options;
  router_options.access_log = options.access_log;
  router_options.image_limits = options.image_limits;
  router_options.max_inflight_bytes =
      options.max_inflight_bytes > 0 ? options.max_inflight_bytes : DefaultInflightBytes();
  absl::StatusOr<std::unique_ptr<WorkPool>> image_pool =
      WorkPool::Create({"image", options.image_threads, options.max_image_queue});
  if (!image_pool.ok()) return image_pool.status();
  server->router_ = std::make_unique<RequestRouter>(server->manager_.get(), server->metrics_.get(),
                                                    router_options, *std::move(image_pool));
  server->heap_trimmer_ = std::make_unique<HeapTrimmer>(&server->router_->budget(), HeapTrimmer::Options{});
  server->operations_ = std::make_unique<KServeOperations>(
      server->manager_.get(), server->router_.get(),
      KServeOptions{.strict_readiness = options.strict_readiness, .admin_token = options.admin_token});
  server->service_ = std::make_unique<InferenceService>(
      server->operations_.get(), server->router_.get(),
      StreamInferOptions{.max_in_flight = options.grpc_stream_max_inflight});
  if (options.allow_metrics) {
    const std::string metrics_address = options.metrics_address.empty() ? options.address : options.metrics_address;
    ModelManager* models = server->manager_.get();
    RequestRouter* router = server->router_.get();
    absl::StatusOr<std::unique_ptr<MetricsEndpoint>> endpoint = MetricsEndpoint::Start(
        metrics_address, options.metrics_port, *server->metrics_,
        std::make_shared<RuntimeCollector>([models, router] { return SampleRuntime(*models, *router); },
                                           RuntimeCollectorOptions{.triton_metrics = options.triton_metrics}));
    if (!endpoint.ok()) return endpoint.status();
    server->metrics_endpoint_ = *std::move(endpoint);
    Log(LogLevel::kInfo, "metrics_listening",
        {{"address", metrics_address}, {"port", absl::StrCat(server->metrics_endpoint_->port())}});
  }

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  const std::string address = absl::StrCat(options.address, ":", options.grpc_port);
  builder.AddListeningPort(address, *credentials, &server->port_);
  builder.SetMaxReceiveMessageSize(options.max_receive_message_bytes);
  builder.SetMaxSendMessageSize(-1);
  // Messages are received whole before the service sees them, so the byte
  // budget cannot count them yet: gRPC's own quota bounds what connections
  // and messages being received hold together (beyond it, gRPC reads less).
  const int64_t grpc_memory = options.grpc_memory_bytes > 0
                                  ? options.grpc_memory_bytes
                                  : std::max(router_options.max_inflight_bytes, int64_t{256} << 20);
  builder.SetResourceQuota(grpc::ResourceQuota("convoy-transport").Resize(static_cast<size_t>(grpc_memory)));
  // gRPC sets SO_REUSEPORT by default, so a second server on a busy port
  // would start and silently share its traffic; it must fail instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  if (options.max_connection_age > absl::ZeroDuration()) {
    builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS,
                               static_cast<int>(absl::ToInt64Milliseconds(options.max_connection_age)));
    // Calls in flight when the age is reached get this long to finish.
    builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS, 30'000);
  }
  builder.RegisterService(server->service_.get());
  server->grpc_server_ = builder.BuildAndStart();
  if (server->grpc_server_ == nullptr || server->port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", address,
                                               " (address in use or not local?)"));
  }
  if (options.allow_http) {
    if (absl::Status started = server->StartHttp(options); !started.ok()) return started;
  }
  // Not ready until the startup models have loaded.
  grpc::HealthCheckServiceInterface* health = server->grpc_server_->GetHealthCheckService();
  health->SetServingStatus("", false);
  health->SetServingStatus(kServiceName, false);
  health->SetServingStatus(kLivenessService, true);
  Server* raw = server.get();
  server->manager_->SetReadinessListener(
      [raw](const std::string& model, bool ready) { raw->UpdateHealth(model, ready); });
  Log(LogLevel::kInfo, "listening",
      {{"address", options.address},
       {"port", absl::StrCat(server->port_)},
       {"tls", options.tls.cert.empty() ? "off" : options.tls.client_ca.empty() ? "on" : "mutual"},
       {"admin_token", options.admin_token.empty() ? "off" : "on"}});
  if (mode == ModelControlMode::kExplicit && options.admin_token.empty()) {
    Log(LogLevel::kWarning, "repository_control_open",
        {{"detail",
          "--model-control-mode=explicit without --admin-token-file: anyone who reaches the port "
          "can load and unload models"}});
  }
  server->manager_->LoadStartupModels();
  server->UpdateHealth("", false);
  if (mode == ModelControlMode::kPoll) {
    server->poller_ = std::thread([raw, interval = options.poll_interval] { raw->PollLoop(interval); });
  }
  Log(LogLevel::kInfo, "server_ready", {{"ready", raw->operations_->ServerReady() ? "true" : "false"}});
  return server;
}

absl::Status Server::StartHttp(const ServerOptions& options) {
  rest_handler_ = std::make_unique<RestHandler>(operations_.get(), router_.get());
  http::HttpServerOptions http_options;
  http_options.address = options.address;
  http_options.port = options.http_port;
  http_options.tls = {options.tls.cert, options.tls.key, options.tls.client_ca};
  http_options.max_body_bytes = options.max_receive_message_bytes;
  if (options.http_threads > 0) http_options.threads = options.http_threads;
  http_options.header_timeout = options.http_read_timeout;
  http_options.body_timeout = options.http_read_timeout;
  http_options.idle_timeout = options.http_idle_timeout;
  absl::StatusOr<std::unique_ptr<http::HttpServer>> started =
      http::HttpServer::Start(std::move(http_options), rest_handler_.get());
  if (!started.ok()) return started.status();
  http_server_ = *std::move(started);  // It logs event=http_listening.
  return absl::OkStatus();
}

Server::~Server() {
  // A Start() that failed leaves nothing running to shut down.
  if (grpc_server_ != nullptr && !stopped_.HasBeenNotified()) Shutdown(absl::Seconds(5));
}

void Server::UpdateHealth(const std::string& model, bool ready) {
  if (stopping_.HasBeenNotified()) return;
  grpc::HealthCheckServiceInterface* health = grpc_server_->GetHealthCheckService();
  if (!model.empty()) health->SetServingStatus(model, ready);
  const bool server_ready = operations_->ServerReady();
  health->SetServingStatus("", server_ready);
  health->SetServingStatus(kServiceName, server_ready);
}

void Server::PollLoop(absl::Duration interval) {
  while (!stopping_.WaitForNotificationWithTimeout(interval)) manager_->Poll();
}

void Server::Shutdown(absl::Duration grace) {
  if (stopping_.HasBeenNotified()) {
    stopped_.WaitForNotification();
    return;
  }
  stopping_.Notify();
  Log(LogLevel::kInfo, "shutdown_started",
      {{"grace_ms", absl::StrCat(absl::ToInt64Milliseconds(grace))}});
  const absl::Time deadline = absl::Now() + grace;
  grpc_server_->GetHealthCheckService()->Shutdown();
  router_->StopAccepting();
  operations_->StopAccepting();
  // Streams read no more requests; each finishes once those it has read
  // are answered, within the drain below.
  service_->StopStreams();
  // Idle keep-alive connections close now; those with a request in flight
  // get its answer with `Connection: close`.
  if (http_server_ != nullptr) http_server_->StopAccepting();
  if (poller_.joinable()) poller_.join();
  // The drain comes before gRPC's own shutdown, which cancels the calls it
  // has received but not yet handed to the service. Meanwhile new
  // inferences get UNAVAILABLE, which clients may retry elsewhere.
  if (const int64_t unanswered = router_->AwaitIdle(kDrainQuiet, deadline); unanswered > 0) {
    Log(LogLevel::kWarning, "drain_timeout", {{"unanswered", absl::StrCat(unanswered)}});
  }
  if (http_server_ != nullptr) http_server_->Shutdown(std::max(deadline, absl::Now() + absl::Seconds(1)));
  // Other calls (a model load, say) get what is left of the grace period.
  grpc_server_->Shutdown(absl::ToChronoTime(std::max(deadline, absl::Now() + absl::Seconds(1))));
  grpc_server_->Wait();
  metrics_endpoint_.reset();  // It samples the manager.
  manager_.reset();  // Batchers drain what they still hold.
  Log(LogLevel::kInfo, "shutdown_complete");
  stopped_.Notify();
}

void Server::Wait() { stopped_.WaitForNotification(); }

}  // namespace convoy::server
