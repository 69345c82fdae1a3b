// ReferenceNet: a small network built into an ONNX graph and, step by step,
// into its naive reference, so that the engine can be checked at any value.
//
// Each method adds one node (with seeded random weights where it has any)
// and returns the name of its output; Reference() replays the same steps
// with the functions of reference_ops.h:
//
//   ReferenceNet net(/*seed=*/7, {1, 3, 11, 13});     // input "x", batch "N"
//   std::string y = net.Relu(net.Conv("x", 16, {3, 3}, Padded(1)));
//   net.Output(y);
//   auto model = Model::LoadFromBytes(net.Serialize(), "net.onnx", {});
//   ... (*model)->Run({{"x", x}}) against net.Reference(x)
//
// Spatial operators assume NCHW input with two spatial dimensions.
#ifndef CONVOY_TESTS_ENGINE_OPS_REFERENCE_NET_H_
#define CONVOY_TESTS_ENGINE_OPS_REFERENCE_NET_H_

#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "engine/api/tensor.h"
#include "tests/engine/ops/op_test_util.h"
#include "tests/engine/testing/onnx_builder.h"
#include "tests/engine/testing/reference_ops.h"

namespace convoy::engine::testing {

// Square windows: pads, strides and group for a 2-D Conv.
reference::ConvParams Padded(int64_t pad, int64_t stride = 1, int64_t group = 1);
reference::PoolParams PoolWindow(int64_t kernel, int64_t stride, int64_t pad,
                                 bool ceil_mode = false, bool count_include_pad = false);

class ReferenceNet {
 public:
  // The graph input "x" has `input` as its shape, the batch dimension symbolic.
  ReferenceNet(uint32_t seed, Shape input);

  // Conv with random weights [out_channels, C / group, kernel...] and bias.
  std::string Conv(const std::string& in, int64_t out_channels, const Ints& kernel,
                   const reference::ConvParams& params = {});
  std::string MaxPool(const std::string& in, const reference::PoolParams& p);
  std::string AveragePool(const std::string& in, const reference::PoolParams& p);
  std::string GlobalAveragePool(const std::string& in);
  std::string Relu(const std::string& in);
  std::string Add(const std::string& a, const std::string& b);
  // Mul by a random per-channel constant of shape [C, 1, 1].
  std::string ScaleChannels(const std::string& in);
  std::string BatchNorm(const std::string& in);
  std::string Lrn(const std::string& in, const reference::LrnParams& p);
  std::string Pad(const std::string& in, const Ints& pads, float value);
  std::string Concat(const std::vector<std::string>& ins);  // Along channels.
  std::string Flatten(const std::string& in);
  std::string Transpose(const std::string& in, const Ints& perm);
  // Reshape to [batch, -1] as PyTorch exports flatten: the target shape is
  // computed in the graph from Shape(in), for the engine to fold.
  std::string ReshapeToBatchRows(const std::string& in);
  // Gemm Y = X · Wᵀ + b with random W [units, features], as a classifier.
  std::string Dense(const std::string& in, int64_t features, int64_t units);
  std::string Softmax(const std::string& in);  // Along axis 1.

  void Output(const std::string& name);

  std::string Serialize() const { return builder_.Serialize(); }
  const std::vector<std::string>& outputs() const { return outputs_; }

  // The reference value of each name in `names` (default: the outputs) for
  // graph input `x`.
  std::vector<Tensor> Reference(const Tensor& x, std::vector<std::string> names = {}) const;

 private:
  using Values = std::map<std::string, Tensor>;
  using StepFn = std::function<Tensor(const Values&)>;

  std::string Fresh(const std::string& prefix) { return prefix + std::to_string(++counter_); }
  // Adds node `op` on `ins` and its reference step; the output keeps the
  // channel count of ins[0].
  std::string Node(const std::string& op, const std::vector<std::string>& ins,
                   const Attributes& attrs, StepFn step);
  std::string Pool(const std::string& op, const std::string& in, const reference::PoolParams& p);

  std::mt19937 rng_;
  OnnxBuilder builder_;
  int counter_ = 0;
  std::map<std::string, int64_t> channels_;  // Of each 4-D value, for weight shapes.
  std::vector<std::pair<std::string, StepFn>> steps_;
  std::vector<std::string> outputs_;
};

// Conv → MaxPool → Conv → Add (residual) → Relu → GlobalAveragePool →
// Flatten → Gemm → Softmax on [N, 3, 11, 13], 19 channels so that blocked
// layouts have a ragged tail.
struct ResidualClassifier {
  ResidualClassifier();
  ReferenceNet net;
  std::string pooled, sum, gap, probabilities;  // Values worth checking.
};

}  // namespace convoy::engine::testing

#endif  // CONVOY_TESTS_ENGINE_OPS_REFERENCE_NET_H_
