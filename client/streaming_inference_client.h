// StreamingInferenceClient: a KServeClient whose inferences travel on one
// ModelStreamInfer stream (infer_stream.h), as perf_analyzer --streaming
// sends them; every other call is the wrapped InferenceClient's, unary as
// ever. Code written against KServeClient (convoy-loadgen's loops) streams
// without knowing it.
//
// The stream opens with the first inference and serves every later one.
// When it ends (the server shut down, the connection broke), later
// inferences fail with its status, as on a Triton stream: make a new client
// to start over. Destroying the client half-closes the stream and waits for
// the responses still due, or cancels it if it cannot be closed cleanly.
//
// Thread-safety: all methods may be called concurrently; the callbacks of
// AsyncInfer run on gRPC's threads or the stream's own (never inside
// AsyncInfer). The client must not be destroyed from one of them.
#ifndef CONVOY_CLIENT_STREAMING_INFERENCE_CLIENT_H_
#define CONVOY_CLIENT_STREAMING_INFERENCE_CLIENT_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "client/infer_stream.h"
#include "client/inference_client.h"
#include "client/kserve_client.h"

namespace convoy::client {

class StreamingInferenceClient final : public KServeClient {
 public:
  static absl::StatusOr<std::unique_ptr<StreamingInferenceClient>> Create(ClientOptions options);
  explicit StreamingInferenceClient(std::unique_ptr<InferenceClient> unary) : unary_(std::move(unary)) {}
  ~StreamingInferenceClient() override;

  absl::StatusOr<bool> ServerLive() override { return unary_->ServerLive(); }
  absl::StatusOr<bool> ServerReady() override { return unary_->ServerReady(); }
  absl::StatusOr<bool> ModelReady(const std::string& name, const std::string& version = "") override {
    return unary_->ModelReady(name, version);
  }
  absl::StatusOr<inference::ServerMetadataResponse> ServerMetadata() override { return unary_->ServerMetadata(); }
  absl::StatusOr<inference::ModelMetadataResponse> ModelMetadata(const std::string& name,
                                                                 const std::string& version = "") override {
    return unary_->ModelMetadata(name, version);
  }
  absl::StatusOr<inference::ModelConfig> ModelConfig(const std::string& name,
                                                     const std::string& version = "") override {
    return unary_->ModelConfig(name, version);
  }
  absl::StatusOr<inference::ModelStatisticsResponse> ModelStatistics(const std::string& name = "",
                                                                     const std::string& version = "") override {
    return unary_->ModelStatistics(name, version);
  }
  absl::StatusOr<inference::RepositoryIndexResponse> RepositoryIndex(bool ready_only = false) override {
    return unary_->RepositoryIndex(ready_only);
  }
  absl::Status LoadModel(const std::string& name) override { return unary_->LoadModel(name); }
  absl::Status UnloadModel(const std::string& name) override { return unary_->UnloadModel(name); }

  // On the stream: one request, waited for.
  absl::StatusOr<inference::ModelInferResponse> Infer(const inference::ModelInferRequest& request) override;
  using KServeClient::AsyncInfer;
  void AsyncInfer(std::shared_ptr<const inference::ModelInferRequest> request, InferCallback done,
                  absl::Duration timeout = absl::ZeroDuration()) override;

  InferenceClient& unary() { return *unary_; }

 private:
  InferStream& Stream();

  const std::unique_ptr<InferenceClient> unary_;
  absl::Mutex mu_;
  std::unique_ptr<InferStream> stream_ ABSL_GUARDED_BY(mu_);
};

}  // namespace convoy::client

#endif  // CONVOY_CLIENT_STREAMING_INFERENCE_CLIENT_H_
