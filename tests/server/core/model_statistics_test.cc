#include "server/core/model_statistics.h"

#include "gtest/gtest.h"

namespace convoy::server {
namespace {

TEST(ModelStatisticsTest, AddsUpRequestsAndExecutions) {
  ModelStatistics stats;
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  RequestTimings timings{t0, t0 + absl::Microseconds(10), t0 + absl::Microseconds(110),
                         t0 + absl::Microseconds(130), t0 + absl::Microseconds(1130), absl::ZeroDuration()};
  stats.RecordSuccess(3, timings, t0 + absl::Microseconds(1200));
  stats.RecordSuccess(1, timings, t0 + absl::Microseconds(1150));
  stats.RecordExecution(4, absl::Microseconds(20), absl::Microseconds(1000));
  stats.RecordExecutionOutput(4, absl::Microseconds(70));
  stats.RecordFailure(absl::Microseconds(50), absl::StatusCode::kInvalidArgument);

  inference::ModelStatistics proto;
  stats.ToProto(&proto);
  EXPECT_EQ(proto.inference_count(), 4u);
  EXPECT_EQ(proto.execution_count(), 1u);
  EXPECT_EQ(proto.last_inference(), 1000001u);  // Milliseconds, of the latest.
  const inference::InferStatistics& s = proto.inference_stats();
  EXPECT_EQ(s.success().count(), 2u);
  EXPECT_EQ(s.success().ns(), 1200000u + 1150000u);
  EXPECT_EQ(s.queue().count(), 2u);
  EXPECT_EQ(s.queue().ns(), 2 * 100000u);
  EXPECT_EQ(s.compute_input().ns(), 2 * 20000u);
  EXPECT_EQ(s.compute_infer().ns(), 2 * 1000000u);
  EXPECT_EQ(s.compute_output().ns(), 70000u + 20000u);
  EXPECT_EQ(s.fail().count(), 1u);
  EXPECT_EQ(s.fail().ns(), 50000u);
  ASSERT_EQ(proto.batch_stats_size(), 1);
  EXPECT_EQ(proto.batch_stats(0).batch_size(), 4u);
  EXPECT_EQ(proto.batch_stats(0).compute_infer().count(), 1u);
  EXPECT_EQ(proto.batch_stats(0).compute_infer().ns(), 1000000u);
}

}  // namespace
}  // namespace convoy::server
