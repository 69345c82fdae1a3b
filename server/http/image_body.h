// The image-body convenience of POST /v2/models/{m}/infer: a JPEG or PNG
// file as the whole body (Content-Type image/jpeg or image/png), answered
// with the image's top classes, so that
//
//   curl --data-binary @cat.jpg -H 'Content-Type: image/jpeg' 'localhost:8000/v2/models/resnet50/infer?top_k=3'
//
// needs no client. The image becomes the model's preprocessing input (one
// BYTES element) and the answer Triton's classification of one output:
//
//   {"model_name":"resnet50","model_version":"1","output":"logits",
//    "classes":[{"index":281,"label":"tabby","score":0.43},...]}
//
// Query parameters: top_k (default 5), multicrop (1, 5 or 10; default the
// model's), output (default the model's first output).
#ifndef CONVOY_SERVER_HTTP_IMAGE_BODY_H_
#define CONVOY_SERVER_HTTP_IMAGE_BODY_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpc_service.pb.h"
#include "server/kserve/kserve_operations.h"

namespace convoy::server {

inline constexpr int64_t kDefaultImageTopK = 5;

struct ImageBodyRequest {
  std::string output;  // The output classified.
};

// Builds into `request` the inference of the encoded image `body` for the
// model `name` (`version`). NOT_FOUND for a model not served,
// INVALID_ARGUMENT for a model without a preprocessing section or a
// malformed query parameter, each naming it.
absl::StatusOr<ImageBodyRequest> BuildImageBodyRequest(const KServeOperations& operations, const std::string& name,
                                                       const std::string& version, absl::string_view query,
                                                       absl::string_view body, inference::ModelInferRequest* request);

// The JSON answer from the inference's classification of `output`.
absl::StatusOr<std::string> ImageBodyAnswer(const inference::ModelInferResponse& response,
                                            const std::string& output);

}  // namespace convoy::server

#endif  // CONVOY_SERVER_HTTP_IMAGE_BODY_H_
