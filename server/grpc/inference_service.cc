#include "server/grpc/inference_service.h"

#include <memory>
#include <optional>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "server/grpc/call_deadline.h"
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

  // OnDone only frees the call and this reactor, so gRPC may run it on the
  // thread that ends the call instead of handing it to its executor thread:
  // one wake-up fewer per request (0.3 of the 1.3 context switches a LeNet-5
  // request cost the server, docs/BENCHMARKS.md "Serving"). gRPC marks the
  // hook as its own; its default reactor overrides it the same way.
  bool InternalInlineable() override { return true; }

 private:
  grpc::ByteBuffer* const wire_response_;
};

// gRPC hands the request's buffer to the handler and does not read it
// again: it is released as soon as it is parsed (or refused) rather than
// when the call ends.
void ReleaseWire(const grpc::ByteBuffer* wire_request) { const_cast<grpc::ByteBuffer*>(wire_request)->Clear(); }

// The rest of ModelInfer once its bytes are reserved: parse the message,
// then find, decode and submit it as every protocol does.
void ParseSubmit(grpc::CallbackServerContext* ctx, absl::Time deadline, InferReactor* reactor,
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
  SubmitInfer(call, request, deadline, [ctx] { return ctx->IsCancelled(); }, &reactor->response);
}

// The value of the call's `authorization` metadata, if it has one.
std::optional<std::string_view> Authorization(const grpc::CallbackServerContext& ctx) {
  const auto& metadata = ctx.client_metadata();
  auto found = metadata.find("authorization");
  if (found == metadata.end()) return std::nullopt;
  return std::string_view(found->second.data(), found->second.size());
}

// Finishes a reactor with a repository operation's outcome.
KServeOperations::Done FinishWith(grpc::ServerUnaryReactor* reactor) {
  return [reactor](const absl::Status& status) { reactor->Finish(ToGrpcStatus(status)); };
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
  response->set_ready(operations_->ServerReady());
  return Reply(ctx, absl::OkStatus());
}

grpc::ServerUnaryReactor* InferenceService::ModelReady(grpc::CallbackServerContext* ctx,
                                                       const inference::ModelReadyRequest* request,
                                                       inference::ModelReadyResponse* response) {
  response->set_ready(operations_->ModelReady(request->name(), request->version()));
  return Reply(ctx, absl::OkStatus());
}

grpc::ServerUnaryReactor* InferenceService::ServerMetadata(
    grpc::CallbackServerContext* ctx, const inference::ServerMetadataRequest*,
    inference::ServerMetadataResponse* response) {
  operations_->ServerMetadata(response);
  return Reply(ctx, absl::OkStatus());
}

grpc::ServerUnaryReactor* InferenceService::ModelMetadata(
    grpc::CallbackServerContext* ctx, const inference::ModelMetadataRequest* request,
    inference::ModelMetadataResponse* response) {
  return Reply(ctx, operations_->ModelMetadata(request->name(), request->version(), response));
}

grpc::ServerUnaryReactor* InferenceService::ModelInfer(grpc::CallbackServerContext* ctx,
                                                       const grpc::ByteBuffer* wire_request,
                                                       grpc::ByteBuffer* wire_response) {
  auto* reactor = new InferReactor(wire_response);
  reactor->call = router_->Begin(Protocol::kGrpc, [reactor](const absl::Status& status) { reactor->Answer(status); });
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
                              ParseSubmit(ctx, deadline, reactor, wire_request);
                            });
  return reactor;
}

grpc::ServerUnaryReactor* InferenceService::ModelConfig(
    grpc::CallbackServerContext* ctx, const inference::ModelConfigRequest* request,
    inference::ModelConfigResponse* response) {
  return Reply(ctx, operations_->ModelConfig(request->name(), request->version(), response));
}

grpc::ServerUnaryReactor* InferenceService::ModelStatistics(
    grpc::CallbackServerContext* ctx, const inference::ModelStatisticsRequest* request,
    inference::ModelStatisticsResponse* response) {
  return Reply(ctx, operations_->ModelStatistics(request->name(), request->version(), response));
}

grpc::ServerUnaryReactor* InferenceService::RepositoryIndex(
    grpc::CallbackServerContext* ctx, const inference::RepositoryIndexRequest* request,
    inference::RepositoryIndexResponse* response) {
  operations_->RepositoryIndex(request->ready(), response);
  return Reply(ctx, absl::OkStatus());
}

// Loads and unloads take seconds: they never hold a callback thread. The
// server waits for their reactors to finish before it shuts down.
grpc::ServerUnaryReactor* InferenceService::RepositoryModelLoad(
    grpc::CallbackServerContext* ctx, const inference::RepositoryModelLoadRequest* request,
    inference::RepositoryModelLoadResponse*) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  operations_->LoadModel(*request, Authorization(*ctx), FinishWith(reactor));
  return reactor;
}

grpc::ServerUnaryReactor* InferenceService::RepositoryModelUnload(
    grpc::CallbackServerContext* ctx, const inference::RepositoryModelUnloadRequest* request,
    inference::RepositoryModelUnloadResponse*) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  operations_->UnloadModel(*request, Authorization(*ctx), FinishWith(reactor));
  return reactor;
}

}  // namespace convoy::server
