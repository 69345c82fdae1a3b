#include "tools/convoy_loadgen/load_plan.h"

#include <algorithm>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/convoy_loadgen/step_format.h"

namespace convoy {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::vector<int> Concurrencies(const std::string& range) {
  auto loads = ParseConcurrencyRange(range);
  EXPECT_TRUE(loads.ok()) << loads.status();
  std::vector<int> out;
  if (loads.ok()) {
    for (const StepLoad& load : *loads) out.push_back(load.concurrency);
  }
  return out;
}

TEST(LoadPlanTest, ConcurrencyRangesIncludeBothEnds) {
  EXPECT_THAT(Concurrencies("1:4"), ::testing::ElementsAre(1, 2, 3, 4));
  EXPECT_THAT(Concurrencies("1:32:8"), ::testing::ElementsAre(1, 9, 17, 25));
  EXPECT_THAT(Concurrencies("16:16"), ::testing::ElementsAre(16));
}

TEST(LoadPlanTest, RateRangesDoNotDriftPastTheEnd) {
  auto loads = ParseRequestRateRange("0.1:0.5:0.1");
  ASSERT_TRUE(loads.ok()) << loads.status();
  ASSERT_EQ(loads->size(), 5u);
  EXPECT_DOUBLE_EQ(loads->back().rate, 0.5);
}

TEST(LoadPlanTest, RefusesMalformedRanges) {
  for (const auto& [range, reason] : std::vector<std::pair<std::string, std::string>>{
           {"4", "expected START:END"}, {"1:2:3:4", "expected START:END"}, {"a:4", "'a' is not an integer"},
           {"1.5:4", "'1.5' is not an integer"}, {"0:4", "START must be >= 1"}, {"8:4", "END is below START"},
           {"1:4:0", "STEP must be > 0"}, {"1:100000", "more than 1000 steps"}}) {
    auto loads = ParseConcurrencyRange(range);
    ASSERT_FALSE(loads.ok()) << range;
    EXPECT_THAT(std::string(loads.status().message()), HasSubstr(reason)) << range;
    EXPECT_THAT(std::string(loads.status().message()), HasSubstr("--concurrency-range '" + range + "'"));
  }
  EXPECT_FALSE(ParseRequestRateRange("0:10").ok());
}

TEST(StepFormatTest, EveryFormatCarriesTheSameFigures) {
  StepReport step;
  step.load = {1, 250};
  step.seconds = 2;
  step.result.succeeded = 500;
  step.result.latencies_ms = {1, 2, 3, 4};
  step.latency = ComputeLatencyStats(step.result.latencies_ms);
  step.result.errors[absl::StatusCode::kUnavailable] = 3;
  step.errors = 3;
  step.requests_per_s = 250;
  step.server_counted = true;
  step.server.requests = 503;
  const RunDescription run{"resnet50", 2, 10, "poisson"};
  EXPECT_THAT(FormatTable(run, step), HasSubstr("resnet50 at 250.0 requests/s (poisson arrivals), batch 2 x 10 crops"));
  EXPECT_THAT(FormatTable(run, step), HasSubstr("errors      UNAVAILABLE=3"));
  const std::string json = FormatJson(run, step);
  EXPECT_THAT(json, HasSubstr("\"request_rate\": 250.00"));
  EXPECT_THAT(json, HasSubstr("\"items_per_s\": 500.00"));
  EXPECT_THAT(json, HasSubstr("\"errors_by_code\": {\"UNAVAILABLE\": 3}"));
  EXPECT_THAT(json, HasSubstr("\"p95_ms\": 3.850"));
  const std::string csv = FormatCsv(run, step);
  const std::string header = CsvHeader();
  EXPECT_EQ(std::count(csv.begin(), csv.end(), ','), std::count(header.begin(), header.end(), ','));
  EXPECT_THAT(csv, HasSubstr("UNAVAILABLE=3"));
  EXPECT_THAT(header, ::testing::StartsWith("model,protocol,"));
  EXPECT_THAT(csv, ::testing::StartsWith("resnet50,grpc,"));
  EXPECT_THAT(json, HasSubstr("\"protocol\": \"grpc\""));
  EXPECT_THAT(FormatTable(run, step), Not(HasSubstr(", over ")));

  RunDescription over_http = run;
  over_http.protocol = "http-json";
  EXPECT_THAT(FormatTable(over_http, step), HasSubstr("batch 2 x 10 crops, over http-json, 2.0 s measured"));
  EXPECT_THAT(FormatJson(over_http, step), HasSubstr("\"protocol\": \"http-json\""));
  EXPECT_THAT(FormatCsv(over_http, step), ::testing::StartsWith("resnet50,http-json,"));
}

TEST(StepFormatTest, APercentileAndAModelVersionAreReportedWhenGiven) {
  StepReport step;
  step.load = {4, 0};
  step.seconds = 1;
  step.result.succeeded = 5;
  step.result.latencies_ms = {5, 1, 4, 2, 3};
  step.latency = ComputeLatencyStats(step.result.latencies_ms);
  RunDescription run{"m", 1, 0, "constant"};
  EXPECT_THAT(FormatJson(run, step), Not(HasSubstr("percentile")));
  EXPECT_THAT(FormatJson(run, step), ::testing::EndsWith("\"stable\": true}"));
  EXPECT_THAT(FormatTable(run, step), Not(HasSubstr("percentile")));
  EXPECT_THAT(FormatCsv(run, step), ::testing::EndsWith(",,,"));
  run.percentile = 85;
  run.model_version = "3";
  const std::string json = FormatJson(run, step);
  EXPECT_THAT(json, ::testing::EndsWith(", \"percentile\": 85, \"percentile_ms\": 4.400, \"model_version\": \"3\"}"));
  EXPECT_THAT(FormatTable(run, step),
              HasSubstr("  percentile  p85 4.400 ms (judges stability and --latency-threshold)"));
  const std::string csv = FormatCsv(run, step);
  const std::string header = CsvHeader();
  EXPECT_EQ(std::count(csv.begin(), csv.end(), ','), std::count(header.begin(), header.end(), ','));
  EXPECT_THAT(header, ::testing::EndsWith(",percentile,percentile_ms,model_version"));
  EXPECT_THAT(csv, ::testing::EndsWith(",85,4.400,3"));
}

}  // namespace
}  // namespace convoy
