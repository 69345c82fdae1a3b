// InferenceClient: a small synchronous and asynchronous client of the KServe
// v2 GRPCInferenceService and of grpc.health.v1.Health.
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
#include "absl/types/span.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc_service.grpc.pb.h"

namespace convoy::client {

// TLS to the server, PEM contents (not paths).
struct ClientTls {
  std::string root_certs;   // CAs that signed the server's certificate; empty = the system's
  std::string cert_chain;   // for mutual TLS: this client's certificate...
  std::string private_key;  // ...and its key
  std::string server_name;  // name to verify instead of the target's host; empty = the host
};

struct ClientOptions {
  std::string target;  // "host:port"
  // Deadline of every call.
  absl::Duration timeout = absl::Seconds(30);
  // Largest response accepted.
  int max_receive_message_bytes = 256 << 20;
  // Not set = plaintext.
  std::optional<ClientTls> tls;
  // Sent as `authorization: Bearer <it>` with RepositoryModelLoad/Unload
  // (convoy-server --admin-token-file); empty = not sent.
  std::string admin_token;
};

class InferenceClient {
 public:
  static absl::StatusOr<std::unique_ptr<InferenceClient>> Create(ClientOptions options);

  absl::StatusOr<bool> ServerLive();
  absl::StatusOr<bool> ServerReady();
  absl::StatusOr<bool> ModelReady(const std::string& name, const std::string& version = "");
  absl::StatusOr<inference::ServerMetadataResponse> ServerMetadata();
  absl::StatusOr<inference::ModelMetadataResponse> ModelMetadata(const std::string& name,
                                                                 const std::string& version = "");
  absl::StatusOr<inference::ModelConfig> ModelConfig(const std::string& name,
                                                     const std::string& version = "");
  absl::StatusOr<inference::ModelStatisticsResponse> ModelStatistics(
      const std::string& name = "", const std::string& version = "");
  absl::StatusOr<inference::RepositoryIndexResponse> RepositoryIndex(bool ready_only = false);
  absl::Status LoadModel(const std::string& name);
  absl::Status UnloadModel(const std::string& name);
  // grpc.health.v1 status of `service` ("" = the server as a whole).
  absl::StatusOr<grpc::health::v1::HealthCheckResponse::ServingStatus> HealthCheck(
      const std::string& service = "");

  absl::StatusOr<inference::ModelInferResponse> Infer(const inference::ModelInferRequest& request);
  // As Infer, without blocking: `done` runs once on a gRPC thread. `timeout`
  // overrides Options::timeout when not zero. The request is shared, not
  // copied, so one request can be sent many times at no cost.
  using InferCallback = std::function<void(absl::Status, inference::ModelInferResponse)>;
  void AsyncInfer(std::shared_ptr<const inference::ModelInferRequest> request, InferCallback done,
                  absl::Duration timeout = absl::ZeroDuration());
  // As above, with a copy of `request`.
  void AsyncInfer(const inference::ModelInferRequest& request, InferCallback done,
                  absl::Duration timeout = absl::ZeroDuration());

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

// Adds an input given as raw little-endian bytes (the fast form).
void AddFp32Input(inference::ModelInferRequest* request, const std::string& name,
                  const std::vector<int64_t>& shape, absl::Span<const float> values);
void AddUint8Input(inference::ModelInferRequest* request, const std::string& name,
                   const std::vector<int64_t>& shape, absl::Span<const uint8_t> values);
// A BYTES input of shape [N], one element each (for example encoded JPEG or
// PNG files), framed as Triton does: 4-byte little-endian length, bytes.
void AddBytesInput(inference::ModelInferRequest* request, const std::string& name,
                   absl::Span<const std::string> elements);

struct Fp32Output {
  std::vector<int64_t> shape;
  std::vector<float> values;
};
// An FP32 output of a response, from raw_output_contents or typed contents.
absl::StatusOr<Fp32Output> GetFp32Output(const inference::ModelInferResponse& response,
                                         const std::string& name);
// A BYTES output (for example classification strings), element by element.
absl::StatusOr<std::vector<std::string>> GetBytesOutput(
    const inference::ModelInferResponse& response, const std::string& name);

// A gRPC status as an absl::Status with the same code and message.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace convoy::client

#endif  // CONVOY_CLIENT_INFERENCE_CLIENT_H_
