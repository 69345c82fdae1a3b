// BuildImageInput: the model input tensor of a request's images, as the
// model's config.pbtxt describes it: encoded images are decoded and
// preprocessed (engine/preprocess), tensors larger than the model's input
// are cropped; either way every image becomes `crops` consecutive batch
// items: images [first, first + count) give [count * crops, C, H, W].
//
// Errors are InvalidArgument naming the input and the image's index:
// "input 'input', image 3: not a JPEG or PNG image (...)". The memory a
// request may ask for is bounded before anything is decoded (image_limits.h)
// and counted against the server's byte budget (request_cost.h).
//
// Thread-safety: stateless; safe to call concurrently.
#ifndef CONVOY_SERVER_ORCHESTRATION_IMAGE_INPUT_BUILDER_H_
#define CONVOY_SERVER_ORCHESTRATION_IMAGE_INPUT_BUILDER_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "engine/api/tensor.h"
#include "engine/preprocess/image_decoder.h"
#include "model_config.pb.h"
#include "server/orchestration/model_request.h"

namespace convoy::server {

// REQUIRES: `request.image` set and consistent with `config` (the decoder
// checked names, shapes and that encoded images come with preprocessing);
// 0 <= first, first + count <= the request's images.
absl::StatusOr<engine::Tensor> BuildImageInput(const ModelRequest& request, const inference::ModelConfig& config,
                                               const engine::DecodeLimits& limits, int64_t first, int64_t count);

}  // namespace convoy::server

#endif  // CONVOY_SERVER_ORCHESTRATION_IMAGE_INPUT_BUILDER_H_
