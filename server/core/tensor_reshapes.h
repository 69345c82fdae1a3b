// TensorReshapes: the `reshape` of a config's inputs and outputs, applied
// around each engine run as Triton applies it. A client sends and receives
// tensors of the config's dims; the model takes and gives tensors of the
// reshape's shape (a Triton config declares an image input [3, 224, 224]
// that the graph takes as [1, 3, 224, 224], or a per-item scalar as dims [1]
// reshaped to []). The batch dimension, when the model batches, is kept in
// front. A -1 of one side becomes the -1 in the same place of the order on
// the other side, which the validation guarantees is consistent (runs of
// fixed dimensions between the -1s hold the same elements).
//
// Thread-safety: immutable after construction; methods may be called
// concurrently.
#ifndef CONVOY_SERVER_CORE_TENSOR_RESHAPES_H_
#define CONVOY_SERVER_CORE_TENSOR_RESHAPES_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "engine/api/model.h"
#include "model_config.pb.h"

namespace convoy::server {

class TensorReshapes {
 public:
  // REQUIRES: `config` validated (repository::ParseModelConfig).
  explicit TensorReshapes(const inference::ModelConfig& config);

  bool empty() const { return inputs_.empty() && outputs_.empty(); }

  // Gives each input that has a reshape the shape the model takes. The
  // tensors are copied (engine::Tensor has no moving reshape): a cost only
  // configs with a reshape pay.
  absl::Status ToModel(std::vector<engine::NamedTensor>* inputs) const;
  // Gives each output that has a reshape the config's dims; `outputs[i]` is
  // the value named `names[i]`.
  absl::Status ToConfig(const std::vector<std::string>& names, std::vector<engine::Tensor>* outputs) const;

  // The shape that `shape`, laid out as `from` (plus a leading batch
  // dimension when `batched`), has laid out as `to`. InvalidArgument if it
  // does not fit `from` or holds another number of elements than `to` gives.
  static absl::StatusOr<engine::Shape> Map(const engine::Shape& shape, const std::vector<int64_t>& from,
                                           const std::vector<int64_t>& to, bool batched);

 private:
  struct Reshape {
    std::vector<int64_t> from;
    std::vector<int64_t> to;
  };

  const bool batched_;
  std::map<std::string, Reshape> inputs_;   // dims -> reshape.shape
  std::map<std::string, Reshape> outputs_;  // reshape.shape -> dims
};

}  // namespace convoy::server

#endif  // CONVOY_SERVER_CORE_TENSOR_RESHAPES_H_
