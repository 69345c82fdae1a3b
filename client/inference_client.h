// InferenceClient: a small synchronous and asynchronous client of the KServe
// v2 GRPCInferenceService and of grpc.health.v1.Health: the gRPC
// KServeClient (kserve_client.h; http_inference_client.h is the REST one).
//
// It speaks only the standard protocol, so it works against Convoy, Triton
// or any KServe v2 server. Every call has a deadline (Options::timeout) and
// returns an absl::Status carrying the server's gRPC code and message.
//
//   ASSIGN_OR_RETURN(auto client, InferenceClient::Create({.target = "127.0.0.1:8001"}));
//   inference::ModelInferRequest request;
//   request.set_model_name("lenet5");
//   AddFp32Input(&request, "input", {1, 1, 32, 32}, pixels);
//   ASSIGN_OR_RETURN(auto response, client->Infer(request));
//   ASSIGN_OR_RETURN(Fp32Output logits, GetFp32Output(response, "logits"));
//
// Thread-safety: all methods may be called concurrently; one client (one
// HTTP/2 channel) carries many calls at once.
#ifndef CONVOY_CLIENT_INFERENCE_CLIENT_H_
#define CONVOY_CLIENT_INFERENCE_CLIENT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <grpcpp/channel.h>
#include <grpcpp/security/credentials.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/infer_stream.h"
#include "client/infer_tensors.h"
#include "client/kserve_client.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc_service.grpc.pb.h"

namespace convoy::client {

class InferenceClient : public KServeClient {
 public:
  static absl::StatusOr<std::unique_ptr<InferenceClient>> Create(ClientOptions options);

  absl::StatusOr<bool> ServerLive() override;
  absl::StatusOr<bool> ServerReady() override;
  absl::StatusOr<bool> ModelReady(const std::string& name, const std::string& version = "") override;
  absl::StatusOr<inference::ServerMetadataResponse> ServerMetadata() override;
  absl::StatusOr<inference::ModelMetadataResponse> ModelMetadata(const std::string& name,
                                                                 const std::string& version = "") override;
  absl::StatusOr<inference::ModelConfig> ModelConfig(const std::string& name,
                                                     const std::string& version = "") override;
  absl::StatusOr<inference::ModelStatisticsResponse> ModelStatistics(
      const std::string& name = "", const std::string& version = "") override;
  absl::StatusOr<inference::RepositoryIndexResponse> RepositoryIndex(bool ready_only = false) override;
  absl::Status LoadModel(const std::string& name) override;
  absl::Status UnloadModel(const std::string& name) override;
  // grpc.health.v1 status of `service` ("" = the server as a whole).
  absl::StatusOr<grpc::health::v1::HealthCheckResponse::ServingStatus> HealthCheck(
      const std::string& service = "");

  absl::StatusOr<inference::ModelInferResponse> Infer(const inference::ModelInferRequest& request) override;
  // `done` runs on a gRPC thread.
  using KServeClient::AsyncInfer;
  void AsyncInfer(std::shared_ptr<const inference::ModelInferRequest> request, InferCallback done,
                  absl::Duration timeout = absl::ZeroDuration()) override;

  // A ModelStreamInfer stream on this client's channel (infer_stream.h);
  // requests time out after ClientOptions::timeout unless `options` says.
  std::unique_ptr<InferStream> OpenStream() const;
  std::unique_ptr<InferStream> OpenStream(InferStreamOptions options) const;

  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }

 private:
  InferenceClient(ClientOptions options, std::shared_ptr<grpc::Channel> channel);
  void SetDeadline(grpc::ClientContext* context) const;
  // SetDeadline, plus the admin token if there is one.
  void PrepareAdminCall(grpc::ClientContext* context) const;

  const ClientOptions options_;
  const std::shared_ptr<grpc::Channel> channel_;
  const std::unique_ptr<inference::GRPCInferenceService::Stub> stub_;
  const std::unique_ptr<grpc::health::v1::Health::Stub> health_;
};

// A gRPC status as an absl::Status with the same code and message.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace convoy::client

#endif  // CONVOY_CLIENT_INFERENCE_CLIENT_H_
