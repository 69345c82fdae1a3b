// EncodeInferResponse: writes one request's rows of a batch's outputs into
// a ModelInferResponse, as raw_output_contents (Triton's gRPC form), or as
// Triton classification strings for outputs that asked for them.
#ifndef CONVOY_SERVER_KSERVE_INFER_RESPONSE_ENCODER_H_
#define CONVOY_SERVER_KSERVE_INFER_RESPONSE_ENCODER_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "grpc_service.pb.h"
#include "server/core/inference_request.h"
#include "server/core/servable_model.h"
#include "server/kserve/infer_request_decoder.h"

namespace convoy::server {

absl::Status EncodeInferResponse(const InferenceResult& result,
                                 const std::vector<OutputRequest>& outputs,
                                 const ServableModel& model, inference::ModelInferResponse* response);

// Triton's classification strings for one batch item: the k highest scores,
// best first (ties: lower index first), each "<score>:<index>" followed by
// ":<label>" when labels are given. k is capped at the number of classes.
std::vector<std::string> Classify(absl::Span<const float> scores, int64_t k,
                                  const std::vector<std::string>& labels);

}  // namespace convoy::server

#endif  // CONVOY_SERVER_KSERVE_INFER_RESPONSE_ENCODER_H_
