#include "client/inference_client.h"

#include <utility>

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include "absl/strings/str_cat.h"

namespace convoy::client {
namespace {

template <typename Response, typename Call>
absl::StatusOr<Response> Unary(Call call,
                               std::function<void(grpc::ClientContext*)> set_deadline) {
  grpc::ClientContext context;
  set_deadline(&context);
  Response response;
  grpc::Status status = call(&context, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

}  // namespace

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

absl::StatusOr<std::unique_ptr<InferenceClient>> InferenceClient::Create(ClientOptions options) {
  if (options.target.empty()) return absl::InvalidArgumentError("no server address given");
  grpc::ChannelArguments arguments;
  arguments.SetMaxReceiveMessageSize(options.max_receive_message_bytes);
  arguments.SetMaxSendMessageSize(-1);
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (options.tls) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = options.tls->root_certs;
    ssl.pem_cert_chain = options.tls->cert_chain;
    ssl.pem_private_key = options.tls->private_key;
    credentials = grpc::SslCredentials(ssl);
    if (!options.tls->server_name.empty()) {
      arguments.SetSslTargetNameOverride(options.tls->server_name);
    }
  }
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateCustomChannel(options.target, credentials, arguments);
  if (channel == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("cannot create a channel to '", options.target, "'"));
  }
  return std::unique_ptr<InferenceClient>(new InferenceClient(std::move(options), std::move(channel)));
}

InferenceClient::InferenceClient(ClientOptions options, std::shared_ptr<grpc::Channel> channel)
    : options_(std::move(options)),
      channel_(std::move(channel)),
      stub_(inference::GRPCInferenceService::NewStub(channel_)),
      health_(grpc::health::v1::Health::NewStub(channel_)) {}

void InferenceClient::SetDeadline(grpc::ClientContext* context) const {
  context->set_deadline(absl::ToChronoTime(absl::Now() + options_.timeout));
}

#define CONVOY_CLIENT_CALL(Response, Method, request)                                    \
  Unary<Response>(                                                                       \
      [&](grpc::ClientContext* c, Response* r) { return stub_->Method(c, request, r); }, \
      [this](grpc::ClientContext* c) { SetDeadline(c); })

absl::StatusOr<bool> InferenceClient::ServerLive() {
  auto response = CONVOY_CLIENT_CALL(inference::ServerLiveResponse, ServerLive,
                                     inference::ServerLiveRequest());
  if (!response.ok()) return response.status();
  return response->live();
}

absl::StatusOr<bool> InferenceClient::ServerReady() {
  auto response = CONVOY_CLIENT_CALL(inference::ServerReadyResponse, ServerReady,
                                     inference::ServerReadyRequest());
  if (!response.ok()) return response.status();
  return response->ready();
}

absl::StatusOr<bool> InferenceClient::ModelReady(const std::string& name,
                                                 const std::string& version) {
  inference::ModelReadyRequest request;
  request.set_name(name);
  request.set_version(version);
  auto response = CONVOY_CLIENT_CALL(inference::ModelReadyResponse, ModelReady, request);
  if (!response.ok()) return response.status();
  return response->ready();
}

absl::StatusOr<inference::ServerMetadataResponse> InferenceClient::ServerMetadata() {
  return CONVOY_CLIENT_CALL(inference::ServerMetadataResponse, ServerMetadata,
                            inference::ServerMetadataRequest());
}

absl::StatusOr<inference::ModelMetadataResponse> InferenceClient::ModelMetadata(
    const std::string& name, const std::string& version) {
  inference::ModelMetadataRequest request;
  request.set_name(name);
  request.set_version(version);
  return CONVOY_CLIENT_CALL(inference::ModelMetadataResponse, ModelMetadata, request);
}

absl::StatusOr<inference::ModelConfig> InferenceClient::ModelConfig(const std::string& name,
                                                                   const std::string& version) {
  inference::ModelConfigRequest request;
  request.set_name(name);
  request.set_version(version);
  auto response = CONVOY_CLIENT_CALL(inference::ModelConfigResponse, ModelConfig, request);
  if (!response.ok()) return response.status();
  return response->config();
}

absl::StatusOr<inference::ModelStatisticsResponse> InferenceClient::ModelStatistics(
    const std::string& name, const std::string& version) {
  inference::ModelStatisticsRequest request;
  request.set_name(name);
  request.set_version(version);
  return CONVOY_CLIENT_CALL(inference::ModelStatisticsResponse, ModelStatistics, request);
}

absl::StatusOr<inference::RepositoryIndexResponse> InferenceClient::RepositoryIndex(
    bool ready_only) {
  inference::RepositoryIndexRequest request;
  request.set_ready(ready_only);
  return CONVOY_CLIENT_CALL(inference::RepositoryIndexResponse, RepositoryIndex, request);
}

void InferenceClient::PrepareAdminCall(grpc::ClientContext* context) const {
  SetDeadline(context);
  if (!options_.admin_token.empty()) {
    context->AddMetadata("authorization", "Bearer " + options_.admin_token);
  }
}

absl::Status InferenceClient::LoadModel(const std::string& name) {
  inference::RepositoryModelLoadRequest request;
  request.set_model_name(name);
  return Unary<inference::RepositoryModelLoadResponse>(
             [&](grpc::ClientContext* c, inference::RepositoryModelLoadResponse* r) {
               return stub_->RepositoryModelLoad(c, request, r);
             },
             [this](grpc::ClientContext* c) { PrepareAdminCall(c); })
      .status();
}

absl::Status InferenceClient::UnloadModel(const std::string& name) {
  inference::RepositoryModelUnloadRequest request;
  request.set_model_name(name);
  return Unary<inference::RepositoryModelUnloadResponse>(
             [&](grpc::ClientContext* c, inference::RepositoryModelUnloadResponse* r) {
               return stub_->RepositoryModelUnload(c, request, r);
             },
             [this](grpc::ClientContext* c) { PrepareAdminCall(c); })
      .status();
}

absl::StatusOr<inference::ModelInferResponse> InferenceClient::Infer(
    const inference::ModelInferRequest& request) {
  return CONVOY_CLIENT_CALL(inference::ModelInferResponse, ModelInfer, request);
}

#undef CONVOY_CLIENT_CALL

std::unique_ptr<InferStream> InferenceClient::OpenStream() const {
  return OpenStream(InferStreamOptions{.request_timeout = options_.timeout});
}

std::unique_ptr<InferStream> InferenceClient::OpenStream(InferStreamOptions options) const {
  return InferStream::Open(channel_, options);
}

absl::StatusOr<grpc::health::v1::HealthCheckResponse::ServingStatus> InferenceClient::HealthCheck(
    const std::string& service) {
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::ClientContext context;
  SetDeadline(&context);
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = health_->Check(&context, request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response.status();
}

void InferenceClient::AsyncInfer(std::shared_ptr<const inference::ModelInferRequest> request,
                                 InferCallback done, absl::Duration timeout) {
  // Everything the call needs lives until its completion, which owns it.
  struct Call {
    std::shared_ptr<const inference::ModelInferRequest> request;
    grpc::ClientContext context;
    inference::ModelInferResponse response;
    InferCallback done;
  };
  auto* call = new Call{std::move(request), {}, {}, std::move(done)};
  const absl::Duration limit = timeout == absl::ZeroDuration() ? options_.timeout : timeout;
  call->context.set_deadline(absl::ToChronoTime(absl::Now() + limit));
  stub_->async()->ModelInfer(&call->context, call->request.get(), &call->response,
                             [call](grpc::Status status) {
                               InferCallback done = std::move(call->done);
                               inference::ModelInferResponse response = std::move(call->response);
                               // The call's context goes before `done` runs: once it has, the
                               // caller may destroy this client and its channel, and a
                               // context outliving its channel breaks gRPC's refcounts.
                               delete call;
                               done(FromGrpcStatus(status), std::move(response));
                             });
}

}  // namespace convoy::client
