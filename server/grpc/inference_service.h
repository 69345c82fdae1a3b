// InferenceService: the KServe v2 GRPCInferenceService over a ModelManager.
//
// Threading model. The service uses gRPC's callback API: every RPC handler
// runs on a gRPC callback thread, does its cheap part there (look up the
// model, decode and validate the request, decode and preprocess encoded
// images' headers), admits it against the server's byte budget, and returns
// a reactor; no thread waits for a response. Encoded images are decoded and
// cropped on the image pool (WorkPool, --image-threads), never on a callback
// thread, so health checks and other models stay responsive while images
// decode. The request's items then go to the model's DynamicBatcher (for an
// ensemble, to each member's; for multi-crop, in batches of whole images);
// a batcher worker thread runs the engine (oneDNN's OpenMP team does the
// arithmetic), and the worker that finishes a request's last part combines
// crops or members, encodes the response and finishes its reactor.
// Repository loads and unloads, which take seconds, run one at a time on
// the thread of a RepositoryControlQueue so they never hold a callback
// thread; beyond 16 waiting, more are refused with RESOURCE_EXHAUSTED. So
// the threads are: gRPC's callback pool (sized by gRPC), the image pool,
// one worker per model instance, the OpenMP team of each worker, and the
// repository control thread.
//
// Admission. The size of a request's message is reserved from the byte
// budget before it is parsed; once decoded, the request is refused before
// anything else is decoded or allocated for it when its images exceed
// ImageLimits (INVALID_ARGUMENT) or the bytes it would hold in flight
// (request_cost.h) do not fit in what is left of max_inflight_bytes
// (RESOURCE_EXHAUSTED); its reservation is released when its answer has
// been sent.
//
// Thread-safety: all handlers may run concurrently.
#ifndef CONVOY_SERVER_GRPC_INFERENCE_SERVICE_H_
#define CONVOY_SERVER_GRPC_INFERENCE_SERVICE_H_

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpc_service.grpc.pb.h"
#include "server/core/memory_budget.h"
#include "server/core/model_manager.h"
#include "server/core/repository_control_queue.h"
#include "server/orchestration/image_limits.h"
#include "server/orchestration/model_request.h"
#include "server/orchestration/work_pool.h"
#include "server/grpc/request_log.h"
#include "server/metrics/server_metrics.h"

namespace convoy::server {

inline constexpr char kServerName[] = "convoy";
inline constexpr char kServerVersion[] = "0.1.0";

struct InferenceServiceOptions {
  // As Triton's --strict-readiness (its default): the server is ready only
  // while every model it should serve is; false: whenever it accepts requests.
  bool strict_readiness = true;
  // Log every request (RequestLog), not only the failures.
  bool access_log = false;
  // Bounds on the encoded images of BYTES inputs, and on what one
  // request's images may cost (config.pbtxt may override some per model).
  ImageLimits image_limits;
  // Bytes all requests in flight may hold together (memory_budget.h).
  // REQUIRES: > 0.
  int64_t max_inflight_bytes = int64_t{1} << 30;
  // Not empty: RepositoryModelLoad/Unload need `authorization: Bearer <it>`.
  std::string admin_token;
};

// ModelInfer takes its request as bytes and parses it itself, so that a
// malformed message gets INVALID_ARGUMENT saying so (gRPC's own parsing
// answers UNIMPLEMENTED with no message).
class InferenceService final
    : public inference::GRPCInferenceService::WithRawCallbackMethod_ModelInfer<
          inference::GRPCInferenceService::CallbackService> {
 public:
  // `manager` (and `metrics`, if not null) must outlive the service.
  // Images are decoded and cropped on `image_pool`; null = on the gRPC
  // callback thread (for tests only: it blocks that thread).
  InferenceService(ModelManager* manager, ServerMetrics* metrics, InferenceServiceOptions options,
                   std::unique_ptr<WorkPool> image_pool);

  // After this, ModelInfer answers UNAVAILABLE and ServerReady false;
  // requests already accepted still complete. Loads and unloads still
  // waiting get UNAVAILABLE; the running one completes.
  void StopAccepting() {
    accepting_ = false;
    repository_control_.Stop();
  }
  // Waits until every ModelInfer received has been answered and none has
  // arrived for `quiet`, or until `deadline`; returns how many are still
  // unanswered. (Calls still arriving when gRPC shuts down would be
  // cancelled before they reach the service; after a quiet spell, clients
  // have had their UNAVAILABLE and stopped.) Arrivals stop extending the
  // quiet spell kMaxSettleQuiets x `quiet` after the call, so clients that
  // keep sending although they are refused cannot hold the drain open.
  int64_t AwaitIdle(absl::Duration quiet, absl::Time deadline);
  static constexpr int kMaxSettleQuiets = 10;

  // Bytes held by the requests in flight now, and their budget.
  int64_t inflight_bytes() const { return budget_.in_use(); }
  int64_t inflight_bytes_limit() const { return budget_.limit(); }
  MemoryBudget& budget() { return budget_; }
  // Requests whose images wait for the image pool.
  int64_t image_queue_depth() const { return image_pool_ ? image_pool_->queued() : 0; }
  bool ready() const { return accepting_ && (!strict_readiness_ || manager_->AllReady()); }

  grpc::ServerUnaryReactor* ServerLive(grpc::CallbackServerContext* ctx,
                                       const inference::ServerLiveRequest* request,
                                       inference::ServerLiveResponse* response) override;
  grpc::ServerUnaryReactor* ServerReady(grpc::CallbackServerContext* ctx,
                                        const inference::ServerReadyRequest* request,
                                        inference::ServerReadyResponse* response) override;
  grpc::ServerUnaryReactor* ModelReady(grpc::CallbackServerContext* ctx,
                                       const inference::ModelReadyRequest* request,
                                       inference::ModelReadyResponse* response) override;
  grpc::ServerUnaryReactor* ServerMetadata(grpc::CallbackServerContext* ctx,
                                           const inference::ServerMetadataRequest* request,
                                           inference::ServerMetadataResponse* response) override;
  grpc::ServerUnaryReactor* ModelMetadata(grpc::CallbackServerContext* ctx,
                                          const inference::ModelMetadataRequest* request,
                                          inference::ModelMetadataResponse* response) override;
  grpc::ServerUnaryReactor* ModelInfer(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* request,
                                       grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ModelConfig(grpc::CallbackServerContext* ctx,
                                        const inference::ModelConfigRequest* request,
                                        inference::ModelConfigResponse* response) override;
  grpc::ServerUnaryReactor* ModelStatistics(grpc::CallbackServerContext* ctx,
                                            const inference::ModelStatisticsRequest* request,
                                            inference::ModelStatisticsResponse* response) override;
  grpc::ServerUnaryReactor* RepositoryIndex(grpc::CallbackServerContext* ctx,
                                            const inference::RepositoryIndexRequest* request,
                                            inference::RepositoryIndexResponse* response) override;
  grpc::ServerUnaryReactor* RepositoryModelLoad(
      grpc::CallbackServerContext* ctx, const inference::RepositoryModelLoadRequest* request,
      inference::RepositoryModelLoadResponse* response) override;
  grpc::ServerUnaryReactor* RepositoryModelUnload(
      grpc::CallbackServerContext* ctx, const inference::RepositoryModelUnloadRequest* request,
      inference::RepositoryModelUnloadResponse* response) override;

 private:
  // The served versions of an ensemble's members, or UNAVAILABLE naming the
  // member that is not served.
  absl::StatusOr<std::vector<std::shared_ptr<ServableModel>>> ResolveMembers(const ServableModel& ensemble) const;

  // Checks the request's image work against `limits` (the model's) and
  // resizes `memory` (which holds its message's size since before parsing)
  // to the bytes it will hold in flight, the `wire_bytes` still in its
  // message included.
  absl::Status Admit(ModelRequest* request, const ServableModel& model,
                     const std::vector<std::shared_ptr<ServableModel>>& members, const ImageLimits& limits,
                     int64_t wire_bytes, MemoryReservation* memory);

  // Every ModelInfer calls RequestBegan first and RequestEnded once gRPC is
  // done with it (its answer sent, or the call cancelled).
  void RequestBegan();
  void RequestEnded();

  // OK, or why the repository RPCs cannot change models now (for this
  // caller: the admin token).
  absl::Status CheckRepositoryControl(const grpc::CallbackServerContext& ctx,
                                      const std::string& repository_name, int num_parameters) const;

  ModelManager* const manager_;
  ServerMetrics* const metrics_;
  const bool strict_readiness_;
  const std::string admin_token_;
  const ImageLimits image_limits_;
  RequestLog request_log_;
  MemoryBudget budget_;
  std::atomic<bool> accepting_{true};
  absl::Mutex in_flight_mutex_;
  int64_t in_flight_ ABSL_GUARDED_BY(in_flight_mutex_) = 0;
  absl::Time last_arrival_ ABSL_GUARDED_BY(in_flight_mutex_) = absl::InfinitePast();
  // Last, so that their threads are joined before the rest goes: the image
  // pool's destructor runs the work still queued, which uses the rest.
  RepositoryControlQueue repository_control_{RepositoryControlQueue::Options{}};
  const std::unique_ptr<WorkPool> image_pool_;
};

}  // namespace convoy::server

#endif  // CONVOY_SERVER_GRPC_INFERENCE_SERVICE_H_
