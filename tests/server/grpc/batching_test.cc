// The dynamic batcher seen from a client: concurrent requests become one
// execution, the queue bound answers UNAVAILABLE, and requests whose
// deadline passed or that were cancelled are never computed.
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/server/testing/server_fixture.h"

namespace convoy {
namespace {

using ::testing::HasSubstr;
using testing::RunningServer;
using testing::ScaleModelConfig;
using testing::ScaleModelOnnx;
using testing::ScaleRequest;
using testing::StartServer;
using testing::TestRepository;

// Sends requests of the given sizes at once; returns their statuses.
std::vector<absl::Status> SendConcurrently(client::InferenceClient& client,
                                           const std::string& model, std::vector<int> sizes) {
  std::vector<absl::Status> statuses(sizes.size());
  absl::BlockingCounter done(static_cast<int>(sizes.size()));
  for (size_t i = 0; i < sizes.size(); ++i) {
    client.AsyncInfer(ScaleRequest(model, sizes[i]),
                      [&statuses, &done, i](absl::Status status, inference::ModelInferResponse) {
                        statuses[i] = status;
                        done.DecrementCount();
                      });
  }
  done.Wait();
  return statuses;
}

inference::ModelStatistics Statistics(client::InferenceClient& client, const std::string& model) {
  auto response = client.ModelStatistics(model);
  EXPECT_TRUE(response.ok()) << response.status();
  return response.ok() && response->model_stats_size() == 1 ? response->model_stats(0)
                                                             : inference::ModelStatistics();
}

// Waits (up to 10 s) until the model has counted `failures` failed requests.
void AwaitFailures(client::InferenceClient& client, const std::string& model, uint64_t failures) {
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (Statistics(client, model).inference_stats().fail().count() < failures &&
         absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(20));
  }
}

class BatchingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Batches wait up to a second for more requests, so requests sent
    // together always meet; a full batch (8 items) leaves at once.
    AddScaleModel("batched", "dynamic_batching { max_queue_delay_microseconds: 1000000 }");
    AddScaleModel("unbatched", "");
    AddScaleModel("small-queue",
                  "dynamic_batching { max_queue_delay_microseconds: 1000000 "
                  "default_queue_policy { max_queue_size: 2 } }");
    running_ = StartServer(repository_);
    ASSERT_NE(running_.client, nullptr);
  }

  void AddScaleModel(const std::string& name, const std::string& extra) {
    repository_.WriteFile(name + "/config.pbtxt", ScaleModelConfig(name, extra));
    repository_.WriteFile(name + "/1/model.onnx", ScaleModelOnnx(1.0f));
  }

  TestRepository repository_;
  RunningServer running_;
};

TEST_F(BatchingTest, ConcurrentRequestsRunAsOneBatch) {
  for (const absl::Status& status : SendConcurrently(*running_.client, "batched", {1, 3, 1, 1, 1, 1})) {
    EXPECT_TRUE(status.ok()) << status;
  }
  const inference::ModelStatistics stats = Statistics(*running_.client, "batched");
  EXPECT_EQ(stats.inference_count(), 8u);
  EXPECT_EQ(stats.execution_count(), 1u);
  ASSERT_EQ(stats.batch_stats_size(), 1);
  EXPECT_EQ(stats.batch_stats(0).batch_size(), 8u);
  EXPECT_EQ(stats.inference_stats().success().count(), 6u);
  EXPECT_EQ(stats.inference_stats().queue().count(), 6u);
}

TEST_F(BatchingTest, WithoutDynamicBatchingEachRequestRunsAlone) {
  for (const absl::Status& status : SendConcurrently(*running_.client, "unbatched", {1, 1, 2, 1})) {
    EXPECT_TRUE(status.ok()) << status;
  }
  const inference::ModelStatistics stats = Statistics(*running_.client, "unbatched");
  EXPECT_EQ(stats.inference_count(), 5u);
  EXPECT_EQ(stats.execution_count(), 4u);
}

TEST_F(BatchingTest, FullQueueAnswersUnavailable) {
  absl::BlockingCounter done(2);
  std::vector<absl::Status> queued(2);
  for (int i = 0; i < 2; ++i) {
    running_.client->AsyncInfer(ScaleRequest("small-queue", 1),
                                [&, i](absl::Status status, inference::ModelInferResponse) {
                                  queued[i] = status;
                                  done.DecrementCount();
                                });
  }
  // The two wait for a fuller batch; the third finds the queue full.
  const absl::Time give_up = absl::Now() + absl::Seconds(5);
  while (running_.server->models().Get("small-queue", "").value()->queue_depth() < 2 &&
         absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  auto rejected = running_.client->Infer(ScaleRequest("small-queue", 1));
  ASSERT_FALSE(rejected.ok());
  EXPECT_EQ(rejected.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(rejected.status().message(), HasSubstr("full"));
  done.Wait();
  EXPECT_TRUE(queued[0].ok()) << queued[0];
  EXPECT_TRUE(queued[1].ok()) << queued[1];
}

TEST_F(BatchingTest, ExpiredRequestIsNeverComputed) {
  auto impatient = testing::Connect(running_.target, absl::Milliseconds(200));
  auto response = impatient->Infer(ScaleRequest("batched", 1));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kDeadlineExceeded);
  AwaitFailures(*running_.client, "batched", 1);
  const inference::ModelStatistics stats = Statistics(*running_.client, "batched");
  EXPECT_EQ(stats.inference_stats().fail().count(), 1u);
  EXPECT_EQ(stats.execution_count(), 0u);
}

TEST_F(BatchingTest, CancelledRequestIsNeverComputed) {
  auto stub = inference::GRPCInferenceService::NewStub(running_.client->channel());
  grpc::ClientContext context;
  inference::ModelInferRequest request = ScaleRequest("batched", 1);
  inference::ModelInferResponse response;
  absl::Notification finished;
  grpc::Status status;
  stub->async()->ModelInfer(&context, &request, &response, [&](grpc::Status s) {
    status = s;
    finished.Notify();
  });
  const absl::Time give_up = absl::Now() + absl::Seconds(5);
  while (running_.server->models().Get("batched", "").value()->queue_depth() < 1 &&
         absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  context.TryCancel();
  finished.WaitForNotification();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED);
  AwaitFailures(*running_.client, "batched", 1);
  const inference::ModelStatistics stats = Statistics(*running_.client, "batched");
  EXPECT_EQ(stats.inference_stats().fail().count(), 1u);
  EXPECT_EQ(stats.execution_count(), 0u);
}

}  // namespace
}  // namespace convoy
