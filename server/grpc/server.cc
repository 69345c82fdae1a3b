#include "server/grpc/server.h"

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

}  // namespace

absl::StatusOr<std::unique_ptr<Server>> Server::Start(ServerOptions options) {
  std::unique_ptr<Server> server(new Server());
  const ModelControlMode mode = options.models.mode;
  absl::StatusOr<std::unique_ptr<ModelManager>> manager =
      ModelManager::Create(std::move(options.models));
  if (!manager.ok()) return manager.status();
  server->manager_ = *std::move(manager);
  server->service_ = std::make_unique<InferenceService>(server->manager_.get(),
                                                         options.strict_readiness);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  const std::string address = absl::StrCat(options.address, ":", options.grpc_port);
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &server->port_);
  builder.SetMaxReceiveMessageSize(options.max_receive_message_bytes);
  builder.SetMaxSendMessageSize(-1);
  // gRPC sets SO_REUSEPORT by default, so a second server on a busy port
  // would start and silently share its traffic; it must fail instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
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
  Server* raw = server.get();
  server->manager_->SetReadinessListener(
      [raw](const std::string& model, bool ready) { raw->UpdateHealth(model, ready); });
  Log(LogLevel::kInfo, "listening", {{"address", options.address},
                                     {"port", absl::StrCat(server->port_)}});
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
  grpc_server_->GetHealthCheckService()->Shutdown();
  service_->StopAccepting();
  if (poller_.joinable()) poller_.join();
  grpc_server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
  grpc_server_->Wait();
  manager_.reset();  // Batchers drain what they still hold.
  Log(LogLevel::kInfo, "shutdown_complete");
  stopped_.Notify();
}

void Server::Wait() { stopped_.WaitForNotification(); }

}  // namespace convoy::server
