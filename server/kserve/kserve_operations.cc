#include "server/kserve/kserve_operations.h"

#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/core/tensor_types.h"
#include "server/kserve/admin_token.h"
#include "server/kserve/infer_request_decoder.h"
#include "server/kserve/infer_response_encoder.h"
#include "server/kserve/repository_parameters.h"

namespace convoy::server {
namespace {

void DescribeTensor(const std::string& name, inference::DataType type,
                    const google::protobuf::RepeatedField<int64_t>& dims, bool batched,
                    inference::ModelMetadataResponse::TensorMetadata* out) {
  out->set_name(name);
  out->set_datatype(WireType(type));
  if (batched) out->add_shape(-1);
  for (int64_t dim : dims) out->add_shape(dim);
}

}  // namespace

KServeOperations::KServeOperations(ModelManager* manager, RequestRouter* router, KServeOptions options)
    : manager_(manager),
      router_(router),
      strict_readiness_(options.strict_readiness),
      admin_token_(std::move(options.admin_token)) {}

bool KServeOperations::ModelReady(const std::string& name, const std::string& version) const {
  return router_->accepting() && manager_->Get(name, version).ok();
}

void KServeOperations::ServerMetadata(inference::ServerMetadataResponse* response) const {
  response->set_name(kServerName);
  response->set_version(kServerVersion);
  // schedule_policy: the request parameters `priority` and `timeout`.
  for (const char* extension :
       {"classification", "model_configuration", "model_repository", "model_repository(unload_dependents)",
        "statistics", "binary_tensor_data", "schedule_policy"}) {
    response->add_extensions(extension);
  }
}

absl::Status KServeOperations::ModelMetadata(const std::string& name, const std::string& version,
                                             inference::ModelMetadataResponse* response) const {
  absl::StatusOr<std::shared_ptr<ServableModel>> model = manager_->Get(name, version);
  if (!model.ok()) return model.status();
  const inference::ModelConfig& config = (*model)->config();
  response->set_name(config.name());
  for (int64_t served : manager_->Versions(config.name())) response->add_versions(absl::StrCat(served));
  response->set_platform(config.platform().empty() ? "onnxruntime_onnx" : config.platform());
  const bool batched = (*model)->batched();
  for (const inference::ModelInput& input : config.input()) {
    DescribeTensor(input.name(), input.data_type(), input.dims(), batched, response->add_inputs());
  }
  for (const inference::ModelOutput& output : config.output()) {
    DescribeTensor(output.name(), output.data_type(), output.dims(), batched, response->add_outputs());
  }
  return absl::OkStatus();
}

absl::Status KServeOperations::ModelConfig(const std::string& name, const std::string& version,
                                           inference::ModelConfigResponse* response) const {
  absl::StatusOr<std::shared_ptr<ServableModel>> model = manager_->Get(name, version);
  if (!model.ok()) return model.status();
  *response->mutable_config() = (*model)->config();
  return absl::OkStatus();
}

absl::Status KServeOperations::ModelStatistics(const std::string& name, const std::string& version,
                                               inference::ModelStatisticsResponse* response) const {
  if (!name.empty()) {
    // Errors for an unknown model or version, as for inference.
    absl::StatusOr<std::shared_ptr<ServableModel>> model = manager_->Get(name, version);
    if (!model.ok()) return model.status();
  }
  for (const std::shared_ptr<ServableModel>& model : manager_->Served()) {
    if (!name.empty() && model->name() != name) continue;
    const std::string served_version = absl::StrCat(model->version());
    if (!version.empty() && served_version != version) continue;
    inference::ModelStatistics* stats = response->add_model_stats();
    stats->set_name(model->name());
    stats->set_version(served_version);
    model->statistics().ToProto(stats);
  }
  return absl::OkStatus();
}

void KServeOperations::RepositoryIndex(bool ready_only, inference::RepositoryIndexResponse* response) const {
  for (const ModelIndexEntry& entry : manager_->Index(ready_only)) {
    auto* model = response->add_models();
    model->set_name(entry.name);
    model->set_version(entry.version);
    model->set_state(entry.state);
    model->set_reason(entry.reason);
  }
}

absl::Status KServeOperations::CheckRepositoryControl(std::optional<std::string_view> authorization,
                                                      const std::string& repository_name) const {
  if (manager_->mode() != ModelControlMode::kExplicit) {
    return absl::FailedPreconditionError(
        "models can only be loaded and unloaded by request when the server runs with "
        "--model-control-mode=explicit");
  }
  if (!admin_token_.empty()) {
    absl::Status authorized = CheckBearerToken(authorization, admin_token_);
    if (!authorized.ok()) return authorized;
  }
  if (!repository_name.empty() && !manager_->repositories().Contains(repository_name)) {
    return absl::NotFoundError(absl::StrCat("unknown repository '", repository_name, "'"));
  }
  return absl::OkStatus();
}

void KServeOperations::LoadModel(const inference::RepositoryModelLoadRequest& request,
                                 std::optional<std::string_view> authorization, Done done) {
  absl::Status allowed = CheckRepositoryControl(authorization, request.repository_name());
  if (!allowed.ok()) return done(allowed);
  absl::StatusOr<ModelOverride> override = ParseLoadParameters(request.parameters());
  if (!override.ok()) return done(override.status());
  // The transport waits for `done` before it shuts down, so the manager
  // outlives the operation. Shared: the files may be large, and an
  // Operation is copyable.
  absl::Status queued = repository_control_.Submit(
      [manager = manager_, name = request.model_name(),
       override = std::make_shared<const ModelOverride>(*std::move(override))] {
        return manager->Load(name, *override);
      },
      done);
  if (!queued.ok()) done(queued);
}

void KServeOperations::UnloadModel(const inference::RepositoryModelUnloadRequest& request,
                                   std::optional<std::string_view> authorization, Done done) {
  absl::Status allowed = CheckRepositoryControl(authorization, request.repository_name());
  if (!allowed.ok()) return done(allowed);
  absl::StatusOr<bool> unload_dependents = ParseUnloadParameters(request.parameters());
  if (!unload_dependents.ok()) return done(unload_dependents.status());
  absl::Status queued = repository_control_.Submit(
      [manager = manager_, name = request.model_name(), dependents = *unload_dependents] {
        return manager->Unload(name, dependents);
      },
      done);
  if (!queued.ok()) done(queued);
}

void SubmitInfer(RequestRouter::Call& call, inference::ModelInferRequest* request, absl::Time deadline,
                 std::function<bool()> is_cancelled, inference::ModelInferResponse* response) {
  absl::StatusOr<std::shared_ptr<ServableModel>> model = call.Find(request->model_name(), request->model_version());
  if (!model.ok()) return call.Fail(model.status());
  absl::StatusOr<DecodedRequest> decoded = DecodeInferRequest(request, **model);
  if (!decoded.ok()) return call.Fail(decoded.status());
  response->set_id(request->id());
  call.Submit(std::move(decoded->request), static_cast<int64_t>(request->ByteSizeLong()), deadline,
              std::move(is_cancelled),
              [response, model = *model, outputs = std::move(decoded->outputs)](const InferenceResult& result) {
                return EncodeInferResponse(result, outputs, *model, response);
              });
}

}  // namespace convoy::server
