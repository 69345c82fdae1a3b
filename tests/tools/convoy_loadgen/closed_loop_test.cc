// convoy-loadgen's closed loop against a real server: every request it sent
// is one the server counted, and the synthetic request fits the model.
#include "tools/convoy_loadgen/closed_loop.h"

#include "client/streaming_inference_client.h"
#include "gtest/gtest.h"
#include "tests/server/testing/server_fixture.h"
#include "tools/convoy_loadgen/synthetic_request.h"

namespace convoy {
namespace {

TEST(ClosedLoopTest, EverySentRequestIsCountedByTheServer) {
  testing::TestRepository repository;
  repository.WriteFile("scale/config.pbtxt",
                       testing::ScaleModelConfig("scale", "dynamic_batching { }"));
  repository.WriteFile("scale/1/model.onnx", testing::ScaleModelOnnx(1.0f));
  testing::RunningServer running = testing::StartServer(repository);
  ASSERT_NE(running.client, nullptr);

  auto metadata = running.client->ModelMetadata("scale");
  ASSERT_TRUE(metadata.ok()) << metadata.status();
  auto request = SyntheticRequest(*metadata, 2, 7);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->inputs(0).shape(0), 2);
  EXPECT_EQ(request->raw_input_contents(0).size(), 2 * 4 * sizeof(float));

  ClosedLoopOptions options;
  options.concurrency = 8;
  options.warmup = absl::Milliseconds(200);
  options.duration = absl::Milliseconds(500);
  LoadResult result = RunClosedLoop(
      {running.client.get()}, std::make_shared<const inference::ModelInferRequest>(*request), options);
  EXPECT_TRUE(result.errors.empty()) << result.first_error;
  EXPECT_GT(result.succeeded, 0);
  EXPECT_EQ(static_cast<int64_t>(result.latencies_ms.size()), result.succeeded);
  EXPECT_GE(result.sent, result.succeeded);

  auto stats = running.client->ModelStatistics("scale");
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->model_stats(0).inference_stats().success().count(),
            static_cast<uint64_t>(result.sent));
  EXPECT_EQ(stats->model_stats(0).inference_count(), static_cast<uint64_t>(2 * result.sent));
}

TEST(ClosedLoopTest, CountModeMeasuresExactlyThatManyAndSpreadsOverServers) {
  testing::TestRepository repository;
  repository.WriteFile("scale/config.pbtxt", testing::ScaleModelConfig("scale", "dynamic_batching { }"));
  repository.WriteFile("scale/1/model.onnx", testing::ScaleModelOnnx(1.0f));
  testing::RunningServer first = testing::StartServer(repository);
  testing::RunningServer second = testing::StartServer(repository);
  ASSERT_NE(first.client, nullptr);
  ASSERT_NE(second.client, nullptr);
  auto metadata = first.client->ModelMetadata("scale");
  ASSERT_TRUE(metadata.ok()) << metadata.status();
  auto request = SyntheticRequest(*metadata, 1, 7);
  ASSERT_TRUE(request.ok()) << request.status();

  ClosedLoopOptions options;
  options.concurrency = 4;
  options.warmup = absl::ZeroDuration();
  options.duration = absl::Seconds(60);  // A cap; the count ends the run.
  options.count = 50;
  LoadResult result = RunClosedLoop({first.client.get(), second.client.get()},
                                    std::make_shared<const inference::ModelInferRequest>(*request), options);
  EXPECT_TRUE(result.errors.empty()) << result.first_error;
  EXPECT_EQ(result.succeeded, 50);
  EXPECT_LT(result.measured, absl::Seconds(60));
  uint64_t counted[2] = {0, 0};
  for (int i = 0; i < 2; ++i) {
    auto stats = (i == 0 ? first : second).client->ModelStatistics("scale");
    ASSERT_TRUE(stats.ok()) << stats.status();
    counted[i] = stats->model_stats(0).inference_stats().success().count();
  }
  EXPECT_EQ(counted[0] + counted[1], static_cast<uint64_t>(result.sent));
  EXPECT_GT(counted[0], 0u);  // Slots 0 and 2 on the first server,
  EXPECT_GT(counted[1], 0u);  // 1 and 3 on the second.
}

TEST(ClosedLoopTest, OverAStreamEverySentRequestIsCountedByTheServer) {
  testing::TestRepository repository;
  repository.WriteFile("scale/config.pbtxt", testing::ScaleModelConfig("scale", "dynamic_batching { }"));
  repository.WriteFile("scale/1/model.onnx", testing::ScaleModelOnnx(1.0f));
  testing::RunningServer running = testing::StartServer(repository);
  ASSERT_NE(running.client, nullptr);
  auto metadata = running.client->ModelMetadata("scale");
  ASSERT_TRUE(metadata.ok()) << metadata.status();
  auto request = SyntheticRequest(*metadata, 1, 7);
  ASSERT_TRUE(request.ok()) << request.status();

  // The loop sends each next request from the callback of the last one,
  // on the stream's threads.
  client::StreamingInferenceClient streaming(testing::Connect(running.target));
  ClosedLoopOptions options;
  options.concurrency = 8;
  options.warmup = absl::ZeroDuration();
  options.duration = absl::Seconds(60);  // A cap; the count ends the run.
  options.count = 300;
  LoadResult result =
      RunClosedLoop({&streaming}, std::make_shared<const inference::ModelInferRequest>(*request), options);
  EXPECT_TRUE(result.errors.empty()) << result.first_error;
  EXPECT_EQ(result.succeeded, 300);
  auto stats = running.client->ModelStatistics("scale");
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->model_stats(0).inference_stats().success().count(), static_cast<uint64_t>(result.sent));
}

TEST(SyntheticRequestTest, RefusesABatchForAModelWithoutBatchDimension) {
  inference::ModelMetadataResponse metadata;
  metadata.set_name("fixed");
  auto* input = metadata.add_inputs();
  input->set_name("x");
  input->set_datatype("FP32");
  input->add_shape(1);
  input->add_shape(4);
  EXPECT_TRUE(SyntheticRequest(metadata, 1, 0).ok());
  auto request = SyntheticRequest(metadata, 2, 0);
  ASSERT_FALSE(request.ok());
  EXPECT_NE(request.status().message().find("no batch dimension"), std::string::npos);
}

}  // namespace
}  // namespace convoy
