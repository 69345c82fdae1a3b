// ImageLimits: what one request's images may cost, checked before a single
// pixel is decoded.
//
// Decoding and resizing are the server's most expensive work per byte
// received: a 129-byte PNG of 4 x 3900 pixels, resized so its shorter side
// is 256, becomes 64 million pixels. So every image's size is read from its
// headers first (ReadImageSize, microseconds) and the request is refused,
// INVALID_ARGUMENT naming the image and the limit, if
//   - one image exceeds DecodeLimits (encoded bytes, decoded pixels);
//   - resizing would multiply an image's pixels by more than max_upscale;
//   - the request's decoded plus resized pixels exceed max_request_pixels;
//   - its images times crops exceed max_request_crops.
// A model's config.pbtxt may set the last three in `preprocessing`; the
// server's flags give the rest (docs/SERVER.md, "Resource limits").
//
// Thread-safety: stateless functions; safe to call concurrently.
#ifndef CONVOY_SERVER_ORCHESTRATION_IMAGE_LIMITS_H_
#define CONVOY_SERVER_ORCHESTRATION_IMAGE_LIMITS_H_

#include <cstdint>

#include "absl/status/status.h"
#include "engine/preprocess/image_decoder.h"
#include "model_config.pb.h"
#include "server/orchestration/model_request.h"

namespace convoy::server {

struct ImageLimits {
  // Each image: encoded bytes (16 MiB) and decoded pixels (4096 x 4096).
  engine::DecodeLimits decode;
  // Decoded plus resized pixels over all of a request's images. 2^27 (134
  // million): eight of the largest images DecodeLimits admits, or 32
  // twelve-megapixel photos resized to 256 (1.6 s of decoding on one core).
  int64_t max_request_pixels = int64_t{1} << 27;
  // Resized pixels over decoded pixels, per image. 256 (16 times each
  // side) admits a 16 x 16 icon resized to 256 x 256; upscaling adds no
  // information, only work.
  double max_upscale = 256;
  // Images times crops. 320: a batch of 32 images with 10 crops each.
  int64_t max_request_crops = 320;
};

// `server`, with the overrides of config's preprocessing section.
ImageLimits ImageLimitsFor(const ImageLimits& server, const inference::ModelConfig& config);

// Checks `request`'s image work against `limits` and records what it is:
// for encoded images each image's decoded size in request->image->sizes
// (what the request's memory cost is counted with), and the pixels the
// work touches in request->image->work_pixels. Reads headers only.
// REQUIRES: request decoded for `config` (DecodeInferRequest).
absl::Status CheckImageWork(ModelRequest* request, const inference::ModelConfig& config,
                            const ImageLimits& limits);

}  // namespace convoy::server

#endif  // CONVOY_SERVER_ORCHESTRATION_IMAGE_LIMITS_H_
