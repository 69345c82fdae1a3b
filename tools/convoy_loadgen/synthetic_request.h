// A ModelInferRequest of seeded random data shaped for a model, built from
// its ModelMetadata: every input, the batch dimension set to `batch`, other
// variable dimensions to 1.
#ifndef CONVOY_TOOLS_CONVOY_LOADGEN_SYNTHETIC_REQUEST_H_
#define CONVOY_TOOLS_CONVOY_LOADGEN_SYNTHETIC_REQUEST_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "grpc_service.pb.h"

namespace convoy {

// InvalidArgument for a datatype it cannot make (anything but FP32, UINT8),
// or a batch size on a model without a batch dimension.
absl::StatusOr<inference::ModelInferRequest> SyntheticRequest(
    const inference::ModelMetadataResponse& metadata, int64_t batch, uint32_t seed);

}  // namespace convoy

#endif  // CONVOY_TOOLS_CONVOY_LOADGEN_SYNTHETIC_REQUEST_H_
