// Everything a Model can be handed that it cannot run ends in a Status, never
// a crash, with the right code and a message that names the file and, where
// there is one, the node, its operator and the reason:
//   NotFound         no such file
//   InvalidArgument  not a well-formed ONNX model, or inputs that do not fit it
//   Unimplemented    well-formed ONNX that uses something Convoy does not run
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "engine/api/model.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/engine/testing/onnx_builder.h"

namespace convoy::engine {
namespace {

using testing::FloatAttr;
using ::testing::HasSubstr;
using testing::IntAttr;
using testing::IntsAttr;
using testing::ConvReluModel;
using testing::Filled;
using testing::OnnxBuilder;
using ::testing::StartsWith;
using testing::StringAttr;

constexpr char kSource[] = "models/bad/1/model.onnx";



absl::Status LoadStatus(const std::string& bytes) {
  return Model::LoadFromBytes(bytes, kSource, ModelOptions{}).status();
}
absl::Status LoadStatus(const OnnxBuilder& b) { return LoadStatus(b.Serialize()); }

// The status has `code`, its message starts with the file and mentions
// every fact.
void ExpectError(const absl::Status& status, absl::StatusCode code,
                 const std::vector<std::string>& facts, const std::string& source = kSource) {
  ASSERT_FALSE(status.ok()) << "expected " << absl::StatusCodeToString(code);
  EXPECT_EQ(status.code(), code) << status;
  EXPECT_THAT(std::string(status.message()), StartsWith(source));
  for (const std::string& fact : facts) {
    EXPECT_THAT(std::string(status.message()), HasSubstr(fact));
  }
}

// --- Files

TEST(ModelLoadErrorTest, MissingFileIsNotFound) {
  const std::string path = ::testing::TempDir() + "/no/such/model.onnx";
  ExpectError(Model::Load(path, {}).status(), absl::StatusCode::kNotFound, {"cannot open"}, path);
}

TEST(ModelLoadErrorTest, DirectoryIsNotARegularFile) {
  const std::string path = ::testing::TempDir();
  ExpectError(Model::Load(path, {}).status(), absl::StatusCode::kInvalidArgument,
              {"not a regular file"}, path);
}

TEST(ModelLoadErrorTest, EmptyFileIsInvalid) {
  const std::string path = ::testing::TempDir() + "/empty_model.onnx";
  std::ofstream(path, std::ios::binary).close();
  ExpectError(Model::Load(path, {}).status(), absl::StatusCode::kInvalidArgument,
              {"not an ONNX model"}, path);
  std::remove(path.c_str());
}

TEST(ModelLoadErrorTest, RandomBytesAreInvalid) {
  std::mt19937 rng(77);
  std::string bytes(10000, '\0');
  for (char& c : bytes) c = static_cast<char>(rng());
  ExpectError(LoadStatus(bytes), absl::StatusCode::kInvalidArgument, {"not an ONNX model"});
}

TEST(ModelLoadErrorTest, TruncatedModelIsInvalidAtEveryCut) {
  // Big enough weights that the cuts land inside the graph, in the middle of
  // an initializer's raw_data, and in the trailing opset import.
  OnnxBuilder b = ConvReluModel();
  const std::string bytes = b.Serialize();
  ASSERT_TRUE(LoadStatus(bytes).ok());
  for (size_t length : {size_t{1}, size_t{2}, size_t{7}, size_t{40}, bytes.size() / 3,
                        bytes.size() / 2, bytes.size() - 20, bytes.size() - 3, bytes.size() - 1}) {
    SCOPED_TRACE(length);
    ExpectError(LoadStatus(bytes.substr(0, length)), absl::StatusCode::kInvalidArgument, {});
  }
}

// --- Malformed models: InvalidArgument
// Errors the loader alone detects (no graph, no opset, undefined inputs,
// opset 18, other domains, DOUBLE inputs) are tested once, in
// tests/engine/onnx/onnx_loader_test.cc; Model forwards them unchanged, as
// the file-level cases above show. Here: what reaches the plan compiler.

TEST(ModelLoadErrorTest, ConvWeightsDoNotMatchInputChannels) {
  OnnxBuilder b;
  b.AddInput("x", {"N", 3, 5, 5});
  b.AddInitializer("w", Filled({4, 2, 3, 3}, 1.0f));
  b.AddNode("Conv", {"x", "w"}, {"y"}, {}, "conv1");
  b.AddOutput("y");
  ExpectError(LoadStatus(b), absl::StatusCode::kInvalidArgument,
              {"node 'conv1'", "(Conv)", "weights expect 2 input channels", "has 3"});
}

TEST(ModelLoadErrorTest, GemmWithMismatchedInnerDimensions) {
  OnnxBuilder b;
  b.AddInput("x", {"N", 7});
  b.AddInitializer("w", Filled({10, 8}, 1.0f));
  b.AddNode("Gemm", {"x", "w"}, {"y"}, {IntAttr("transB", 1)}, "fc");
  b.AddOutput("y");
  ExpectError(LoadStatus(b), absl::StatusCode::kInvalidArgument,
              {"node 'fc'", "(Gemm)", "inner dimensions differ", "[1,7]", "[10,8]"});
}

TEST(ModelLoadErrorTest, ValueDefinedTwice) {
  OnnxBuilder b = ConvReluModel();
  b.AddNode("Relu", {"y"}, {"c"}, {}, "relu2");
  ExpectError(LoadStatus(b), absl::StatusCode::kInvalidArgument,
              {"value 'c' is defined twice", "node 'relu2'"});
}

TEST(ModelLoadErrorTest, MissingInitializerForConvWeights) {
  OnnxBuilder b = ConvReluModel();
  b.proto().mutable_graph()->mutable_initializer()->DeleteSubrange(0, 1);  // conv1.weight
  ExpectError(LoadStatus(b), absl::StatusCode::kInvalidArgument,
              {"node 'conv1'", "(Conv)", "'conv1.weight'", "is not a graph input, an initializer"});
}

TEST(ModelLoadErrorTest, InitializerRawDataTooShort) {
  OnnxBuilder b = ConvReluModel();
  onnx::TensorProto* t = b.proto().mutable_graph()->mutable_initializer(0);  // [4,3,3,3]
  t->set_raw_data(t->raw_data().substr(0, 100));
  ExpectError(LoadStatus(b), absl::StatusCode::kInvalidArgument,
              {"initializer 'conv1.weight'", "raw_data holds 100 bytes", "[4,3,3,3]", "need 432"});
}

TEST(ModelLoadErrorTest, ReshapeToImpossibleShape) {
  OnnxBuilder b = ConvReluModel();
  b.AddInitializer("shape", Tensor::FromInt64s({2}, {7, -1}));
  b.AddNode("Reshape", {"y", "shape"}, {"r"}, {}, "reshape1");
  b.AddOutput("r");
  ExpectError(LoadStatus(b), absl::StatusCode::kInvalidArgument,
              {"node 'reshape1'", "(Reshape)", "cannot reshape [1,4,5,5]"});
}

// --- Valid ONNX that Convoy does not run: Unimplemented

TEST(ModelLoadErrorTest, UnknownOperator) {
  OnnxBuilder b = ConvReluModel();
  b.AddNode("Einsum", {"y"}, {"z"}, {StringAttr("equation", "ij->ji")}, "einsum1");
  b.AddOutput("z");
  ExpectError(LoadStatus(b), absl::StatusCode::kUnimplemented,
              {"node 'einsum1'", "(Einsum)", "operator 'Einsum' is not supported"});
}

// Found by the loader's fuzzer: an omitted (empty) first input used to be
// looked up as a value and throw.
TEST(ModelLoadErrorTest, OmittedFirstInput) {
  OnnxBuilder b = ConvReluModel();
  b.AddNode("Concat", {"", "y"}, {"z"}, {IntAttr("axis", 1)}, "concat1");
  b.AddOutput("z");
  ExpectError(LoadStatus(b), absl::StatusCode::kInvalidArgument,
              {"node 'concat1'", "input 0 is missing"});
}

// Found by the fuzzer: Flatten divided by a zero dimension (UBSan).
TEST(ModelLoadErrorTest, FlattenOfAnEmptyTensorIsAnswered) {
  OnnxBuilder b;
  b.AddInput("x", {1, 0, 3});
  b.AddNode("Flatten", {"x"}, {"y"}, {IntAttr("axis", 2)}, "flatten1");
  b.AddOutput("y");
  absl::Status status = LoadStatus(b);
  EXPECT_TRUE(status.ok() || status.code() == absl::StatusCode::kInvalidArgument ||
              status.code() == absl::StatusCode::kUnimplemented)
      << status;
}

TEST(ModelLoadErrorTest, RequiredInputsOmitted) {
  OnnxBuilder one_input = ConvReluModel();
  one_input.AddNode("Gemm", {"y"}, {"z"}, {}, "gemm1");
  one_input.AddOutput("z");
  ExpectError(LoadStatus(one_input), absl::StatusCode::kInvalidArgument,
              {"node 'gemm1'", "takes at least 2 inputs, has 1"});
  OnnxBuilder empty_weights = ConvReluModel();
  empty_weights.AddNode("Conv", {"y", ""}, {"z"}, {}, "conv2");
  empty_weights.AddOutput("z");
  ExpectError(LoadStatus(empty_weights), absl::StatusCode::kInvalidArgument,
              {"node 'conv2'", "input 1 is missing"});
}

TEST(ModelLoadErrorTest, UnknownOperatorOnAPathNoOutputNeeds) {
  // Reported at load even though no requested output depends on it.
  OnnxBuilder b = ConvReluModel();
  b.AddNode("NonMaxSuppression", {"y"}, {"unused"}, {}, "nms");
  ExpectError(LoadStatus(b), absl::StatusCode::kUnimplemented,
              {"node 'nms'", "(NonMaxSuppression)"});
}

TEST(ModelLoadErrorTest, PadModeReflect) {
  OnnxBuilder b = ConvReluModel();
  b.AddInitializer("pads", Tensor::FromInt64s({8}, {0, 0, 1, 1, 0, 0, 1, 1}));
  b.AddNode("Pad", {"y", "pads"}, {"z"}, {StringAttr("mode", "reflect")}, "pad1");
  b.AddOutput("z");
  ExpectError(LoadStatus(b), absl::StatusCode::kUnimplemented, {"node 'pad1'", "(Pad)", "reflect"});
}

// Opset 18's axes input: pads for each listed axis, each axis once.
TEST(ModelLoadErrorTest, PadAxesRepeatedOrOfTheWrongCount) {
  for (const auto& [axes, pads, message] :
       {std::tuple{std::vector<int64_t>{2, -2}, std::vector<int64_t>{1, 1, 1, 1}, "axis -2 is repeated"},
        std::tuple{std::vector<int64_t>{2, 3}, std::vector<int64_t>{1, 1}, "2 values for 2 axes"}}) {
    OnnxBuilder b = ConvReluModel();
    b.SetOpset(18);
    b.AddInitializer("pads", Tensor::FromInt64s({static_cast<int64_t>(pads.size())}, pads));
    b.AddInitializer("axes", Tensor::FromInt64s({static_cast<int64_t>(axes.size())}, axes));
    b.AddNode("Pad", {"y", "pads", "", "axes"}, {"z"}, {}, "pad1");
    b.AddOutput("z");
    ExpectError(LoadStatus(b), absl::StatusCode::kInvalidArgument, {"node 'pad1'", message});
  }
}

TEST(ModelLoadErrorTest, PadModeWrap) {  // Opset 19's mode.
  OnnxBuilder b = ConvReluModel();
  b.SetOpset(19);
  b.AddInitializer("pads", Tensor::FromInt64s({8}, {0, 0, 1, 1, 0, 0, 1, 1}));
  b.AddNode("Pad", {"y", "pads"}, {"z"}, {StringAttr("mode", "wrap")}, "pad1");
  b.AddOutput("z");
  ExpectError(LoadStatus(b), absl::StatusCode::kUnimplemented, {"node 'pad1'", "(Pad)", "wrap"});
}

TEST(ModelLoadErrorTest, LrnWithEvenSize) {
  OnnxBuilder b = ConvReluModel();
  b.AddNode("LRN", {"y"}, {"z"}, {IntAttr("size", 4)}, "norm1");
  b.AddOutput("z");
  ExpectError(LoadStatus(b), absl::StatusCode::kUnimplemented,
              {"node 'norm1'", "(LRN)", "even size 4"});
}

TEST(ModelLoadErrorTest, BatchNormalizationInTrainingMode) {
  OnnxBuilder b = ConvReluModel();
  for (const char* name : {"s", "bias", "mean", "var"}) b.AddInitializer(name, Filled({4}, 1.0f));
  b.AddNode("BatchNormalization", {"y", "s", "bias", "mean", "var"}, {"z"},
            {IntAttr("training_mode", 1)}, "bn1");
  b.AddOutput("z");
  ExpectError(LoadStatus(b), absl::StatusCode::kUnimplemented,
              {"node 'bn1'", "(BatchNormalization)", "training_mode"});
}

TEST(ModelLoadErrorTest, ReshapeWhoseShapeIsCastFromRunTimeData) {
  // Valid ONNX: the target shape is float data cast to int64 at run time.
  OnnxBuilder b = ConvReluModel();
  b.AddInput("dims", {2});
  b.AddNode("Cast", {"dims"}, {"shape"}, {IntAttr("to", onnx::TensorProto::INT64)}, "cast1");
  b.AddNode("Reshape", {"y", "shape"}, {"z"}, {}, "reshape1");
  b.AddOutput("z");
  ExpectError(LoadStatus(b), absl::StatusCode::kUnimplemented, {"node 'cast1'", "(Cast)"});
}

// A Reshape whose `shape` is float data computed at run time: the model
// breaks Reshape's type constraint (shape is tensor(int64)), so it is
// malformed whatever the engine's limits are, exactly as the same float
// shape given as an initializer (next test).
TEST(ModelLoadErrorTest, ReshapeWhoseShapeIsRunTimeFloatData) {
  OnnxBuilder b = ConvReluModel();
  b.AddInput("dims", {2});
  b.AddInitializer("one", Tensor::FromFloats({}, {1.0f}));
  b.AddNode("Mul", {"dims", "one"}, {"shape"}, {}, "mul1");
  b.AddNode("Reshape", {"y", "shape"}, {"z"}, {}, "reshape1");
  b.AddOutput("z");
  ExpectError(LoadStatus(b), absl::StatusCode::kInvalidArgument,
              {"node 'reshape1'", "(Reshape)", "int64"});
}

TEST(ModelLoadErrorTest, ReshapeWhoseShapeIsAFloatInitializer) {
  OnnxBuilder b = ConvReluModel();
  b.AddInitializer("shape", Tensor::FromFloats({2}, {1.0f, -1.0f}));
  b.AddNode("Reshape", {"y", "shape"}, {"z"}, {}, "reshape1");
  b.AddOutput("z");
  ExpectError(LoadStatus(b), absl::StatusCode::kInvalidArgument,
              {"node 'reshape1'", "(Reshape)", "must be int64"});
}

// --- Run-time errors: InvalidArgument, and the model keeps working.

class ModelRunErrorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto model = Model::LoadFromBytes(ConvReluModel().Serialize(), kSource, ModelOptions{});
    ASSERT_TRUE(model.ok()) << model.status();
    model_ = *std::move(model);
  }
  void TearDown() override {
    if (model_ == nullptr) return;
    auto out = model_->Run({{"x", Filled({2, 3, 5, 5}, 1.0f)}});
    EXPECT_TRUE(out.ok()) << "a valid run after the error: " << out.status();
  }

  absl::Status RunStatus(const std::vector<NamedTensor>& inputs, const RunOptions& options = {}) {
    return model_->Run(inputs, options).status();
  }

  std::unique_ptr<Model> model_;
  const Tensor good_ = Filled({1, 3, 5, 5}, 1.0f);
};

TEST_F(ModelRunErrorTest, UnknownInputName) {
  ExpectError(RunStatus({{"x", good_}, {"image", good_}}), absl::StatusCode::kInvalidArgument,
              {"no input named 'image'"});
}

TEST_F(ModelRunErrorTest, MissingInput) {
  ExpectError(RunStatus({}), absl::StatusCode::kInvalidArgument, {"input 'x' is missing"});
}

TEST_F(ModelRunErrorTest, DuplicateInput) {
  ExpectError(RunStatus({{"x", good_}, {"x", good_}}), absl::StatusCode::kInvalidArgument,
              {"input 'x' is given twice"});
}

TEST_F(ModelRunErrorTest, WrongElementType) {
  ExpectError(RunStatus({{"x", Tensor(DataType::kUint8, {1, 3, 5, 5})}}),
              absl::StatusCode::kInvalidArgument, {"input 'x'", "float32", "uint8"});
}

TEST_F(ModelRunErrorTest, WrongRank) {
  ExpectError(RunStatus({{"x", Filled({3, 5, 5}, 1.0f)}}), absl::StatusCode::kInvalidArgument,
              {"input 'x'", "[3,5,5]", "[-1,3,5,5]"});
}

TEST_F(ModelRunErrorTest, WrongFixedDimension) {
  ExpectError(RunStatus({{"x", Filled({1, 3, 5, 6}, 1.0f)}}), absl::StatusCode::kInvalidArgument,
              {"input 'x'", "[1,3,5,6]", "[-1,3,5,5]"});
}

TEST_F(ModelRunErrorTest, EmptyBatch) {
  ExpectError(RunStatus({{"x", Filled({0, 3, 5, 5}, 1.0f)}}), absl::StatusCode::kInvalidArgument,
              {"input 'x'", "[0,3,5,5]"});
}

TEST_F(ModelRunErrorTest, UnknownOutputName) {
  ExpectError(RunStatus({{"x", good_}}, RunOptions{{"y", "logits"}}),
              absl::StatusCode::kInvalidArgument, {"no value named 'logits'"});
}

TEST(ModelRunBatchErrorTest, BatchSizeTheGraphCannotReshape) {
  // Reshape to a fixed [1, 100] works for batch 1 only.
  OnnxBuilder b = ConvReluModel();
  b.AddInitializer("shape", Tensor::FromInt64s({2}, {1, 100}));
  b.AddNode("Reshape", {"y", "shape"}, {"z"}, {}, "reshape1");
  b.AddOutput("z");
  auto model = Model::LoadFromBytes(b.Serialize(), kSource, ModelOptions{});
  ASSERT_TRUE(model.ok()) << model.status();
  ExpectError((*model)->Run({{"x", Filled({2, 3, 5, 5}, 1.0f)}}).status(),
              absl::StatusCode::kInvalidArgument,
              {"node 'reshape1'", "(Reshape)", "cannot reshape [2,4,5,5]"});
  EXPECT_TRUE((*model)->Run({{"x", Filled({1, 3, 5, 5}, 1.0f)}}).ok());
}

}  // namespace
}  // namespace convoy::engine
