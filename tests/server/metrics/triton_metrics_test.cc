// Triton's nv_inference_* series, fed through ModelStatistics with known
// timings: names, labels, units and values as Triton defines them, and in
// agreement with the ModelStatistics RPC's numbers.
#include "server/metrics/triton_metrics.h"

#include <map>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "server/core/model_statistics.h"
#include "server/metrics/runtime_collector.h"
#include "server/metrics/server_metrics.h"

namespace convoy::server {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Every sample of `families` as "name{label="value",...}" -> value, labels
// in name order (as the text format prints them).
std::map<std::string, double> Samples(const std::vector<prometheus::MetricFamily>& families) {
  std::map<std::string, double> samples;
  for (const prometheus::MetricFamily& family : families) {
    for (const prometheus::ClientMetric& metric : family.metric) {
      std::map<std::string, std::string> labels;
      for (const auto& label : metric.label) labels[label.name] = label.value;
      std::string key = family.name + "{";
      for (const auto& [name, value] : labels) {
        if (key.back() != '{') key += ",";
        key += name + "=\"" + value + "\"";
      }
      key += "}";
      samples[key] = family.type == prometheus::MetricType::Counter ? metric.counter.value : metric.gauge.value;
    }
  }
  return samples;
}

std::map<std::string, std::string> Help(const std::vector<prometheus::MetricFamily>& families) {
  std::map<std::string, std::string> help;
  for (const prometheus::MetricFamily& family : families) help[family.name] = family.help;
  return help;
}

constexpr char kLabels[] = "{model=\"resnet\",version=\"3\"}";

std::string Failures(const std::string& reason) {
  return "nv_inference_request_failure{model=\"resnet\",reason=\"" + reason + "\",version=\"3\"}";
}

// A request received at t0, queued 10 us later, taken into a batch at
// +110 us, run from +130 us to +1130 us, answered at `finished_us`.
RequestTimings Timings(absl::Time t0) {
  RequestTimings t;
  t.received = t0;
  t.enqueued = t0 + absl::Microseconds(10);
  t.batch_started = t0 + absl::Microseconds(110);
  t.compute_started = t0 + absl::Microseconds(130);
  t.compute_ended = t0 + absl::Microseconds(1130);
  return t;
}

TEST(TritonMetricsTest, CountsAndMicrosecondsAsTritonDefinesThem) {
  prometheus::Registry registry;
  TritonMetrics triton(registry);
  ModelStatistics stats(triton.ObserverFor("resnet", 3));
  const absl::Time t0 = absl::FromUnixSeconds(1'800'000'000);

  // One batch of two requests (3 + 1 items), then failures of every kind.
  stats.RecordExecution(4, absl::Microseconds(20), absl::Microseconds(1000));
  stats.RecordSuccess(3, Timings(t0), t0 + absl::Microseconds(1200));
  stats.RecordSuccess(1, Timings(t0), t0 + absl::Nanoseconds(1'150'500));
  stats.RecordExecutionOutput(4, absl::Microseconds(70));
  stats.RecordFailure(absl::Microseconds(50), absl::StatusCode::kInvalidArgument);
  stats.RecordFailure(absl::Microseconds(50), absl::StatusCode::kNotFound);
  stats.RecordFailure(absl::Microseconds(50), absl::StatusCode::kUnavailable);
  stats.RecordFailure(absl::Microseconds(50), absl::StatusCode::kResourceExhausted);
  stats.RecordFailure(absl::Microseconds(50), absl::StatusCode::kDeadlineExceeded);
  stats.RecordFailure(absl::Microseconds(50), absl::StatusCode::kCancelled);
  stats.RecordFailure(absl::Microseconds(50), absl::StatusCode::kInternal);

  std::map<std::string, double> m = Samples(registry.Collect());
  EXPECT_EQ(m[std::string("nv_inference_request_success") + kLabels], 2);
  EXPECT_EQ(m[Failures("OTHER")], 2);
  EXPECT_EQ(m[Failures("REJECTED")], 3);
  EXPECT_EQ(m[Failures("CANCELED")], 1);
  EXPECT_EQ(m[Failures("BACKEND")], 1);
  EXPECT_EQ(m[std::string("nv_inference_count") + kLabels], 4);
  EXPECT_EQ(m[std::string("nv_inference_exec_count") + kLabels], 1);
  // Successes only, summed over the two requests, fractions kept.
  EXPECT_DOUBLE_EQ(m[std::string("nv_inference_request_duration_us") + kLabels], 1200 + 1150.5);
  EXPECT_DOUBLE_EQ(m[std::string("nv_inference_queue_duration_us") + kLabels], 2 * 100);
  EXPECT_DOUBLE_EQ(m[std::string("nv_inference_compute_input_duration_us") + kLabels], 2 * 20);
  EXPECT_DOUBLE_EQ(m[std::string("nv_inference_compute_infer_duration_us") + kLabels], 2 * 1000);
  EXPECT_DOUBLE_EQ(m[std::string("nv_inference_compute_output_duration_us") + kLabels], 70 + 20.5);
  // 9 names; failures once per reason: nothing else.
  EXPECT_EQ(m.size(), 8u + 4u);

  // The ModelStatistics RPC's numbers, in nanoseconds, are the same.
  inference::ModelStatistics rpc;
  stats.ToProto(&rpc);
  EXPECT_EQ(rpc.inference_stats().success().count(), 2u);
  EXPECT_EQ(rpc.inference_stats().fail().count(), 7u);
  EXPECT_EQ(rpc.inference_count(), 4u);
  EXPECT_EQ(rpc.execution_count(), 1u);
  EXPECT_DOUBLE_EQ(rpc.inference_stats().success().ns() / 1000.0,
                   m[std::string("nv_inference_request_duration_us") + kLabels]);
  EXPECT_DOUBLE_EQ(rpc.inference_stats().queue().ns() / 1000.0,
                   m[std::string("nv_inference_queue_duration_us") + kLabels]);
  EXPECT_DOUBLE_EQ(rpc.inference_stats().compute_input().ns() / 1000.0,
                   m[std::string("nv_inference_compute_input_duration_us") + kLabels]);
  EXPECT_DOUBLE_EQ(rpc.inference_stats().compute_infer().ns() / 1000.0,
                   m[std::string("nv_inference_compute_infer_duration_us") + kLabels]);
  EXPECT_DOUBLE_EQ(rpc.inference_stats().compute_output().ns() / 1000.0,
                   m[std::string("nv_inference_compute_output_duration_us") + kLabels]);
}

TEST(TritonMetricsTest, SeriesExistFromLoadWithTritonsHelpTexts) {
  prometheus::Registry registry;
  TritonMetrics triton(registry);
  const std::unique_ptr<ModelObserver> observer = triton.ObserverFor("lenet", 1);
  const std::vector<prometheus::MetricFamily> families = registry.Collect();
  const std::map<std::string, double> m = Samples(families);
  for (const char* name : {"nv_inference_request_success", "nv_inference_count", "nv_inference_exec_count",
                           "nv_inference_request_duration_us", "nv_inference_queue_duration_us",
                           "nv_inference_compute_input_duration_us", "nv_inference_compute_infer_duration_us",
                           "nv_inference_compute_output_duration_us"}) {
    const std::string series = std::string(name) + "{model=\"lenet\",version=\"1\"}";
    ASSERT_EQ(m.count(series), 1u) << series;
    EXPECT_EQ(m.at(series), 0) << series;
  }
  for (const char* reason : {"REJECTED", "CANCELED", "BACKEND", "OTHER"}) {
    const std::string series =
        std::string("nv_inference_request_failure{model=\"lenet\",reason=\"") + reason + "\",version=\"1\"}";
    ASSERT_EQ(m.count(series), 1u) << series;
  }
  const std::map<std::string, std::string> help = Help(families);
  EXPECT_EQ(help.at("nv_inference_request_success"), "Number of successful inference requests, all batch sizes");
  EXPECT_EQ(help.at("nv_inference_request_failure"), "Number of failed inference requests, all batch sizes");
  EXPECT_EQ(help.at("nv_inference_request_duration_us"),
            "Cumulative inference request duration in microseconds (includes cached requests)");
  EXPECT_EQ(help.at("nv_inference_compute_output_duration_us"),
            "Cumulative inference compute output duration in microseconds (does not include cached requests)");
}

TEST(TritonMetricsTest, FailureReasonsFollowTritonsCategories) {
  EXPECT_EQ(TritonFailureReasonOf(absl::StatusCode::kUnavailable), TritonFailureReason::kRejected);
  EXPECT_EQ(TritonFailureReasonOf(absl::StatusCode::kResourceExhausted), TritonFailureReason::kRejected);
  EXPECT_EQ(TritonFailureReasonOf(absl::StatusCode::kDeadlineExceeded), TritonFailureReason::kRejected);
  EXPECT_EQ(TritonFailureReasonOf(absl::StatusCode::kCancelled), TritonFailureReason::kCanceled);
  EXPECT_EQ(TritonFailureReasonOf(absl::StatusCode::kInternal), TritonFailureReason::kBackend);
  EXPECT_EQ(TritonFailureReasonOf(absl::StatusCode::kInvalidArgument), TritonFailureReason::kOther);
  EXPECT_EQ(TritonFailureReasonOf(absl::StatusCode::kNotFound), TritonFailureReason::kOther);
  EXPECT_STREQ(TritonFailureReasonName(TritonFailureReason::kCanceled), "CANCELED");
}

std::vector<std::string> NvFamilies(const std::vector<prometheus::MetricFamily>& families) {
  std::vector<std::string> names;
  for (const prometheus::MetricFamily& family : families) {
    if (family.name.rfind("nv_", 0) == 0) names.push_back(family.name);
  }
  return names;
}

TEST(TritonMetricsTest, ServerMetricsFeedsBothOrOnlyConvoysWhenTurnedOff) {
  const absl::Time t0 = absl::FromUnixSeconds(1'800'000'000);
  for (bool triton : {true, false}) {
    SCOPED_TRACE(triton ? "triton_metrics on" : "triton_metrics off");
    ServerMetrics metrics(ServerMetrics::Options{.triton_metrics = triton});
    ModelStatistics stats(metrics.ObserverFor("resnet", 3));
    stats.RecordExecution(1, absl::Microseconds(20), absl::Microseconds(1000));
    stats.RecordSuccess(1, Timings(t0), t0 + absl::Microseconds(1200));
    std::map<std::string, double> m = Samples(metrics.registry()->Collect());
    EXPECT_EQ(m["convoy_inferences_total{model=\"resnet\",version=\"3\"}"], 1);
    if (triton) {
      EXPECT_EQ(m[std::string("nv_inference_request_success") + kLabels], 1);
      EXPECT_EQ(m[std::string("nv_inference_exec_count") + kLabels], 1);
    } else {
      EXPECT_THAT(NvFamilies(metrics.registry()->Collect()), IsEmpty());
    }
  }
}

TEST(TritonMetricsTest, PendingRequestCountIsTheQueueDepthOfEachServedVersion) {
  auto sample = [] {
    RuntimeSample s;
    s.served.push_back({"resnet", "3", 5});
    return s;
  };
  RuntimeCollector with(sample, RuntimeCollectorOptions{.triton_metrics = true});
  std::map<std::string, double> m = Samples(with.Collect());
  EXPECT_EQ(m[std::string("nv_inference_pending_request_count") + kLabels], 5);
  EXPECT_EQ(m[std::string("convoy_queue_depth") + kLabels], 5);
  RuntimeCollector without(sample);
  EXPECT_THAT(NvFamilies(without.Collect()), IsEmpty());
  EXPECT_THAT(NvFamilies(with.Collect()), ElementsAre("nv_inference_pending_request_count"));
}

}  // namespace
}  // namespace convoy::server
