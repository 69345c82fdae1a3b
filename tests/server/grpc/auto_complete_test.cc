// Auto-complete seen from a client: the ModelConfig RPC shows the config the
// server completed and runs, and inference runs with it; with auto-complete
// off, incomplete models are UNAVAILABLE with the reason in the index.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/server/testing/server_fixture.h"

namespace convoy {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::RunningServer;
using testing::ScaleModelOnnx;
using testing::StartServer;
using testing::TestRepository;

void WriteModels(const TestRepository& repository) {
  repository.WriteFile("bare/1/model.onnx", ScaleModelOnnx(2.0f));
  repository.WriteFile("partial/1/model.onnx", ScaleModelOnnx(3.0f));
  repository.WriteFile("partial/config.pbtxt",
                       "max_batch_size: 8\ndynamic_batching { max_queue_delay_microseconds: 200 }\n");
}

std::string ReasonOf(const inference::RepositoryIndexResponse& index, const std::string& name) {
  for (const auto& model : index.models()) {
    if (model.name() == name) return model.state() + ": " + model.reason();
  }
  return "(not listed)";
}

TEST(AutoCompleteTest, ModelConfigShowsTheCompletedConfig) {
  TestRepository repository;
  WriteModels(repository);
  RunningServer running = StartServer(repository);
  ASSERT_NE(running.client, nullptr);

  absl::StatusOr<inference::ModelConfig> bare = running.client->ModelConfig("bare");
  ASSERT_TRUE(bare.ok()) << bare.status();
  EXPECT_EQ(bare->name(), "bare");
  EXPECT_EQ(bare->backend(), "onnxruntime");
  EXPECT_EQ(bare->max_batch_size(), 4);
  EXPECT_TRUE(bare->has_dynamic_batching());
  ASSERT_EQ(bare->input_size(), 1);
  EXPECT_EQ(bare->input(0).name(), "x");
  EXPECT_EQ(bare->input(0).data_type(), inference::TYPE_FP32);
  EXPECT_THAT(bare->input(0).dims(), ElementsAre(4));
  ASSERT_EQ(bare->output_size(), 1);
  EXPECT_THAT(bare->output(0).dims(), ElementsAre(4));

  absl::StatusOr<inference::ModelConfig> partial = running.client->ModelConfig("partial", "1");
  ASSERT_TRUE(partial.ok()) << partial.status();
  EXPECT_EQ(partial->max_batch_size(), 8);
  EXPECT_EQ(partial->dynamic_batching().max_queue_delay_microseconds(), 200u);
  EXPECT_EQ(partial->input(0).name(), "x");

  // And the models serve with it: a batch of 8 is within the completed size.
  inference::ModelInferRequest request;
  request.set_model_name("partial");
  client::AddFp32Input(&request, "x", {8, 4}, std::vector<float>(32, 1.0f));
  absl::StatusOr<inference::ModelInferResponse> response = running.client->Infer(request);
  ASSERT_TRUE(response.ok()) << response.status();
  absl::StatusOr<client::Fp32Output> y = client::GetFp32Output(*response, "y");
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y->values, std::vector<float>(32, 3.0f));
}

TEST(AutoCompleteTest, DisabledAutoCompleteLeavesIncompleteModelsUnavailable) {
  TestRepository repository;
  WriteModels(repository);
  server::ServerOptions options;
  options.models.servable.auto_complete_config = false;
  RunningServer running = StartServer(repository, server::ModelControlMode::kNone, options);
  ASSERT_NE(running.client, nullptr);
  absl::StatusOr<inference::RepositoryIndexResponse> index = running.client->RepositoryIndex();
  ASSERT_TRUE(index.ok()) << index.status();
  EXPECT_THAT(ReasonOf(*index, "bare"),
              HasSubstr("UNAVAILABLE: bare/config.pbtxt: missing; with auto-complete disabled"));
  EXPECT_THAT(ReasonOf(*index, "partial"),
              HasSubstr("UNAVAILABLE: partial/config.pbtxt: input: at least one input is required"));
  EXPECT_FALSE(running.client->ModelConfig("bare").ok());
}

}  // namespace
}  // namespace convoy
