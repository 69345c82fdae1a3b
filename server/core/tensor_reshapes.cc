#include "server/core/tensor_reshapes.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace convoy::server {
namespace {

std::string Text(const std::vector<int64_t>& shape) { return absl::StrCat("[", absl::StrJoin(shape, ","), "]"); }

}  // namespace

TensorReshapes::TensorReshapes(const inference::ModelConfig& config) : batched_(config.max_batch_size() > 0) {
  for (const inference::ModelInput& input : config.input()) {
    if (!input.has_reshape()) continue;
    inputs_[input.name()] = {{input.dims().begin(), input.dims().end()},
                             {input.reshape().shape().begin(), input.reshape().shape().end()}};
  }
  for (const inference::ModelOutput& output : config.output()) {
    if (!output.has_reshape()) continue;
    outputs_[output.name()] = {{output.reshape().shape().begin(), output.reshape().shape().end()},
                               {output.dims().begin(), output.dims().end()}};
  }
}

absl::StatusOr<engine::Shape> TensorReshapes::Map(const engine::Shape& shape, const std::vector<int64_t>& from,
                                                  const std::vector<int64_t>& to, bool batched) {
  const size_t offset = batched ? 1 : 0;
  auto misfit = [&] {
    return absl::InvalidArgumentError(absl::StrCat("shape ", engine::ShapeToString(shape), " does not fit ",
                                                   batched ? "[-1]+" : "", Text(from)));
  };
  if (shape.size() != from.size() + offset) return misfit();
  std::vector<int64_t> variable;  // The values of from's -1s, in order.
  for (size_t i = 0; i < from.size(); ++i) {
    if (from[i] == -1) {
      variable.push_back(shape[i + offset]);
    } else if (from[i] != shape[i + offset]) {
      return misfit();
    }
  }
  engine::Shape mapped(shape.begin(), shape.begin() + offset);
  size_t next = 0;
  for (int64_t dim : to) {
    if (dim != -1) {
      mapped.push_back(dim);
    } else if (next < variable.size()) {
      mapped.push_back(variable[next++]);
    } else {
      return absl::InvalidArgumentError(absl::StrCat(Text(to), " has more -1 than ", Text(from)));
    }
  }
  if (engine::NumElements(mapped) != engine::NumElements(shape)) {
    return absl::InvalidArgumentError(absl::StrCat("shape ", engine::ShapeToString(shape), " holds ",
                                                   engine::NumElements(shape), " elements, ",
                                                   engine::ShapeToString(mapped), " ",
                                                   engine::NumElements(mapped)));
  }
  return mapped;
}

absl::Status TensorReshapes::ToModel(std::vector<engine::NamedTensor>* inputs) const {
  for (engine::NamedTensor& input : *inputs) {
    auto it = inputs_.find(input.name);
    if (it == inputs_.end()) continue;
    absl::StatusOr<engine::Shape> shape = Map(input.tensor.shape(), it->second.from, it->second.to, batched_);
    if (!shape.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("input '", input.name, "' cannot take its reshape ",
                                                     Text(it->second.to), ": ", shape.status().message()));
    }
    input.tensor = input.tensor.Reshaped(*std::move(shape));
  }
  return absl::OkStatus();
}

absl::Status TensorReshapes::ToConfig(const std::vector<std::string>& names,
                                      std::vector<engine::Tensor>* outputs) const {
  for (size_t i = 0; i < names.size() && i < outputs->size(); ++i) {
    auto it = outputs_.find(names[i]);
    if (it == outputs_.end()) continue;
    engine::Tensor& output = (*outputs)[i];
    absl::StatusOr<engine::Shape> shape = Map(output.shape(), it->second.from, it->second.to, batched_);
    if (!shape.ok()) {
      // The model computed something else than its config says: a server
      // error, not the client's.
      return absl::InternalError(absl::StrCat("output '", names[i], "' does not fit its reshape ",
                                              Text(it->second.from), ": ", shape.status().message()));
    }
    output = output.Reshaped(*std::move(shape));
  }
  return absl::OkStatus();
}

}  // namespace convoy::server
