// Auto-complete as Triton's ONNX Runtime backend does it: first the rules on
// graph descriptions, then models loaded from a repository with partial
// configs of several shapes, served through their batcher.
#include "server/core/config_completion.h"

#include <future>
#include <string>
#include <vector>

#include "engine/api/model.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "repository/model_config.h"
#include "server/core/servable_model.h"
#include "tests/engine/testing/onnx_builder.h"
#include "tests/server/testing/test_repository.h"

namespace convoy::server {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using engine::testing::OnnxBuilder;
using testing::LoadVersion1;
using testing::TestRepository;

engine::TensorInfo Info(const std::string& name, engine::Shape shape,
                        engine::DataType type = engine::DataType::kFloat32) {
  return {name, type, std::move(shape)};
}

// A graph that batches: x [-1, 3, 8, 8] -> y [-1, 10].
const std::vector<engine::TensorInfo> kInputs = {Info("x", {-1, 3, 8, 8})};
const std::vector<engine::TensorInfo> kOutputs = {Info("y", {-1, 10})};

TEST(CompleteConfigTest, EmptyConfigGetsBatchingAndEveryTensor) {
  inference::ModelConfig config;
  auto filled = CompleteConfigFromModel(kInputs, kOutputs, 4, &config);
  ASSERT_TRUE(filled.ok()) << filled.status();
  EXPECT_THAT(*filled, ElementsAre("max_batch_size 4", "dynamic_batching", "input 'x'", "output 'y'"));
  EXPECT_EQ(config.max_batch_size(), 4);
  EXPECT_TRUE(config.has_dynamic_batching());
  ASSERT_EQ(config.input_size(), 1);
  EXPECT_EQ(config.input(0).name(), "x");
  EXPECT_EQ(config.input(0).data_type(), inference::TYPE_FP32);
  EXPECT_THAT(config.input(0).dims(), ElementsAre(3, 8, 8));
  ASSERT_EQ(config.output_size(), 1);
  EXPECT_THAT(config.output(0).dims(), ElementsAre(10));
  EXPECT_FALSE(config.input(0).has_reshape());
}

TEST(CompleteConfigTest, DefaultMaxBatchSizeZeroServesTheGraphUnbatched) {
  inference::ModelConfig config;
  ASSERT_TRUE(CompleteConfigFromModel(kInputs, kOutputs, 0, &config).ok());
  EXPECT_EQ(config.max_batch_size(), 0);
  EXPECT_FALSE(config.has_dynamic_batching());
  EXPECT_THAT(config.input(0).dims(), ElementsAre(-1, 3, 8, 8));
}

TEST(CompleteConfigTest, KeepsTheConfigsBatchSizeAndBatching) {
  inference::ModelConfig config;
  config.set_max_batch_size(16);
  config.mutable_dynamic_batching()->set_max_queue_delay_microseconds(250);
  auto filled = CompleteConfigFromModel(kInputs, kOutputs, 4, &config);
  ASSERT_TRUE(filled.ok()) << filled.status();
  EXPECT_THAT(*filled, ElementsAre("input 'x'", "output 'y'"));
  EXPECT_EQ(config.max_batch_size(), 16);
  EXPECT_EQ(config.dynamic_batching().max_queue_delay_microseconds(), 250u);
}

TEST(CompleteConfigTest, BatchSizeOneGetsNoDynamicBatching) {
  inference::ModelConfig config;
  config.set_max_batch_size(1);
  ASSERT_TRUE(CompleteConfigFromModel(kInputs, kOutputs, 4, &config).ok());
  EXPECT_EQ(config.max_batch_size(), 1);
  EXPECT_FALSE(config.has_dynamic_batching());
}

// Triton completes only a config that lacks inputs or outputs: one listing
// both keeps max_batch_size 0 and no scheduler.
TEST(CompleteConfigTest, ConfigListingInputsAndOutputsKeepsItsBatching) {
  inference::ModelConfig config;
  auto* input = config.add_input();
  input->set_name("x");
  input->set_data_type(inference::TYPE_FP32);
  for (int64_t d : {-1, 3, 8, 8}) input->add_dims(d);
  auto* output = config.add_output();
  output->set_name("y");
  output->set_data_type(inference::TYPE_FP32);
  for (int64_t d : {-1, 10}) output->add_dims(d);
  const inference::ModelConfig before = config;
  auto filled = CompleteConfigFromModel(kInputs, kOutputs, 4, &config);
  ASSERT_TRUE(filled.ok()) << filled.status();
  EXPECT_THAT(*filled, IsEmpty());
  EXPECT_EQ(config.SerializeAsString(), before.SerializeAsString());
}

TEST(CompleteConfigTest, FillsWhatListedTensorsLackAndAddsMissingInputs) {
  const std::vector<engine::TensorInfo> inputs = {Info("a", {-1, 4}), Info("ids", {-1, 4}, engine::DataType::kInt64)};
  const std::vector<engine::TensorInfo> outputs = {Info("y", {-1, 4}), Info("z", {-1, 2})};
  inference::ModelConfig config;
  config.add_input()->set_name("a");  // Neither type nor dims.
  auto* z = config.add_output();      // Outputs listed: only z is served.
  z->set_name("z");
  z->set_data_type(inference::TYPE_FP32);
  auto filled = CompleteConfigFromModel(inputs, outputs, 8, &config);
  ASSERT_TRUE(filled.ok()) << filled.status();
  EXPECT_THAT(*filled, ElementsAre("input 'a' data_type", "input 'a' dims", "input 'ids'", "output 'z' dims"));
  EXPECT_EQ(config.max_batch_size(), 0) << "inputs and outputs were listed";
  ASSERT_EQ(config.input_size(), 2);
  EXPECT_THAT(config.input(0).dims(), ElementsAre(-1, 4));
  EXPECT_EQ(config.input(1).name(), "ids");
  EXPECT_EQ(config.input(1).data_type(), inference::TYPE_INT64);
  ASSERT_EQ(config.output_size(), 1);
  EXPECT_THAT(config.output(0).dims(), ElementsAre(-1, 2));
}

TEST(CompleteConfigTest, OnlyOutputsListedStillCompletesBatching) {
  inference::ModelConfig config;
  auto* y = config.add_output();
  y->set_name("y");
  y->set_data_type(inference::TYPE_FP32);
  y->add_dims(10);
  auto filled = CompleteConfigFromModel(kInputs, kOutputs, 4, &config);
  ASSERT_TRUE(filled.ok()) << filled.status();
  EXPECT_THAT(*filled, ElementsAre("max_batch_size 4", "dynamic_batching", "input 'x'"));
  EXPECT_THAT(config.output(0).dims(), ElementsAre(10));
}

TEST(CompleteConfigTest, PerItemScalarsBecomeDimsOneReshapedToNothing) {
  inference::ModelConfig config;
  ASSERT_TRUE(CompleteConfigFromModel({Info("x", {-1})}, {Info("y", {-1})}, 4, &config).ok());
  EXPECT_THAT(config.input(0).dims(), ElementsAre(1));
  ASSERT_TRUE(config.input(0).has_reshape());
  EXPECT_THAT(config.input(0).reshape().shape(), IsEmpty());
  EXPECT_TRUE(config.output(0).has_reshape());
}

TEST(CompleteConfigTest, RefusesBatchingAModelThatCannotBatch) {
  inference::ModelConfig config;
  config.set_max_batch_size(8);
  auto filled = CompleteConfigFromModel({Info("x", {1, 4})}, {Info("y", {1, 4})}, 4, &config);
  ASSERT_FALSE(filled.ok());
  EXPECT_EQ(filled.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(filled.status().message(),
              HasSubstr("max_batch_size: 8 is set but the model cannot batch: 'x' has shape [1,4]"));
}

TEST(CompleteConfigTest, RefusesToCompleteWhatTheGraphDoesNotHave) {
  inference::ModelConfig config;
  config.add_input()->set_name("image");
  auto filled = CompleteConfigFromModel(kInputs, kOutputs, 4, &config);
  ASSERT_FALSE(filled.ok());
  EXPECT_THAT(filled.status().message(),
              HasSubstr("input 'image' is not a graph input of the model (inputs: x), so auto-complete cannot fill"));

  config.Clear();
  filled = CompleteConfigFromModel(kInputs, {Info("y", {})}, 4, &config);
  ASSERT_FALSE(filled.ok());
  EXPECT_THAT(filled.status().message(),
              HasSubstr("output 'y': the model file does not declare its shape, so auto-complete cannot "
                        "fill its dims"));
}

// --- Models loaded as the server loads them. -------------------------------

// y = x * 2 on x [N]: one value per batch item.
std::string PerItemScalarModelOnnx() {
  OnnxBuilder b;
  b.AddInput("x", {"N"});
  b.AddInitializer("two", engine::testing::Filled({1}, 2.0f));
  b.AddNode("Mul", {"x", "two"}, {"y"});
  b.AddOutput("y");
  return b.Serialize();
}

// y = Relu(x) on x [1, 4]: a graph with a fixed leading dimension, as
// Triton's densenet_onnx example has.
std::string FixedLeadingDimModelOnnx() {
  OnnxBuilder b;
  b.AddInput("x", {1, 4});
  b.AddNode("Relu", {"x"}, {"y"});
  b.AddOutput("y");
  return b.Serialize();
}

// Runs one request through the model's batcher.
absl::StatusOr<engine::Tensor> Infer(SingleModel& model, engine::Tensor x, int64_t batch_size) {
  InferenceRequest request;
  request.batch_size = batch_size;
  request.inputs.push_back({"x", std::move(x)});
  request.output_names = {"y"};
  std::promise<absl::StatusOr<engine::Tensor>> done;
  model.Infer(std::move(request), absl::Now(), [&done](absl::Status status, InferenceResult result) {
    if (!status.ok()) return done.set_value(status);
    done.set_value(*result.Output("y"));
  });
  return done.get_future().get();
}

TEST(AutoCompleteLoadTest, BatchingOnlyConfigGetsTheModelsTensors) {
  TestRepository repository;
  repository.WriteFile("m/1/model.onnx", testing::ScaleModelOnnx(3.0f));
  repository.WriteFile("m/config.pbtxt",
                       "max_batch_size: 8\ndynamic_batching { max_queue_delay_microseconds: 100 }\n");
  auto model = LoadVersion1(repository, "m");
  ASSERT_TRUE(model.ok()) << model.status();
  const inference::ModelConfig& config = (*model)->config();
  EXPECT_EQ(config.max_batch_size(), 8);
  EXPECT_EQ(config.dynamic_batching().max_queue_delay_microseconds(), 100u);
  EXPECT_THAT(config.input(0).dims(), ElementsAre(4));
  EXPECT_THAT(config.output(0).dims(), ElementsAre(4));
  EXPECT_THAT((*model)->auto_completed(), ElementsAre("input 'x'", "output 'y'"));
  auto y = Infer(**model, engine::Tensor::FromFloats({2, 4}, {1, 2, 3, 4, 5, 6, 7, 8}), 2);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_THAT(y->values<float>(), ElementsAre(3, 6, 9, 12, 15, 18, 21, 24));
}

TEST(AutoCompleteLoadTest, InputsWithoutDimsGetThemAndUserDimsAreChecked) {
  TestRepository repository;
  repository.WriteFile("m/1/model.onnx", testing::ScaleModelOnnx(1.0f));
  repository.WriteFile("m/config.pbtxt", "input [ { name: \"x\" } ]\n");
  auto model = LoadVersion1(repository, "m");
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ((*model)->config().max_batch_size(), 4);
  EXPECT_EQ((*model)->config().input(0).data_type(), inference::TYPE_FP32);
  EXPECT_THAT((*model)->config().input(0).dims(), ElementsAre(4));

  // What the user gave must agree with the model, and the error names the tensor.
  repository.WriteFile("m/config.pbtxt", "input [ { name: \"x\" data_type: TYPE_FP32 dims: [ 5 ] } ]\n");
  model = LoadVersion1(repository, "m");
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(model.status().message(),
              HasSubstr("input 'x' has shape [-1,5] in config.pbtxt but [-1,4] in the model"));

  repository.WriteFile("m/config.pbtxt", "max_batch_size: 2\ninput [ { name: \"x\" data_type: TYPE_UINT8 } ]\n");
  model = LoadVersion1(repository, "m");
  ASSERT_FALSE(model.ok());
  EXPECT_THAT(model.status().message(), HasSubstr("input 'x' is TYPE_UINT8 in config.pbtxt but float32 in the model"));

  repository.WriteFile("m/config.pbtxt", "output [ { name: \"features\" } ]\n");
  model = LoadVersion1(repository, "m");
  ASSERT_FALSE(model.ok());
  EXPECT_THAT(model.status().message(), HasSubstr("output 'features' is not a graph output of the model (outputs: y)"));
  EXPECT_THAT(model.status().message(), HasSubstr("m/config.pbtxt: auto-complete from "));
}

TEST(AutoCompleteLoadTest, CompletedConfigIsValidatedStrictly) {
  TestRepository repository;
  repository.WriteFile("m/1/model.onnx", testing::ScaleModelOnnx(1.0f));
  repository.WriteFile("m/config.pbtxt", "dynamic_batching { preferred_batch_size: [ 8 ] }\n");
  auto model = LoadVersion1(repository, "m");
  ASSERT_FALSE(model.ok());
  EXPECT_THAT(model.status().message(), HasSubstr("dynamic_batching.preferred_batch_size: 8 exceeds max_batch_size 4"));
  EXPECT_THAT(model.status().message(), HasSubstr("after auto-complete from"));
  EXPECT_THAT(model.status().message(), HasSubstr("filled in max_batch_size 4, input 'x', output 'y'"));
}

TEST(AutoCompleteLoadTest, DisabledAutoCompleteRefusesPartialConfigsNamingWhatIsMissing) {
  TestRepository repository;
  repository.WriteFile("m/1/model.onnx", testing::ScaleModelOnnx(1.0f));
  repository.WriteFile("m/config.pbtxt", "max_batch_size: 8\ninput [ { name: \"x\" data_type: TYPE_FP32 } ]\n");
  absl::StatusOr<repository::ModelConfigFile> file =
      repository::ReadModelConfig(repository.root() + "/m", repository::ConfigCompleteness::kComplete);
  ASSERT_FALSE(file.ok());
  EXPECT_THAT(file.status().message(), HasSubstr("m/config.pbtxt: input[0].dims: required"));
}

TEST(AutoCompleteLoadTest, PerItemScalarsAreServedThroughTheirReshape) {
  TestRepository repository;
  repository.WriteFile("s/1/model.onnx", PerItemScalarModelOnnx());
  auto model = LoadVersion1(repository, "s");
  ASSERT_TRUE(model.ok()) << model.status();
  const inference::ModelConfig& config = (*model)->config();
  EXPECT_EQ(config.max_batch_size(), 4);
  EXPECT_THAT(config.input(0).dims(), ElementsAre(1));
  EXPECT_TRUE(config.input(0).has_reshape());
  // The client sends [N, 1] and gets [N, 1]; the graph sees [N].
  auto y = Infer(**model, engine::Tensor::FromFloats({3, 1}, {1, 2, 3}), 3);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y->shape(), (engine::Shape{3, 1}));
  EXPECT_THAT(y->values<float>(), ElementsAre(2, 4, 6));
}

// Triton's densenet_onnx example declares the image without the graph's
// leading 1 and reshapes it: dims [4] reshape [1, 4] with max_batch_size 0.
TEST(AutoCompleteLoadTest, ReshapeOfAnUnbatchedModelIsApplied) {
  TestRepository repository;
  repository.WriteFile("d/1/model.onnx", FixedLeadingDimModelOnnx());
  repository.WriteFile("d/config.pbtxt",
                       "input [ { name: \"x\" data_type: TYPE_FP32 dims: [ 4 ] reshape { shape: [ 1, 4 ] } } ]\n"
                       "output [ { name: \"y\" data_type: TYPE_FP32 dims: [ 4 ] reshape { shape: [ 1, 4 ] } } ]\n");
  auto model = LoadVersion1(repository, "d");
  ASSERT_TRUE(model.ok()) << model.status();
  auto y = Infer(**model, engine::Tensor::FromFloats({4}, {-1, 2, -3, 4}), 1);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y->shape(), (engine::Shape{4}));
  EXPECT_THAT(y->values<float>(), ElementsAre(0, 2, 0, 4));
}

}  // namespace
}  // namespace convoy::server
