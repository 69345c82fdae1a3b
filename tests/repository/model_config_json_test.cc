#include "repository/model_config_json.h"

#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace convoy::repository {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr char kSource[] = "config parameter";

// A configuration as Triton's HTTP endpoint prints it for an ONNX model:
// every field, defaults included, 64-bit integers as strings, and settings
// Convoy does not have (empty batch_input, model_warmup, a non-empty
// optimization).
constexpr char kTritonPrinted[] = R"json({
  "name": "m", "platform": "onnxruntime_onnx", "backend": "onnxruntime", "runtime": "",
  "version_policy": {"latest": {"num_versions": 1}},
  "max_batch_size": 8,
  "input": [{"name": "x", "data_type": "TYPE_FP32", "format": "FORMAT_NONE", "dims": ["4"],
             "is_shape_tensor": false, "allow_ragged_batch": false, "optional": false,
             "is_non_linear_format_io": false}],
  "output": [{"name": "y", "data_type": "TYPE_FP32", "dims": ["4"], "label_filename": "",
              "is_shape_tensor": false, "is_non_linear_format_io": false}],
  "batch_input": [], "batch_output": [],
  "optimization": {"priority": "PRIORITY_DEFAULT", "input_pinned_memory": {"enable": true}},
  "dynamic_batching": {"preferred_batch_size": [4, 8], "max_queue_delay_microseconds": "100",
                       "preserve_ordering": false, "priority_levels": "0", "default_priority_level": "0",
                       "priority_queue_policy": {}},
  "instance_group": [{"name": "m_0", "kind": "KIND_CPU", "count": 1, "gpus": [], "secondary_devices": [],
                      "profile": [], "passive": false, "host_policy": ""}],
  "default_model_filename": "model.onnx", "cc_model_filenames": {}, "metric_tags": {},
  "parameters": {}, "model_warmup": [],
  "model_transaction_policy": {"decoupled": false}
})json";

constexpr char kBase[] =
    R"("input": [{"name": "x", "data_type": "TYPE_FP32", "dims": [4]}],)"
    R"( "output": [{"name": "y", "data_type": "TYPE_FP32", "dims": [4]}])";

absl::StatusOr<ModelConfigFile> Parse(const std::string& members) {
  return ParseModelConfigJson("{" + members + "}", kSource, "m");
}

template <typename... Fragments>
void ExpectError(const absl::StatusOr<ModelConfigFile>& result, absl::StatusCode code, Fragments... fragments) {
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), code) << result.status();
  EXPECT_THAT(std::string(result.status().message()), AllOf(HasSubstr(kSource), HasSubstr(fragments)...));
}

TEST(ModelConfigJsonTest, AcceptsAConfigAsTritonPrintsIt) {
  absl::StatusOr<ModelConfigFile> file = ParseModelConfigJson(kTritonPrinted, kSource, "m");
  ASSERT_TRUE(file.ok()) << file.status();
  const inference::ModelConfig& config = file->config;
  EXPECT_EQ(config.max_batch_size(), 8);
  EXPECT_THAT(config.input(0).dims(), ElementsAre(4));
  EXPECT_THAT(config.dynamic_batching().preferred_batch_size(), ElementsAre(4, 8));
  EXPECT_EQ(config.dynamic_batching().max_queue_delay_microseconds(), 100u);
  // Only the Triton setting with a value is worth a warning.
  EXPECT_THAT(file->warnings, ElementsAre(AllOf(HasSubstr("config parameter: "),
                                                HasSubstr("field 'optimization' is a Triton setting"))));
}

TEST(ModelConfigJsonTest, FillsTheNameAndTheDefaultsAsForAFile) {
  absl::StatusOr<ModelConfigFile> file = Parse(kBase);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->config.name(), "m");
  EXPECT_EQ(file->config.platform(), "onnxruntime_onnx");
  EXPECT_EQ(file->config.default_model_filename(), "model.onnx");
  ASSERT_EQ(file->config.instance_group_size(), 1);
  EXPECT_THAT(file->warnings, IsEmpty());
}

TEST(ModelConfigJsonTest, TakesCamelCaseNames) {
  absl::StatusOr<ModelConfigFile> file = Parse(std::string(R"("maxBatchSize": 4, "modelWarmup": [{"name": "w"}], )") + kBase);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->config.max_batch_size(), 4);
  EXPECT_THAT(file->warnings, ElementsAre(HasSubstr("field 'model_warmup' is a Triton setting")));
}

TEST(ModelConfigJsonTest, RefusesWhatAFileWouldBeRefused) {
  ExpectError(Parse(std::string(R"("name": "other", )") + kBase), absl::StatusCode::kInvalidArgument,
              "name: 'other' does not match");
  ExpectError(Parse(std::string(R"("max_batch_size": 4, "dynamic_batching": {"preferred_batch_size": [8]}, )") + kBase),
              absl::StatusCode::kInvalidArgument, "dynamic_batching.preferred_batch_size");
  ExpectError(Parse(kBase + std::string(R"(, "max_batch_sizee": 4)")), absl::StatusCode::kInvalidArgument,
              "max_batch_sizee: no such field", "did you mean 'max_batch_size'?");
  ExpectError(Parse(kBase + std::string(R"(, "instance_group": [{"kind": "KIND_TPU"}])")),
              absl::StatusCode::kInvalidArgument, "instance_group.kind: 'KIND_TPU' is not a value of Kind");
  ExpectError(Parse(kBase + std::string(R"(, "max_batch_size": "eight")")), absl::StatusCode::kInvalidArgument,
              "not a valid ModelConfig");
  ExpectError(Parse(kBase + std::string(R"(, "sequence_batching": {"max_sequence_idle_microseconds": 5})")),
              absl::StatusCode::kUnimplemented, "sequence_batching: sequence batching");
  ExpectError(Parse(kBase + std::string(R"(, "batch_input": [{"kind": "BATCH_ELEMENT_COUNT"}])")),
              absl::StatusCode::kUnimplemented, "batch_input");
  ExpectError(ParseModelConfigJson("[1, 2]", kSource, "m"), absl::StatusCode::kInvalidArgument, "not a JSON object");
  ExpectError(ParseModelConfigJson("{\"name\": ", kSource, "m"), absl::StatusCode::kInvalidArgument,
              "not a JSON object");
  ExpectError(ParseModelConfigJson(std::string(5 << 20, ' '), kSource, "m"), absl::StatusCode::kInvalidArgument,
              "more than a configuration may have");
}

TEST(ModelConfigJsonTest, ChecksFieldsInsideMapsAndListsToo) {
  ExpectError(Parse(kBase + std::string(R"(, "parameters": {"k": {"string_valu": "v"}})")),
              absl::StatusCode::kInvalidArgument, "parameters.string_valu: no such field");
  absl::StatusOr<ModelConfigFile> file =
      Parse(kBase + std::string(R"(, "instance_group": [{"count": 2, "rate_limiter": {"priority": 1}}])"));
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_THAT(file->warnings, SizeIs(1));
  EXPECT_THAT(file->warnings, Contains(HasSubstr("field 'instance_group.rate_limiter' is a Triton setting")));
}

}  // namespace
}  // namespace convoy::repository
