#include "server/kserve/infer_response_encoder.h"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "server/core/tensor_types.h"
#include "server/kserve/bytes_elements.h"

namespace convoy::server {

std::vector<std::string> Classify(absl::Span<const float> scores, int64_t k,
                                  const std::vector<std::string>& labels) {
  std::vector<int64_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  const size_t top = static_cast<size_t>(std::min<int64_t>(k, scores.size()));
  std::partial_sort(order.begin(), order.begin() + top, order.end(), [&](int64_t a, int64_t b) {
    return scores[a] > scores[b] || (scores[a] == scores[b] && a < b);
  });
  std::vector<std::string> classes;
  for (size_t i = 0; i < top; ++i) {
    const int64_t index = order[i];
    std::string entry = absl::StrFormat("%f:%d", scores[index], index);
    if (index < static_cast<int64_t>(labels.size())) absl::StrAppend(&entry, ":", labels[index]);
    classes.push_back(std::move(entry));
  }
  return classes;
}

absl::Status EncodeInferResponse(const InferenceResult& result,
                                 const std::vector<OutputRequest>& outputs,
                                 const ServableModel& model,
                                 inference::ModelInferResponse* response) {
  response->set_model_name(model.name());
  response->set_model_version(absl::StrCat(model.version()));
  for (const OutputRequest& requested : outputs) {
    const engine::Tensor* computed = result.Output(requested.name);
    if (computed == nullptr) {
      return absl::InternalError(absl::StrCat("output '", requested.name, "' was not computed"));
    }
    const engine::Tensor& batch = *computed;
    if (batch.type() != engine::DataType::kFloat32) {
      return absl::InternalError(absl::StrCat("output '", requested.name, "' is ",
                                              engine::DataTypeName(batch.type()), ", not float32"));
    }
    // Rows of this request: the batch dimension is the first one when the
    // model batches; otherwise the request is the whole tensor.
    engine::Shape shape = batch.shape();
    const int64_t rows = result.batched ? result.count : 1;
    const int64_t row_elements = result.batched && !shape.empty()
                                     ? engine::NumElements(engine::Shape(shape.begin() + 1, shape.end()))
                                     : batch.num_elements();
    const float* first = batch.data<float>() + (result.batched ? result.offset * row_elements : 0);
    if (result.batched && !shape.empty()) shape[0] = rows;

    auto* output = response->add_outputs();
    output->set_name(requested.name);
    std::string* raw = response->add_raw_output_contents();
    if (requested.classification > 0) {
      const std::vector<std::string>& labels = model.labels(requested.name);
      const int64_t k = std::min<int64_t>(requested.classification, row_elements);
      output->set_datatype("BYTES");
      if (result.batched) output->add_shape(rows);
      output->add_shape(k);
      for (int64_t row = 0; row < rows; ++row) {
        for (const std::string& entry :
             Classify({first + row * row_elements, static_cast<size_t>(row_elements)}, k, labels)) {
          AppendBytesElement(entry, raw);
        }
      }
      continue;
    }
    output->set_datatype(WireType(inference::TYPE_FP32));
    for (int64_t dim : shape) output->add_shape(dim);
    raw->assign(reinterpret_cast<const char*>(first),
                static_cast<size_t>(rows * row_elements) * sizeof(float));
  }
  return absl::OkStatus();
}

}  // namespace convoy::server
