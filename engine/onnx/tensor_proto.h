// Conversion of ONNX TensorProto messages (initializers, Constant values and
// the backend test data files) into engine Tensors.
//
// Element types:
//   FLOAT                         -> kFloat32
//   INT64                         -> kInt64
//   INT32, INT16, INT8, UINT8, BOOL -> kInt64 (widened; BOOL becomes 0 or 1)
// The narrow integer types reach a CNN graph only as shapes, axes and indices,
// which the engine folds at plan time in int64, so widening them loses nothing
// and keeps the engine's integer path to a single type. Every other element
// type (DOUBLE, FLOAT16, BFLOAT16, STRING, UINT16, UINT32, UINT64, complex) is
// Unimplemented, as is data stored outside the file (data_location EXTERNAL).
//
// Data may be in raw_data (little-endian, as the ONNX spec requires) or in the
// typed repeated field (float_data, int64_data, int32_data).
//
// Errors name `context`, which says where the tensor came from, e.g.
// "initializer 'conv1.weight'":
//   InvalidArgument  malformed: negative dimension, element count overflow,
//                    data size that does not match the dimensions, no type.
//   Unimplemented    well-formed but unsupported: the cases listed above.
//
// Thread-safety: all functions are pure and may be called concurrently.
#ifndef CONVOY_ENGINE_ONNX_TENSOR_PROTO_H_
#define CONVOY_ENGINE_ONNX_TENSOR_PROTO_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/api/tensor.h"
#include "onnx/onnx_pb.h"

namespace convoy::engine {

absl::StatusOr<Tensor> TensorFromProto(const onnx::TensorProto& proto,
                                       absl::string_view context);
// As TensorFromProto, but float and int64 raw_data is moved into the tensor
// instead of copied (the proto's raw_data is left empty): a model's weights
// are then held once while it loads, not twice.
absl::StatusOr<Tensor> TakeTensorFromProto(onnx::TensorProto* proto, absl::string_view context);

// Reads a file holding one serialized TensorProto, such as the ONNX backend
// test data `test_data_set_0/input_0.pb`, and converts it as above. The
// context in errors is the path. NotFound if the file cannot be opened,
// InvalidArgument if it does not parse.
absl::StatusOr<Tensor> ReadTensorProtoFile(const std::string& path);

// The ONNX name of a TensorProto::DataType value ("FLOAT", "DOUBLE", ...), or
// "UNKNOWN(<value>)" for a value the enum does not define.
std::string DataTypeNameOf(int onnx_elem_type);

}  // namespace convoy::engine

#endif  // CONVOY_ENGINE_ONNX_TENSOR_PROTO_H_
