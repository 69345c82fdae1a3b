// Partial configs (ConfigCompleteness::kPartial): what auto-complete may
// fill is checked after it, everything else at once, and a complete config
// is still required where auto-complete is off.
#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "repository/model_config.h"
#include "tests/testing/temp_dir.h"

namespace convoy::repository {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kSource[] = "models/x/config.pbtxt";

absl::StatusOr<ModelConfigFile> ParsePartial(const std::string& text) {
  return ParseModelConfig(text, kSource, "x", ConfigCompleteness::kPartial);
}

template <typename... Fragments>
void ExpectError(const absl::Status& status, absl::StatusCode code, Fragments... fragments) {
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), code) << status;
  EXPECT_THAT(std::string(status.message()), AllOf(HasSubstr(fragments)...));
}

// What auto-complete adds for ScaleModelOnnx-like graphs: x [4] -> y [4].
void AddScaleTensors(inference::ModelConfig* config) {
  inference::ModelInput* input = config->add_input();
  input->set_name("x");
  input->set_data_type(inference::TYPE_FP32);
  input->add_dims(4);
  inference::ModelOutput* output = config->add_output();
  output->set_name("y");
  output->set_data_type(inference::TYPE_FP32);
  output->add_dims(4);
}

TEST(PartialConfigTest, BatchingOnlyConfigWaitsForItsTensors) {
  absl::StatusOr<ModelConfigFile> file = ParsePartial("max_batch_size: 8\ndynamic_batching { }\n");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_FALSE(file->complete);
  EXPECT_EQ(file->source, kSource);
  // The defaults that do not depend on the model are filled already.
  EXPECT_EQ(file->config.name(), "x");
  EXPECT_EQ(file->config.platform(), "onnxruntime_onnx");
  EXPECT_EQ(file->config.backend(), "onnxruntime");
  EXPECT_EQ(file->config.default_model_filename(), "model.onnx");
  EXPECT_EQ(file->config.instance_group_size(), 1);
  EXPECT_TRUE(file->config.version_policy().has_latest());

  ModelConfigFile completed = *file;
  AddScaleTensors(&completed.config);
  ASSERT_TRUE(CheckCompletedModelConfig(&completed).ok());
  EXPECT_TRUE(completed.complete);
}

TEST(PartialConfigTest, CompletedConfigIsCheckedAsStrictlyAsACompleteOne) {
  // Nothing filled in: the same refusal a complete parse gives at once.
  absl::StatusOr<ModelConfigFile> file = ParsePartial("max_batch_size: 8\n");
  ASSERT_TRUE(file.ok()) << file.status();
  ModelConfigFile unfilled = *file;
  ExpectError(CheckCompletedModelConfig(&unfilled), absl::StatusCode::kInvalidArgument,
              "models/x/config.pbtxt: input: at least one input is required");
  EXPECT_FALSE(unfilled.complete);
  ExpectError(ParseModelConfig("max_batch_size: 8\n", kSource, "x").status(), absl::StatusCode::kInvalidArgument,
              "models/x/config.pbtxt: input: at least one input is required");

  // A preferred batch size above max_batch_size is refused after completion.
  file = ParsePartial("max_batch_size: 8\ndynamic_batching { preferred_batch_size: [ 16 ] }\n");
  ASSERT_TRUE(file.ok()) << file.status();
  AddScaleTensors(&file->config);
  ExpectError(CheckCompletedModelConfig(&*file), absl::StatusCode::kInvalidArgument,
              "dynamic_batching.preferred_batch_size: 16 exceeds max_batch_size 8");

  // As is an unsupported type the model gave.
  file = ParsePartial("");
  ASSERT_TRUE(file.ok()) << file.status();
  AddScaleTensors(&file->config);
  file->config.mutable_input(0)->set_data_type(inference::TYPE_FP16);
  ExpectError(CheckCompletedModelConfig(&*file), absl::StatusCode::kUnimplemented,
              "input[0].data_type: TYPE_FP16 is not supported for 'x'");
}

TEST(PartialConfigTest, FieldsAutoCompleteNeverTouchesAreCheckedAtOnce) {
  ExpectError(ParsePartial("name: \"other\"\n").status(), absl::StatusCode::kInvalidArgument,
              "name: 'other' does not match the model directory 'x'");
  ExpectError(ParsePartial("platform: \"pytorch_libtorch\"\n").status(), absl::StatusCode::kUnimplemented,
              "platform: 'pytorch_libtorch' is not served");
  ExpectError(ParsePartial("max_batch_size: 5000\n").status(), absl::StatusCode::kInvalidArgument,
              "max_batch_size: 5000 is outside [0, 4096]");
  ExpectError(ParsePartial("version_policy { specific { } }\n").status(), absl::StatusCode::kInvalidArgument,
              "version_policy.specific.versions: empty");
  ExpectError(ParsePartial("instance_group [ { count: 65 } ]\n").status(), absl::StatusCode::kInvalidArgument,
              "instance_group[0].count: 65 is outside");
  ExpectError(ParsePartial("sequence_batching { }\n").status(), absl::StatusCode::kUnimplemented,
              "sequence_batching");
}

TEST(PartialConfigTest, WarningsOfTheFirstStepAreNotRepeatedByTheSecond) {
  absl::StatusOr<ModelConfigFile> file =
      ParsePartial("parameters { key: \"k\" value { string_value: \"v\" } }\ninstance_group [ { kind: KIND_GPU } ]\n");
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_EQ(file->warnings.size(), 2u);
  AddScaleTensors(&file->config);
  file->config.mutable_input(0)->set_optional(true);
  ASSERT_TRUE(CheckCompletedModelConfig(&*file).ok());
  EXPECT_THAT(file->warnings, ElementsAre(HasSubstr("instance_group[0].kind"), HasSubstr("parameters[\"k\"]"),
                                          HasSubstr("input[0].optional: ignored")));
}

TEST(PartialConfigTest, EnsemblesMustBeCompleteEvenWhenPartialIsAllowed) {
  absl::StatusOr<ModelConfigFile> file =
      ParsePartial("platform: \"convoy_ensemble\"\nmax_batch_size: 8\nensemble { member { model_name: \"a\" } }\n");
  ExpectError(file.status(), absl::StatusCode::kInvalidArgument, "input: at least one input is required");
}

TEST(PartialConfigTest, CompleteConfigsNeedNoSecondStep) {
  absl::StatusOr<ModelConfigFile> file =
      ParsePartial("input [ { name: \"x\" data_type: TYPE_FP32 dims: [ 4 ] } ]\n"
                   "output [ { name: \"y\" data_type: TYPE_FP32 dims: [ 4 ] } ]\n");
  ASSERT_TRUE(file.ok()) << file.status();
  // Auto-complete may still add what the model has and the file lacks.
  EXPECT_FALSE(file->complete);
  file = ParseModelConfig("input [ { name: \"x\" data_type: TYPE_FP32 dims: [ 4 ] } ]\n"
                          "output [ { name: \"y\" data_type: TYPE_FP32 dims: [ 4 ] } ]\n",
                          kSource, "x");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_TRUE(file->complete);
}

TEST(PartialConfigTest, ValidatesAConfigFromElsewhere) {
  ModelConfigFile file;
  file.config.set_max_batch_size(4);
  ASSERT_TRUE(ValidateModelConfig("load request 'config'", "x", ConfigCompleteness::kPartial, &file).ok());
  EXPECT_EQ(file.source, "load request 'config'");
  EXPECT_EQ(file.config.name(), "x");
  EXPECT_FALSE(file.complete);
  ModelConfigFile strict;
  strict.config.set_max_batch_size(4);
  ExpectError(ValidateModelConfig("load request 'config'", "x", ConfigCompleteness::kComplete, &strict),
              absl::StatusCode::kInvalidArgument, "load request 'config': input: at least one input is required");
}

TEST(ReadPartialConfigTest, AbsentFileIsAnEmptyConfigToComplete) {
  testing::TempDir dir;
  dir.Write("repo/m/1/model.onnx", "onnx");
  absl::StatusOr<ModelConfigFile> file = ReadModelConfig(dir.Path("repo/m"), ConfigCompleteness::kPartial);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_FALSE(file->complete);
  EXPECT_EQ(file->config.name(), "m");
  EXPECT_EQ(file->config.max_batch_size(), 0);
  EXPECT_THAT(file->config.input(), IsEmpty());
  EXPECT_THAT(file->warnings, IsEmpty());
  EXPECT_EQ(file->source, dir.Path("repo/m/config.pbtxt") + " (absent)");

  // Without auto-complete the file is required.
  ExpectError(ReadModelConfig(dir.Path("repo/m"), ConfigCompleteness::kComplete).status(),
              absl::StatusCode::kNotFound, "config.pbtxt");
  ExpectError(ReadModelConfig(dir.Path("repo/none"), ConfigCompleteness::kPartial).status(),
              absl::StatusCode::kNotFound, "no such model directory");
}

TEST(ReadPartialConfigTest, ReadsAPartialFile) {
  testing::TempDir dir;
  dir.Write("repo/m/config.pbtxt", "max_batch_size: 16\n");
  absl::StatusOr<ModelConfigFile> file = ReadModelConfig(dir.Path("repo/m"), ConfigCompleteness::kPartial);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->config.max_batch_size(), 16);
  EXPECT_EQ(file->source, dir.Path("repo/m/config.pbtxt"));
  ExpectError(ReadModelConfig(dir.Path("repo/m")).status(), absl::StatusCode::kInvalidArgument,
              "input: at least one input is required");
}

}  // namespace
}  // namespace convoy::repository
