// The requests a load sends in turn when it sends tensors: from
// --input-data (zero, random, FILE.json, DIR), --shape and --batch, as
// perf_analyzer builds them.
//
// Synthetic data makes one request. Data read from a file or directory is a
// list of entries, each one batch item of every input; request k carries
// entries k*B .. k*B+B-1 (modulo their count) at --batch B, so the requests
// go through the entries in order, and as many requests are built as it
// takes for the cycle to come back to the first entry (count / gcd(count,
// B)). Entries batched into one request must agree on every input's shape.
//
// Thread-safety: plain functions.
#ifndef CONVOY_TOOLS_CONVOY_LOADGEN_DATA_REQUESTS_H_
#define CONVOY_TOOLS_CONVOY_LOADGEN_DATA_REQUESTS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "grpc_service.pb.h"
#include "tools/convoy_loadgen/input_data.h"
#include "tools/convoy_loadgen/model_inputs.h"

namespace convoy {

struct InputDataOptions {
  std::string input_data;           // --input-data: zero, random (or empty), a JSON file or a directory.
  std::vector<std::string> shapes;  // --shape values, each NAME:D1,D2,...
  int64_t batch = 1;                // Items per request.
  uint32_t seed = 1;                // Of random data.
  InputDataLimits limits;
};

// The requests for the model of `metadata` (`batched`: see
// HasBatchDimension). Errors name the flag, the file, the entry and the
// input at fault.
absl::StatusOr<std::vector<inference::ModelInferRequest>> InputDataRequests(
    const inference::ModelMetadataResponse& metadata, bool batched, const InputDataOptions& options);

// The requests for `entries` at `batch` items each, as above.
// InvalidArgument for a batch other than 1 on a model without a batch
// dimension, entries of different shapes in one request, or more than
// `max_total_bytes` of tensors in all.
// REQUIRES: `entries` not empty, each with one tensor per input of `inputs`.
absl::StatusOr<std::vector<inference::ModelInferRequest>> RequestsFromEntries(
    const ModelInputs& inputs, const std::vector<InputEntry>& entries, int64_t batch, int64_t max_total_bytes);

}  // namespace convoy

#endif  // CONVOY_TOOLS_CONVOY_LOADGEN_DATA_REQUESTS_H_
