// Every setting Convoy accepts and does not apply gives exactly one warning
// that names it (docs/MODEL_REPOSITORY.md, "Every field"), whether it is a
// Triton field the schema leaves out, a declared field, or a parameter.
#include "repository/unapplied_fields.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "repository/model_config.h"

namespace convoy::repository {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr char kSource[] = "models/x/config.pbtxt";

struct Warned {
  std::string name;    // The test's name.
  std::string config;  // Top-level fields added to the base config.
  std::string input;   // Fields added to the input.
  std::string output;  // Fields added to the output.
  std::string names;   // What the one warning must say.
};

std::string Config(const Warned& warned) {
  return "max_batch_size: 8\ninput [ { name: \"x\" data_type: TYPE_FP32 dims: [ 1, 2, 2 ] " + warned.input +
         " } ]\noutput [ { name: \"y\" data_type: TYPE_FP32 dims: [ 4 ] " + warned.output + " } ]\n" +
         warned.config + "\n";
}

const std::vector<Warned>& AllWarned() {
  static const auto* const warned = new std::vector<Warned>{
      {"Optimization", "optimization { graph { level: 1 } }", "", "", "field 'optimization'"},
      {"ModelWarmup", "model_warmup [ { name: \"zeros\" batch_size: 1 } ]", "", "", "field 'model_warmup'"},
      {"ResponseCache", "response_cache { enable: true }", "", "", "field 'response_cache'"},
      {"ModelOperations", "model_operations { op_library_filename: [ \"ops.so\" ] }", "", "",
       "field 'model_operations'"},
      {"ModelTransactionPolicy", "model_transaction_policy { decoupled: false }", "", "",
       "field 'model_transaction_policy'"},
      {"ModelRepositoryAgents", "model_repository_agents { agents [ { name: \"checksum\" } ] }", "", "",
       "field 'model_repository_agents'"},
      {"Runtime", "runtime: \"model.py\"", "", "", "field 'runtime'"},
      {"ModelMetrics", "model_metrics { }", "", "", "field 'model_metrics'"},
      {"CcModelFilenames", "cc_model_filenames { key: \"7.5\" value: \"a.onnx\" }", "", "", "cc_model_filenames:"},
      {"MetricTags", "metric_tags { key: \"team\" value: \"vision\" }", "", "", "metric_tags:"},
      {"Parameters", "parameters { key: \"execution_mode\" value { string_value: \"0\" } }", "", "",
       "parameters[\"execution_mode\"]:"},
      {"GpuKind", "instance_group [ { kind: KIND_GPU } ]", "", "", ".kind: KIND_GPU"},
      {"ModelKind", "instance_group [ { kind: KIND_MODEL } ]", "", "", ".kind: KIND_MODEL"},
      {"Gpus", "instance_group [ { kind: KIND_CPU gpus: [ 0 ] } ]", "", "", ".gpus:"},
      {"Profile", "instance_group [ { profile: [ \"0\" ] } ]", "", "", ".profile:"},
      {"Passive", "instance_group [ { passive: true } ]", "", "", ".passive:"},
      {"HostPolicy", "instance_group [ { host_policy: \"numa0\" } ]", "", "", ".host_policy:"},
      {"RateLimiter", "instance_group [ { rate_limiter { priority: 1 } } ]", "", "",
       "field 'instance_group.rate_limiter'"},
      {"SecondaryDevices", "instance_group [ { secondary_devices [ { device_id: 0 } ] } ]", "", "",
       "field 'instance_group.secondary_devices'"},
      {"AllowRaggedBatch", "", "allow_ragged_batch: true", "", "input[0].allow_ragged_batch:"},
      {"Optional", "", "optional: true", "", "input[0].optional:"},
      {"Format", "", "format: FORMAT_NCHW", "", "input[0].format:"},
      {"InputNonLinearFormat", "", "is_non_linear_format_io: false", "", "field 'input.is_non_linear_format_io'"},
      {"OutputNonLinearFormat", "", "", "is_non_linear_format_io: false", "field 'output.is_non_linear_format_io'"},
  };
  return *warned;
}

class UnappliedFieldTest : public ::testing::TestWithParam<Warned> {};

TEST_P(UnappliedFieldTest, GivesOneWarningNamingIt) {
  absl::StatusOr<ModelConfigFile> file = ParseModelConfig(Config(GetParam()), kSource, "x");
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_THAT(file->warnings, SizeIs(1));
  EXPECT_THAT(file->warnings[0], HasSubstr(kSource));
  EXPECT_THAT(file->warnings[0], HasSubstr(GetParam().names));
}

INSTANTIATE_TEST_SUITE_P(Repository, UnappliedFieldTest, ::testing::ValuesIn(AllWarned()),
                         [](const auto& info) { return info.param.name; });

TEST(UnappliedFieldsTest, AllTogetherGiveOneWarningEach) {
  Warned all;
  for (const Warned& warned : AllWarned()) {
    all.config += warned.config + "\n";
    all.input += warned.input + " ";
    all.output += warned.output + " ";
  }
  absl::StatusOr<ModelConfigFile> file = ParseModelConfig(Config(all), kSource, "x");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_THAT(file->warnings, SizeIs(AllWarned().size()));
  for (const Warned& warned : AllWarned()) {
    int naming = 0;
    for (const std::string& warning : file->warnings) naming += warning.find(warned.names) != std::string::npos;
    EXPECT_EQ(naming, 1) << warned.name;
  }
}

TEST(UnappliedFieldsTest, AFieldMetSeveralTimesIsNamedOnce) {
  absl::StatusOr<ModelConfigFile> file = ParseModelConfig(
      Config({"", "model_warmup [ { name: \"a\" } ]\nmodel_warmup [ { name: \"b\" } ]\n"
                  "instance_group [ { rate_limiter { priority: 1 } }, { rate_limiter { priority: 2 } } ]",
              "", "", ""}),
      kSource, "x");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_THAT(file->warnings, ElementsAre(HasSubstr("models/x/config.pbtxt:4: field 'model_warmup'"),
                                          HasSubstr("field 'instance_group.rate_limiter'")));
}

TEST(UnappliedFieldsTest, EachParameterIsNamedWithAHintWhereConvoyHasAnEquivalent) {
  inference::ModelConfig config;
  (*config.mutable_parameters())["intra_op_thread_count"].set_string_value("4");
  (*config.mutable_parameters())["custom"].set_string_value("x");
  std::vector<std::string> warnings;
  WarnUnappliedFields(kSource, config, &warnings);
  EXPECT_THAT(warnings, ElementsAre(kSource + std::string(": parameters[\"custom\"]: ignored: Convoy reads no model "
                                                          "parameters (they are returned by ModelConfig)"),
                                    kSource + std::string(": parameters[\"intra_op_thread_count\"]: ignored: Convoy "
                                                          "reads no model parameters (they are returned by "
                                                          "ModelConfig); the engine's threads per instance are the "
                                                          "server's --engine-threads")));
}

}  // namespace
}  // namespace convoy::repository
