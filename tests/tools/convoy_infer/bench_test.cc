#include "tools/convoy_infer/bench.h"

#include <chrono>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace convoy {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A clock that only moves when a fake run says so.
class FakeClock {
 public:
  Clock AsClock() {
    return [this] { return now_; };
  }
  void AdvanceMs(int ms) { now_ += std::chrono::milliseconds(ms); }

 private:
  std::chrono::nanoseconds now_{0};
};

TEST(TimeRunsTest, TimesOnlyTheRunsAfterWarmUp) {
  FakeClock clock;
  int calls = 0;
  // Run k takes k ms: warm-up runs 1 and 2 are slow-ish and must not count.
  auto run = [&] {
    clock.AdvanceMs(++calls);
    return absl::OkStatus();
  };
  absl::StatusOr<std::vector<double>> ms = TimeRuns(2, 3, run, clock.AsClock());
  ASSERT_TRUE(ms.ok()) << ms.status();
  EXPECT_EQ(calls, 5);
  EXPECT_THAT(*ms, ElementsAre(3.0, 4.0, 5.0));
}

TEST(TimeRunsTest, KeepsTimingUntilTheMinimumDuration) {
  FakeClock clock;
  int calls = 0;
  auto run = [&] {
    ++calls;
    clock.AdvanceMs(10);
    return absl::OkStatus();
  };
  // Two runs asked for, but they must add up to 45 ms: five runs of 10 ms.
  absl::StatusOr<std::vector<double>> ms = TimeRuns(1, 2, run, clock.AsClock(), 45);
  ASSERT_TRUE(ms.ok()) << ms.status();
  EXPECT_EQ(calls, 6);
  EXPECT_THAT(*ms, ElementsAre(10.0, 10.0, 10.0, 10.0, 10.0));
}

TEST(FormatBenchJsonTest, WritesEveryFieldAndEscapesTheName) {
  EXPECT_EQ(FormatBenchJson({"re\"s\\net", "bf16", 8, 2, 812.5, 95.125, 1, {61.2, 60.9}}),
            "{\"runner\": \"convoy\", \"precision\": \"bf16\", \"model\": \"re\\\"s\\\\net\", "
            "\"batch\": 8, \"threads\": 2, \"load_ms\": 812.500, \"first_run_ms\": 95.125, "
            "\"single_thread_plans\": 1, \"latencies_ms\": [61.2000, 60.9000]}");
}

TEST(TimeRunsTest, StopsAtTheFirstFailedRun) {
  FakeClock clock;
  int calls = 0;
  auto run = [&] { return ++calls == 2 ? absl::InternalError("plan exploded") : absl::OkStatus(); };
  absl::StatusOr<std::vector<double>> ms = TimeRuns(0, 10, run, clock.AsClock());
  ASSERT_FALSE(ms.ok());
  EXPECT_EQ(ms.status().message(), "plan exploded");
  EXPECT_EQ(calls, 2);
}

TEST(FormatBenchLineTest, ReportsThroughputFromBatchAndMeanLatency) {
  LatencyStats stats;
  stats.count = 100;
  stats.mean_ms = 64.9;
  stats.p50_ms = 64.8;
  stats.p90_ms = 70.12;
  stats.p99_ms = 101.26;
  stats.min_ms = 0.5;
  stats.max_ms = 2.5;
  EXPECT_EQ(FormatBenchLine("resnet50", 8, stats, 3),
            "resnet50 batch 8: 123.3 img/s  mean 64.9 ms  p50 64.8 ms  p90 70.1 ms  "
            "p99 101.3 ms  min 0.500 ms  max 2.50 ms  (100 runs after 3 warm-up)");
}

TEST(ModelDisplayNameTest, NamesModelsByFileOrRepositoryDirectory) {
  EXPECT_EQ(ModelDisplayName("zoo/models/resnet50/1/model.onnx"), "resnet50");
  EXPECT_EQ(ModelDisplayName("/abs/lenet5/model.onnx"), "lenet5");
  EXPECT_EQ(ModelDisplayName("lenet5.onnx"), "lenet5");
  EXPECT_EQ(ModelDisplayName("dir/alexnet"), "alexnet");
  EXPECT_EQ(ModelDisplayName("model.onnx"), "model");
}

}  // namespace
}  // namespace convoy
