// RunModelRequest: one decoded request through one model, from its image
// input to its combined outputs.
//
//   ModelRequest ──(WorkPool) BuildImageInput per chunk of whole images,
//   each <= max_batch_size items──▶ SingleModel::Infer (the batcher mixes
//   them with other requests) ──▶ gather ──▶ average the crops
//
// A request without images or crops goes straight to the batcher and its
// result is the batch's, unchanged (no copy). Images are decoded and
// cropped on the image pool, not on the caller's thread (except a few small
// ones: ImageServices::inline_pixels), one chunk's tensor at a time (no copy
// of the whole). With crops, the result holds new
// tensors of N rows, one per output the request asked for, found by name in
// each chunk's batch: the mean over each image's crops, where an output
// holding class scores (HoldsClassScores) is averaged as probabilities
// (softmax first, unless the config's classification.scores says the model
// already outputs probabilities) and any other output as it is.
//
// `done` runs exactly once: on a batcher or pool thread, or inline when the
// pool or the batcher refuses the request (UNAVAILABLE). An image that
// cannot be decoded fails the request with InvalidArgument naming it; a
// request whose client gave up or whose deadline passed while it waited for
// the pool is failed (CANCELLED, DEADLINE_EXCEEDED) without being decoded. If
// any chunk fails the request fails with that chunk's status, once every
// chunk has ended.
//
// Thread-safety: safe to call concurrently.
#ifndef CONVOY_SERVER_ORCHESTRATION_REQUEST_RUNNER_H_
#define CONVOY_SERVER_ORCHESTRATION_REQUEST_RUNNER_H_

#include <functional>
#include <memory>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/core/inference_request.h"
#include "server/core/servable_model.h"
#include "server/orchestration/image_limits.h"
#include "server/orchestration/model_request.h"
#include "server/orchestration/work_pool.h"

namespace convoy::server {

// What building image inputs needs.
struct ImageServices {
  ImageLimits limits;
  // Where images are decoded and cropped. Not owned; null = on the calling
  // thread (tools and tests).
  WorkPool* pool = nullptr;
  // Image work of at most this many pixels (ImageInput::work_pixels) runs
  // on the calling thread: for a few small images the hand-over to the
  // pool costs more than the work (a 28 x 28 PNG decodes in microseconds).
  // 2^16 pixels keep the caller busy for well under a millisecond.
  // Negative: everything goes to the pool.
  int64_t inline_pixels = int64_t{1} << 16;
};

void RunModelRequest(std::shared_ptr<SingleModel> model, ModelRequest request, absl::Time received,
                     const ImageServices& services, InferenceCallback done);

// As RunModelRequest, for a request whose image input is built already:
// `built` holds its images x crops rows ([N * crops, C, H, W]), which are
// copied into chunks the model can batch. `preprocess` is the time the
// building took. REQUIRES: request.image set.
void RunBuiltRequest(std::shared_ptr<SingleModel> model, ModelRequest request, const engine::Tensor& built,
                     absl::Time received, absl::Duration preprocess, InferenceCallback done);

// OK while a request's client still waits for it: CANCELLED once it gave
// up (`is_cancelled`, may be empty), DEADLINE_EXCEEDED once `deadline`
// passed; the messages say the request was dropped before `stage` ("its
// images were decoded"). Work that waited in the pool checks it before it
// starts, so it is not done for nobody.
absl::Status StillWanted(const std::function<bool()>& is_cancelled, absl::Time deadline, absl::string_view stage);

// Runs `request`'s image work `work` on the pool, or inline when there is
// none or the work is small (ImageServices::inline_pixels). Runs `fail`
// instead when the pool refuses, or when the client is no longer waiting
// by the time the work would start (StillWanted). REQUIRES: `work` keeps
// `request` alive.
void RunImageWork(const ModelRequest& request, const ImageServices& services, std::function<void()> work,
                  std::function<void(absl::Status)> fail);

// Batch items `request` runs through the model: images x crops.
inline int64_t ItemsOf(const ModelRequest& request) { return request.inference.batch_size * request.crops; }

}  // namespace convoy::server

#endif  // CONVOY_SERVER_ORCHESTRATION_REQUEST_RUNNER_H_
