#include "tools/convoy_infer/tensor_bindings.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace convoy {
namespace {

bool ShapeFits(const engine::Shape& declared, const engine::Shape& actual) {
  if (declared.size() != actual.size()) return false;
  for (size_t i = 0; i < declared.size(); ++i) {
    if (declared[i] >= 0 && declared[i] != actual[i]) return false;
  }
  return true;
}

std::string ListInputs(const std::vector<engine::TensorInfo>& inputs) {
  return absl::StrJoin(inputs, ", ", [](std::string* out, const engine::TensorInfo& info) {
    absl::StrAppend(out, "'", info.name, "' ", DescribeTensorInfo(info));
  });
}

}  // namespace

std::string DescribeTensorInfo(const engine::TensorInfo& info) {
  std::string dims = absl::StrJoin(info.shape, ",", [](std::string* out, int64_t d) {
    if (d < 0) {
      out->push_back('?');
    } else {
      absl::StrAppend(out, d);
    }
  });
  return absl::StrCat(engine::DataTypeName(info.type), " [", dims, "]");
}

absl::StatusOr<std::vector<engine::NamedTensor>> BindInputs(const std::vector<engine::TensorInfo>& model_inputs,
                                                            const std::vector<TensorBinding>& bindings,
                                                            const TensorReader& read) {
  // bound[i]: the binding for model input i, or nullptr.
  std::vector<const TensorBinding*> bound(model_inputs.size(), nullptr);
  for (const TensorBinding& binding : bindings) {
    size_t index = model_inputs.size();
    if (binding.name.empty()) {
      if (model_inputs.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("--input ", binding.path, ": the model has no inputs"));
      }
      index = 0;
    } else {
      for (size_t i = 0; i < model_inputs.size(); ++i) {
        if (model_inputs[i].name == binding.name) index = i;
      }
      if (index == model_inputs.size()) {
        return absl::InvalidArgumentError(
            absl::StrCat("--input ", binding.name, "=", binding.path, ": the model has no input '",
                         binding.name, "'; its inputs are ", ListInputs(model_inputs)));
      }
    }
    if (bound[index] != nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("input '", model_inputs[index].name,
                                                     "' is bound twice: to ", bound[index]->path,
                                                     " and to ", binding.path));
    }
    bound[index] = &binding;
  }

  std::vector<engine::NamedTensor> named;
  named.reserve(model_inputs.size());
  for (size_t i = 0; i < model_inputs.size(); ++i) {
    const engine::TensorInfo& info = model_inputs[i];
    if (bound[i] == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "model input '", info.name, "' (", DescribeTensorInfo(info),
          ") is not bound; pass --input ", i == 0 ? "" : absl::StrCat(info.name, "="), "FILE.npy"));
    }
    const std::string& path = bound[i]->path;
    absl::StatusOr<engine::Tensor> tensor = read(path);
    if (!tensor.ok()) return tensor.status();
    if (tensor->type() != info.type) {
      return absl::InvalidArgumentError(absl::StrCat("input '", info.name, "' expects ",
                                                     engine::DataTypeName(info.type), ", got ",
                                                     engine::DataTypeName(tensor->type()), " from ", path));
    }
    if (!ShapeFits(info.shape, tensor->shape())) {
      return absl::InvalidArgumentError(absl::StrCat(
          "input '", info.name, "' expects ", DescribeTensorInfo(info), ", got ",
          engine::DataTypeName(tensor->type()), " ", engine::ShapeToString(tensor->shape()), " from ", path));
    }
    named.push_back({info.name, *std::move(tensor)});
  }
  return named;
}

absl::StatusOr<std::vector<std::string>> ResolveOutputNames(
    const std::vector<engine::TensorInfo>& model_outputs, const std::vector<TensorBinding>& bindings) {
  std::vector<std::string> names;
  names.reserve(bindings.size());
  for (const TensorBinding& binding : bindings) {
    if (!binding.name.empty()) {
      names.push_back(binding.name);
    } else if (model_outputs.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--output ", binding.path, ": the model declares no outputs; name one"));
    } else {
      names.push_back(model_outputs.front().name);
    }
  }
  return names;
}

}  // namespace convoy
