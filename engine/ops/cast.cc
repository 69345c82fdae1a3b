// Cast between the element types the engine holds: FLOAT, INT64 and UINT8.
// Constants (shape arithmetic: torch casts its integer divisions) fold;
// a run-time value can only keep its type, since the engine computes in
// float32, so Cast to the same type forwards the input and any other
// run-time cast, or a target type the engine lacks, is refused by name.
#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "engine/exec/op_registry.h"
#include "engine/ops/op_util.h"
#include "engine/onnx/tensor_proto.h"
#include "onnx/onnx_pb.h"

namespace convoy::engine {
namespace {

absl::StatusOr<DataType> TargetType(const OpContext& ctx) {
  CONVOY_ASSIGN_OR_RETURN(int64_t to, ctx.attrs().RequiredInt("to"));
  switch (to) {
    case onnx::TensorProto::FLOAT:
      return DataType::kFloat32;
    case onnx::TensorProto::INT64:
      return DataType::kInt64;
    case onnx::TensorProto::UINT8:
      return DataType::kUint8;
    default:
      break;
  }
  return ctx.Unsupported(absl::StrCat("cast to ", DataTypeNameOf(static_cast<int>(to)),
                                      ": the engine holds only FLOAT, INT64 and UINT8"));
}

double ValueAt(const Tensor& t, int64_t i) {
  switch (t.type()) {
    case DataType::kInt64:
      return static_cast<double>(t.data<int64_t>()[i]);
    case DataType::kUint8:
      return t.data<uint8_t>()[i];
    case DataType::kFloat32:
      break;
  }
  return t.data<float>()[i];
}

// ONNX leaves out-of-range conversions to the implementation; these
// saturate (and send NaN to 0) rather than invoke undefined behaviour.
Tensor Converted(const Tensor& from, DataType to) {
  Tensor result(to, from.shape());
  for (int64_t i = 0; i < from.num_elements(); ++i) {
    const double v = ValueAt(from, i);
    switch (to) {
      case DataType::kFloat32:
        result.data<float>()[i] = static_cast<float>(v);
        break;
      case DataType::kInt64:
        result.data<int64_t>()[i] =
            std::isnan(v) ? 0 : static_cast<int64_t>(std::clamp(std::trunc(v), -9.2e18, 9.2e18));
        break;
      case DataType::kUint8:
        result.data<uint8_t>()[i] =
            std::isnan(v) ? 0 : static_cast<uint8_t>(std::clamp(std::trunc(v), 0.0, 255.0));
        break;
    }
  }
  return result;
}

absl::Status Infer(OpContext& ctx) {
  if (ctx.num_inputs() != 1 || !ctx.has_input(0)) return ctx.Invalid("takes 1 input");
  CONVOY_ASSIGN_OR_RETURN(DataType to, TargetType(ctx));
  if (const Tensor* constant = ctx.constant_input(0)) {
    ctx.SetOutputConstant(0, Converted(*constant, to));
    return absl::OkStatus();
  }
  if (to != ctx.input_type(0)) {
    return ctx.Unsupported(absl::StrCat("cast of a run-time ", DataTypeName(ctx.input_type(0)),
                                        " value to ", DataTypeName(to),
                                        " (run-time values stay in their type)"));
  }
  ctx.SetOutput(0, ctx.input_shape(0), to);
  return absl::OkStatus();
}

absl::Status Build(OpContext& ctx) {
  ctx.BindOutput(0, ctx.Input(0));
  return absl::OkStatus();
}

}  // namespace

void RegisterCastOps(OpRegistry& registry) { registry.Add("Cast", {Infer, Build}); }

}  // namespace convoy::engine
