#include "repository/model_config.h"

#include <cstdlib>
#include <filesystem>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/text_format.h"
#include "repository/model_config_checks.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace convoy::repository {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr char kSource[] = "zoo/models/x/config.pbtxt";

// zoo/models/resnet50/config.pbtxt, as tools/make_zoo.py writes it.
constexpr char kResnet50Config[] = R"pb(name: "resnet50"
platform: "onnxruntime_onnx"
max_batch_size: 32
input [ { name: "input" data_type: TYPE_FP32 dims: [ 3, 224, 224 ] } ]
output [ { name: "logits" data_type: TYPE_FP32 dims: [ 1000 ] label_filename: "labels.txt" } ]
)pb";

// The shape of a config from a Triton repository of ONNX models, with
// settings for GPUs and TensorRT that Convoy skips.
constexpr char kTritonConfig[] = R"pb(
name: "densenet_onnx"
platform: "onnxruntime_onnx"
max_batch_size : 8
version_policy: { specific: { versions: [ 1, 3 ] } }
input [
  {
    name: "data_0"
    data_type: TYPE_FP32
    format: FORMAT_NCHW
    dims: [ 3, 224, 224 ]
    reshape { shape: [ 1, 3, 224, 224 ] }
  }
]
output [
  {
    name: "fc6_1"
    data_type: TYPE_FP32
    dims: [ 1000 ]
    reshape { shape: [ 1, 1000, 1, 1 ] }
    label_filename: "densenet_labels.txt"
  }
]
instance_group [
  {
    count: 2
    kind: KIND_GPU
    gpus: [ 0, 1 ]
    rate_limiter { resources [ { name: "R1" count: 4 } ] priority: 2 }
  }
]
dynamic_batching {
  preferred_batch_size: [ 4, 8 ]
  max_queue_delay_microseconds: 100
  default_queue_policy { timeout_action: REJECT default_timeout_microseconds: 50000 max_queue_size: 16 }
}
optimization { execution_accelerators {
  gpu_execution_accelerator : [ {
    name : "tensorrt"
    parameters { key: "precision_mode" value: "FP16" }
    parameters { key: "max_workspace_size_bytes" value: "1073741824" } } ]
} }
model_warmup [
  {
    name: "zeros"
    batch_size: 1
    inputs { key: "data_0" value: { data_type: TYPE_FP32 dims: [ 3, 224, 224 ] zero_data: true } }
  }
]
parameters { key: "intra_op_thread_count" value: { string_value: "4" } }
)pb";

// A small valid body to which each test adds the field under test.
constexpr char kBase[] = R"pb(
input [ { name: "input" data_type: TYPE_FP32 dims: [ 3, 8, 8 ] } ]
output [ { name: "logits" data_type: TYPE_FP32 dims: [ 10 ] } ]
)pb";

absl::StatusOr<ModelConfigFile> Parse(const std::string& text) { return ParseModelConfig(text, kSource, "x"); }

// Asserts the code and that the message contains every fragment.
template <typename... Fragments>
void ExpectError(const absl::StatusOr<ModelConfigFile>& result, absl::StatusCode code, Fragments... fragments) {
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), code) << result.status();
  EXPECT_THAT(std::string(result.status().message()), AllOf(HasSubstr(fragments)...));
}

TEST(ModelConfigTest, ParsesZooConfig) {
  absl::StatusOr<ModelConfigFile> file = ParseModelConfig(kResnet50Config, kSource, "resnet50");
  ASSERT_TRUE(file.ok()) << file.status();
  const inference::ModelConfig& config = file->config;
  EXPECT_EQ(config.name(), "resnet50");
  EXPECT_EQ(config.platform(), "onnxruntime_onnx");
  EXPECT_EQ(config.max_batch_size(), 32);
  ASSERT_EQ(config.input_size(), 1);
  EXPECT_EQ(config.input(0).data_type(), inference::TYPE_FP32);
  EXPECT_THAT(config.input(0).dims(), ElementsAre(3, 224, 224));
  ASSERT_EQ(config.output_size(), 1);
  EXPECT_EQ(config.output(0).label_filename(), "labels.txt");
  EXPECT_THAT(file->warnings, IsEmpty());
}

// Every config of the zoo this repository ships must load without warnings.
TEST(ModelConfigTest, ReadsEveryZooConfig) {
  const char* zoo = std::getenv("CONVOY_ZOO_DIR");
  if (zoo == nullptr || !std::filesystem::is_directory(std::filesystem::path(zoo) / "models")) {
    GTEST_SKIP() << "CONVOY_ZOO_DIR not set";
  }
  int read = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(zoo) / "models")) {
    if (!std::filesystem::exists(entry.path() / kModelConfigFileName)) continue;
    absl::StatusOr<ModelConfigFile> file = ReadModelConfig(entry.path().string());
    ASSERT_TRUE(file.ok()) << file.status();
    EXPECT_EQ(file->config.name(), entry.path().filename().string());
    EXPECT_THAT(file->warnings, IsEmpty()) << entry.path();
    ++read;
  }
  EXPECT_GT(read, 0);
}

TEST(ModelConfigTest, AcceptsByteOrderMark) {
  absl::StatusOr<ModelConfigFile> file = Parse(std::string("\xEF\xBB\xBFmax_batch_size: 4\r\n") + kBase);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->config.max_batch_size(), 4);
}

TEST(ModelConfigTest, FillsDefaults) {
  absl::StatusOr<ModelConfigFile> file = Parse(kBase);
  ASSERT_TRUE(file.ok()) << file.status();
  const inference::ModelConfig& config = file->config;
  EXPECT_EQ(config.name(), "x");
  EXPECT_EQ(config.platform(), "onnxruntime_onnx");
  EXPECT_EQ(config.backend(), "onnxruntime");
  EXPECT_EQ(config.max_batch_size(), 0);
  ASSERT_TRUE(config.version_policy().has_latest());
  EXPECT_EQ(config.version_policy().latest().num_versions(), 1u);
  ASSERT_EQ(config.instance_group_size(), 1);
  EXPECT_EQ(config.instance_group(0).count(), 1);
  EXPECT_EQ(config.instance_group(0).kind(), inference::ModelInstanceGroup::KIND_CPU);
  EXPECT_EQ(config.instance_group(0).name(), "x_0");
  EXPECT_EQ(config.default_model_filename(), "model.onnx");
  EXPECT_FALSE(config.has_dynamic_batching());
  EXPECT_THAT(file->warnings, IsEmpty());
}

TEST(ModelConfigTest, FillsPlatformFromConvoyBackend) {
  absl::StatusOr<ModelConfigFile> file = Parse(std::string("backend: \"convoy\"") + kBase);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->config.platform(), "convoy_onnx");
}

TEST(ModelConfigTest, NormalizesLatestZeroAndInstanceCountZeroToOne) {
  absl::StatusOr<ModelConfigFile> file = Parse(std::string(R"pb(
    version_policy { latest { num_versions: 0 } }
    instance_group [ { count: 0 kind: KIND_CPU }, { count: 3 kind: KIND_AUTO } ]
  )pb") + kBase);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->config.version_policy().latest().num_versions(), 1u);
  ASSERT_EQ(file->config.instance_group_size(), 2);
  EXPECT_EQ(file->config.instance_group(0).count(), 1);
  EXPECT_EQ(file->config.instance_group(1).count(), 3);
  EXPECT_EQ(file->config.instance_group(1).kind(), inference::ModelInstanceGroup::KIND_CPU);
  EXPECT_THAT(file->warnings, IsEmpty());
}

TEST(ModelConfigTest, AcceptsTritonOnnxRepositoryConfig) {
  absl::StatusOr<ModelConfigFile> file = ParseModelConfig(kTritonConfig, kSource, "densenet_onnx");
  ASSERT_TRUE(file.ok()) << file.status();
  const inference::ModelConfig& config = file->config;
  EXPECT_THAT(config.version_policy().specific().versions(), ElementsAre(1, 3));
  EXPECT_EQ(config.instance_group(0).count(), 2);
  EXPECT_EQ(config.instance_group(0).kind(), inference::ModelInstanceGroup::KIND_CPU);
  EXPECT_THAT(config.instance_group(0).gpus(), IsEmpty());
  EXPECT_THAT(config.dynamic_batching().preferred_batch_size(), ElementsAre(4, 8));
  EXPECT_EQ(config.dynamic_batching().default_queue_policy().max_queue_size(), 16u);
  EXPECT_EQ(config.parameters().at("intra_op_thread_count").string_value(), "4");
  EXPECT_EQ(config.output(0).label_filename(), "densenet_labels.txt");

  // One warning per setting that is accepted and not applied.
  EXPECT_THAT(file->warnings, SizeIs(6));
  EXPECT_THAT(file->warnings,
              Contains(AllOf(HasSubstr(kSource), HasSubstr("field 'optimization' is a Triton setting Convoy ignores"))));
  EXPECT_THAT(file->warnings, Contains(HasSubstr("field 'model_warmup' is a Triton setting")));
  EXPECT_THAT(file->warnings, Contains(HasSubstr("field 'instance_group.rate_limiter' is a Triton setting")));
  EXPECT_THAT(file->warnings, Contains(AllOf(HasSubstr("instance_group[0].kind"), HasSubstr("KIND_GPU"),
                                             HasSubstr("run on the CPU"))));
  EXPECT_THAT(file->warnings, Contains(AllOf(HasSubstr("input[0].format: FORMAT_NCHW"), HasSubstr("not applied"))));
  EXPECT_THAT(file->warnings,
              Contains(AllOf(HasSubstr("parameters[\"intra_op_thread_count\"]: ignored"), HasSubstr("--engine-threads"))));
}

// Every prefix of a real config is either valid or refused with a message
// naming the file: no crash, no hang, no unattributed error.
TEST(ModelConfigTest, RefusesEveryTruncationCleanly) {
  const std::string text = kTritonConfig;
  for (size_t length = 0; length < text.size(); ++length) {
    absl::StatusOr<ModelConfigFile> file = ParseModelConfig(text.substr(0, length), kSource, "densenet_onnx");
    if (!file.ok()) {
      EXPECT_THAT(std::string(file.status().message()), ::testing::StartsWith(kSource)) << length;
    }
  }
}

TEST(ModelConfigTest, WarnsWithLineOfIgnoredField) {
  absl::StatusOr<ModelConfigFile> file = Parse(std::string("response_cache { enable: true }\n") + kBase);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_THAT(file->warnings, ElementsAre(std::string(kSource) +
                                          ":1: field 'response_cache' is a Triton setting Convoy ignores"));
}

TEST(ModelConfigTest, SkipsNestedListsWithoutColonInIgnoredFields) {
  absl::StatusOr<ModelConfigFile> file = Parse(
      std::string("model_repository_agents { agents [ { name: \"checksum\"\n"
                  "  parameters [ { key: \"MD5:1/model.onnx\" value: \"x\" } ] } ] }\n") +
      kBase);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_THAT(file->warnings, ElementsAre(HasSubstr("field 'model_repository_agents'")));
}

TEST(ModelConfigTest, RejectsTypoFieldWithLine) {
  ExpectError(Parse(std::string("name: \"x\"\n\nmax_batch_sizee: 8\n") + kBase), absl::StatusCode::kInvalidArgument,
              "zoo/models/x/config.pbtxt:3: max_batch_sizee: no such field", "did you mean 'max_batch_size'?");
}

TEST(ModelConfigTest, RejectsTypoInNestedFieldWithPath) {
  ExpectError(Parse(std::string("max_batch_size: 8\ndynamic_batching { max_queue_delay_microsecond: 10 }\n") + kBase),
              absl::StatusCode::kInvalidArgument,
              "config.pbtxt:2: dynamic_batching.max_queue_delay_microsecond: no such field",
              "did you mean 'max_queue_delay_microseconds'?");
}

TEST(ModelConfigTest, ReportsSyntaxErrorLineColumn) {
  ExpectError(Parse("name: \"x\"\ninput [ { name: \"a\" dims: [ 3 224 ] } ]\n"), absl::StatusCode::kInvalidArgument,
              "zoo/models/x/config.pbtxt:2:31: Expected \",\", found \"224\"");
}

TEST(ModelConfigTest, ReportsOriginalColumnAfterInsertedColon) {
  // AddListColons turns `instance_group[` into `instance_group:[`; the column
  // of the bad value must still be the one in the file.
  ExpectError(Parse("instance_group[ { count: \"two\" } ]\n"), absl::StatusCode::kInvalidArgument,
              "config.pbtxt:1:26: Expected integer");
}

TEST(ModelConfigTest, RejectsUnknownEnumValue) {
  ExpectError(Parse(std::string("instance_group [ { kind: KIND_TPU } ]\n") + kBase), absl::StatusCode::kInvalidArgument,
              "config.pbtxt:1:", "KIND_TPU");
}

TEST(ModelConfigTest, RejectsSequenceBatching) {
  ExpectError(Parse(std::string("max_batch_size: 4\nsequence_batching { max_sequence_idle_microseconds: 5000000 }\n") +
                    kBase),
              absl::StatusCode::kUnimplemented, "config.pbtxt:2: sequence_batching: sequence batching");
}

TEST(ModelConfigTest, RejectsTritonEnsemble) {
  ExpectError(Parse(std::string(R"pb(platform: "ensemble"
    ensemble_scheduling { step [ { model_name: "a" model_version: -1 input_map { key: "i" value: "input" } } ] }
  )pb") + kBase),
              absl::StatusCode::kUnimplemented, "ensemble_scheduling: Triton's ensemble pipelines are not supported", "platform \"convoy_ensemble\"");
}

TEST(ModelConfigTest, RejectsBatchInput) {
  ExpectError(Parse(std::string("batch_input [ { kind: BATCH_ELEMENT_COUNT target_name: \"n\" } ]\n") + kBase),
              absl::StatusCode::kUnimplemented, "batch_input: batch inputs");
}

TEST(ModelConfigTest, RejectsNameMismatch) {
  ExpectError(Parse(std::string("name: \"resnet50\"\n") + kBase), absl::StatusCode::kInvalidArgument,
              "zoo/models/x/config.pbtxt: name: 'resnet50' does not match the model directory 'x'");
}

TEST(ModelConfigTest, RejectsUnsupportedPlatform) {
  ExpectError(Parse(std::string("platform: \"tensorflow_savedmodel\"\n") + kBase), absl::StatusCode::kUnimplemented,
              "platform: 'tensorflow_savedmodel' is not served: Convoy runs ONNX models (platform onnxruntime_onnx)");
}

TEST(ModelConfigTest, RejectsUnsupportedBackend) {
  ExpectError(Parse(std::string("backend: \"python\"\n") + kBase), absl::StatusCode::kUnimplemented,
              "backend: 'python' is not served");
}

TEST(ModelConfigTest, RejectsMaxBatchSizeOutOfRange) {
  ExpectError(Parse(std::string("max_batch_size: 5000\n") + kBase), absl::StatusCode::kInvalidArgument,
              "max_batch_size: 5000 is outside [0, 4096]");
  ExpectError(Parse(std::string("max_batch_size: -1\n") + kBase), absl::StatusCode::kInvalidArgument,
              "max_batch_size: -1 is outside");
}

TEST(ModelConfigTest, RejectsConfigWithoutInputs) {
  ExpectError(Parse("output [ { name: \"y\" data_type: TYPE_FP32 dims: [ 1 ] } ]"), absl::StatusCode::kInvalidArgument,
              "input: at least one input is required");
}

TEST(ModelConfigTest, RejectsDuplicateInputName) {
  ExpectError(Parse(std::string("input [ { name: \"input\" data_type: TYPE_UINT8 dims: [ 4 ] } ]\n") + kBase),
              absl::StatusCode::kInvalidArgument, "input[1].name: 'input' is declared twice");
}

TEST(ModelConfigTest, RejectsEmptyOutputName) {
  ExpectError(Parse(std::string("output [ { data_type: TYPE_FP32 dims: [ 4 ] } ]\n") + kBase),
              absl::StatusCode::kInvalidArgument, "output[0].name: empty");
}

TEST(ModelConfigTest, PointsStringInputsToPreprocessing) {
  ExpectError(Parse("input [ { name: \"jpeg\" data_type: TYPE_STRING dims: [ 1 ] } ]\n"
                    "output [ { name: \"y\" data_type: TYPE_FP32 dims: [ -1 ] } ]\n"),
              absl::StatusCode::kUnimplemented, "input[0].data_type: TYPE_STRING is not supported",
              "add a `preprocessing` section");
}

// The engine's types: INT64 inputs carry indices or shapes.
TEST(ModelConfigTest, AcceptsInt64Inputs) {
  absl::StatusOr<ModelConfigFile> file =
      Parse(std::string("input [ { name: \"shape\" data_type: TYPE_INT64 dims: [ 2 ] } ]\n") + kBase);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->config.input(0).data_type(), inference::TYPE_INT64);
}

TEST(ModelConfigTest, RejectsUnsupportedTensorTypes) {
  ExpectError(Parse(std::string("input [ { name: \"ids\" data_type: TYPE_INT32 dims: [ 4 ] } ]\n") + kBase),
              absl::StatusCode::kUnimplemented, "input[0].data_type: TYPE_INT32 is not supported for 'ids'",
              "TYPE_FP32, TYPE_UINT8 or TYPE_INT64");
  ExpectError(Parse(std::string("output [ { name: \"half\" data_type: TYPE_FP16 dims: [ 4 ] } ]\n") + kBase),
              absl::StatusCode::kUnimplemented, "output[0].data_type: TYPE_FP16 is not supported");
  ExpectError(Parse(std::string("input [ { name: \"t\" dims: [ 4 ] } ]\n") + kBase), absl::StatusCode::kInvalidArgument,
              "input[0].data_type: required");
}

TEST(ModelConfigTest, RejectsBadDims) {
  ExpectError(Parse(std::string("input [ { name: \"z\" data_type: TYPE_FP32 dims: [ 3, 0 ] } ]\n") + kBase),
              absl::StatusCode::kInvalidArgument, "input[0].dims[1]: 0 is not a dimension");
  ExpectError(Parse(std::string("input [ { name: \"z\" data_type: TYPE_FP32 dims: [ -2 ] } ]\n") + kBase),
              absl::StatusCode::kInvalidArgument, "input[0].dims[0]: -2 is not a dimension");
  ExpectError(
      Parse(std::string("input [ { name: \"z\" data_type: TYPE_FP32 dims: [ 1, 1, 1, 1, 1, 1, 1, 1, 1 ] } ]\n") + kBase),
      absl::StatusCode::kInvalidArgument, "input[0].dims: 9 dimensions, more than 8");
  ExpectError(Parse(std::string("input [ { name: \"z\" data_type: TYPE_FP32 } ]\n") + kBase),
              absl::StatusCode::kInvalidArgument, "input[0].dims: required");
}

TEST(ModelConfigTest, RejectsReshapeWithOtherElementCount) {
  ExpectError(
      Parse(std::string("input [ { name: \"z\" data_type: TYPE_FP32 dims: [ 3, 4 ] reshape { shape: [ 13 ] } } ]\n") +
            kBase),
      absl::StatusCode::kInvalidArgument, "input[0].reshape.shape: [13] holds 13 elements but dims [3, 4] hold 12");
}

TEST(ModelConfigTest, AcceptsReshapeToScalarAndAlongDynamicDims) {
  absl::StatusOr<ModelConfigFile> file = Parse(std::string(
      "max_batch_size: 4\n"
      "input [ { name: \"s\" data_type: TYPE_FP32 dims: [ 1 ] reshape { shape: [ ] } },"
      "        { name: \"d\" data_type: TYPE_FP32 dims: [ 2, 4, -1, 6 ] reshape { shape: [ 8, -1, 1, 6 ] } } ]\n") +
      kBase);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_TRUE(file->config.input(1).has_reshape());
}

// Triton's rule: each -1 of dims becomes the -1 in the same place of the
// reshape's order, so the fixed dimensions between them must hold as many
// elements on both sides.
TEST(ModelConfigTest, RejectsReshapeThatMovesElementsAcrossDynamicDims) {
  ExpectError(
      Parse(std::string("input [ { name: \"d\" data_type: TYPE_FP32 dims: [ -1, 4 ] reshape { shape: [ 2, -1 ] } } ]\n") +
            kBase),
      absl::StatusCode::kInvalidArgument, "input[0].reshape.shape: [2, -1] does not match dims [-1, 4]");
  ExpectError(
      Parse(std::string("input [ { name: \"d\" data_type: TYPE_FP32 dims: [ 4 ] reshape { shape: [ -1, 4 ] } } ]\n") +
            kBase),
      absl::StatusCode::kInvalidArgument, "input[0].reshape.shape: [-1, 4] does not match dims [4]");
}

TEST(ModelConfigTest, RejectsScalarReshapeWithoutBatching) {
  ExpectError(
      Parse(std::string("input [ { name: \"s\" data_type: TYPE_FP32 dims: [ 1 ] reshape { shape: [ ] } } ]\n") + kBase),
      absl::StatusCode::kInvalidArgument, "input[0].reshape.shape: empty (a scalar) needs max_batch_size > 0");
}

TEST(ModelConfigTest, RejectsInputFormatWithoutThreeDims) {
  ExpectError(Parse(std::string("input [ { name: \"f\" data_type: TYPE_FP32 format: FORMAT_NHWC dims: [ 8, 8 ] } ]\n") +
                    kBase),
              absl::StatusCode::kInvalidArgument, "input[0].format: FORMAT_NHWC needs dims of 3 dimensions");
}

TEST(ModelConfigTest, RejectsShapeTensor) {
  ExpectError(
      Parse(std::string("input [ { name: \"s\" data_type: TYPE_FP32 dims: [ 2 ] is_shape_tensor: true } ]\n") + kBase),
      absl::StatusCode::kUnimplemented, "input[0].is_shape_tensor: shape tensors are not supported");
}

TEST(ModelConfigTest, RejectsLabelPathTraversal) {
  for (const char* label : {"../labels.txt", "/etc/passwd", "sub/labels.txt", ".."}) {
    SCOPED_TRACE(label);
    ExpectError(Parse(std::string("output [ { name: \"y\" data_type: TYPE_FP32 dims: [ 2 ] label_filename: \"") + label +
                      "\" } ]\n" + kBase),
                absl::StatusCode::kInvalidArgument, "output[0].label_filename: '", "inside the model directory");
  }
}

TEST(ModelConfigTest, RejectsBadVersionPolicy) {
  ExpectError(Parse(std::string("version_policy { specific { } }\n") + kBase), absl::StatusCode::kInvalidArgument,
              "version_policy.specific.versions: empty");
  ExpectError(Parse(std::string("version_policy { specific { versions: [ 2, 0 ] } }\n") + kBase),
              absl::StatusCode::kInvalidArgument, "version_policy.specific.versions[1]: 0 is not a version");
}

TEST(ModelConfigTest, RejectsPreferredBatchAboveMax) {
  ExpectError(Parse(std::string("max_batch_size: 32\ndynamic_batching { preferred_batch_size: [ 8, 64 ] }\n") + kBase),
              absl::StatusCode::kInvalidArgument,
              "zoo/models/x/config.pbtxt: dynamic_batching.preferred_batch_size: 64 exceeds max_batch_size 32");
}

TEST(ModelConfigTest, RejectsDynamicBatchingWithoutBatching) {
  ExpectError(Parse(std::string("dynamic_batching { }\n") + kBase), absl::StatusCode::kInvalidArgument,
              "dynamic_batching: needs max_batch_size > 0");
}

TEST(ModelConfigTest, RejectsQueueDelayAboveTenSeconds) {
  ExpectError(
      Parse(std::string("max_batch_size: 8\ndynamic_batching { max_queue_delay_microseconds: 10000001 }\n") + kBase),
      absl::StatusCode::kInvalidArgument, "dynamic_batching.max_queue_delay_microseconds: 10000001 exceeds");
}

TEST(ModelConfigTest, AcceptsPriorityLevelsAndQueuePolicies) {
  absl::StatusOr<ModelConfigFile> file = Parse(std::string(R"pb(
    max_batch_size: 8
    dynamic_batching {
      priority_levels: 3
      default_priority_level: 2
      default_queue_policy { timeout_action: DELAY default_timeout_microseconds: 1000 allow_timeout_override: true }
      priority_queue_policy { key: 1 value { max_queue_size: 4 } }
      priority_queue_policy { key: 3 value { timeout_action: REJECT default_timeout_microseconds: 50 } }
    }
  )pb") + kBase);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_THAT(file->warnings, IsEmpty());
  EXPECT_EQ(file->config.dynamic_batching().priority_levels(), 3u);
  EXPECT_EQ(file->config.dynamic_batching().priority_queue_policy().at(1).max_queue_size(), 4u);
}

TEST(ModelConfigTest, RejectsDefaultPriorityLevelOutsideTheLevels) {
  for (const char* level : {"0", "4"}) {
    ExpectError(Parse(absl::StrCat("max_batch_size: 8\ndynamic_batching { priority_levels: 3 default_priority_level: ",
                                   level, " }\n", kBase)),
                absl::StatusCode::kInvalidArgument,
                absl::StrCat("config.pbtxt: dynamic_batching.default_priority_level: ", level,
                             " is outside [1, priority_levels 3]"));
  }
}

TEST(ModelConfigTest, RejectsQueuePolicyOfALevelThatDoesNotExist) {
  ExpectError(Parse(std::string("max_batch_size: 8\ndynamic_batching { priority_levels: 2 default_priority_level: 1 "
                                "priority_queue_policy { key: 3 value { max_queue_size: 1 } } }\n") +
                    kBase),
              absl::StatusCode::kInvalidArgument,
              "dynamic_batching.priority_queue_policy[3]: level 3 is outside [1, priority_levels 2]");
}

TEST(ModelConfigTest, WarnsForLevelSettingsWithoutLevels) {
  absl::StatusOr<ModelConfigFile> file =
      Parse(std::string("max_batch_size: 8\ndynamic_batching { default_priority_level: 2 "
                        "priority_queue_policy { key: 1 value { max_queue_size: 1 } } }\n") +
            kBase);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_THAT(file->warnings,
              ElementsAre(HasSubstr("dynamic_batching.priority_queue_policy: ignored: priority_levels is not set"),
                          HasSubstr("dynamic_batching.default_priority_level: ignored: priority_levels is not set")));
}

TEST(ModelConfigTest, RejectsUnknownTimeoutAction) {
  ModelConfigFile file;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(std::string("max_batch_size: 8\n") + kBase, &file.config));
  file.config.mutable_dynamic_batching()->set_priority_levels(1);
  file.config.mutable_dynamic_batching()->set_default_priority_level(1);
  (*file.config.mutable_dynamic_batching()->mutable_priority_queue_policy())[1].set_timeout_action(
      static_cast<inference::ModelQueuePolicy::TimeoutAction>(7));  // As JSON may carry it.
  const absl::Status status = ValidateModelConfig(kSource, "x", ConfigCompleteness::kComplete, &file);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("dynamic_batching.priority_queue_policy[1].timeout_action: 7 is not a timeout action"));
}

TEST(ModelConfigTest, PreserveOrderingRefusesWhatWouldReorder) {
  // As Triton: levels and DELAY reorder requests.
  ExpectError(Parse(std::string("max_batch_size: 8\ndynamic_batching { preserve_ordering: true priority_levels: 2 "
                                "default_priority_level: 1 }\n") +
                    kBase),
              absl::StatusCode::kInvalidArgument,
              "dynamic_batching.preserve_ordering: cannot be combined with priority_levels 2");
  ExpectError(Parse(std::string("max_batch_size: 8\ndynamic_batching { preserve_ordering: true default_queue_policy "
                                "{ timeout_action: DELAY default_timeout_microseconds: 10 } }\n") +
                    kBase),
              absl::StatusCode::kInvalidArgument,
              "dynamic_batching.default_queue_policy.timeout_action: DELAY cannot be combined with "
              "dynamic_batching.preserve_ordering");
  absl::StatusOr<ModelConfigFile> file =
      Parse(std::string("max_batch_size: 8\ndynamic_batching { preserve_ordering: true priority_levels: 1 "
                        "default_priority_level: 1 default_queue_policy { timeout_action: DELAY } "
                        "priority_queue_policy { key: 1 value { default_timeout_microseconds: 10 } } }\n") +
            kBase);
  EXPECT_TRUE(file.ok()) << file.status();
}

TEST(ModelConfigTest, RejectsTooManyInstances) {
  ExpectError(Parse(std::string("instance_group [ { count: 65 } ]\n") + kBase), absl::StatusCode::kInvalidArgument,
              "instance_group[0].count: 65 is outside [1, 64]");
}

TEST(ModelConfigTest, RejectsModelFileNameWithPath) {
  ExpectError(Parse(std::string("default_model_filename: \"../../model.onnx\"\n") + kBase),
              absl::StatusCode::kInvalidArgument, "default_model_filename: '../../model.onnx' must be a file name");
}

TEST(ModelConfigTest, KeepsParametersAndMetricTagsAndWarnsThatTheyAreNotApplied) {
  absl::StatusOr<ModelConfigFile> file = Parse(std::string(R"pb(
    parameters [ { key: "b" value: { string_value: "two" } }, { key: "a" value: { string_value: "1" } } ]
    metric_tags { key: "team" value: "vision" }
  )pb") + kBase);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->config.parameters().size(), 2u);
  EXPECT_EQ(file->config.parameters().at("b").string_value(), "two");
  EXPECT_EQ(file->config.metric_tags().at("team"), "vision");
  EXPECT_THAT(file->warnings,
              ElementsAre(std::string(kSource) + ": parameters[\"a\"]: ignored: Convoy reads no model parameters "
                                                 "(they are returned by ModelConfig)",
                          HasSubstr("parameters[\"b\"]: ignored"), HasSubstr("metric_tags: ignored")));
}

TEST(ReadModelConfigTest, ReadsAndNamesModelAfterDirectory) {
  testing::TempDir dir;
  dir.Write("repo/mnist/config.pbtxt", kBase);
  absl::StatusOr<ModelConfigFile> file = ReadModelConfig(dir.Path("repo/mnist/"));
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->config.name(), "mnist");
}

TEST(ReadModelConfigTest, ErrorsNameTheFile) {
  testing::TempDir dir;
  const std::string path = dir.Write("repo/mnist/config.pbtxt", std::string("max_batch_size: -3\n") + kBase);
  absl::StatusOr<ModelConfigFile> file = ReadModelConfig(dir.Path("repo/mnist"));
  ExpectError(file, absl::StatusCode::kInvalidArgument, path + ": max_batch_size: -3");
}

TEST(ReadModelConfigTest, NotFoundWithoutConfigFile) {
  testing::TempDir dir;
  dir.Write("repo/mnist/1/model.onnx", "onnx");
  ExpectError(ReadModelConfig(dir.Path("repo/mnist")), absl::StatusCode::kNotFound, "config.pbtxt");
  ExpectError(ReadModelConfig(dir.Path("repo/absent")), absl::StatusCode::kNotFound, "no such model directory");
}

TEST(ReadModelConfigTest, RefusesAConfigLinkedFromOutsideTheRepository) {
  testing::TempDir dir;
  const std::string outside = dir.Write("elsewhere/config.pbtxt", kBase);
  dir.Write("repo/mnist/1/model.onnx", "onnx");
  dir.Write("repo/relative/1/model.onnx", "onnx");
  std::filesystem::create_symlink(outside, dir.path() / "repo/mnist/config.pbtxt");
  std::filesystem::create_symlink("../../elsewhere/config.pbtxt", dir.path() / "repo/relative/config.pbtxt");
  ExpectError(ReadModelConfig(dir.Path("repo/mnist")), absl::StatusCode::kPermissionDenied,
              dir.Path("repo/mnist/config.pbtxt") + " resolves outside the model repository");
  ExpectError(ReadModelConfig(dir.Path("repo/relative/")), absl::StatusCode::kPermissionDenied,
              dir.Path("repo/relative/config.pbtxt") + " resolves outside the model repository");
}

TEST(ReadModelConfigTest, FollowsAConfigLinkedInsideTheRepository) {
  testing::TempDir dir;
  dir.Write("repo/shared/mnist.pbtxt", kBase);
  dir.Write("repo/mnist/1/model.onnx", "onnx");
  std::filesystem::create_symlink("../shared/mnist.pbtxt", dir.path() / "repo/mnist/config.pbtxt");
  absl::StatusOr<ModelConfigFile> file = ReadModelConfig(dir.Path("repo/mnist"));
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->config.name(), "mnist");
}

}  // namespace
}  // namespace convoy::repository
