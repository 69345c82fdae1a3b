// InferenceRequest / InferenceResult: one decoded ModelInfer call on its way
// through a model's batcher, and what comes back.
//
// The gRPC layer decodes and validates the wire request against the model's
// config and builds an InferenceRequest; the model's batcher stacks the inputs
// of several requests along the batch dimension, runs the engine once, and
// hands each request a view of its rows of the batch outputs. Nothing here
// knows about protobuf or gRPC.
#ifndef CONVOY_SERVER_CORE_INFERENCE_REQUEST_H_
#define CONVOY_SERVER_CORE_INFERENCE_REQUEST_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "engine/api/model.h"
#include "engine/api/tensor.h"

namespace convoy::server {

struct InferenceRequest {
  // Batch items the request carries: the first dimension of every input when
  // the model batches (max_batch_size > 0), otherwise 1.
  int64_t batch_size = 1;
  // Every model input exactly once, shapes including the batch dimension.
  std::vector<engine::NamedTensor> inputs;
  // Outputs to compute, by name; each must be one of the model's outputs.
  std::vector<std::string> output_names;
  // absl::InfiniteFuture() when the client set no deadline.
  absl::Time deadline = absl::InfiniteFuture();
  // Thread-safe; true once the client has given up. Null = never.
  std::function<bool()> is_cancelled;
  // Triton's schedule-policy request parameters, whatever the protocol:
  // the priority level (1 the highest; 0 = the model's default) and the
  // queue timeout the request asks for (zero = none; it only counts where
  // the model's queue policy allows it, see server/batcher/batch_queue.h).
  // An ensemble passes both on to its members, as Triton does.
  uint64_t priority = 0;
  absl::Duration queue_timeout = absl::ZeroDuration();
};

// Times of one request, for statistics. `received` is when the server got
// the call, the others are the stages of the batch that carried it.
struct RequestTimings {
  absl::Time received;
  absl::Time enqueued;
  absl::Time batch_started;    // Left the queue; inputs are being stacked.
  absl::Time compute_started;  // Engine run begins.
  absl::Time compute_ended;    // Engine run ended; outputs being copied out.
  // Decoding and preprocessing encoded images, and cutting crops, before
  // the request was queued (zero for plain tensors).
  absl::Duration preprocess;
};

// The outputs of the whole batch a request was part of, shared by all its
// requests, and the request's rows in it. Reading rows [offset, offset+count)
// of each tensor gives this request's outputs without a copy.
//
// A batch computes the union of what its requests asked for, in the order
// its requests first named them, so a request's outputs may sit anywhere in
// batch_outputs, next to outputs it did not ask for: always find them by
// name (Output), never by position.
struct InferenceResult {
  std::shared_ptr<const std::vector<engine::Tensor>> batch_outputs;  // Order of output_names.
  std::vector<std::string> output_names;
  int64_t offset = 0;
  int64_t count = 0;
  // True when the model batches, so outputs carry a batch dimension.
  bool batched = true;
  RequestTimings timings;

  // The batch tensor of output `name`; null when the batch did not compute it.
  const engine::Tensor* Output(const std::string& name) const {
    for (size_t i = 0; i < output_names.size(); ++i) {
      if (output_names[i] == name) return &(*batch_outputs)[i];
    }
    return nullptr;
  }
};

// Called exactly once per request, on a batcher thread: with a result, or
// with the error that ended the request (deadline, cancelled, engine error).
using InferenceCallback = std::function<void(absl::Status, InferenceResult)>;

}  // namespace convoy::server

#endif  // CONVOY_SERVER_CORE_INFERENCE_REQUEST_H_
