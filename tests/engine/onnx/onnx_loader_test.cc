#include "engine/onnx/onnx_loader.h"

#include <cstdint>
#include <random>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/engine/testing/onnx_builder.h"

namespace convoy::engine {
namespace {

using ::testing::ElementsAre;
using testing::FloatAttr;
using testing::FloatsAttr;
using ::testing::HasSubstr;
using testing::IntAttr;
using testing::IntsAttr;
using testing::ConvReluModel;
using testing::Filled;
using testing::OnnxBuilder;
using ::testing::StartsWith;
using testing::StringAttr;
using testing::TensorAttr;

constexpr char kSource[] = "models/net/1/model.onnx";



absl::StatusOr<ir::Graph> Parse(const OnnxBuilder& b) {
  return ParseOnnxModel(b.Serialize(), kSource);
}

// --- What a well-formed model becomes.

TEST(OnnxLoaderTest, TranslatesInputsInitializersNodesAndOutputs) {
  absl::StatusOr<ir::Graph> g = Parse(ConvReluModel());
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->source, kSource);
  EXPECT_EQ(g->opset, 17);
  ASSERT_EQ(g->inputs.size(), 1u);
  EXPECT_EQ(g->inputs[0].name, "x");
  EXPECT_EQ(g->inputs[0].type, DataType::kFloat32);
  EXPECT_EQ(g->inputs[0].shape, (Shape{-1, 3, 5, 5}));  // Symbolic "N" is dynamic.
  ASSERT_EQ(g->initializers.count("conv1.weight"), 1u);
  EXPECT_EQ(g->initializers.at("conv1.weight").shape(), (Shape{4, 3, 3, 3}));
  EXPECT_EQ(g->initializers.at("conv1.bias").data<float>()[3], 0.25f);
  ASSERT_EQ(g->nodes.size(), 2u);
  EXPECT_EQ(g->nodes[0].name, "conv1");
  EXPECT_EQ(g->nodes[0].op_type, "Conv");
  EXPECT_THAT(g->nodes[0].inputs, ElementsAre("x", "conv1.weight", "conv1.bias"));
  EXPECT_THAT(g->nodes[1].outputs, ElementsAre("y"));
  ASSERT_EQ(g->outputs.size(), 1u);
  EXPECT_EQ(g->outputs[0].name, "y");
}

TEST(OnnxLoaderTest, ConvertsEveryAttributeKind) {
  OnnxBuilder b;
  b.AddInput("x", {2, 3});
  b.AddNode("Custom", {"x"}, {"y"},
            {IntAttr("i", -7), FloatAttr("f", 0.5f), StringAttr("s", "SAME_UPPER"),
             IntsAttr("is", {1, 2, 3}), FloatsAttr("fs", {0.25f, -1.0f}),
             TensorAttr("t", Tensor::FromInt64s({2}, {4, 5}))},
            "n");
  b.AddOutput("y");
  absl::StatusOr<ir::Graph> g = Parse(b);
  ASSERT_TRUE(g.ok()) << g.status();
  const ir::AttributeMap& a = g->nodes[0].attributes;
  EXPECT_EQ(*a.GetInt("i", 0), -7);
  EXPECT_EQ(*a.GetFloat("f", 0), 0.5f);
  EXPECT_EQ(*a.GetString("s", ""), "SAME_UPPER");
  EXPECT_THAT(*a.GetInts("is", {}), ElementsAre(1, 2, 3));
  EXPECT_THAT(*a.GetFloats("fs", {}), ElementsAre(0.25f, -1.0f));
  absl::StatusOr<Tensor> t = a.RequiredTensor("t");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_THAT(t->values<int64_t>(), ElementsAre(4, 5));
}

TEST(OnnxLoaderTest, NamesUnnamedNodesAndDisambiguatesRepeatedNames) {
  OnnxBuilder b;
  b.AddInput("x", {2});
  b.AddNode("Relu", {"x"}, {"a"});
  b.AddNode("Relu", {"a"}, {"b"}, {}, "same");
  b.AddNode("Relu", {"b"}, {"c"}, {}, "same");
  b.AddOutput("c");
  absl::StatusOr<ir::Graph> g = Parse(b);
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->nodes[0].name, "Relu_0");
  EXPECT_EQ(g->nodes[1].name, "same");
  EXPECT_EQ(g->nodes[2].name, "same_2");
}

TEST(OnnxLoaderTest, InitializersAlsoListedAsInputsAreNotGraphInputs) {
  // IR version 3 and older list every initializer among the graph inputs.
  OnnxBuilder b = ConvReluModel();
  b.proto().set_ir_version(3);
  b.AddInput("conv1.weight", {4, 3, 3, 3});
  b.AddInput("conv1.bias", {4});
  absl::StatusOr<ir::Graph> g = Parse(b);
  ASSERT_TRUE(g.ok()) << g.status();
  ASSERT_EQ(g->inputs.size(), 1u);
  EXPECT_EQ(g->inputs[0].name, "x");
}

TEST(OnnxLoaderTest, FoldsConstantNodesIntoInitializers) {
  OnnxBuilder b;
  b.AddInput("x", {3});
  b.AddNode("Constant", {}, {"t"}, {TensorAttr("value", Filled({3}, 2.0f))});
  b.AddNode("Constant", {}, {"f"}, {FloatAttr("value_float", 1.5f)});
  b.AddNode("Constant", {}, {"is"}, {IntsAttr("value_ints", {7, 8})});
  b.AddNode("Add", {"x", "t"}, {"y"});
  b.AddOutput("y");
  absl::StatusOr<ir::Graph> g = Parse(b);
  ASSERT_TRUE(g.ok()) << g.status();
  ASSERT_EQ(g->nodes.size(), 1u);
  EXPECT_EQ(g->nodes[0].op_type, "Add");
  EXPECT_THAT(g->initializers.at("t").values<float>(), ElementsAre(2.0f, 2.0f, 2.0f));
  EXPECT_TRUE(g->initializers.at("f").shape().empty());
  EXPECT_THAT(g->initializers.at("is").values<int64_t>(), ElementsAre(7, 8));
}

TEST(OnnxLoaderTest, AcceptsTheAiOnnxDomainSpelledOut) {
  OnnxBuilder b = ConvReluModel();
  b.proto().mutable_opset_import(0)->set_domain("ai.onnx");
  b.proto().mutable_graph()->mutable_node(1)->set_domain("ai.onnx");
  absl::StatusOr<ir::Graph> g = Parse(b);
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->opset, 17);
}

TEST(OnnxLoaderTest, KeepsOmittedOptionalInputsAsEmptyNames) {
  OnnxBuilder b;
  b.AddInput("x", {3});
  b.AddInitializer("hi", Tensor::FromFloats({}, {1.0f}));
  b.AddNode("Clip", {"x", "", "hi"}, {"y"}, {}, "clip");
  b.AddOutput("y");
  absl::StatusOr<ir::Graph> g = Parse(b);
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_THAT(g->nodes[0].inputs, ElementsAre("x", "", "hi"));
  EXPECT_FALSE(g->nodes[0].HasInput(1));
}

// --- Files that are not well-formed ONNX: InvalidArgument naming the source.

void ExpectError(const absl::StatusOr<ir::Graph>& g, absl::StatusCode code,
                 const std::vector<std::string>& facts) {
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), code) << g.status();
  EXPECT_THAT(std::string(g.status().message()), StartsWith(kSource));
  for (const std::string& fact : facts) {
    EXPECT_THAT(std::string(g.status().message()), HasSubstr(fact));
  }
}

TEST(OnnxLoaderErrorTest, EmptyBytes) {
  ExpectError(ParseOnnxModel("", kSource), absl::StatusCode::kInvalidArgument,
              {"not an ONNX model"});
}

TEST(OnnxLoaderErrorTest, RandomBytes) {
  for (uint32_t seed : {1u, 2u, 3u, 4u, 5u}) {
    std::mt19937 rng(seed);
    std::string bytes(4096, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    SCOPED_TRACE(seed);
    ExpectError(ParseOnnxModel(bytes, kSource), absl::StatusCode::kInvalidArgument,
                {"not an ONNX model"});
  }
}

TEST(OnnxLoaderErrorTest, EveryTruncationOfAValidModel) {
  const std::string bytes = ConvReluModel().Serialize();
  ASSERT_TRUE(ParseOnnxModel(bytes, kSource).ok());
  for (size_t length = 0; length < bytes.size(); ++length) {
    SCOPED_TRACE(length);
    absl::StatusOr<ir::Graph> g = ParseOnnxModel(bytes.substr(0, length), kSource);
    ExpectError(g, absl::StatusCode::kInvalidArgument, {});
  }
}

TEST(OnnxLoaderErrorTest, NoGraph) {
  OnnxBuilder b = ConvReluModel();
  b.proto().clear_graph();
  ExpectError(Parse(b), absl::StatusCode::kInvalidArgument, {"no graph"});
}

TEST(OnnxLoaderErrorTest, NoIrVersion) {
  OnnxBuilder b = ConvReluModel();
  b.proto().clear_ir_version();
  ExpectError(Parse(b), absl::StatusCode::kInvalidArgument, {"ir_version"});
}

TEST(OnnxLoaderErrorTest, NoOpsetImportAtAll) {
  OnnxBuilder b = ConvReluModel();
  b.proto().clear_opset_import();
  ExpectError(Parse(b), absl::StatusCode::kInvalidArgument, {"no opset_import for the default"});
}

TEST(OnnxLoaderErrorTest, NodeInputNeverDefined) {
  OnnxBuilder b = ConvReluModel();
  b.AddNode("Add", {"y", "ghost"}, {"z"}, {}, "add1");
  ExpectError(Parse(b), absl::StatusCode::kInvalidArgument,
              {"node 'add1'", "(Add)", "input 'ghost'", "is not a graph input"});
}

TEST(OnnxLoaderErrorTest, NodeInputDefinedOnlyLater) {
  OnnxBuilder b;
  b.AddInput("x", {2});
  b.AddNode("Relu", {"later"}, {"y"}, {}, "early");
  b.AddNode("Relu", {"x"}, {"later"}, {}, "late");
  b.AddOutput("y");
  ExpectError(Parse(b), absl::StatusCode::kInvalidArgument, {"node 'early'", "input 'later'"});
}

TEST(OnnxLoaderErrorTest, NodeOutputRedefinesAGraphInput) {
  OnnxBuilder b = ConvReluModel();
  b.AddNode("Relu", {"y"}, {"x"}, {}, "relu2");
  ExpectError(Parse(b), absl::StatusCode::kInvalidArgument,
              {"value 'x' is defined twice", "node 'relu2'"});
}

TEST(OnnxLoaderErrorTest, TwoNodesWithTheSameOutput) {
  OnnxBuilder b = ConvReluModel();
  b.AddNode("Relu", {"c"}, {"y"}, {}, "relu2");
  ExpectError(Parse(b), absl::StatusCode::kInvalidArgument, {"value 'y' is defined twice"});
}

TEST(OnnxLoaderErrorTest, TwoInitializersWithTheSameName) {
  OnnxBuilder b = ConvReluModel();
  b.AddInitializer("conv1.bias", Filled({4}, 1.0f));
  ExpectError(Parse(b), absl::StatusCode::kInvalidArgument,
              {"value 'conv1.bias' is defined twice", "initializer"});
}

TEST(OnnxLoaderErrorTest, GraphOutputNeverDefined) {
  OnnxBuilder b = ConvReluModel();
  b.AddOutput("nowhere");
  ExpectError(Parse(b), absl::StatusCode::kInvalidArgument, {"graph output 'nowhere'"});
}

TEST(OnnxLoaderErrorTest, GraphWithoutOutputs) {
  OnnxBuilder b = ConvReluModel();
  b.proto().mutable_graph()->clear_output();
  ExpectError(Parse(b), absl::StatusCode::kInvalidArgument, {"no outputs"});
}

TEST(OnnxLoaderErrorTest, InputWithoutShape) {
  OnnxBuilder b = ConvReluModel();
  b.proto().mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->clear_shape();
  ExpectError(Parse(b), absl::StatusCode::kInvalidArgument, {"graph input 'x'", "no shape"});
}

TEST(OnnxLoaderErrorTest, InputWithNegativeDimension) {
  OnnxBuilder b;
  b.AddInput("x", {2, -3});
  b.AddNode("Relu", {"x"}, {"y"});
  b.AddOutput("y");
  ExpectError(Parse(b), absl::StatusCode::kInvalidArgument, {"graph input 'x'", "negative"});
}

TEST(OnnxLoaderErrorTest, InitializerRawDataTooShort) {
  OnnxBuilder b = ConvReluModel();
  onnx::TensorProto* t = b.proto().mutable_graph()->mutable_initializer(1);  // conv1.bias [4]
  t->set_raw_data(t->raw_data().substr(0, 12));
  ExpectError(Parse(b), absl::StatusCode::kInvalidArgument,
              {"initializer 'conv1.bias'", "raw_data holds 12 bytes", "need 16"});
}

TEST(OnnxLoaderErrorTest, InitializerWithoutDataType) {
  OnnxBuilder b = ConvReluModel();
  b.proto().mutable_graph()->mutable_initializer(0)->clear_data_type();
  ExpectError(Parse(b), absl::StatusCode::kInvalidArgument,
              {"initializer 'conv1.weight'", "no data type"});
}

TEST(OnnxLoaderErrorTest, ConstantWithTwoValues) {
  OnnxBuilder b;
  b.AddInput("x", {2});
  b.AddNode("Constant", {}, {"k"}, {FloatAttr("value_float", 1.0f), IntAttr("value_int", 1)}, "k");
  b.AddNode("Add", {"x", "k"}, {"y"});
  b.AddOutput("y");
  ExpectError(Parse(b), absl::StatusCode::kInvalidArgument,
              {"node 'k'", "(Constant)", "exactly one"});
}

TEST(OnnxLoaderTest, AcceptsTheLastOpsetImplemented) {
  OnnxBuilder b = ConvReluModel();
  b.SetOpset(kMaxOpset);
  absl::StatusOr<ir::Graph> g = Parse(b);
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->opset, 28);
}

// --- Well-formed but unsupported: Unimplemented naming the source.

TEST(OnnxLoaderErrorTest, OpsetAfterTheLastImplemented) {
  OnnxBuilder b = ConvReluModel();
  b.SetOpset(kMaxOpset + 1);
  ExpectError(Parse(b), absl::StatusCode::kUnimplemented, {"opset 29", "1 to 28"});
}

TEST(OnnxLoaderErrorTest, OnlyAnotherDomainImported) {
  OnnxBuilder b = ConvReluModel();
  b.proto().mutable_opset_import(0)->set_domain("com.microsoft");
  ExpectError(Parse(b), absl::StatusCode::kUnimplemented,
              {"'com.microsoft'", "default ONNX domain"});
}

TEST(OnnxLoaderErrorTest, NodeFromAnotherDomain) {
  OnnxBuilder b = ConvReluModel();
  onnx::OperatorSetIdProto* ms = b.proto().add_opset_import();
  ms->set_domain("com.microsoft");
  ms->set_version(1);
  b.AddNode("FusedConv", {"y"}, {"z"}, {}, "fused").set_domain("com.microsoft");
  ExpectError(Parse(b), absl::StatusCode::kUnimplemented,
              {"node 'fused'", "(FusedConv)", "domain 'com.microsoft'"});
}

TEST(OnnxLoaderErrorTest, InputOfTypeDouble) {
  OnnxBuilder b;
  b.AddInput("x", {"N", 3}, onnx::TensorProto::DOUBLE);
  b.AddNode("Relu", {"x"}, {"y"});
  b.AddOutput("y");
  ExpectError(Parse(b), absl::StatusCode::kUnimplemented, {"graph input 'x'", "DOUBLE"});
}

TEST(OnnxLoaderErrorTest, InputThatIsNotATensor) {
  OnnxBuilder b = ConvReluModel();
  b.proto().mutable_graph()->mutable_input(0)->mutable_type()->mutable_sequence_type();
  ExpectError(Parse(b), absl::StatusCode::kUnimplemented, {"graph input 'x'", "not a tensor"});
}

TEST(OnnxLoaderErrorTest, InitializerOfTypeDouble) {
  OnnxBuilder b = ConvReluModel();
  onnx::TensorProto* t = b.proto().mutable_graph()->mutable_initializer(1);
  t->set_data_type(onnx::TensorProto::DOUBLE);
  t->set_raw_data(std::string(32, '\0'));
  ExpectError(Parse(b), absl::StatusCode::kUnimplemented, {"initializer 'conv1.bias'", "DOUBLE"});
}

TEST(OnnxLoaderErrorTest, InitializerWithExternalData) {
  OnnxBuilder b = ConvReluModel();
  onnx::TensorProto* t = b.proto().mutable_graph()->mutable_initializer(0);
  t->clear_raw_data();
  t->set_data_location(onnx::TensorProto::EXTERNAL);
  onnx::StringStringEntryProto* location = t->add_external_data();
  location->set_key("location");
  location->set_value("weights.bin");
  ExpectError(Parse(b), absl::StatusCode::kUnimplemented,
              {"initializer 'conv1.weight'", "external"});
}

TEST(OnnxLoaderErrorTest, SparseInitializer) {
  OnnxBuilder b = ConvReluModel();
  b.proto().mutable_graph()->add_sparse_initializer();
  ExpectError(Parse(b), absl::StatusCode::kUnimplemented, {"sparse initializers"});
}

TEST(OnnxLoaderErrorTest, GraphAttribute) {
  OnnxBuilder b = ConvReluModel();
  onnx::NodeProto& node = b.AddNode("If", {"y"}, {"z"}, {}, "branch");
  onnx::AttributeProto* a = node.add_attribute();
  a->set_name("then_branch");
  a->set_type(onnx::AttributeProto::GRAPH);
  a->mutable_g()->set_name("then");
  ExpectError(Parse(b), absl::StatusCode::kUnimplemented,
              {"node 'branch'", "(If)", "attribute 'then_branch'"});
}

}  // namespace
}  // namespace convoy::engine
