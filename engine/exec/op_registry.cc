#include "engine/exec/op_registry.h"

#include <algorithm>

namespace convoy::engine {

const OpRegistry& OpRegistry::Global() {
  static const OpRegistry* registry = [] {
    auto* r = new OpRegistry;
    RegisterActivationOps(*r);
    RegisterBinaryOps(*r);
    RegisterCastOps(*r);
    RegisterConvOps(*r);
    RegisterMatMulOps(*r);
    RegisterNormalizationOps(*r);
    RegisterPoolOps(*r);
    RegisterReduceOps(*r);
    RegisterShapeOps(*r);
    RegisterSliceOps(*r);
    RegisterSoftmaxOps(*r);
    RegisterTensorOps(*r);
    return r;
  }();
  return *registry;
}

const OpKernel* OpRegistry::Find(absl::string_view op_type) const {
  auto it = kernels_.find(op_type);
  return it == kernels_.end() ? nullptr : &it->second;
}

std::vector<std::string> OpRegistry::OpTypes() const {
  std::vector<std::string> types;
  for (const auto& [type, kernel] : kernels_) types.push_back(type);
  std::sort(types.begin(), types.end());
  return types;
}

}  // namespace convoy::engine
