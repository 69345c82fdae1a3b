#include "tools/convoy_loadgen/data_requests.h"

#include <numeric>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "tools/convoy_loadgen/json_input_data.h"
#include "tools/convoy_loadgen/synthetic_request.h"

namespace convoy {
namespace {

absl::Status TooLarge(int64_t batch, int64_t max_total_bytes) {
  return absl::InvalidArgumentError(absl::StrCat("the input data at --batch ", batch, " needs more than the ",
                                                 max_total_bytes, " bytes of tensors convoy-loadgen builds"));
}

}  // namespace

absl::StatusOr<std::vector<inference::ModelInferRequest>> RequestsFromEntries(
    const ModelInputs& inputs, const std::vector<InputEntry>& entries, int64_t batch, int64_t max_total_bytes) {
  if (!inputs.batched && batch != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("model '", inputs.model, "' has no batch dimension; use --batch 1"));
  }
  // One request's worth, from the first entry, before anything is built.
  int64_t entry_bytes = 0;
  for (const EntryTensor& tensor : entries.front()) entry_bytes += static_cast<int64_t>(tensor.raw.size());
  int64_t request_bytes = 0;
  if (__builtin_mul_overflow(entry_bytes, batch, &request_bytes) || request_bytes > max_total_bytes) {
    return TooLarge(batch, max_total_bytes);
  }
  const int64_t count = static_cast<int64_t>(entries.size());
  const int64_t requests = count / std::gcd(count, batch);
  std::vector<inference::ModelInferRequest> built;
  int64_t total_bytes = 0;
  for (int64_t r = 0; r < requests; ++r) {
    const int64_t first = (r % count) * (batch % count) % count;  // r * batch, without overflow.
    inference::ModelInferRequest& request = built.emplace_back();
    request.set_model_name(inputs.model);
    for (size_t j = 0; j < inputs.inputs.size(); ++j) {
      const std::vector<int64_t>& item_shape = entries[first][j].shape;
      std::string raw;
      for (int64_t i = 0; i < batch; ++i) {
        const int64_t e = (first + i) % count;
        const EntryTensor& tensor = entries[e][j];
        if (tensor.shape != item_shape) {
          return absl::InvalidArgumentError(absl::StrCat(
              "data[", first, "] and data[", e, "] go in one request (--batch ", batch, ") but give input '",
              inputs.inputs[j].name, "' the shapes ", DimsText(item_shape), " and ", DimsText(tensor.shape),
              "; the items of a batch must agree"));
        }
        total_bytes += static_cast<int64_t>(tensor.raw.size());
        if (total_bytes > max_total_bytes) return TooLarge(batch, max_total_bytes);
        raw += tensor.raw;
      }
      std::vector<int64_t> shape = item_shape;
      if (inputs.batched) shape.insert(shape.begin(), batch);
      AddRawInput(&request, inputs.inputs[j].name, inputs.inputs[j].datatype, shape, std::move(raw));
    }
  }
  return built;
}

absl::StatusOr<std::vector<inference::ModelInferRequest>> InputDataRequests(
    const inference::ModelMetadataResponse& metadata, bool batched, const InputDataOptions& options) {
  CONVOY_ASSIGN_OR_RETURN(const ShapeFlags shapes, ParseShapeFlags(options.shapes));
  CONVOY_ASSIGN_OR_RETURN(const ModelInputs inputs, ResolveModelInputs(metadata, batched, shapes));
  CONVOY_ASSIGN_OR_RETURN(const InputDataSource source, ParseInputDataFlag(options.input_data));
  std::vector<InputEntry> entries;
  switch (source.kind) {
    case InputDataSource::Kind::kZero:
    case InputDataSource::Kind::kRandom: {
      const SyntheticData data =
          source.kind == InputDataSource::Kind::kZero ? SyntheticData::kZero : SyntheticData::kRandom;
      CONVOY_ASSIGN_OR_RETURN(inference::ModelInferRequest request,
                              SyntheticRequest(inputs, options.batch, data, options.seed,
                                               options.limits.max_total_bytes));
      std::vector<inference::ModelInferRequest> one;
      one.push_back(std::move(request));
      return one;
    }
    case InputDataSource::Kind::kJsonFile: {
      CONVOY_ASSIGN_OR_RETURN(entries, ReadJsonInputData(source.path, inputs, options.limits));
      break;
    }
    case InputDataSource::Kind::kDirectory: {
      CONVOY_ASSIGN_OR_RETURN(InputEntry entry, ReadDirectoryInputData(source.path, inputs, options.limits));
      entries.push_back(std::move(entry));
      break;
    }
  }
  absl::StatusOr<std::vector<inference::ModelInferRequest>> requests =
      RequestsFromEntries(inputs, entries, options.batch, options.limits.max_total_bytes);
  if (!requests.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--input-data ", source.path, ": ", requests.status().message()));
  }
  return requests;
}

}  // namespace convoy
