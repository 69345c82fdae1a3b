// ModelRequest: a decoded ModelInfer call for one model, before its image
// input is built. The gRPC decoder produces it; RunModelRequest
// (request_runner.h) turns it into batcher requests.
#ifndef CONVOY_SERVER_ORCHESTRATION_MODEL_REQUEST_H_
#define CONVOY_SERVER_ORCHESTRATION_MODEL_REQUEST_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "engine/preprocess/image.h"
#include "server/core/inference_request.h"
#include "server/core/model_observer.h"

namespace convoy::server {

// The model input that is built from images rather than taken as sent.
struct ImageInput {
  // Index of the input in InferenceRequest::inputs (the model's order).
  size_t index = 0;
  // One encoded JPEG or PNG per batch item, viewing the wire request (which
  // outlives the call). Empty: the input was sent as an FP32 tensor
  // [N, C, H', W'] with H' >= H and W' >= W, already normalised, which is
  // cropped.
  std::vector<absl::string_view> encoded;
  // The decoded size of each encoded image, read from its headers at
  // admission (CheckImageWork); empty until then.
  std::vector<engine::ImageSize> sizes;
  // Pixels building the input touches: decoded plus resized over the
  // images, or the sent tensor's (set by CheckImageWork; 0 until then).
  int64_t work_pixels = 0;
};

struct ModelRequest {
  // batch_size counts images, not crops. The image input's slot holds the
  // sent tensor, or an empty placeholder for encoded images.
  InferenceRequest inference;
  // Set when the image input must be built: encoded images, more than one
  // crop, or a tensor larger than the model's input.
  std::optional<ImageInput> image;
  // Crops per image (1, 5 or 10); with more than 1 the crops' outputs are
  // averaged (class scores as probabilities).
  int64_t crops = 1;
  // The protocol it came by (set by the RequestRouter), for the statistics
  // an ensemble's members record.
  Protocol protocol = Protocol::kGrpc;
};

}  // namespace convoy::server

#endif  // CONVOY_SERVER_ORCHESTRATION_MODEL_REQUEST_H_
