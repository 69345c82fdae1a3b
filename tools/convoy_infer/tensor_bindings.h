// Matching convoy-infer's --input and --output files to a model's values.
//
// BindInputs reads each --input file and checks it against the input it binds
// before anything runs, so a mistake is reported in the user's terms (the
// flag, the file, the expected and actual shape and type) rather than as an
// engine error from deep inside a run. ResolveOutputNames turns --output
// bindings into RunOptions::output_names.
//
// Thread-safety: stateless functions; safe to call concurrently if `read` is.
#ifndef CONVOY_TOOLS_CONVOY_INFER_TENSOR_BINDINGS_H_
#define CONVOY_TOOLS_CONVOY_INFER_TENSOR_BINDINGS_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/api/model.h"
#include "engine/api/tensor.h"
#include "tools/convoy_infer/flags.h"

namespace convoy {

// Reads one .npy file; ReadNpy in production, a fake in tests.
using TensorReader = std::function<absl::StatusOr<engine::Tensor>(const std::string& path)>;

// Returns one NamedTensor per model input, in the model's declaration order.
// Errors (all InvalidArgument unless `read` fails otherwise, in which case its
// Status is passed on):
//   - a binding names no model input (the message lists the model's inputs);
//   - two bindings resolve to the same input;
//   - a model input has no binding;
//   - a file's element type differs from the input's;
//   - a file's rank, or a dimension the model fixes, differs from the input's.
// REQUIRES: at most one binding has an empty name (ParseInferFlags ensures it).
absl::StatusOr<std::vector<engine::NamedTensor>> BindInputs(const std::vector<engine::TensorInfo>& model_inputs,
                                                            const std::vector<TensorBinding>& bindings,
                                                            const TensorReader& read);

// The value names to request, one per binding and in the same order; an
// unnamed binding becomes the model's first output. Names that are not graph
// outputs are passed through, since any intermediate value may be requested;
// the engine reports unknown ones. Errors: InvalidArgument if a binding is
// unnamed and the model declares no outputs.
absl::StatusOr<std::vector<std::string>> ResolveOutputNames(
    const std::vector<engine::TensorInfo>& model_outputs, const std::vector<TensorBinding>& bindings);

// "float32 [?,1,28,28]": a declared type and shape, dynamic dimensions as '?'.
std::string DescribeTensorInfo(const engine::TensorInfo& info);

}  // namespace convoy

#endif  // CONVOY_TOOLS_CONVOY_INFER_TENSOR_BINDINGS_H_
