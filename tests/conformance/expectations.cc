#include "tests/conformance/expectations.h"

#include <algorithm>
#include <iterator>

namespace convoy {
namespace conformance {
namespace {

// Pow is not in the operator set: only a constant scalar exponent (what
// layer-norm decompositions export) is supported, and every backend case
// of Pow has a tensor or run-time exponent. Nor is LayerNormalization:
// every one of its backend cases asks for the Mean and InvStdDev outputs,
// which only training uses and the engine refuses; tests/engine/ops covers
// its Y output.
//
// Keep sorted by case id. Every entry must name a required case that the
// engine skips; the conformance test fails on an entry that passes, is not
// required, or names no case, so the list only ever shrinks.
constexpr ExpectedSkip kExpectedSkips[] = {
    {"node/test_batchnorm_epsilon_training_mode",
     "training_mode=1 (batch statistics, running-stat outputs); inference uses the stored stats"},
    {"node/test_batchnorm_example_training_mode",
     "training_mode=1 (batch statistics, running-stat outputs); inference uses the stored stats"},
    {"node/test_maxpool_with_argmax_2d_precomputed_pads",
     "MaxPool's Indices output, which only unpooling consumes"},
    {"node/test_maxpool_with_argmax_2d_precomputed_strides",
     "MaxPool's Indices output (with storage_order=1), which only unpooling consumes"},
    {"node/test_split_zero_size_splits",
     "an empty float32 input (shape [0]): every operator refuses empty run-time tensors"},
    {"pytorch-converted/test_ReflectionPad2d",
     "Pad mode 'reflect': oneDNN has no reflect padding and CNN backbones pad with zeros"},
    {"pytorch-converted/test_ReplicationPad2d",
     "Pad mode 'edge': oneDNN has no edge padding and CNN backbones pad with zeros"},
};

}  // namespace

const std::set<std::string>& ConvoyOperators() {
  static const auto* const kOperators = new std::set<std::string>{
      "Add", "AveragePool", "BatchNormalization", "Cast", "Clip", "Concat", "Constant", "Conv",
      "Div", "Dropout", "Erf", "Flatten", "Gather", "Gemm", "GlobalAveragePool", "GlobalMaxPool",
      "HardSigmoid", "HardSwish", "Identity", "LRN", "LeakyRelu", "LogSoftmax", "MatMul", "MaxPool",
      "Mul", "Pad", "ReduceL1", "ReduceL2", "ReduceMax", "ReduceMean", "ReduceMin", "ReduceProd",
      "ReduceSum", "ReduceSumSquare", "Relu", "Reshape", "Shape", "Sigmoid", "Slice", "Softmax",
      "Split", "Sqrt", "Squeeze", "Sub", "Sum", "Tanh", "Transpose", "Unsqueeze",
  };
  return *kOperators;
}

bool IsRequired(const ModelFeatures& features) {
  const std::set<std::string>& ops = ConvoyOperators();
  for (const std::string& op : features.op_types) {
    if (ops.count(op) == 0) return false;
  }
  for (const std::string& type : features.elem_types) {
    if (type != "FLOAT" && type != "INT64") return false;
  }
  return true;
}

absl::Span<const ExpectedSkip> ExpectedSkips() { return kExpectedSkips; }

const ExpectedSkip* FindExpectedSkip(absl::string_view case_id) {
  const ExpectedSkip* it =
      std::find_if(std::begin(kExpectedSkips), std::end(kExpectedSkips),
                   [&](const ExpectedSkip& skip) { return skip.case_id == case_id; });
  return it == std::end(kExpectedSkips) ? nullptr : it;
}

}  // namespace conformance
}  // namespace convoy
