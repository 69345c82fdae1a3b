#include "tools/convoy_loadgen/synthetic_request.h"

#include <random>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/infer_tensors.h"

namespace convoy {

absl::StatusOr<inference::ModelInferRequest> SyntheticRequest(
    const inference::ModelMetadataResponse& metadata, int64_t batch, uint32_t seed) {
  inference::ModelInferRequest request;
  request.set_model_name(metadata.name());
  std::mt19937 random(seed);
  for (const auto& input : metadata.inputs()) {
    std::vector<int64_t> shape(input.shape().begin(), input.shape().end());
    const bool batched = !shape.empty() && shape[0] == -1;
    if (!batched && batch != 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          "model '", metadata.name(), "' has no batch dimension; use --batch 1"));
    }
    if (batched) shape[0] = batch;
    int64_t count = 1;
    for (int64_t& dim : shape) {
      if (dim == -1) dim = 1;
      count *= dim;
    }
    if (input.datatype() == "FP32") {
      std::normal_distribution<float> normal(0.0f, 1.0f);
      std::vector<float> values(count);
      for (float& v : values) v = normal(random);
      client::AddFp32Input(&request, input.name(), shape, values);
    } else if (input.datatype() == "UINT8") {
      std::uniform_int_distribution<int> pixel(0, 255);
      std::vector<uint8_t> values(count);
      for (uint8_t& v : values) v = static_cast<uint8_t>(pixel(random));
      client::AddUint8Input(&request, input.name(), shape, values);
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "input '", input.name(), "' is ", input.datatype(), ": only FP32 and UINT8 are synthesised"));
    }
  }
  return request;
}

}  // namespace convoy
