#include "server/grpc/server.h"

#include <grpcpp/resource_quota.h>

#include "server/core/heap_trimmer.h"
#include "server/core/memory_budget.h"
#include "server/orchestration/work_pool.h"

#include <algorithm>
#include <set>
#include <utility>

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include "absl/strings/str_cat.h"
#include "server/core/log.h"

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
    server->metrics_ = std::make_unique<ServerMetrics>();
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
  InferenceServiceOptions service_options;
  service_options.strict_readiness = options.strict_readiness;
  service_options.admin_token = options.admin_token;
  server->service_ =
      std::make_unique<InferenceService>(server->manager_.get(), server->router_.get(), service_options);
  if (options.allow_metrics) {
    const std::string metrics_address = options.metrics_address.empty() ? options.address : options.metrics_address;
    ModelManager* models = server->manager_.get();
    RequestRouter* router = server->router_.get();
    absl::StatusOr<std::unique_ptr<MetricsEndpoint>> endpoint = MetricsEndpoint::Start(
        metrics_address, options.metrics_port, *server->metrics_,
        std::make_shared<RuntimeCollector>([models, router] { return SampleRuntime(*models, *router); }));
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
  Log(LogLevel::kInfo, "server_ready", {{"ready", raw->service_->ready() ? "true" : "false"}});
  return server;
}

Server::~Server() {
  // A Start() that failed leaves nothing running to shut down.
  if (grpc_server_ != nullptr && !stopped_.HasBeenNotified()) Shutdown(absl::Seconds(5));
}

void Server::UpdateHealth(const std::string& model, bool ready) {
  if (stopping_.HasBeenNotified()) return;
  grpc::HealthCheckServiceInterface* health = grpc_server_->GetHealthCheckService();
  if (!model.empty()) health->SetServingStatus(model, ready);
  const bool server_ready = service_->ready();
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
  service_->StopAccepting();
  if (poller_.joinable()) poller_.join();
  // The drain comes before gRPC's own shutdown, which cancels the calls it
  // has received but not yet handed to the service. Meanwhile new
  // inferences get UNAVAILABLE, which clients may retry elsewhere.
  if (const int64_t unanswered = router_->AwaitIdle(kDrainQuiet, deadline); unanswered > 0) {
    Log(LogLevel::kWarning, "drain_timeout", {{"unanswered", absl::StrCat(unanswered)}});
  }
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
