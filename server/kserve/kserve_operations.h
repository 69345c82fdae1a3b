// KServeOperations: the KServe v2 operations (and Triton's extensions) on
// the protocol's messages, the same for every transport.
//
// gRPC's InferenceService and the HTTP/REST routes are thin: they turn
// their wire form into these messages, call the operation, and turn its
// answer back. What the server answers (readiness, metadata, config,
// statistics, the repository index, who may load and unload models) is
// decided here, once, so the two protocols cannot drift apart. Inference
// goes through SubmitInfer, which does for a parsed ModelInferRequest what
// every protocol needs: find the model, decode and validate the request
// for it, and hand it to the RequestRouter with an encoder of the response.
//
// Thread-safety: all methods may be called concurrently.
#ifndef CONVOY_SERVER_KSERVE_KSERVE_OPERATIONS_H_
#define CONVOY_SERVER_KSERVE_KSERVE_OPERATIONS_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "grpc_service.pb.h"
#include "server/core/model_manager.h"
#include "server/core/repository_control_queue.h"
#include "server/orchestration/request_router.h"

namespace convoy::server {

inline constexpr char kServerName[] = "convoy";
inline constexpr char kServerVersion[] = "0.1.0";

struct KServeOptions {
  // As Triton's --strict-readiness (its default): the server is ready only
  // while every model it should serve is; false: whenever it accepts requests.
  bool strict_readiness = true;
  // Not empty: repository load and unload need `authorization: Bearer <it>`.
  std::string admin_token;
};

class KServeOperations {
 public:
  // `manager` and `router` must outlive the operations.
  KServeOperations(ModelManager* manager, RequestRouter* router, KServeOptions options);

  // Loads and unloads still waiting get UNAVAILABLE; the running one
  // completes. (The router's StopAccepting stops inferences.)
  void StopAccepting() { repository_control_.Stop(); }

  bool ServerReady() const { return router_->accepting() && (!strict_readiness_ || manager_->AllReady()); }
  bool ModelReady(const std::string& name, const std::string& version) const;
  void ServerMetadata(inference::ServerMetadataResponse* response) const;
  // NOT_FOUND for a model or version not served, as for inference.
  absl::Status ModelMetadata(const std::string& name, const std::string& version,
                             inference::ModelMetadataResponse* response) const;
  absl::Status ModelConfig(const std::string& name, const std::string& version,
                           inference::ModelConfigResponse* response) const;
  // Every served model's statistics, or those of `name` (and `version`).
  absl::Status ModelStatistics(const std::string& name, const std::string& version,
                               inference::ModelStatisticsResponse* response) const;
  void RepositoryIndex(bool ready_only, inference::RepositoryIndexResponse* response) const;

  // Repository control. `authorization` is the caller's authorization
  // metadata or header (nullopt: none). A load takes seconds: it runs on
  // the control queue's thread, never the caller's, and `done` is called
  // once with its outcome (at once when the call is refused). The
  // requests' parameters are Triton's (repository_parameters.h).
  using Done = std::function<void(const absl::Status& status)>;
  void LoadModel(const inference::RepositoryModelLoadRequest& request,
                 std::optional<std::string_view> authorization, Done done);
  void UnloadModel(const inference::RepositoryModelUnloadRequest& request,
                   std::optional<std::string_view> authorization, Done done);

 private:
  // OK, or why the repository calls cannot change models now (for this
  // caller: the admin token).
  absl::Status CheckRepositoryControl(std::optional<std::string_view> authorization,
                                      const std::string& repository_name) const;

  ModelManager* const manager_;
  RequestRouter* const router_;
  const bool strict_readiness_;
  const std::string admin_token_;
  // Last, so that its thread is joined before the rest goes.
  RepositoryControlQueue repository_control_{RepositoryControlQueue::Options{}};
};

// The part of inference after the protocol has parsed its message into
// `request`: finds the model, decodes the request for it (tensor values are
// moved out of `request`; its encoded images stay there and are viewed, so
// `request` must live until the call ends) and submits it to `call`, whose
// SendAnswer then finds the answer in `response` when the status is OK.
void SubmitInfer(RequestRouter::Call& call, inference::ModelInferRequest* request, absl::Time deadline, std::function<bool()> is_cancelled,
                 inference::ModelInferResponse* response);

}  // namespace convoy::server

#endif  // CONVOY_SERVER_KSERVE_KSERVE_OPERATIONS_H_
