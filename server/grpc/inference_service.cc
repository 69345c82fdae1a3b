#include "server/grpc/inference_service.h"

#include <chrono>
#include <memory>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/core/tensor_types.h"
#include "server/grpc/infer_request_decoder.h"
#include "server/grpc/infer_response_encoder.h"
#include "server/orchestration/ensemble_runner.h"
#include "server/orchestration/fan_in.h"
#include "server/orchestration/request_runner.h"
#include "server/grpc/status_util.h"

namespace convoy::server {
namespace {

grpc::ServerUnaryReactor* Reply(grpc::CallbackServerContext* ctx, const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

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

}  // namespace

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
  response->set_ready(accepting_ && manager_->Get(request->name(), request->version()).ok());
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

absl::StatusOr<std::vector<std::shared_ptr<ServableModel>>> InferenceService::ResolveMembers(
    const ServableModel& ensemble) const {
  std::vector<std::shared_ptr<ServableModel>> members;
  for (const EnsembleMember& member : ensemble.members()) {
    absl::StatusOr<std::shared_ptr<ServableModel>> served =
        manager_->Get(member.name, member.version == 0 ? "" : absl::StrCat(member.version));
    if (!served.ok()) {
      return absl::UnavailableError(absl::StrCat("ensemble '", ensemble.name(), "': member '", member.name,
                                                 "' is not available: ", served.status().message()));
    }
    members.push_back(*std::move(served));
  }
  return members;
}

grpc::ServerUnaryReactor* InferenceService::ModelInfer(grpc::CallbackServerContext* ctx,
                                                       const inference::ModelInferRequest* request,
                                                       inference::ModelInferResponse* response) {
  const absl::Time received = absl::Now();
  if (metrics_ != nullptr) metrics_->in_flight().Increment();
  // Every answer goes through here or through `done` below.
  auto answer_now = [this, ctx, request, received](const absl::Status& status, const std::string& version,
                                                    RequestKind kind) {
    if (metrics_ != nullptr) metrics_->in_flight().Decrement();
    request_log_.Record(request->model_name(), version, kind, status, 0, absl::Now() - received);
    return Reply(ctx, status);
  };
  absl::StatusOr<std::shared_ptr<ServableModel>> found =
      manager_->Get(request->model_name(), request->model_version());
  if (!found.ok()) {
    if (metrics_ != nullptr) metrics_->CountUnknownModelRequest();
    return answer_now(found.status(), request->model_version(), RequestKind::kSingle);
  }
  std::shared_ptr<ServableModel> model = *std::move(found);
  const std::string version = absl::StrCat(model->version());
  const RequestKind plain_kind = model->is_ensemble() ? RequestKind::kEnsemble : RequestKind::kSingle;
  if (!accepting_) {
    const absl::Status stopping = absl::UnavailableError("the server is shutting down");
    model->statistics().RecordFailure(absl::Now() - received, stopping.code(), plain_kind);
    return answer_now(stopping, version, plain_kind);
  }

  absl::StatusOr<DecodedRequest> decoded = DecodeInferRequest(*request, *model);
  if (!decoded.ok()) {
    model->statistics().RecordFailure(absl::Now() - received, decoded.status().code(), plain_kind);
    return answer_now(decoded.status(), version, plain_kind);
  }
  const RequestKind kind = model->is_ensemble()        ? RequestKind::kEnsemble
                           : decoded->request.crops > 1 ? RequestKind::kMulticrop
                                                        : RequestKind::kSingle;
  decoded->request.inference.deadline = DeadlineOf(ctx);
  decoded->request.inference.is_cancelled = [ctx] { return ctx->IsCancelled(); };
  response->set_id(request->id());

  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  const int64_t items = ItemsOf(decoded->request);
  // The callback keeps the model alive until the response is written, so an
  // unload or reload lets this request finish on the version it started on.
  InferenceCallback done = [this, model, outputs = std::move(decoded->outputs), response, reactor, items, kind](
                               absl::Status status, InferenceResult result) {
    if (status.ok()) status = EncodeInferResponse(result, outputs, *model, response);
    const absl::Time finished = absl::Now();
    if (status.ok()) {
      model->statistics().RecordSuccess(items, result.timings, finished, kind);
    } else {
      model->statistics().RecordFailure(finished - result.timings.received, status.code(), kind);
    }
    if (metrics_ != nullptr) metrics_->in_flight().Decrement();
    request_log_.Record(model->name(), absl::StrCat(model->version()), kind, status, items,
                        finished - result.timings.received);
    reactor->Finish(ToGrpcStatus(status));
  };
  if (!model->is_ensemble()) {
    RunModelRequest(model, std::move(decoded->request), received, image_limits_, std::move(done));
    return reactor;
  }
  absl::StatusOr<std::vector<std::shared_ptr<ServableModel>>> members = ResolveMembers(*model);
  if (!members.ok()) {
    done(members.status(), FailedResult(received));
    return reactor;
  }
  RunEnsembleRequest(model, *std::move(members), std::move(decoded->request), received, image_limits_,
                     std::move(done));
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

absl::Status InferenceService::CheckRepositoryControl(const std::string& repository_name,
                                                      int num_parameters) const {
  if (manager_->mode() != ModelControlMode::kExplicit) {
    return absl::FailedPreconditionError(
        "models can only be loaded and unloaded by request when the server runs with "
        "--model-control-mode=explicit");
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
      CheckRepositoryControl(request->repository_name(), request->parameters_size());
  if (!allowed.ok()) return Reply(ctx, allowed);
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  // A load takes seconds; it must not hold a gRPC callback thread. The server
  // waits for this reactor to finish before it shuts down, so the manager
  // outlives the thread.
  std::thread([manager = manager_, name = request->model_name(), reactor] {
    reactor->Finish(ToGrpcStatus(manager->Load(name)));
  }).detach();
  return reactor;
}

grpc::ServerUnaryReactor* InferenceService::RepositoryModelUnload(
    grpc::CallbackServerContext* ctx, const inference::RepositoryModelUnloadRequest* request,
    inference::RepositoryModelUnloadResponse*) {
  absl::Status allowed =
      CheckRepositoryControl(request->repository_name(), request->parameters_size());
  if (!allowed.ok()) return Reply(ctx, allowed);
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  std::thread([manager = manager_, name = request->model_name(), reactor] {
    reactor->Finish(ToGrpcStatus(manager->Unload(name)));
  }).detach();
  return reactor;
}

}  // namespace convoy::server
