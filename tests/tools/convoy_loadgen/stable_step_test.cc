#include "tools/convoy_loadgen/stable_step.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace convoy {
namespace {

// A window of `seconds` with `latencies` (all successful).
StepReport Window(double seconds, std::vector<double> latencies, double server_queue_us = 0) {
  StepReport window;
  window.result.latencies_ms = latencies;
  window.result.succeeded = static_cast<int64_t>(latencies.size());
  window.result.sent = window.result.succeeded;
  window.result.measured = absl::Seconds(seconds);
  window.seconds = seconds;
  window.latency = ComputeLatencyStats(latencies);
  window.requests_per_s = window.result.succeeded / seconds;
  window.server_counted = true;
  window.server.requests = static_cast<double>(latencies.size());
  window.server.queue_us = server_queue_us;
  window.client_cpu_cores = 0.5;
  return window;
}

TEST(WindowsAgreeTest, ThroughputAndMeanLatencyMustBothBeWithinThePercentageOfTheirMean) {
  // 10 requests/s each, mean latency 2 ms each.
  const StepReport a = Window(1, std::vector<double>(10, 2.0));
  EXPECT_TRUE(WindowsAgree({a, a, a}, 1));
  // 11 requests/s against a mean of 10.33: 6.5 % off.
  const StepReport faster = Window(1, std::vector<double>(11, 2.0));
  EXPECT_FALSE(WindowsAgree({a, a, faster}, 5));
  EXPECT_TRUE(WindowsAgree({a, a, faster}, 7));
  // Same throughput, mean latency 3 ms against a mean of 2.33: 28.6 % off.
  const StepReport slower = Window(1, std::vector<double>(10, 3.0));
  EXPECT_FALSE(WindowsAgree({a, a, slower}, 20));
  EXPECT_TRUE(WindowsAgree({a, a, slower}, 30));
  // A window without a successful request never agrees.
  EXPECT_FALSE(WindowsAgree({a, a, StepReport()}, 100));
}

TEST(WindowsAgreeTest, WithAPercentileTheWindowsLatencyIsThatPercentileNotTheMean) {
  // Means 2.0 and 2.1 (5 % apart), but the slow tail of the second puts its
  // p95 far above the first's.
  const StepReport even = Window(1, std::vector<double>(20, 2.0));
  std::vector<double> tail(18, 1.8);
  tail.push_back(3.0);
  tail.push_back(5.4);
  const StepReport tailed = Window(1, tail);
  EXPECT_TRUE(WindowsAgree({even, even, tailed}, 5));
  EXPECT_FALSE(WindowsAgree({even, even, tailed}, 5, 95));
  EXPECT_TRUE(WindowsAgree({even, even, even}, 5, 95));
}

TEST(StabilizingLatencyTest, IsTheMeanOrTheInterpolatedPercentile) {
  const StepReport step = Window(1, {4, 1, 3, 2});
  EXPECT_DOUBLE_EQ(StabilizingLatencyMs(step, 0), 2.5);
  EXPECT_DOUBLE_EQ(StabilizingLatencyMs(step, 50), 2.5);
  EXPECT_DOUBLE_EQ(StabilizingLatencyMs(step, 90), 3.7);
  EXPECT_DOUBLE_EQ(StabilizingLatencyMs(StepReport(), 90), 0);
}

TEST(MergeWindowsTest, AddsCountsAndWeightsServerFiguresByRequests) {
  const StepReport merged = MergeWindows({Window(1, {1, 2}, 100), Window(2, {3, 4, 5, 6}, 400)});
  EXPECT_EQ(merged.result.succeeded, 6);
  EXPECT_EQ(merged.result.latencies_ms.size(), 6u);
  EXPECT_DOUBLE_EQ(merged.seconds, 3);
  EXPECT_DOUBLE_EQ(merged.requests_per_s, 2);
  EXPECT_DOUBLE_EQ(merged.latency.mean_ms, 3.5);
  EXPECT_DOUBLE_EQ(merged.server.requests, 6);
  EXPECT_DOUBLE_EQ(merged.server.queue_us, (2 * 100 + 4 * 400) / 6.0);
  EXPECT_DOUBLE_EQ(merged.client_cpu_cores, 0.5);
  EXPECT_EQ(merged.result.measured, absl::Seconds(3));
}

}  // namespace
}  // namespace convoy
