// A ModelInferRequest of synthetic data for a model (--input-data zero or
// random): every input, `batch` items (the batch dimension of a model that
// batches), each item shaped by the model's dims with --shape applied
// (model_inputs.h).
//
// random is seeded: FP32 and FP64 from a normal distribution (0, 1), UINT8
// uniform in [0, 255], other integers uniform in [0, 127] (valid in every
// integer type, and small enough to index most tables), BOOL 0 or 1. zero
// is all zeros. Neither makes BYTES (a model's BYTES inputs are images or
// text: --image, --dataset or --input-data FILE.json|DIR give them), and
// random makes no FP16 or BF16.
//
// Thread-safety: plain functions.
#ifndef CONVOY_TOOLS_CONVOY_LOADGEN_SYNTHETIC_REQUEST_H_
#define CONVOY_TOOLS_CONVOY_LOADGEN_SYNTHETIC_REQUEST_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "grpc_service.pb.h"
#include "tools/convoy_loadgen/model_inputs.h"

namespace convoy {

enum class SyntheticData { kZero, kRandom };

// InvalidArgument naming the input for a datatype it cannot make, a
// dimension still variable (give it with --shape), a batch size other than 1
// on a model without a batch dimension, or a request of more than
// `max_bytes` of tensors.
absl::StatusOr<inference::ModelInferRequest> SyntheticRequest(const ModelInputs& inputs, int64_t batch,
                                                              SyntheticData data, uint32_t seed,
                                                              int64_t max_bytes = int64_t{1} << 30);

// Random data for the model of `metadata` alone: it batches if every input's
// first dimension is variable, and no --shape is given.
absl::StatusOr<inference::ModelInferRequest> SyntheticRequest(
    const inference::ModelMetadataResponse& metadata, int64_t batch, uint32_t seed);

}  // namespace convoy

#endif  // CONVOY_TOOLS_CONVOY_LOADGEN_SYNTHETIC_REQUEST_H_
