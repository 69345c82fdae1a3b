// Translates a serialized ONNX ModelProto into the engine's IR graph.
//
// The loader checks what ONNX itself requires (a graph, a default-domain
// opset, names defined once and before use, tensors whose sizes agree with
// their shapes) and converts attributes and initializers. It does not judge
// whether the engine can run each operator; the plan compiler does that, so
// the two kinds of error stay apart: InvalidArgument for a file that is not a
// well-formed ONNX model, Unimplemented for a well-formed model that uses an
// opset, domain, data type or attribute kind outside what Convoy supports.
// Every message starts with `source`.
#ifndef CONVOY_ENGINE_ONNX_ONNX_LOADER_H_
#define CONVOY_ENGINE_ONNX_ONNX_LOADER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/ir/graph.h"

namespace convoy::engine {

// Opsets of the default domain that the engine implements. Of the changes
// from opset 18 to 28 to the operators it runs, these change what they
// compute: the reductions' axes become an input (18), Pad takes an axes
// input (18) and a "wrap" mode (19, refused), AveragePool takes dilations
// (19), Gelu (20) and Swish (24) are operators of their own. The others
// add element types (float8, int4, bfloat16), which a model's tensors are
// checked for anyway, or operators the engine does not run.
inline constexpr int64_t kMinOpset = 1;
inline constexpr int64_t kMaxOpset = 28;

absl::StatusOr<ir::Graph> ParseOnnxModel(absl::string_view bytes, const std::string& source);

// As ParseOnnxModel, reading the file at `path` (named in errors): NotFound
// if it cannot be opened, InvalidArgument if it is not a regular file, is over
// 2 GiB or does not parse. The file is parsed as it is read, so loading holds
// the weights once, not two or three times.
absl::StatusOr<ir::Graph> ReadOnnxModel(const std::string& path);

}  // namespace convoy::engine

#endif  // CONVOY_ENGINE_ONNX_ONNX_LOADER_H_
