// convoy-loadgen's open loop against a real server: it keeps its schedule,
// measures what was scheduled in the window, and every request it sent is
// one the server counted.
#include "tools/convoy_loadgen/open_loop.h"

#include "gtest/gtest.h"
#include "tests/server/testing/server_fixture.h"
#include "tools/convoy_loadgen/synthetic_request.h"

namespace convoy {
namespace {

class OpenLoopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    repository_.WriteFile("scale/config.pbtxt", testing::ScaleModelConfig("scale", "dynamic_batching { }"));
    repository_.WriteFile("scale/1/model.onnx", testing::ScaleModelOnnx(1.0f));
    running_ = testing::StartServer(repository_);
    ASSERT_NE(running_.client, nullptr);
    auto metadata = running_.client->ModelMetadata("scale");
    ASSERT_TRUE(metadata.ok()) << metadata.status();
    auto request = SyntheticRequest(*metadata, 1, 7);
    ASSERT_TRUE(request.ok()) << request.status();
    request_ = std::make_shared<const inference::ModelInferRequest>(*request);
  }

  uint64_t ServerCount() {
    auto stats = running_.client->ModelStatistics("scale");
    EXPECT_TRUE(stats.ok()) << stats.status();
    return stats.ok() ? stats->model_stats(0).inference_stats().success().count() : 0;
  }

  testing::TestRepository repository_;
  testing::RunningServer running_;
  std::shared_ptr<const inference::ModelInferRequest> request_;
};

TEST_F(OpenLoopTest, EvenArrivalsKeepTheScheduleExactly) {
  OpenLoopOptions options;
  options.rate = 200;
  options.warmup = absl::Milliseconds(200);
  options.duration = absl::Milliseconds(500);
  LoadResult result = RunOpenLoop({running_.client.get()}, request_, options);
  EXPECT_TRUE(result.errors.empty()) << result.first_error;
  EXPECT_EQ(result.sent, 140);       // 0.7 s at 200/s.
  EXPECT_EQ(result.succeeded, 100);  // Scheduled in the measured 0.5 s.
  EXPECT_EQ(static_cast<int64_t>(result.latencies_ms.size()), result.succeeded);
  EXPECT_EQ(result.measured, absl::Milliseconds(500));
  EXPECT_EQ(ServerCount(), static_cast<uint64_t>(result.sent));
}

TEST_F(OpenLoopTest, PoissonArrivalsAverageTheRate) {
  OpenLoopOptions options;
  options.rate = 400;
  options.poisson = true;
  options.seed = 3;
  options.warmup = absl::ZeroDuration();
  options.duration = absl::Seconds(1);
  LoadResult result = RunOpenLoop({running_.client.get()}, request_, options);
  EXPECT_TRUE(result.errors.empty()) << result.first_error;
  // 400 expected; a Poisson count has a standard deviation of 20.
  EXPECT_GT(result.sent, 300);
  EXPECT_LT(result.sent, 500);
  EXPECT_EQ(ServerCount(), static_cast<uint64_t>(result.sent));
}

TEST_F(OpenLoopTest, RefusesToGrowPastMaxInFlight) {
  OpenLoopOptions options;
  options.rate = 100000;  // Far beyond what a callback per request can take on 2 cores.
  options.warmup = absl::ZeroDuration();
  options.duration = absl::Milliseconds(200);
  options.max_in_flight = 4;
  LoadResult result = RunOpenLoop({running_.client.get()}, request_, options);
  EXPECT_GT(result.errors[absl::StatusCode::kResourceExhausted], 0);
  EXPECT_EQ(result.first_error, "client: too many requests in flight");
  EXPECT_EQ(ServerCount(), static_cast<uint64_t>(result.sent));
}

}  // namespace
}  // namespace convoy
