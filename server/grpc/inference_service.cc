#include "server/grpc/inference_service.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/core/tensor_types.h"
#include "server/grpc/admin_token.h"
#include "server/grpc/infer_request_decoder.h"
#include "server/grpc/infer_response_encoder.h"
#include "server/orchestration/ensemble_runner.h"
#include "server/orchestration/image_limits.h"
#include "server/orchestration/request_cost.h"
#include "server/orchestration/request_runner.h"
#include "server/grpc/status_util.h"
#include "server/core/status_macros.h"

namespace convoy::server {
namespace {

grpc::ServerUnaryReactor* Reply(grpc::CallbackServerContext* ctx, const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

// The reactor of one ModelInfer, owning its parsed request and response.
// OnDone runs once gRPC is through with the call (the answer sent, or the
// call cancelled): what a drain waits for, since gRPC's shutdown cancels
// calls whose answer is not yet sent.
class InferReactor final : public grpc::ServerUnaryReactor {
 public:
  InferReactor(grpc::ByteBuffer* wire_response, std::function<void()> on_done)
      : wire_response_(wire_response), on_done_(std::move(on_done)) {}

  inference::ModelInferRequest request;
  inference::ModelInferResponse response;
  // What the request holds of the server's byte budget, until the last
  // byte of its answer has been handed over (OnDone).
  MemoryReservation memory;

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
    memory.Release();
    on_done_();
    delete this;
  }

 private:
  grpc::ByteBuffer* const wire_response_;
  const std::function<void()> on_done_;
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

}  // namespace

InferenceService::InferenceService(ModelManager* manager, ServerMetrics* metrics, InferenceServiceOptions options,
                                   std::unique_ptr<WorkPool> image_pool)
    : manager_(manager),
      metrics_(metrics),
      strict_readiness_(options.strict_readiness),
      admin_token_(options.admin_token),
      image_limits_(options.image_limits),
      request_log_(options.access_log),
      budget_(options.max_inflight_bytes, options.max_inflight_bytes / 16),
      image_pool_(std::move(image_pool)) {}

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

void InferenceService::RequestBegan() {
  if (metrics_ != nullptr) metrics_->in_flight().Increment();
  absl::MutexLock lock(&in_flight_mutex_);
  ++in_flight_;
  last_arrival_ = absl::Now();
}

void InferenceService::RequestEnded() {
  if (metrics_ != nullptr) metrics_->in_flight().Decrement();
  absl::MutexLock lock(&in_flight_mutex_);
  --in_flight_;
}

int64_t InferenceService::AwaitIdle(absl::Duration quiet, absl::Time deadline) {
  // Arrivals extend the quiet spell only for a while: clients that keep
  // sending although every call is refused must not hold the drain open
  // until the deadline.
  const absl::Time settle_by = std::min(deadline, absl::Now() + kMaxSettleQuiets * quiet);
  absl::MutexLock lock(&in_flight_mutex_);
  auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(in_flight_mutex_) { return in_flight_ == 0; };
  while (in_flight_mutex_.AwaitWithDeadline(absl::Condition(&idle), deadline)) {
    const absl::Time quiet_until = std::min(last_arrival_ + quiet, settle_by);
    if (absl::Now() >= quiet_until) break;
    in_flight_mutex_.Unlock();
    absl::SleepFor(quiet_until - absl::Now());
    in_flight_mutex_.Lock();
  }
  return in_flight_;
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

absl::Status InferenceService::Admit(ModelRequest* request, const ServableModel& model,
                                     const std::vector<std::shared_ptr<ServableModel>>& members,
                                     const ImageLimits& limits, int64_t wire_bytes, MemoryReservation* memory) {
  CONVOY_SERVER_RETURN_IF_ERROR(CheckImageWork(request, model.config(), limits));
  return memory->ResizeTo(wire_bytes + InflightBytes(*request, model, members));
}

grpc::ServerUnaryReactor* InferenceService::ModelInfer(grpc::CallbackServerContext* ctx,
                                                       const grpc::ByteBuffer* wire_request,
                                                       grpc::ByteBuffer* wire_response) {
  const absl::Time received = absl::Now();
  // Counted before `accepting_` is read, so a drain that begins after this
  // point waits for the request (AwaitIdle) until its reactor is done.
  RequestBegan();
  auto* reactor = new InferReactor(wire_response, [this] { RequestEnded(); });
  inference::ModelInferRequest* request = &reactor->request;
  inference::ModelInferResponse* response = &reactor->response;
  // Every answer goes through here or through `done` below.
  auto answer_now = [this, reactor, request, received](const absl::Status& status, const std::string& version,
                                                        RequestKind kind) {
    request_log_.Record(request->model_name(), version, kind, status, 0, absl::Now() - received);
    reactor->Answer(status);
    return reactor;
  };
  grpc::ByteBuffer bytes(*wire_request);  // Shares the slices; parsing consumes them.
  const size_t size = bytes.Length();
  // While it is parsed the message is held twice, by gRPC and parsed:
  // counted before the copy is made, so that large messages arriving
  // together are refused, not parsed.
  absl::StatusOr<MemoryReservation> parse_bytes = budget_.Reserve(2 * static_cast<int64_t>(size));
  if (!parse_bytes.ok()) {
    const_cast<grpc::ByteBuffer*>(wire_request)->Clear();
    return answer_now(parse_bytes.status(), "", RequestKind::kSingle);
  }
  reactor->memory = *std::move(parse_bytes);
  const bool parsed =
      grpc::SerializationTraits<inference::ModelInferRequest>::Deserialize(&bytes, &reactor->request).ok();
  // The parsed message holds the request from here on: release gRPC's copy
  // of its bytes now rather than when the call ends. (gRPC hands the buffer
  // to this handler and does not read it again.)
  const_cast<grpc::ByteBuffer*>(wire_request)->Clear();
  reactor->memory.ResizeTo(static_cast<int64_t>(size)).IgnoreError();  // Smaller: never refused.
  if (!parsed) {
    return answer_now(absl::InvalidArgumentError(absl::StrCat(
                          "the request (", size, " bytes) is not a valid inference.ModelInferRequest message")),
                      "", RequestKind::kSingle);
  }
  absl::StatusOr<std::shared_ptr<ServableModel>> found =
      manager_->Get(request->model_name(), request->model_version());
  if (!found.ok()) {
    if (metrics_ != nullptr) metrics_->CountUnknownModelRequest();
    return answer_now(found.status(), request->model_version(), RequestKind::kSingle);
  }
  std::shared_ptr<ServableModel> model = *std::move(found);
  const std::string version = absl::StrCat(model->version());
  const RequestKind plain_kind = model->is_ensemble() ? RequestKind::kEnsemble : RequestKind::kSingle;
  auto refuse = [&](const absl::Status& status) {
    model->statistics().RecordFailure(absl::Now() - received, status.code(), plain_kind);
    return answer_now(status, version, plain_kind);
  };
  if (!accepting_) return refuse(absl::UnavailableError("the server is shutting down"));

  absl::StatusOr<DecodedRequest> decoded = DecodeInferRequest(request, *model);
  if (!decoded.ok()) return refuse(decoded.status());
  std::vector<std::shared_ptr<ServableModel>> members;
  if (model->is_ensemble()) {
    absl::StatusOr<std::vector<std::shared_ptr<ServableModel>>> resolved = ResolveMembers(*model);
    if (!resolved.ok()) return refuse(resolved.status());
    members = *std::move(resolved);
  }
  const ImageServices services{ImageLimitsFor(image_limits_, model->config()), image_pool_.get()};
  // Before anything is decoded or allocated for it: what its images and
  // its bytes in flight will cost.
  absl::Status admitted = Admit(&decoded->request, *model, members, services.limits,
                                static_cast<int64_t>(request->ByteSizeLong()), &reactor->memory);
  if (!admitted.ok()) return refuse(admitted);

  const RequestKind kind = model->is_ensemble()        ? RequestKind::kEnsemble
                           : decoded->request.crops > 1 ? RequestKind::kMulticrop
                                                        : RequestKind::kSingle;
  decoded->request.inference.deadline = DeadlineOf(ctx);
  decoded->request.inference.is_cancelled = [ctx] { return ctx->IsCancelled(); };
  response->set_id(request->id());

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
    request_log_.Record(model->name(), absl::StrCat(model->version()), kind, status, items,
                        finished - result.timings.received);
    result = InferenceResult();  // The batch's outputs are encoded: let them go.
    reactor->Answer(status);
  };
  if (model->is_ensemble()) {
    RunEnsembleRequest(model, std::move(members), std::move(decoded->request), received, services, std::move(done));
  } else {
    RunModelRequest(model, std::move(decoded->request), received, services, std::move(done));
  }
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
