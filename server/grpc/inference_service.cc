#include "server/grpc/inference_service.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/core/tensor_types.h"
#include "server/grpc/admin_token.h"
#include "server/grpc/infer_request_decoder.h"
#include "server/grpc/infer_response_encoder.h"
#include "server/grpc/status_util.h"

namespace convoy::server {
namespace {

grpc::ServerUnaryReactor* Reply(grpc::CallbackServerContext* ctx, const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

// The reactor of one ModelInfer, owning its parsed request and response
// and its call through the router. OnDone runs once gRPC is through with
// the call (the answer sent, or the call cancelled); ending the router's
// call then is what a drain waits for, since gRPC's shutdown cancels calls
// whose answer is not yet sent.
class InferReactor final : public grpc::ServerUnaryReactor {
 public:
  explicit InferReactor(grpc::ByteBuffer* wire_response) : wire_response_(wire_response) {}

  inference::ModelInferRequest request;
  inference::ModelInferResponse response;
  std::unique_ptr<RequestRouter::Call> call;

  // Sends `response` if `status` is OK, else `status` alone.
  void Answer(absl::Status status) {
    if (status.ok()) {
      bool own_buffer = false;
      grpc::Status serialized =
          grpc::SerializationTraits<inference::ModelInferResponse>::Serialize(response, wire_response_, &own_buffer);
      if (!serialized.ok()) status = absl::InternalError("cannot serialize the response");
    }
    // The serialised bytes are all the answer needs from here on.
    response.Clear();
    request.Clear();
    Finish(ToGrpcStatus(status));
  }

  void OnDone() override {
    call.reset();
    delete this;
  }

 private:
  grpc::ByteBuffer* const wire_response_;
};

absl::Time DeadlineOf(const grpc::CallbackServerContext* ctx) {
  const auto deadline = ctx->deadline();
  // gRPC reports "no deadline" as a time point at the far end of the range.
  if (deadline >= std::chrono::system_clock::time_point::max() - std::chrono::hours(24 * 365)) {
    return absl::InfiniteFuture();
  }
  return absl::FromChrono(deadline);
}

void DescribeTensor(const std::string& name, inference::DataType type,
                    const google::protobuf::RepeatedField<int64_t>& dims, bool batched,
                    inference::ModelMetadataResponse::TensorMetadata* out) {
  out->set_name(name);
  out->set_datatype(WireType(type));
  if (batched) out->add_shape(-1);
  for (int64_t dim : dims) out->add_shape(dim);
}

// gRPC hands the request's buffer to the handler and does not read it
// again: it is released as soon as it is parsed (or refused) rather than
// when the call ends.
void ReleaseWire(const grpc::ByteBuffer* wire_request) { const_cast<grpc::ByteBuffer*>(wire_request)->Clear(); }

// The rest of ModelInfer once its bytes are reserved: parse the message,
// find the model, decode the request for it and submit it.
void ParseDecodeSubmit(grpc::CallbackServerContext* ctx, absl::Time deadline, InferReactor* reactor,
                       const grpc::ByteBuffer* wire_request) {
  RequestRouter::Call& call = *reactor->call;
  inference::ModelInferRequest* request = &reactor->request;
  grpc::ByteBuffer bytes(*wire_request);  // Shares the slices; parsing consumes them.
  const size_t size = bytes.Length();
  const bool parsed = grpc::SerializationTraits<inference::ModelInferRequest>::Deserialize(&bytes, request).ok();
  ReleaseWire(wire_request);
  call.MessageParsed();
  if (!parsed) {
    return call.Fail(absl::InvalidArgumentError(
        absl::StrCat("the request (", size, " bytes) is not a valid inference.ModelInferRequest message")));
  }
  absl::StatusOr<std::shared_ptr<ServableModel>> model = call.Find(request->model_name(), request->model_version());
  if (!model.ok()) return call.Fail(model.status());
  absl::StatusOr<DecodedRequest> decoded = DecodeInferRequest(request, **model);
  if (!decoded.ok()) return call.Fail(decoded.status());
  reactor->response.set_id(request->id());
  call.Submit(std::move(decoded->request), static_cast<int64_t>(request->ByteSizeLong()), deadline,
              [ctx] { return ctx->IsCancelled(); },
              [reactor, model = *model, outputs = std::move(decoded->outputs)](const InferenceResult& result) {
                return EncodeInferResponse(result, outputs, *model, &reactor->response);
              });
}

}  // namespace

InferenceService::InferenceService(ModelManager* manager, RequestRouter* router, InferenceServiceOptions options)
    : manager_(manager),
      router_(router),
      strict_readiness_(options.strict_readiness),
      admin_token_(options.admin_token) {}

grpc::ServerUnaryReactor* InferenceService::ServerLive(grpc::CallbackServerContext* ctx,
                                                       const inference::ServerLiveRequest*,
                                                       inference::ServerLiveResponse* response) {
  response->set_live(true);
  return Reply(ctx, absl::OkStatus());
}

grpc::ServerUnaryReactor* InferenceService::ServerReady(grpc::CallbackServerContext* ctx,
                                                        const inference::ServerReadyRequest*,
                                                        inference::ServerReadyResponse* response) {
  response->set_ready(ready());
  return Reply(ctx, absl::OkStatus());
}

grpc::ServerUnaryReactor* InferenceService::ModelReady(grpc::CallbackServerContext* ctx,
                                                       const inference::ModelReadyRequest* request,
                                                       inference::ModelReadyResponse* response) {
  response->set_ready(router_->accepting() && manager_->Get(request->name(), request->version()).ok());
  return Reply(ctx, absl::OkStatus());
}

grpc::ServerUnaryReactor* InferenceService::ServerMetadata(
    grpc::CallbackServerContext* ctx, const inference::ServerMetadataRequest*,
    inference::ServerMetadataResponse* response) {
  response->set_name(kServerName);
  response->set_version(kServerVersion);
  for (const char* extension :
       {"classification", "model_configuration", "model_repository", "statistics"}) {
    response->add_extensions(extension);
  }
  return Reply(ctx, absl::OkStatus());
}

grpc::ServerUnaryReactor* InferenceService::ModelMetadata(
    grpc::CallbackServerContext* ctx, const inference::ModelMetadataRequest* request,
    inference::ModelMetadataResponse* response) {
  absl::StatusOr<std::shared_ptr<ServableModel>> model =
      manager_->Get(request->name(), request->version());
  if (!model.ok()) return Reply(ctx, model.status());
  const inference::ModelConfig& config = (*model)->config();
  response->set_name(config.name());
  for (int64_t version : manager_->Versions(config.name())) {
    response->add_versions(absl::StrCat(version));
  }
  response->set_platform(config.platform().empty() ? "onnxruntime_onnx" : config.platform());
  const bool batched = (*model)->batched();
  for (const inference::ModelInput& input : config.input()) {
    DescribeTensor(input.name(), input.data_type(), input.dims(), batched, response->add_inputs());
  }
  for (const inference::ModelOutput& output : config.output()) {
    DescribeTensor(output.name(), output.data_type(), output.dims(), batched,
                   response->add_outputs());
  }
  return Reply(ctx, absl::OkStatus());
}

grpc::ServerUnaryReactor* InferenceService::ModelInfer(grpc::CallbackServerContext* ctx,
                                                       const grpc::ByteBuffer* wire_request,
                                                       grpc::ByteBuffer* wire_response) {
  auto* reactor = new InferReactor(wire_response);
  reactor->call = router_->Begin([reactor](const absl::Status& status) { reactor->Answer(status); });
  RequestRouter::Call& call = *reactor->call;
  const int64_t size = static_cast<int64_t>(wire_request->Length());
  if (absl::Status reserved = call.ReserveMessage(size); !reserved.ok()) {
    ReleaseWire(wire_request);
    call.Fail(reserved);
    return reactor;
  }
  // A large message is parsed off the callback thread (ContinueAfterReserve).
  const absl::Time deadline = DeadlineOf(ctx);
  call.ContinueAfterReserve(size, deadline, [ctx] { return ctx->IsCancelled(); },
                            [ctx, deadline, reactor, wire_request] {
                              ParseDecodeSubmit(ctx, deadline, reactor, wire_request);
                            });
  return reactor;
}

grpc::ServerUnaryReactor* InferenceService::ModelConfig(
    grpc::CallbackServerContext* ctx, const inference::ModelConfigRequest* request,
    inference::ModelConfigResponse* response) {
  absl::StatusOr<std::shared_ptr<ServableModel>> model =
      manager_->Get(request->name(), request->version());
  if (!model.ok()) return Reply(ctx, model.status());
  *response->mutable_config() = (*model)->config();
  return Reply(ctx, absl::OkStatus());
}

grpc::ServerUnaryReactor* InferenceService::ModelStatistics(
    grpc::CallbackServerContext* ctx, const inference::ModelStatisticsRequest* request,
    inference::ModelStatisticsResponse* response) {
  if (!request->name().empty()) {
    // Errors for an unknown model or version, as for inference.
    absl::StatusOr<std::shared_ptr<ServableModel>> model =
        manager_->Get(request->name(), request->version());
    if (!model.ok()) return Reply(ctx, model.status());
  }
  for (const std::shared_ptr<ServableModel>& model : manager_->Served()) {
    if (!request->name().empty() && model->name() != request->name()) continue;
    const std::string version = absl::StrCat(model->version());
    if (!request->version().empty() && version != request->version()) continue;
    inference::ModelStatistics* stats = response->add_model_stats();
    stats->set_name(model->name());
    stats->set_version(version);
    model->statistics().ToProto(stats);
  }
  return Reply(ctx, absl::OkStatus());
}

grpc::ServerUnaryReactor* InferenceService::RepositoryIndex(
    grpc::CallbackServerContext* ctx, const inference::RepositoryIndexRequest* request,
    inference::RepositoryIndexResponse* response) {
  for (const ModelIndexEntry& entry : manager_->Index(request->ready())) {
    auto* model = response->add_models();
    model->set_name(entry.name);
    model->set_version(entry.version);
    model->set_state(entry.state);
    model->set_reason(entry.reason);
  }
  return Reply(ctx, absl::OkStatus());
}

absl::Status InferenceService::CheckRepositoryControl(const grpc::CallbackServerContext& ctx,
                                                      const std::string& repository_name,
                                                      int num_parameters) const {
  if (manager_->mode() != ModelControlMode::kExplicit) {
    return absl::FailedPreconditionError(
        "models can only be loaded and unloaded by request when the server runs with "
        "--model-control-mode=explicit");
  }
  if (!admin_token_.empty()) {
    absl::Status authorized = CheckBearerToken(ctx.client_metadata(), admin_token_);
    if (!authorized.ok()) return authorized;
  }
  if (!repository_name.empty() && repository_name != manager_->repository()) {
    return absl::NotFoundError(absl::StrCat("unknown repository '", repository_name, "'"));
  }
  if (num_parameters > 0) {
    return absl::UnimplementedError("repository load and unload take no parameters");
  }
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* InferenceService::RepositoryModelLoad(
    grpc::CallbackServerContext* ctx, const inference::RepositoryModelLoadRequest* request,
    inference::RepositoryModelLoadResponse*) {
  absl::Status allowed =
      CheckRepositoryControl(*ctx, request->repository_name(), request->parameters_size());
  if (!allowed.ok()) return Reply(ctx, allowed);
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  // A load takes seconds; it must not hold a gRPC callback thread. The server
  // waits for this reactor to finish before it shuts down, so the manager
  // outlives the operation.
  absl::Status queued = repository_control_.Submit(
      [manager = manager_, name = request->model_name()] { return manager->Load(name); },
      [reactor](const absl::Status& status) { reactor->Finish(ToGrpcStatus(status)); });
  if (!queued.ok()) reactor->Finish(ToGrpcStatus(queued));
  return reactor;
}

grpc::ServerUnaryReactor* InferenceService::RepositoryModelUnload(
    grpc::CallbackServerContext* ctx, const inference::RepositoryModelUnloadRequest* request,
    inference::RepositoryModelUnloadResponse*) {
  absl::Status allowed =
      CheckRepositoryControl(*ctx, request->repository_name(), request->parameters_size());
  if (!allowed.ok()) return Reply(ctx, allowed);
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  absl::Status queued = repository_control_.Submit(
      [manager = manager_, name = request->model_name()] { return manager->Unload(name); },
      [reactor](const absl::Status& status) { reactor->Finish(ToGrpcStatus(status)); });
  if (!queued.ok()) reactor->Finish(ToGrpcStatus(queued));
  return reactor;
}

}  // namespace convoy::server
