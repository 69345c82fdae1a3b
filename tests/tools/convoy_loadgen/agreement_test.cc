// convoy-loadgen's figures against the server's own: its latency
// percentiles fall in the server's histogram buckets (the client's add only
// the loopback hop), and its open loop achieves the rate asked for.
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/server/testing/http_get.h"
#include "tests/server/testing/server_fixture.h"
#include "tools/convoy_loadgen/load_step.h"
#include "tools/convoy_loadgen/step_format.h"
#include "tools/convoy_loadgen/synthetic_request.h"

namespace convoy {
namespace {

struct Bucket {
  double upper = 0;
  double cumulative = 0;
};

// The model's convoy_request_duration_seconds buckets, in seconds, ascending.
std::vector<Bucket> ServerBuckets(const std::map<std::string, double>& samples, const std::string& model) {
  std::vector<Bucket> buckets;
  for (const auto& [series, value] : samples) {
    if (series.rfind("convoy_request_duration_seconds_bucket{", 0) != 0 ||
        series.find("kind=\"single\"") == std::string::npos ||
        series.find("protocol=\"grpc\"") == std::string::npos ||
        series.find("model=\"" + model + "\"") == std::string::npos) {
      continue;
    }
    const size_t at = series.find("le=\"") + 4;
    const std::string le = series.substr(at, series.find('"', at) - at);
    buckets.push_back({le == "+Inf" ? 1e9 : std::stod(le), value});
  }
  std::sort(buckets.begin(), buckets.end(), [](const Bucket& a, const Bucket& b) { return a.upper < b.upper; });
  return buckets;
}

// Index of the bucket holding the q-th quantile of the server's requests.
size_t QuantileBucket(const std::vector<Bucket>& buckets, double q) {
  const double rank = q * buckets.back().cumulative;
  for (size_t i = 0; i < buckets.size(); ++i) {
    if (buckets[i].cumulative >= rank) return i;
  }
  return buckets.size() - 1;
}

size_t BucketOf(const std::vector<Bucket>& buckets, double seconds) {
  for (size_t i = 0; i < buckets.size(); ++i) {
    if (seconds <= buckets[i].upper) return i;
  }
  return buckets.size() - 1;
}

class AgreementTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(testing::ZooDir().empty()) << "CONVOY_ZOO_DIR not set: run through ctest";
    // resnet18: milliseconds of compute, so the loopback hop is small beside it.
    repository_.AddZooModel("resnet18", "resnet18");
    running_ = testing::StartServerWithMetrics(repository_);
    ASSERT_NE(running_.client, nullptr);
    auto metadata = running_.client->ModelMetadata("resnet18");
    ASSERT_TRUE(metadata.ok()) << metadata.status();
    auto request = SyntheticRequest(*metadata, 1, 3);
    ASSERT_TRUE(request.ok()) << request.status();
    request_ = std::make_shared<const inference::ModelInferRequest>(*request);
  }

  testing::TestRepository repository_;
  testing::RunningServer running_;
  std::shared_ptr<const inference::ModelInferRequest> request_;
};

TEST_F(AgreementTest, PercentilesFallInTheServersHistogramBuckets) {
  StepOptions options;
  options.warmup = absl::ZeroDuration();  // The server's histogram counts every request.
  options.count = 60;
  StepReport step = RunStep({running_.client.get()}, request_, "resnet18", {1, 0}, options);
  ASSERT_EQ(step.errors, 0) << step.result.first_error;
  auto scrape = testing::HttpGet(running_.server->metrics_port(), "/metrics");
  ASSERT_TRUE(scrape.ok()) << scrape.status();
  const std::vector<Bucket> buckets = ServerBuckets(testing::ParsePrometheusText(scrape->body), "resnet18");
  ASSERT_FALSE(buckets.empty());
  EXPECT_EQ(buckets.back().cumulative, static_cast<double>(step.result.sent));
  for (const auto& [q, client_ms] : {std::pair{0.5, step.latency.p50_ms}, std::pair{0.9, step.latency.p90_ms}}) {
    const size_t server = QuantileBucket(buckets, q);
    const size_t client = BucketOf(buckets, client_ms / 1000);
    // The client's latency is the server's plus the loopback hop: the same
    // bucket, or the next one up.
    EXPECT_GE(client, server) << "q " << q;
    EXPECT_LE(client, server + 1) << "q " << q;
  }
}

TEST_F(AgreementTest, RequestRateModeHitsTheRateItIsAsked) {
  StepOptions options;
  options.warmup = absl::Milliseconds(500);
  options.duration = absl::Seconds(2);
  StepReport step = RunStep({running_.client.get()}, request_, "resnet18", {1, 50}, options);
  ASSERT_EQ(step.errors, 0) << step.result.first_error;
  EXPECT_NEAR(step.requests_per_s, 50, 50 * 0.05);
  // (Not the server's count over the same window: warm-up requests that
  // queued behind the first plan compilation land in it. The loop tests
  // compare whole runs with the server's totals instead.)
}

}  // namespace
}  // namespace convoy
