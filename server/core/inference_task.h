// InferenceTask: an InferenceRequest waiting in a model's DynamicBatcher.
//
// It ends exactly once: through Complete() with the batch's outputs, or
// through Fail() when the batcher drops it (deadline, cancellation, queue
// full, queue timeout, shutdown) or the engine run fails.
#ifndef CONVOY_SERVER_CORE_INFERENCE_TASK_H_
#define CONVOY_SERVER_CORE_INFERENCE_TASK_H_

#include <utility>

#include "server/batcher/batch_task.h"
#include "server/core/inference_request.h"

namespace convoy::server {

class InferenceTask : public BatchTask {
 public:
  InferenceTask(InferenceRequest request, absl::Time received, InferenceCallback done)
      : request_(std::move(request)), received_(received), done_(std::move(done)) {}

  int64_t size() const override { return request_.batch_size; }
  absl::Time deadline() const override { return request_.deadline; }
  bool IsCancelled() const override {
    return request_.is_cancelled != nullptr && request_.is_cancelled();
  }
  uint64_t priority() const override { return request_.priority; }
  absl::Duration queue_timeout() const override { return request_.queue_timeout; }
  void Fail(const absl::Status& status) override {
    InferenceResult result;
    result.timings.received = received_;
    done_(status, std::move(result));
  }
  void Complete(InferenceResult result) {
    result.timings.received = received_;
    done_(absl::OkStatus(), std::move(result));
  }

  InferenceRequest& request() { return request_; }
  absl::Time received() const { return received_; }

 private:
  InferenceRequest request_;
  absl::Time received_;
  InferenceCallback done_;
};

}  // namespace convoy::server

#endif  // CONVOY_SERVER_CORE_INFERENCE_TASK_H_
