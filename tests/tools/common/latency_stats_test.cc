#include "tools/common/latency_stats.h"

#include <vector>

#include "gtest/gtest.h"

namespace convoy {
namespace {

TEST(LatencyStatsTest, SummarisesUnsortedSamples) {
  // 1..100 ms shuffled: percentiles interpolate between ranks as NumPy does.
  std::vector<double> ms;
  for (int i = 0; i < 100; ++i) ms.push_back(static_cast<double>((i * 37) % 100 + 1));
  LatencyStats stats = ComputeLatencyStats(ms);
  EXPECT_EQ(stats.count, 100);
  EXPECT_DOUBLE_EQ(stats.mean_ms, 50.5);
  EXPECT_DOUBLE_EQ(stats.min_ms, 1);
  EXPECT_DOUBLE_EQ(stats.max_ms, 100);
  EXPECT_DOUBLE_EQ(stats.p50_ms, 50.5);
  EXPECT_DOUBLE_EQ(stats.p90_ms, 90.1);
  EXPECT_DOUBLE_EQ(stats.p95_ms, 95.05);
  EXPECT_DOUBLE_EQ(stats.p99_ms, 99.01);
}

TEST(LatencyStatsTest, P99OfFewSamplesIsBelowTheMaximum) {
  LatencyStats stats = ComputeLatencyStats({10, 20, 30, 40, 1000});
  EXPECT_DOUBLE_EQ(stats.p50_ms, 30);
  EXPECT_DOUBLE_EQ(stats.p90_ms, 616);  // 40 + 0.6 * 960
  EXPECT_LT(stats.p99_ms, stats.max_ms);
}

TEST(LatencyStatsTest, OneSampleIsEveryStatistic) {
  LatencyStats stats = ComputeLatencyStats({7.5});
  EXPECT_EQ(stats.count, 1);
  for (double v :
       {stats.mean_ms, stats.min_ms, stats.p50_ms, stats.p90_ms, stats.p99_ms, stats.max_ms}) {
    EXPECT_DOUBLE_EQ(v, 7.5);
  }
}

TEST(LatencyStatsTest, NoSamplesGiveZeros) {
  LatencyStats stats = ComputeLatencyStats({});
  EXPECT_EQ(stats.count, 0);
  EXPECT_EQ(stats.mean_ms, 0);
  EXPECT_EQ(stats.p99_ms, 0);
}

TEST(PercentileTest, EndpointsAreMinimumAndMaximum) {
  const std::vector<double> sorted = {1, 2, 4};
  EXPECT_DOUBLE_EQ(Percentile(sorted, 0), 1);
  EXPECT_DOUBLE_EQ(Percentile(sorted, 100), 4);
  EXPECT_DOUBLE_EQ(Percentile(sorted, 75), 3);
}

}  // namespace
}  // namespace convoy
