// DecodeInferRequest: turns a ModelInferRequest into an InferenceRequest for
// one model, or says precisely what is wrong with it.
//
// Every check a hostile or careless client could need is here, before any
// tensor is allocated: input names (unknown, missing, repeated), datatype,
// shape rank and dimensions against config.pbtxt, batch size against
// max_batch_size, element counts that overflow, byte sizes of
// raw_input_contents against the shape, typed `contents` of the wrong kind or
// length (FP32, UINT8 and INT64 inputs take typed contents), UINT8 values
// above 255, mixing raw and typed contents, and
// requested outputs (unknown, repeated, malformed classification), the
// `multicrop` parameter, Triton's `priority` and `timeout` parameters (their
// type and sign; both protocols' requests are read here), and BYTES inputs of encoded images (only for the
// input a config's preprocessing names; element framing in encoded_images.h).
// All of them are INVALID_ARGUMENT with a message that names the input or
// output. Images themselves are decoded later, by the request runner.
//
// The image input (preprocessing.input, or the only input when crops are
// asked for) may also be an FP32 tensor larger than the model's H and W: it
// is cropped.
#ifndef CONVOY_SERVER_KSERVE_INFER_REQUEST_DECODER_H_
#define CONVOY_SERVER_KSERVE_INFER_REQUEST_DECODER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "grpc_service.pb.h"
#include "server/core/inference_request.h"
#include "server/core/servable_model.h"
#include "server/orchestration/model_request.h"

namespace convoy::server {

// An output the client asked for, and how to return it.
struct OutputRequest {
  std::string name;
  // Triton's classification extension: > 0 returns the top k classes of
  // each batch item as BYTES "<score>:<index>:<label>" instead of the tensor.
  int64_t classification = 0;
};

struct DecodedRequest {
  ModelRequest request;
  std::vector<OutputRequest> outputs;  // All config outputs when none named.
};

// Tensor values are moved out of `wire` (raw_input_contents are taken over
// without a copy, typed contents copied and cleared), so the request's bytes
// are held once; encoded images stay in `wire`, which must outlive the
// returned request (its image input views them).
absl::StatusOr<DecodedRequest> DecodeInferRequest(inference::ModelInferRequest* wire,
                                                  const ServableModel& model);

}  // namespace convoy::server

#endif  // CONVOY_SERVER_KSERVE_INFER_REQUEST_DECODER_H_
