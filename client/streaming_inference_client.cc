#include "client/streaming_inference_client.h"

#include <utility>

#include "absl/synchronization/notification.h"

namespace convoy::client {

absl::StatusOr<std::unique_ptr<StreamingInferenceClient>> StreamingInferenceClient::Create(ClientOptions options) {
  absl::StatusOr<std::unique_ptr<InferenceClient>> unary = InferenceClient::Create(std::move(options));
  if (!unary.ok()) return unary.status();
  return std::make_unique<StreamingInferenceClient>(*std::move(unary));
}

StreamingInferenceClient::~StreamingInferenceClient() {
  std::unique_ptr<InferStream> stream;
  {
    absl::MutexLock lock(&mu_);
    stream = std::move(stream_);
  }
  // A clean end when nothing is due: the server sees a half-close, not a
  // cancellation. With requests still out, the stream's destructor cancels.
  if (stream != nullptr && stream->open() && stream->pending() == 0) stream->Close().IgnoreError();
}

InferStream& StreamingInferenceClient::Stream() {
  absl::MutexLock lock(&mu_);
  if (stream_ == nullptr) stream_ = unary_->OpenStream();
  return *stream_;
}

void StreamingInferenceClient::AsyncInfer(std::shared_ptr<const inference::ModelInferRequest> request,
                                          InferCallback done, absl::Duration timeout) {
  Stream().AsyncInfer(std::move(request), std::move(done), timeout);
}

absl::StatusOr<inference::ModelInferResponse> StreamingInferenceClient::Infer(
    const inference::ModelInferRequest& request) {
  absl::Notification answered;
  absl::StatusOr<inference::ModelInferResponse> result;
  AsyncInfer(request, [&](absl::Status status, inference::ModelInferResponse response) {
    result = status.ok() ? absl::StatusOr<inference::ModelInferResponse>(std::move(response))
                         : absl::StatusOr<inference::ModelInferResponse>(status);
    answered.Notify();
  });
  answered.WaitForNotification();
  return result;
}

}  // namespace convoy::client
