#include "server/core/config_completion.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "common/status_macros.h"
#include "server/core/tensor_types.h"

namespace convoy::server {
namespace {

// Triton's test: a model batches when the first dimension of every input
// and output is dynamic. The first tensor that fails it, or null.
const engine::TensorInfo* FirstUnbatchable(const std::vector<engine::TensorInfo>& inputs,
                                           const std::vector<engine::TensorInfo>& outputs) {
  for (const auto* list : {&inputs, &outputs}) {
    for (const engine::TensorInfo& info : *list) {
      if (info.shape.empty() || info.shape[0] != -1) return &info;
    }
  }
  return nullptr;
}

// Fills what `tensor` (a ModelInput or ModelOutput) lacks of data_type and
// dims from the graph's `info`; `kind` is "input" or "output".
template <typename Tensor>
absl::Status FillFromGraph(absl::string_view kind, const engine::TensorInfo& info, bool batched, Tensor* tensor,
                           std::vector<std::string>* filled) {
  if (tensor->data_type() == inference::TYPE_INVALID) {
    tensor->set_data_type(ConfigType(info.type));
    filled->push_back(absl::StrCat(kind, " '", info.name, "' data_type"));
  }
  if (!tensor->dims().empty()) return absl::OkStatus();
  if (info.shape.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(kind, " '", info.name,
                                                   "': the model file does not declare its shape, so auto-complete "
                                                   "cannot fill its dims; give them in config.pbtxt"));
  }
  for (size_t i = batched ? 1 : 0; i < info.shape.size(); ++i) tensor->add_dims(info.shape[i]);
  if (tensor->dims().empty()) {
    // Only the batch dimension: one element per batch item, which Triton
    // declares as dims [1] reshaped to a scalar.
    tensor->add_dims(1);
    if (!tensor->has_reshape()) tensor->mutable_reshape();
  }
  filled->push_back(absl::StrCat(kind, " '", info.name, "' dims"));
  return absl::OkStatus();
}

// Completes the tensors `config` lists, then adds the graph's others when
// `add_missing`.
template <typename Tensor>
absl::Status CompleteList(absl::string_view kind, const std::vector<engine::TensorInfo>& graph, bool batched,
                          bool add_missing, google::protobuf::RepeatedPtrField<Tensor>* listed,
                          std::vector<std::string>* filled) {
  for (Tensor& tensor : *listed) {
    const bool incomplete = tensor.data_type() == inference::TYPE_INVALID || tensor.dims().empty();
    // An unnamed tensor is left for the validation to refuse.
    if (!incomplete || tensor.name().empty()) continue;
    const engine::TensorInfo* info = FindTensor(graph, tensor.name());
    if (info == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          kind, " '", tensor.name(), "' is not a graph ", kind, " of the model (", kind, "s: ", TensorNames(graph),
          "), so auto-complete cannot fill its data_type and dims; give both in config.pbtxt"));
    }
    CONVOY_RETURN_IF_ERROR(FillFromGraph(kind, *info, batched, &tensor, filled));
  }
  if (!add_missing) return absl::OkStatus();
  for (const engine::TensorInfo& info : graph) {
    const bool present = std::any_of(listed->begin(), listed->end(),
                                     [&](const Tensor& tensor) { return tensor.name() == info.name; });
    if (present) continue;
    Tensor* tensor = listed->Add();
    tensor->set_name(info.name);
    std::vector<std::string> ignored;  // One entry for the whole tensor instead.
    CONVOY_RETURN_IF_ERROR(FillFromGraph(kind, info, batched, tensor, &ignored));
    filled->push_back(absl::StrCat(kind, " '", info.name, "'"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<std::string>> CompleteConfigFromModel(
    const std::vector<engine::TensorInfo>& graph_inputs, const std::vector<engine::TensorInfo>& graph_outputs,
    int64_t default_max_batch_size, inference::ModelConfig* config) {
  std::vector<std::string> filled;
  const bool outputs_missing = config->output().empty();
  if (config->input().empty() || outputs_missing) {
    const engine::TensorInfo* unbatchable = FirstUnbatchable(graph_inputs, graph_outputs);
    if (unbatchable == nullptr) {
      if (config->max_batch_size() == 0 && default_max_batch_size > 0) {
        config->set_max_batch_size(static_cast<int32_t>(default_max_batch_size));
        filled.push_back(absl::StrCat("max_batch_size ", default_max_batch_size));
      }
      if (config->max_batch_size() > 1 && !config->has_dynamic_batching()) {
        config->mutable_dynamic_batching();
        filled.push_back("dynamic_batching");
      }
    } else if (config->max_batch_size() != 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "max_batch_size: ", config->max_batch_size(), " is set but the model cannot batch: '",
          unbatchable->name, "' has shape ", engine::ShapeToString(unbatchable->shape),
          " (batching needs the first dimension of every input and output dynamic); set max_batch_size: 0"));
    }
  }
  const bool batched = config->max_batch_size() > 0;
  CONVOY_RETURN_IF_ERROR(CompleteList("input", graph_inputs, batched, /*add_missing=*/true,
                                      config->mutable_input(), &filled));
  CONVOY_RETURN_IF_ERROR(CompleteList("output", graph_outputs, batched, /*add_missing=*/outputs_missing,
                                      config->mutable_output(), &filled));
  return filled;
}

}  // namespace convoy::server
