// InferenceService: the KServe v2 GRPCInferenceService over a ModelManager.
//
// ModelInfer is the gRPC end of the request path: it parses the message,
// decodes it for the model the RequestRouter finds, and submits it; the
// router does the rest, the same for every protocol (budget, limits,
// dispatch, statistics, log; request_router.h). ModelStreamInfer does the
// same for each request read from a stream (stream_infer_call.h). The
// other RPCs call the same KServeOperations as every other protocol.
//
// Threading model. The service uses gRPC's callback API: every RPC handler
// runs on a gRPC callback thread, does its cheap part there (parse, look up
// the model, decode and validate the request, read encoded images'
// headers), and returns a reactor; no thread waits for a response. Encoded
// images are decoded and cropped on the router's image pool (WorkPool,
// --image-threads), never on a callback thread, so health checks and other
// models stay responsive while images decode. The request's items then go
// to the model's DynamicBatcher (for an ensemble, to each member's; for
// multi-crop, in batches of whole images); a batcher worker thread runs the
// engine (oneDNN's OpenMP team does the arithmetic), and the worker that
// finishes a request's last part combines crops or members, encodes the
// response and finishes its reactor. Repository loads and unloads, which
// take seconds, run one at a time on the thread of a RepositoryControlQueue
// so they never hold a callback thread; beyond 16 waiting, more are refused
// with RESOURCE_EXHAUSTED. So the threads are: gRPC's callback pool (sized
// by gRPC), the image pool, one worker per model instance, the OpenMP team
// of each worker, and the repository control thread.
//
// Thread-safety: all handlers may run concurrently.
#ifndef CONVOY_SERVER_GRPC_INFERENCE_SERVICE_H_
#define CONVOY_SERVER_GRPC_INFERENCE_SERVICE_H_

#include "grpc_service.grpc.pb.h"
#include "server/grpc/stream_infer_call.h"
#include "server/kserve/kserve_operations.h"
#include "server/orchestration/request_router.h"

namespace convoy::server {

namespace inference_service_internal {
using Svc = inference::GRPCInferenceService;
// The generated CallbackService with ModelInfer and ModelStreamInfer taken
// as bytes. Spelled out: a raw streaming method cannot be stacked on the
// typed one (their handlers differ only in return type).
using Base = Svc::WithCallbackMethod_ServerLive<Svc::WithCallbackMethod_ServerReady<
    Svc::WithCallbackMethod_ModelReady<Svc::WithCallbackMethod_ServerMetadata<Svc::WithCallbackMethod_ModelMetadata<
        Svc::WithRawCallbackMethod_ModelInfer<Svc::WithRawCallbackMethod_ModelStreamInfer<
            Svc::WithCallbackMethod_ModelConfig<Svc::WithCallbackMethod_ModelStatistics<
                Svc::WithCallbackMethod_RepositoryIndex<Svc::WithCallbackMethod_RepositoryModelLoad<
                    Svc::WithCallbackMethod_RepositoryModelUnload<Svc::Service>>>>>>>>>>>>;
}  // namespace inference_service_internal

// ModelInfer and ModelStreamInfer take their requests as bytes and parse
// them themselves, so that a malformed message gets INVALID_ARGUMENT saying
// so (gRPC's own parsing answers UNIMPLEMENTED with no message).
class InferenceService final : public inference_service_internal::Base {
 public:
  // `operations` and `router` must outlive the service.
  InferenceService(KServeOperations* operations, RequestRouter* router, StreamInferOptions stream_options = {})
      : operations_(operations), router_(router), streams_(router, stream_options) {}

  // For shutdown, once the router has stopped accepting: streams read no
  // more requests and finish once those they have read are answered.
  void StopStreams() { streams_.StopReading(); }

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
  grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* ModelStreamInfer(
      grpc::CallbackServerContext* ctx) override {
    return streams_.Open(ctx);
  }
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
  KServeOperations* const operations_;
  RequestRouter* const router_;
  InferStreams streams_;
};

}  // namespace convoy::server

#endif  // CONVOY_SERVER_GRPC_INFERENCE_SERVICE_H_
