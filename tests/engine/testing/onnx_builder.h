// OnnxBuilder: assembles small ONNX models in memory for tests.
//
// Tests describe a graph in a few lines and hand the serialized bytes to
// Model::LoadFromBytes or ParseOnnxModel, instead of keeping .onnx files:
//
//   OnnxBuilder b;                                     // opset 17, IR 8
//   b.AddInput("x", {"N", 3, 7, 9});                   // "N" is symbolic
//   b.AddInitializer("w", weights);
//   b.AddNode("Conv", {"x", "w"}, {"y"}, {IntsAttr("pads", {1, 1, 1, 1})});
//   b.AddOutput("y");
//   auto model = Model::LoadFromBytes(b.Serialize(), "conv.onnx", {});
//
// Nothing is validated here: tests of the loader's error handling build
// malformed models on purpose, and may edit proto() directly for cases the
// methods do not cover (no graph, no opset, raw_data cut short, ...).
#ifndef CONVOY_TESTS_ENGINE_TESTING_ONNX_BUILDER_H_
#define CONVOY_TESTS_ENGINE_TESTING_ONNX_BUILDER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "engine/api/tensor.h"
#include "onnx/onnx_pb.h"

namespace convoy::engine::testing {

// One dimension of a declared shape: a size, or a symbol such as "N".
struct Dim {
  Dim(int64_t size) : size(size) {}            // NOLINT: implicit by design.
  Dim(int size) : size(size) {}                // NOLINT
  Dim(const char* symbol) : symbol(symbol) {}  // NOLINT
  int64_t size = -1;
  std::string symbol;  // Used when non-empty.
};

onnx::AttributeProto IntAttr(const std::string& name, int64_t value);
onnx::AttributeProto FloatAttr(const std::string& name, float value);
onnx::AttributeProto StringAttr(const std::string& name, const std::string& value);
onnx::AttributeProto IntsAttr(const std::string& name, const std::vector<int64_t>& values);
onnx::AttributeProto FloatsAttr(const std::string& name, const std::vector<float>& values);
onnx::AttributeProto TensorAttr(const std::string& name, const Tensor& value);

// float32 and int64 tensors, values in raw_data.
onnx::TensorProto ToTensorProto(const std::string& name, const Tensor& value);

class OnnxBuilder {
 public:
  explicit OnnxBuilder(int64_t opset = 17);

  // Replaces the default-domain opset import.
  OnnxBuilder& SetOpset(int64_t opset);

  // `elem_type` is an onnx::TensorProto::DataType.
  OnnxBuilder& AddInput(const std::string& name, const std::vector<Dim>& shape,
                        int elem_type = onnx::TensorProto::FLOAT);
  // Outputs are declared without a shape; the engine infers it.
  OnnxBuilder& AddOutput(const std::string& name, int elem_type = onnx::TensorProto::FLOAT);
  OnnxBuilder& AddInitializer(const std::string& name, const Tensor& value);

  // Empty strings in `inputs` are omitted optional inputs.
  onnx::NodeProto& AddNode(const std::string& op_type, const std::vector<std::string>& inputs,
                           const std::vector<std::string>& outputs,
                           const std::vector<onnx::AttributeProto>& attributes = {},
                           const std::string& name = "");

  onnx::ModelProto& proto() { return model_; }
  std::string Serialize() const;

 private:
  onnx::ModelProto model_;
};

// A float tensor of `shape` with every element `value`.
Tensor Filled(Shape shape, float value);

// A float tensor of `shape` drawn from a normal distribution of mean 0 and
// `stddev`, the same for the same `seed`.
Tensor Normal(Shape shape, uint32_t seed, float stddev);

// The small valid model that error tests break in one place:
// x [N, 3, 5, 5] → Conv "conv1" (conv1.weight [4,3,3,3], conv1.bias, pads 1)
// → Relu "relu1" → y.
OnnxBuilder ConvReluModel();

}  // namespace convoy::engine::testing

#endif  // CONVOY_TESTS_ENGINE_TESTING_ONNX_BUILDER_H_
