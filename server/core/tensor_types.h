// The three names of an element type: the engine's DataType, the config's
// inference::DataType (TYPE_FP32) and the wire protocol's datatype string
// ("FP32"), and the conversions between them.
#ifndef CONVOY_SERVER_CORE_TENSOR_TYPES_H_
#define CONVOY_SERVER_CORE_TENSOR_TYPES_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "engine/api/model.h"
#include "engine/api/tensor.h"
#include "model_config.pb.h"

namespace convoy::server {

// nullopt for config types the engine has no tensors of (BYTES, FP16, ...).
std::optional<engine::DataType> EngineType(inference::DataType type);
inference::DataType ConfigType(engine::DataType type);

// "FP32", "UINT8", "BYTES", ... as KServe v2 names them.
std::string WireType(inference::DataType type);
// TYPE_INVALID for a name KServe v2 does not define.
inference::DataType FromWireType(absl::string_view name);

// The graph tensor named `name`, or null.
const engine::TensorInfo* FindTensor(const std::vector<engine::TensorInfo>& tensors, const std::string& name);
// "a, b, c": the tensors' names, for messages.
std::string TensorNames(const std::vector<engine::TensorInfo>& tensors);

}  // namespace convoy::server

#endif  // CONVOY_SERVER_CORE_TENSOR_TYPES_H_
