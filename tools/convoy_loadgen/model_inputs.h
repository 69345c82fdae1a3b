// The inputs of a model as convoy-loadgen fills them: names, datatypes and
// dimensions from ModelMetadata, the batch dimension set apart, and the sizes
// given with --shape NAME:D1,D2,... in place of variable dimensions.
//
// --shape means what it means to perf_analyzer: the shape of one batch item
// (without the batch dimension of a model that batches; the whole shape of
// one that does not). It must name an input of the model, give one positive
// size per dimension, and agree with every dimension the model fixes.
//
//   ShapeFlags shapes = *ParseShapeFlags({"image:3,224,224"});
//   ModelInputs inputs = *ResolveModelInputs(metadata, /*batched=*/true, shapes);
//   inputs.inputs[0].dims  // [3, 224, 224] where the model says [3, -1, -1]
//
// Thread-safety: plain values and functions.
#ifndef CONVOY_TOOLS_CONVOY_LOADGEN_MODEL_INPUTS_H_
#define CONVOY_TOOLS_CONVOY_LOADGEN_MODEL_INPUTS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpc_service.pb.h"

namespace convoy {

struct InputSpec {
  std::string name;
  std::string datatype;               // KServe's: FP32, INT64, UINT8, BYTES, ...
  std::vector<int64_t> model_dims;    // One batch item's, as the model declares them; -1 = variable.
  std::vector<int64_t> dims;          // model_dims with --shape applied; -1 where still variable.
};

struct ModelInputs {
  std::string model;
  bool batched = false;  // Requests carry a leading batch dimension.
  std::vector<InputSpec> inputs;  // In ModelMetadata's order.

  // nullptr when the model has no input `name`.
  const InputSpec* Find(absl::string_view name) const;
  // "a, b": for messages.
  std::string Names() const;
};

// --shape values by input name.
using ShapeFlags = std::map<std::string, std::vector<int64_t>>;

// Each "NAME:D1,D2,..." (the name may itself contain ':'; the sizes follow
// the last one). InvalidArgument quoting the value for a missing name or
// sizes, a size that is not an integer or not >= 1, or a name given twice.
absl::StatusOr<ShapeFlags> ParseShapeFlags(const std::vector<std::string>& values);

// Whether requests carry a batch dimension: the configuration's
// max_batch_size > 0 when the server gave it (Triton's model configuration
// extension), otherwise whether every input's first dimension is variable.
bool HasBatchDimension(const inference::ModelMetadataResponse& metadata,
                       const absl::StatusOr<inference::ModelConfig>& config);

// The model's inputs with `shapes` applied. InvalidArgument, naming the
// --shape value and the input, for a name that is not an input of the model,
// a count of dimensions other than the input's, or a size the model fixes
// otherwise; also for a batched model whose metadata lacks the batch
// dimension.
absl::StatusOr<ModelInputs> ResolveModelInputs(const inference::ModelMetadataResponse& metadata, bool batched,
                                               const ShapeFlags& shapes);

// Whether `shape` can be one batch item of `input`: its rank, every size
// >= 1, equal to the model's where the model fixes one. The message says
// "shape [2,5] does not fit input 'x' of dims [2,-1]" and why.
absl::Status CheckShapeFits(const InputSpec& input, const std::vector<int64_t>& shape);

// Elements of a fully known `shape`; InvalidArgument if a size is variable
// or the product overflows.
absl::StatusOr<int64_t> ElementCount(const std::vector<int64_t>& shape);

// "[3,-1,-1]"
std::string DimsText(const std::vector<int64_t>& dims);

}  // namespace convoy

#endif  // CONVOY_TOOLS_CONVOY_LOADGEN_MODEL_INPUTS_H_
