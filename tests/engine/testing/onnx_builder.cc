#include "tests/engine/testing/onnx_builder.h"

#include <random>

namespace convoy::engine::testing {
namespace {

onnx::AttributeProto Named(const std::string& name, onnx::AttributeProto::AttributeType type) {
  onnx::AttributeProto a;
  a.set_name(name);
  a.set_type(type);
  return a;
}

}  // namespace

onnx::AttributeProto IntAttr(const std::string& name, int64_t value) {
  onnx::AttributeProto a = Named(name, onnx::AttributeProto::INT);
  a.set_i(value);
  return a;
}

onnx::AttributeProto FloatAttr(const std::string& name, float value) {
  onnx::AttributeProto a = Named(name, onnx::AttributeProto::FLOAT);
  a.set_f(value);
  return a;
}

onnx::AttributeProto StringAttr(const std::string& name, const std::string& value) {
  onnx::AttributeProto a = Named(name, onnx::AttributeProto::STRING);
  a.set_s(value);
  return a;
}

onnx::AttributeProto IntsAttr(const std::string& name, const std::vector<int64_t>& values) {
  onnx::AttributeProto a = Named(name, onnx::AttributeProto::INTS);
  for (int64_t v : values) a.add_ints(v);
  return a;
}

onnx::AttributeProto FloatsAttr(const std::string& name, const std::vector<float>& values) {
  onnx::AttributeProto a = Named(name, onnx::AttributeProto::FLOATS);
  for (float v : values) a.add_floats(v);
  return a;
}

onnx::AttributeProto TensorAttr(const std::string& name, const Tensor& value) {
  onnx::AttributeProto a = Named(name, onnx::AttributeProto::TENSOR);
  *a.mutable_t() = ToTensorProto("", value);
  return a;
}

onnx::TensorProto ToTensorProto(const std::string& name, const Tensor& value) {
  onnx::TensorProto t;
  t.set_name(name);
  switch (value.type()) {
    case DataType::kFloat32:
      t.set_data_type(onnx::TensorProto::FLOAT);
      break;
    case DataType::kInt64:
      t.set_data_type(onnx::TensorProto::INT64);
      break;
    case DataType::kUint8:
      t.set_data_type(onnx::TensorProto::UINT8);
      break;
  }
  for (int64_t d : value.shape()) t.add_dims(d);
  t.set_raw_data(static_cast<const char*>(value.raw_data()), value.byte_size());
  return t;
}

OnnxBuilder::OnnxBuilder(int64_t opset) {
  model_.set_ir_version(8);
  model_.set_producer_name("convoy-tests");
  model_.mutable_graph()->set_name("test");
  SetOpset(opset);
}

OnnxBuilder& OnnxBuilder::SetOpset(int64_t opset) {
  for (onnx::OperatorSetIdProto& id : *model_.mutable_opset_import()) {
    if (id.domain().empty()) {
      id.set_version(opset);
      return *this;
    }
  }
  model_.add_opset_import()->set_version(opset);
  return *this;
}

OnnxBuilder& OnnxBuilder::AddInput(const std::string& name, const std::vector<Dim>& shape,
                                   int elem_type) {
  onnx::ValueInfoProto* v = model_.mutable_graph()->add_input();
  v->set_name(name);
  onnx::TypeProto::Tensor* t = v->mutable_type()->mutable_tensor_type();
  t->set_elem_type(elem_type);
  onnx::TensorShapeProto* s = t->mutable_shape();  // Present even for a scalar.
  for (const Dim& d : shape) {
    if (d.symbol.empty()) {
      s->add_dim()->set_dim_value(d.size);
    } else {
      s->add_dim()->set_dim_param(d.symbol);
    }
  }
  return *this;
}

OnnxBuilder& OnnxBuilder::AddOutput(const std::string& name, int elem_type) {
  onnx::ValueInfoProto* v = model_.mutable_graph()->add_output();
  v->set_name(name);
  v->mutable_type()->mutable_tensor_type()->set_elem_type(elem_type);
  return *this;
}

OnnxBuilder& OnnxBuilder::AddInitializer(const std::string& name, const Tensor& value) {
  *model_.mutable_graph()->add_initializer() = ToTensorProto(name, value);
  return *this;
}

onnx::NodeProto& OnnxBuilder::AddNode(const std::string& op_type,
                                      const std::vector<std::string>& inputs,
                                      const std::vector<std::string>& outputs,
                                      const std::vector<onnx::AttributeProto>& attributes,
                                      const std::string& name) {
  onnx::NodeProto* n = model_.mutable_graph()->add_node();
  n->set_op_type(op_type);
  n->set_name(name);
  for (const std::string& in : inputs) n->add_input(in);
  for (const std::string& out : outputs) n->add_output(out);
  for (const onnx::AttributeProto& a : attributes) *n->add_attribute() = a;
  return *n;
}

std::string OnnxBuilder::Serialize() const { return model_.SerializeAsString(); }

Tensor Filled(Shape shape, float value) {
  Tensor t(DataType::kFloat32, std::move(shape));
  for (int64_t i = 0; i < t.num_elements(); ++i) t.data<float>()[i] = value;
  return t;
}

Tensor Normal(Shape shape, uint32_t seed, float stddev) {
  std::mt19937 random(seed);
  std::normal_distribution<float> normal(0.0f, stddev);
  Tensor t(DataType::kFloat32, std::move(shape));
  for (int64_t i = 0; i < t.num_elements(); ++i) t.data<float>()[i] = normal(random);
  return t;
}

OnnxBuilder ConvReluModel() {
  OnnxBuilder b;
  b.AddInput("x", {"N", 3, 5, 5});
  b.AddInitializer("conv1.weight", Filled({4, 3, 3, 3}, 0.5f));
  b.AddInitializer("conv1.bias", Filled({4}, 0.25f));
  b.AddNode("Conv", {"x", "conv1.weight", "conv1.bias"}, {"c"}, {IntsAttr("pads", {1, 1, 1, 1})},
            "conv1");
  b.AddNode("Relu", {"c"}, {"y"}, {}, "relu1");
  b.AddOutput("y");
  return b;
}

}  // namespace convoy::engine::testing
