#include "server/core/tensor_types.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace convoy::server {
namespace {

struct TypeNames {
  inference::DataType config;
  const char* wire;
};

constexpr TypeNames kTypes[] = {
    {inference::TYPE_BOOL, "BOOL"},     {inference::TYPE_UINT8, "UINT8"},
    {inference::TYPE_UINT16, "UINT16"}, {inference::TYPE_UINT32, "UINT32"},
    {inference::TYPE_UINT64, "UINT64"}, {inference::TYPE_INT8, "INT8"},
    {inference::TYPE_INT16, "INT16"},   {inference::TYPE_INT32, "INT32"},
    {inference::TYPE_INT64, "INT64"},   {inference::TYPE_FP16, "FP16"},
    {inference::TYPE_FP32, "FP32"},     {inference::TYPE_FP64, "FP64"},
    {inference::TYPE_STRING, "BYTES"},  {inference::TYPE_BF16, "BF16"},
};

}  // namespace

std::optional<engine::DataType> EngineType(inference::DataType type) {
  switch (type) {
    case inference::TYPE_FP32: return engine::DataType::kFloat32;
    case inference::TYPE_UINT8: return engine::DataType::kUint8;
    case inference::TYPE_INT64: return engine::DataType::kInt64;
    default: return std::nullopt;
  }
}

inference::DataType ConfigType(engine::DataType type) {
  switch (type) {
    case engine::DataType::kFloat32: return inference::TYPE_FP32;
    case engine::DataType::kUint8: return inference::TYPE_UINT8;
    case engine::DataType::kInt64: return inference::TYPE_INT64;
  }
  return inference::TYPE_INVALID;
}

std::string WireType(inference::DataType type) {
  for (const TypeNames& names : kTypes) {
    if (names.config == type) return names.wire;
  }
  return "INVALID";
}

inference::DataType FromWireType(absl::string_view name) {
  for (const TypeNames& names : kTypes) {
    if (name == names.wire) return names.config;
  }
  return inference::TYPE_INVALID;
}

const engine::TensorInfo* FindTensor(const std::vector<engine::TensorInfo>& tensors, const std::string& name) {
  for (const engine::TensorInfo& info : tensors) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

std::string TensorNames(const std::vector<engine::TensorInfo>& tensors) {
  return absl::StrJoin(tensors, ", ",
                       [](std::string* out, const engine::TensorInfo& t) { absl::StrAppend(out, t.name); });
}

}  // namespace convoy::server
