// RunModelRequest: one decoded request through one model, from its image
// input to its combined outputs.
//
//   ModelRequest ──BuildImageInput──▶ N x crops items ──chunks of whole
//   images, each <= max_batch_size──▶ ServableModel::Infer (the batcher
//   mixes them with other requests) ──▶ gather ──▶ average the crops
//
// A request without images or crops goes straight to the batcher and its
// result is the batch's, unchanged (no copy). With crops, the result holds
// new tensors of N rows: the mean over each image's crops, where an output
// holding class scores (HoldsClassScores) is averaged as probabilities
// (softmax first, unless the config's classification.scores says the model
// already outputs probabilities) and any other output as it is.
//
// `done` runs exactly once: on a batcher thread, or inline when the image
// input cannot be built (InvalidArgument naming the image) or the batcher
// refuses the request. If any chunk fails the request fails with that
// chunk's status, once every chunk has ended.
//
// Thread-safety: safe to call concurrently.
#ifndef CONVOY_SERVER_ORCHESTRATION_REQUEST_RUNNER_H_
#define CONVOY_SERVER_ORCHESTRATION_REQUEST_RUNNER_H_

#include <memory>

#include "absl/time/time.h"
#include "engine/preprocess/image_decoder.h"
#include "server/core/inference_request.h"
#include "server/core/servable_model.h"
#include "server/orchestration/model_request.h"

namespace convoy::server {

void RunModelRequest(std::shared_ptr<ServableModel> model, ModelRequest request, absl::Time received,
                     const DecodeLimits& limits, InferenceCallback done);

// Batch items `request` runs through the model: images x crops.
inline int64_t ItemsOf(const ModelRequest& request) { return request.inference.batch_size * request.crops; }

}  // namespace convoy::server

#endif  // CONVOY_SERVER_ORCHESTRATION_REQUEST_RUNNER_H_
