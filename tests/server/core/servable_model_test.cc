// Loading one model version: the config is completed from the ONNX graph
// where it leaves something out (config_completion_test.cc has the rules),
// then checked against the graph.
#include "server/core/servable_model.h"

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "engine/api/model.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "repository/model_config.h"
#include "tests/engine/testing/onnx_builder.h"
#include "tests/server/testing/test_repository.h"

namespace convoy::server {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using engine::testing::OnnxBuilder;
using testing::LoadVersion1;
using testing::TestRepository;

// y = Relu(x) for x [1, 4]: a graph whose batch dimension is fixed.
std::string FixedBatchModelOnnx() {
  OnnxBuilder b;
  b.AddInput("x", {1, 4});
  b.AddNode("Relu", {"x"}, {"y"});
  b.AddOutput("y");
  return b.Serialize();
}

// A batching config: one input named `input` and output "y", both [4];
// `output_extra` adds fields to the output.
std::string BatchedConfig(const std::string& input, const std::string& output_extra = "") {
  return "max_batch_size: 8\ninput [ { name: \"" + input +
         "\" data_type: TYPE_FP32 dims: [ 4 ] } ]\noutput [ { name: \"y\" data_type: TYPE_FP32 "
         "dims: [ 4 ] " + output_extra + "} ]\n";
}

TEST(ServableModelTest, CompletesTheConfigWhenThereIsNone) {
  TestRepository repository;
  repository.WriteFile("scale/1/model.onnx", testing::ScaleModelOnnx(2.0f));
  auto model = LoadVersion1(repository, "scale");
  ASSERT_TRUE(model.ok()) << model.status();
  const inference::ModelConfig& config = (*model)->config();
  EXPECT_EQ(config.name(), "scale");
  EXPECT_EQ(config.platform(), "onnxruntime_onnx");
  EXPECT_EQ(config.backend(), "onnxruntime");
  EXPECT_EQ(config.max_batch_size(), 4);
  ASSERT_EQ(config.input_size(), 1);
  EXPECT_EQ(config.input(0).name(), "x");
  EXPECT_EQ(config.input(0).data_type(), inference::TYPE_FP32);
  EXPECT_THAT(config.input(0).dims(), ElementsAre(4));
  EXPECT_EQ(config.output(0).name(), "y");
  // As Triton's ONNX auto-complete: a model that batches beyond 1 gets the
  // dynamic batcher.
  EXPECT_TRUE(config.has_dynamic_batching());
  EXPECT_THAT((*model)->auto_completed(), ElementsAre("max_batch_size 4", "dynamic_batching", "input 'x'", "output 'y'"));
}

TEST(ServableModelTest, CompletedConfigDoesNotBatchAFixedBatchDimension) {
  TestRepository repository;
  repository.WriteFile("fixed/1/model.onnx", FixedBatchModelOnnx());
  auto model = LoadVersion1(repository, "fixed");
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ((*model)->config().max_batch_size(), 0);
  EXPECT_THAT((*model)->config().input(0).dims(), ElementsAre(1, 4));
  EXPECT_FALSE((*model)->config().has_dynamic_batching());
}

struct Mismatch {
  std::string name;
  std::string config_tail;  // After name/platform.
  std::string message;
};

class ConfigMismatchTest : public ::testing::TestWithParam<Mismatch> {};

TEST_P(ConfigMismatchTest, IsRefusedWithAClearMessage) {
  TestRepository repository;
  repository.WriteFile("m/config.pbtxt", "name: \"m\"\n" + GetParam().config_tail);
  repository.WriteFile("m/1/model.onnx", testing::ScaleModelOnnx(1.0f));
  auto model = LoadVersion1(repository, "m");
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument) << model.status();
  EXPECT_THAT(model.status().message(), HasSubstr(GetParam().message));
  EXPECT_THAT(model.status().message(), HasSubstr("model.onnx"));
}

const char kOutput[] = "output [ { name: \"y\" data_type: TYPE_FP32 dims: [ 4 ] } ]\n";

INSTANTIATE_TEST_SUITE_P(
    Servable, ConfigMismatchTest,
    ::testing::Values(
        Mismatch{"UnknownInput",
                 std::string("max_batch_size: 8\ninput [ { name: \"z\" data_type: TYPE_FP32 "
                             "dims: [ 4 ] } ]\n") + kOutput,
                 "names input 'z', which the model does not have (it has: x)"},
        Mismatch{"WrongType",
                 std::string("max_batch_size: 8\ninput [ { name: \"x\" data_type: TYPE_UINT8 "
                             "dims: [ 4 ] } ]\n") + kOutput,
                 "'x' is TYPE_UINT8 in config.pbtxt but float32 in the model"},
        Mismatch{"WrongDims",
                 std::string("max_batch_size: 8\ninput [ { name: \"x\" data_type: TYPE_FP32 "
                             "dims: [ 5 ] } ]\n") + kOutput,
                 "input 'x' has shape [-1,5] in config.pbtxt but [-1,4] in the model"},
        Mismatch{"BatchDimCountedTwice",
                 std::string("max_batch_size: 8\ninput [ { name: \"x\" data_type: TYPE_FP32 "
                             "dims: [ -1, 4 ] } ]\n") + kOutput,
                 "input 'x' has shape [-1,-1,4]"},
        Mismatch{"UnknownOutput",
                 "max_batch_size: 8\ninput [ { name: \"x\" data_type: TYPE_FP32 dims: [ 4 ] } ]\n"
                 "output [ { name: \"w\" data_type: TYPE_FP32 dims: [ 4 ] } ]\n",
                 "no value named 'w' to output"}),
    [](const auto& info) { return info.param.name; });

// h = Relu(x), y = Concat(h, h): a graph with an intermediate
// value to serve as features.
std::string TwoStageModelOnnx() {
  OnnxBuilder b;
  b.AddInput("x", {"N", 4});
  b.AddNode("Relu", {"x"}, {"h"});
  b.AddNode("Concat", {"h", "h"}, {"y"}, {engine::testing::IntAttr("axis", 1)});
  b.AddOutput("y");
  return b.Serialize();
}

TEST(ServableModelTest, ServesAnIntermediateValueDeclaredAsAnOutput) {
  TestRepository repository;
  repository.WriteFile("m/1/model.onnx", TwoStageModelOnnx());
  repository.WriteFile("m/config.pbtxt",
                       "max_batch_size: 8\ninput [ { name: \"x\" data_type: TYPE_FP32 dims: [ 4 ] } ]\n"
                       "output [ { name: \"y\" data_type: TYPE_FP32 dims: [ 8 ] },\n"
                       "         { name: \"h\" data_type: TYPE_FP32 dims: [ 4 ] } ]\n");
  auto model = LoadVersion1(repository, "m");
  ASSERT_TRUE(model.ok()) << model.status();
  auto features = (*model)->model().Run({{"x", engine::Tensor::FromFloats({1, 4}, {-1, 2, -3, 4})}}, {{"h"}});
  ASSERT_TRUE(features.ok()) << features.status();
  EXPECT_THAT((*features)[0].values<float>(), ElementsAre(0, 2, 0, 4));

  repository.WriteFile("m/config.pbtxt",
                       "max_batch_size: 8\ninput [ { name: \"x\" data_type: TYPE_FP32 dims: [ 4 ] } ]\n"
                       "output [ { name: \"h\" data_type: TYPE_FP32 dims: [ 5 ] } ]\n");
  model = LoadVersion1(repository, "m");
  ASSERT_FALSE(model.ok());
  EXPECT_THAT(model.status().message(),
              HasSubstr("output 'h' has dims [5] in config.pbtxt but the model computes [1,4] for a batch of 1"));
}

TEST(ServableModelTest, RunsInThePrecisionTheConfigNames) {
  TestRepository repository;
  OnnxBuilder b;
  b.AddInput("x", {"N", 4});
  engine::Tensor identity(engine::DataType::kFloat32, {4, 4});
  for (int i = 0; i < 4; ++i) identity.data<float>()[i * 5] = 1;
  b.AddInitializer("w", identity);
  b.AddNode("MatMul", {"x", "w"}, {"y"});
  b.AddOutput("y");
  repository.WriteFile("m/1/model.onnx", b.Serialize());
  // 1 + 2^-10 needs 11 significant bits: bfloat16 has 8 and rounds it to 1.
  const engine::Tensor x = engine::Tensor::FromFloats({1, 4}, {1.0009765625f, 2, 3, 4});
  for (const auto& [precision, expected] :
       {std::pair{"", 1.0009765625f}, std::pair{"fp32", 1.0009765625f}, std::pair{"bf16", 1.0f}}) {
    repository.WriteFile("m/config.pbtxt",
                         BatchedConfig("x") + "precision: \"" + precision + "\"\n");
    auto model = LoadVersion1(repository, "m");
    ASSERT_TRUE(model.ok()) << model.status();
    auto y = (*model)->model().Run({{"x", x}});
    ASSERT_TRUE(y.ok()) << y.status();
    EXPECT_EQ((*y)[0].data<float>()[0], expected) << "precision '" << precision << "'";
  }
  repository.WriteFile("m/config.pbtxt", BatchedConfig("x") + "precision: \"fp16\"\n");
  auto model = LoadVersion1(repository, "m");
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().message(),
            "model 'm': config.pbtxt precision: unknown precision 'fp16'; expected fp32, bf16 or int8");
}

// --team-choice-interval-secs reaches the engine: a plan is timed again for
// its team once the interval is over, and never with 0.
TEST(ServableModelTest, TheTeamChoiceIntervalReachesTheEngine) {
  TestRepository repository;
  OnnxBuilder b;
  b.AddInput("x", {"N", 8, 6, 6});
  b.AddInitializer("w", engine::testing::Normal({8, 8, 3, 3}, 1, 0.5f));
  b.AddNode("Conv", {"x", "w"}, {"y"}, {engine::testing::IntsAttr("pads", {1, 1, 1, 1})});
  b.AddOutput("y");
  repository.WriteFile("conv/1/model.onnx", b.Serialize());
  const std::string dir = repository.root() + "/conv";
  for (const auto& [interval, choices] : {std::pair{1e-9, 4}, std::pair{0.0, 1}}) {
    absl::StatusOr<repository::ModelConfigFile> file =
        repository::ReadModelConfig(dir, repository::ConfigCompleteness::kPartial);
    ASSERT_TRUE(file.ok()) << file.status();
    ServableOptions options;
    options.engine_threads = 2;
    options.team_choice_interval_secs = interval;
    auto model = SingleModel::Load(dir, 1, *std::move(file), options);
    ASSERT_TRUE(model.ok()) << model.status();
    for (int run = 0; run < 3; ++run) {
      ASSERT_TRUE((*model)->model().Run({{"x", engine::testing::Normal({1, 8, 6, 6}, 2, 0.5f)}}).ok());
    }
    // The load's choice, then one a run past the interval.
    EXPECT_EQ((*model)->model().plan_cache_stats().team_choices, choices) << "interval " << interval;
  }
}

TEST(ServableModelTest, NoWinogradKeepsConvolutionsDirect) {
  TestRepository repository;
  OnnxBuilder b;
  b.AddInput("x", {"N", 64, 14, 14});
  engine::Tensor w(engine::DataType::kFloat32, {64, 64, 3, 3});
  for (int64_t i = 0; i < w.num_elements(); ++i) w.data<float>()[i] = ((i * 37) % 101 - 50) / 500.0f;
  b.AddInitializer("w", w);
  b.AddNode("Conv", {"x", "w"}, {"y"}, {engine::testing::IntsAttr("pads", {1, 1, 1, 1})});
  b.AddOutput("y");
  repository.WriteFile("m/1/model.onnx", b.Serialize());
  engine::Tensor x(engine::DataType::kFloat32, {8, 64, 14, 14});
  for (int64_t i = 0; i < x.num_elements(); ++i) x.data<float>()[i] = ((i * 13) % 29) / 29.0f;
  const std::string config =
      "max_batch_size: 8\ninput [ { name: \"x\" data_type: TYPE_FP32 dims: [ 64, 14, 14 ] } ]\n"
      "output [ { name: \"y\" data_type: TYPE_FP32 dims: [ 64, 14, 14 ] } ]\n";
  std::vector<engine::Tensor> served;
  for (const char* extra : {"", "no_winograd: true\n"}) {
    repository.WriteFile("m/config.pbtxt", config + extra);
    auto model = LoadVersion1(repository, "m");
    ASSERT_TRUE(model.ok()) << model.status();
    auto y = (*model)->model().Run({{"x", x}});
    ASSERT_TRUE(y.ok()) << y.status();
    served.push_back((*y)[0]);
  }
  engine::ModelOptions direct;
  direct.winograd = false;
  auto engine = engine::Model::LoadFromBytes(b.Serialize(), "m.onnx", direct);
  ASSERT_TRUE(engine.ok()) << engine.status();
  auto expected = (*engine)->Run({{"x", x}});
  ASSERT_TRUE(expected.ok()) << expected.status();
  auto bytes = [](const engine::Tensor& t) {
    return std::string(static_cast<const char*>(t.raw_data()), t.byte_size());
  };
  EXPECT_EQ(bytes(served[1]), bytes((*expected)[0])) << "no_winograd runs the direct kernels";
  EXPECT_NE(bytes(served[0]), bytes((*expected)[0])) << "the default runs Winograd kernels";
}

TEST(ServableModelTest, RefusesBatchingOverAFixedBatchDimension) {
  TestRepository repository;
  repository.WriteFile("m/1/model.onnx", FixedBatchModelOnnx());
  repository.WriteFile("m/config.pbtxt", BatchedConfig("x"));
  auto model = LoadVersion1(repository, "m");
  ASSERT_FALSE(model.ok());
  EXPECT_THAT(model.status().message(), HasSubstr("fixed batch dimension 1"));
}

TEST(ServableModelTest, AddsAGraphInputMissingFromTheConfigUnlessAutoCompleteIsOff) {
  TestRepository repository;
  OnnxBuilder b;
  b.AddInput("a", {"N", 4});
  b.AddInput("b", {"N", 4});
  b.AddNode("Add", {"a", "b"}, {"y"});
  b.AddOutput("y");
  repository.WriteFile("m/1/model.onnx", b.Serialize());
  repository.WriteFile("m/config.pbtxt", BatchedConfig("a"));
  auto model = LoadVersion1(repository, "m");
  ASSERT_TRUE(model.ok()) << model.status();
  ASSERT_EQ((*model)->config().input_size(), 2);
  EXPECT_EQ((*model)->config().input(1).name(), "b");
  EXPECT_THAT((*model)->config().input(1).dims(), ElementsAre(4));

  // Read as with --disable-auto-complete-config.
  absl::StatusOr<repository::ModelConfigFile> file = repository::ReadModelConfig(repository.root() + "/m");
  ASSERT_TRUE(file.ok()) << file.status();
  model = SingleModel::Load(repository.root() + "/m", 1, *std::move(file), ServableOptions());
  ASSERT_FALSE(model.ok());
  EXPECT_THAT(model.status().message(), HasSubstr("input 'b' is missing from config.pbtxt"));
}

TEST(ServableModelTest, ReadsNothingOutsideTheRepository) {
  TestRepository outside;
  outside.WriteFile("secret.txt", "do not serve\n");
  outside.WriteFile("model.onnx", testing::ScaleModelOnnx(1.0f));
  TestRepository repository;
  repository.WriteFile("labels/1/model.onnx", testing::ScaleModelOnnx(1.0f));
  repository.WriteFile("labels/config.pbtxt",
                       BatchedConfig("x", "label_filename: \"labels.txt\" "));
  std::filesystem::create_symlink(outside.root() + "/secret.txt",
                                  repository.root() + "/labels/labels.txt");
  auto labels = LoadVersion1(repository, "labels");
  ASSERT_FALSE(labels.ok());
  EXPECT_EQ(labels.status().code(), absl::StatusCode::kPermissionDenied) << labels.status();

  std::filesystem::create_directories(repository.root() + "/file/1");
  std::filesystem::create_symlink(outside.root() + "/model.onnx",
                                  repository.root() + "/file/1/model.onnx");
  auto file = LoadVersion1(repository, "file");
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), absl::StatusCode::kPermissionDenied) << file.status();
  EXPECT_THAT(file.status().message(), HasSubstr("outside the model repository"));
}

TEST(BatcherOptionsTest, FollowConfig) {
  inference::ModelConfig config;
  config.set_name("m");
  config.set_max_batch_size(16);
  config.add_input()->add_dims(4);
  config.add_instance_group()->set_count(2);
  config.add_instance_group()->set_count(1);
  auto* batching = config.mutable_dynamic_batching();
  batching->set_max_queue_delay_microseconds(1500);
  batching->add_preferred_batch_size(8);
  DynamicBatcher::Options options = BatcherOptionsFromConfig(config, 100);
  EXPECT_EQ(options.max_batch_size, 16);
  EXPECT_EQ(options.num_workers, 3);
  EXPECT_TRUE(options.batching);
  EXPECT_EQ(options.max_queue_delay, absl::Microseconds(1500));
  EXPECT_THAT(options.preferred_batch_sizes, ElementsAre(8));
  EXPECT_FALSE(options.preserve_ordering);
  // As Triton: max_queue_size 0 is unbounded, whatever the server's default.
  EXPECT_EQ(options.queue.default_queue_policy.max_queue_size, 0);
  EXPECT_EQ(options.queue.priority_levels, 0u);
  batching->mutable_default_queue_policy()->set_max_queue_size(7);
  EXPECT_EQ(BatcherOptionsFromConfig(config, 100).queue.default_queue_policy.max_queue_size, 7);
}

TEST(BatcherOptionsTest, WithoutDynamicBatchingTheServerBoundsTheQueue) {
  inference::ModelConfig config;
  config.set_name("m");
  config.set_max_batch_size(0);
  config.add_input()->add_dims(4);
  DynamicBatcher::Options options = BatcherOptionsFromConfig(config, 100);
  EXPECT_FALSE(options.batching);
  EXPECT_EQ(options.queue.default_queue_policy.max_queue_size, 100);
  EXPECT_EQ(options.queue.default_queue_policy.default_timeout, absl::ZeroDuration());
}

TEST(BatcherOptionsTest, FollowQueuePoliciesAndPriorityLevels) {
  inference::ModelConfig config;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(R"pb(
    name: "m"
    max_batch_size: 8
    input { dims: [ 4 ] }
    dynamic_batching {
      preserve_ordering: true
      priority_levels: 3
      default_priority_level: 2
      default_queue_policy {
        timeout_action: DELAY
        default_timeout_microseconds: 2500
        allow_timeout_override: true
        max_queue_size: 9
      }
      priority_queue_policy {
        key: 1
        value { default_timeout_microseconds: 18446744073709551615 max_queue_size: 3 }
      }
    }
  )pb", &config));
  DynamicBatcher::Options options = BatcherOptionsFromConfig(config, 100);
  EXPECT_TRUE(options.preserve_ordering);
  EXPECT_EQ(options.queue.priority_levels, 3u);
  EXPECT_EQ(options.queue.default_priority_level, 2u);
  const QueuePolicy& fallback = options.queue.default_queue_policy;
  EXPECT_EQ(fallback.timeout_action, QueuePolicy::TimeoutAction::kDelay);
  EXPECT_EQ(fallback.default_timeout, absl::Microseconds(2500));
  EXPECT_TRUE(fallback.allow_timeout_override);
  EXPECT_EQ(fallback.max_queue_size, 9);
  ASSERT_EQ(options.queue.priority_queue_policy.size(), 1u);
  const QueuePolicy& first = options.queue.priority_queue_policy.at(1);
  EXPECT_EQ(first.timeout_action, QueuePolicy::TimeoutAction::kReject);
  EXPECT_GT(first.default_timeout, absl::Hours(24 * 365 * 1000)) << "uint64 timeouts do not wrap";
  EXPECT_FALSE(first.allow_timeout_override);
  EXPECT_EQ(first.max_queue_size, 3);
  EXPECT_TRUE(ValidateQueueOptions(options.queue, "m").ok());
}

TEST(BatcherOptionsTest, VariableDimensionsTurnBatchingOff) {
  inference::ModelConfig config;
  config.set_max_batch_size(16);
  config.add_input()->add_dims(-1);
  config.mutable_dynamic_batching();
  EXPECT_FALSE(BatcherOptionsFromConfig(config, 100).batching);
  config.clear_dynamic_batching();
  config.mutable_input(0)->set_dims(0, 4);
  EXPECT_FALSE(BatcherOptionsFromConfig(config, 100).batching) << "no dynamic_batching";
}

}  // namespace
}  // namespace convoy::server
