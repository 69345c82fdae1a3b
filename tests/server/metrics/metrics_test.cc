// /metrics over HTTP after requests of known kinds: every counter equals
// what was sent, per label, histogram counts equal request counts, the
// batch-size histogram adds up to the items executed, and the
// ModelStatistics RPC agrees. Triton's nv_inference_* series likewise, and
// they go with --allow-triton-metrics=false.
#include <time.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/server/testing/http_get.h"
#include "tests/server/testing/server_fixture.h"

namespace convoy {
namespace {

using ::testing::HasSubstr;
using testing::RunningServer;
using testing::ScaleModelConfig;
using testing::ScaleModelOnnx;
using testing::TestRepository;

double ThreadCpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

std::string Series(const std::string& name, const std::string& labels) { return name + "{" + labels + "}"; }

std::string ModelLabels(const std::string& model, const std::string& kind) {
  return absl::StrCat("kind=\"", kind, "\",model=\"", model, "\",version=\"1\"");
}

// Request series carry the protocol too; these tests speak gRPC.
std::string RequestLabels(const std::string& model, const std::string& kind) {
  return absl::StrCat("kind=\"", kind, "\",model=\"", model, "\",protocol=\"grpc\",version=\"1\"");
}

std::string Requests(const std::string& model, const std::string& kind, const std::string& outcome) {
  return Series("convoy_requests_total", absl::StrCat("kind=\"", kind, "\",model=\"", model, "\",outcome=\"",
                                                      outcome, "\",protocol=\"grpc\",version=\"1\""));
}

class MetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    repository_.WriteFile("scale/config.pbtxt", ScaleModelConfig("scale", "dynamic_batching { }"));
    repository_.WriteFile("scale/1/model.onnx", ScaleModelOnnx(2.0f));
    // Requests wait up to 300 ms for company here, so a shorter deadline
    // expires in the queue; the batcher drops it when it forms the batch.
    repository_.WriteFile("slow/config.pbtxt",
                          ScaleModelConfig("slow", "dynamic_batching { max_queue_delay_microseconds: 300000 }"));
    repository_.WriteFile("slow/1/model.onnx", ScaleModelOnnx(1.0f));
    repository_.WriteFile("pair/config.pbtxt",
                          "name: \"pair\"\nplatform: \"convoy_ensemble\"\nmax_batch_size: 8\n"
                          "input [ { name: \"x\" data_type: TYPE_FP32 dims: [ 4 ] } ]\n"
                          "output [ { name: \"p\" data_type: TYPE_FP32 dims: [ 4 ] } ]\n"
                          "ensemble { member { model_name: \"scale\" } }\n");
    running_ = testing::StartServerWithMetrics(repository_, OptionsForTest());
    ASSERT_NE(running_.client, nullptr);
    ASSERT_GT(running_.server->metrics_port(), 0);
  }

  virtual server::ServerOptions OptionsForTest() { return {}; }

  absl::Status Infer(const std::string& model, int64_t batch, absl::Duration timeout = absl::Seconds(30)) {
    inference::ModelInferRequest request;
    request.set_model_name(model);
    client::AddFp32Input(&request, "x", {batch, 4}, std::vector<float>(4 * batch, 1.0f));
    if (timeout == absl::Seconds(30)) return running_.client->Infer(request).status();
    auto client = testing::Connect(running_.target, timeout);
    return client->Infer(request).status();
  }

  // Once every request sent has been answered and counted (an expired
  // request is answered when its batch would have formed).
  std::map<std::string, double> ScrapeWhenIdle() {
    std::map<std::string, double> m = Scrape();
    for (int i = 0; i < 100 && m[Series("convoy_inflight_requests", "protocol=\"grpc\"")] != 0; ++i) {
      absl::SleepFor(absl::Milliseconds(20));
      m = Scrape();
    }
    return m;
  }

  std::map<std::string, double> Scrape() {
    auto response = testing::HttpGet(running_.server->metrics_port(), "/metrics");
    EXPECT_TRUE(response.ok()) << response.status();
    if (!response.ok()) return {};
    EXPECT_EQ(response->status, 200);
    return testing::ParsePrometheusText(response->body);
  }

  TestRepository repository_;
  RunningServer running_;
};

TEST_F(MetricsTest, CountersEqualTheRequestsSentPerLabel) {
  int64_t items = 0;
  for (int64_t batch : {1, 2, 3, 1, 2, 3, 1}) {  // 7 successes, 13 items.
    ASSERT_TRUE(Infer("scale", batch).ok());
    items += batch;
  }
  for (int i = 0; i < 3; ++i) {  // 3 invalid: batch above max_batch_size 8.
    EXPECT_EQ(Infer("scale", 9).code(), absl::StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(Infer("absent", 1).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Infer("scale-typo", 1).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Infer("slow", 1, absl::Milliseconds(50)).code(), absl::StatusCode::kDeadlineExceeded);
  ASSERT_TRUE(Infer("pair", 2).ok());  // One ensemble request: one more of 2 items on "scale".

  std::map<std::string, double> m = ScrapeWhenIdle();
  EXPECT_EQ(m[Requests("scale", "single", "success")], 8);
  EXPECT_EQ(m[Requests("scale", "single", "invalid")], 3);
  EXPECT_EQ(m[Requests("scale", "single", "rejected")], 0);
  EXPECT_EQ(m[Requests("pair", "ensemble", "success")], 1);
  EXPECT_EQ(m[Series("convoy_unknown_model_requests_total", "protocol=\"grpc\"")], 2);
  EXPECT_EQ(m[Series("convoy_request_duration_seconds_count", RequestLabels("scale", "single"))], 11);
  EXPECT_EQ(m[Series("convoy_queue_duration_seconds_count", ModelLabels("scale", "single"))], 8);
  EXPECT_EQ(m[Series("convoy_compute_duration_seconds_count", ModelLabels("scale", "single"))], 8);
  EXPECT_EQ(m[Series("convoy_inferences_total", "model=\"scale\",version=\"1\"")], items + 2);
  EXPECT_EQ(m[Series("convoy_batch_size_sum", "model=\"scale\",version=\"1\"")], items + 2);
  EXPECT_EQ(m[Series("convoy_batch_size_count", "model=\"scale\",version=\"1\"")],
            m[Series("convoy_executions_total", "model=\"scale\",version=\"1\"")]);
  EXPECT_EQ(m[Series("convoy_inflight_requests", "protocol=\"grpc\"")], 0);
  EXPECT_EQ(m[Series("convoy_models", "state=\"READY\"")], 3);
  EXPECT_EQ(m[Series("convoy_model_ready", "model=\"scale\",version=\"1\"")], 1);
  EXPECT_EQ(m[Series("convoy_queue_depth", "model=\"scale\",version=\"1\"")], 0);
  // Every request's bytes came back once it was answered.
  ASSERT_EQ(m.count("convoy_inflight_bytes"), 1u);
  EXPECT_EQ(m["convoy_inflight_bytes"], 0);
  EXPECT_GE(m["convoy_inflight_bytes_limit"], 256 << 20);
  ASSERT_EQ(m.count("convoy_image_queue_depth"), 1u);
  EXPECT_EQ(m["convoy_image_queue_depth"], 0);

  // The deadline expired in the queue, which ModelStatistics also shows.
  EXPECT_EQ(m[Requests("slow", "single", "deadline_exceeded")], 1);

  // The ModelStatistics RPC tells the same story.
  auto statistics = running_.client->ModelStatistics("scale");
  ASSERT_TRUE(statistics.ok()) << statistics.status();
  const auto& s = statistics->model_stats(0);
  EXPECT_EQ(s.inference_stats().success().count(), m[Requests("scale", "single", "success")]);
  EXPECT_EQ(s.inference_stats().fail().count(), m[Requests("scale", "single", "invalid")]);
  EXPECT_EQ(s.inference_count(), m[Series("convoy_inferences_total", "model=\"scale\",version=\"1\"")]);
  EXPECT_EQ(s.execution_count(), m[Series("convoy_executions_total", "model=\"scale\",version=\"1\"")]);
}

// Triton's series, as its dashboards query them.
std::string Nv(const std::string& name, const std::string& model) {
  return Series(name, absl::StrCat("model=\"", model, "\",version=\"1\""));
}

std::string NvFailures(const std::string& model, const std::string& reason) {
  return Series("nv_inference_request_failure",
                absl::StrCat("model=\"", model, "\",reason=\"", reason, "\",version=\"1\""));
}

TEST_F(MetricsTest, TritonCountersShowTheRequestsSentAndAgreeWithStatistics) {
  int64_t items = 0;
  for (int64_t batch : {1, 4, 2, 1, 3, 1}) {  // 6 successes, 12 items.
    ASSERT_TRUE(Infer("scale", batch).ok());
    items += batch;
  }
  for (int i = 0; i < 2; ++i) {  // 2 failures: batch above max_batch_size 8.
    EXPECT_EQ(Infer("scale", 9).code(), absl::StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(Infer("slow", 1, absl::Milliseconds(50)).code(), absl::StatusCode::kDeadlineExceeded);
  std::map<std::string, double> m = ScrapeWhenIdle();

  EXPECT_EQ(m[Nv("nv_inference_request_success", "scale")], 6);
  EXPECT_EQ(m[NvFailures("scale", "OTHER")], 2);
  EXPECT_EQ(m[NvFailures("scale", "REJECTED")], 0);
  EXPECT_EQ(m[NvFailures("scale", "CANCELED")], 0);
  EXPECT_EQ(m[NvFailures("scale", "BACKEND")], 0);
  // Expired in the queue: Triton's "request timeout in the scheduler".
  EXPECT_EQ(m[NvFailures("slow", "REJECTED")], 1);
  EXPECT_EQ(m[Nv("nv_inference_request_success", "slow")], 0);
  EXPECT_EQ(m[Nv("nv_inference_count", "scale")], items);
  // One at a time, so each request was a batch of its own.
  const double executions = m[Nv("nv_inference_exec_count", "scale")];
  EXPECT_EQ(executions, 6);
  EXPECT_EQ(m[Nv("nv_inference_pending_request_count", "scale")], 0);
  // Triton's CPU metrics, for its dashboards' CPU panels.
  EXPECT_EQ(m.count("nv_cpu_utilization"), 1u);
  EXPECT_GT(m["nv_cpu_memory_total_bytes"], 0);
  EXPECT_GT(m["nv_cpu_memory_used_bytes"], 0);

  const double request = m[Nv("nv_inference_request_duration_us", "scale")];
  const double queue = m[Nv("nv_inference_queue_duration_us", "scale")];
  const double input = m[Nv("nv_inference_compute_input_duration_us", "scale")];
  const double infer = m[Nv("nv_inference_compute_infer_duration_us", "scale")];
  const double output = m[Nv("nv_inference_compute_output_duration_us", "scale")];
  for (double us : {request, queue, input, infer, output}) EXPECT_GT(us, 0);
  // A request's stages lie within its time in the server.
  EXPECT_GE(request * (1 + 1e-9), queue + input + infer + output);

  // The ModelStatistics RPC tells the same story, in nanoseconds.
  auto statistics = running_.client->ModelStatistics("scale");
  ASSERT_TRUE(statistics.ok()) << statistics.status();
  const auto& s = statistics->model_stats(0);
  EXPECT_EQ(s.inference_stats().success().count(), 6u);
  EXPECT_EQ(s.inference_stats().fail().count(), 2u);
  EXPECT_EQ(s.inference_count(), static_cast<uint64_t>(items));
  EXPECT_EQ(s.execution_count(), executions);
  const auto& stats = s.inference_stats();
  EXPECT_NEAR(request, stats.success().ns() / 1000.0, 1e-3);
  EXPECT_NEAR(queue, stats.queue().ns() / 1000.0, 1e-3);
  EXPECT_NEAR(input, stats.compute_input().ns() / 1000.0, 1e-3);
  EXPECT_NEAR(infer, stats.compute_infer().ns() / 1000.0, 1e-3);
  EXPECT_NEAR(output, stats.compute_output().ns() / 1000.0, 1e-3);

  // An ensemble counts on itself and on its member, as in Triton.
  ASSERT_TRUE(Infer("pair", 2).ok());
  m = ScrapeWhenIdle();
  EXPECT_EQ(m[Nv("nv_inference_request_success", "pair")], 1);
  EXPECT_EQ(m[Nv("nv_inference_count", "pair")], 2);
  EXPECT_EQ(m[Nv("nv_inference_request_success", "scale")], 7);
  EXPECT_EQ(m[Nv("nv_inference_count", "scale")], items + 2);
  EXPECT_EQ(m[Nv("nv_inference_exec_count", "scale")], 7);
}

// --allow-triton-metrics=false
class TritonMetricsOffTest : public MetricsTest {
 protected:
  server::ServerOptions OptionsForTest() override {
    server::ServerOptions options;
    options.triton_metrics = false;
    return options;
  }
};

TEST_F(TritonMetricsOffTest, ExportsOnlyConvoysMetrics) {
  ASSERT_TRUE(Infer("scale", 2).ok());
  std::map<std::string, double> m = ScrapeWhenIdle();
  EXPECT_EQ(m[Requests("scale", "single", "success")], 1);
  for (const auto& [series, value] : m) EXPECT_NE(series.rfind("nv_", 0), 0u) << series;
}

TEST_F(MetricsTest, InflightBytesShowWhatAQueuedRequestHolds) {
  // A request to "slow" waits 300 ms in the queue for company, holding its
  // bytes.
  absl::Notification answered;
  inference::ModelInferRequest request;
  request.set_model_name("slow");
  client::AddFp32Input(&request, "x", {1, 4}, std::vector<float>(4, 1.0f));
  running_.client->AsyncInfer(request, [&](absl::Status status, inference::ModelInferResponse) {
    EXPECT_TRUE(status.ok()) << status;
    answered.Notify();
  });
  double held = 0;
  for (int i = 0; i < 100 && held == 0 && !answered.HasBeenNotified(); ++i) {
    held = Scrape()["convoy_inflight_bytes"];
    if (held == 0) absl::SleepFor(absl::Milliseconds(5));
  }
  // At least its 16 bytes of input, twice, and its row of output.
  EXPECT_GE(held, 2 * 16 + 16);
  answered.WaitForNotification();
  for (int i = 0; i < 100 && held != 0; ++i) {
    held = Scrape()["convoy_inflight_bytes"];
    if (held != 0) absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_EQ(held, 0);
}

TEST_F(MetricsTest, ExportsTheStandardProcessMetrics) {
  std::map<std::string, double> m = Scrape();
  for (const char* name : {"process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds",
                           "process_max_fds", "process_threads", "process_start_time_seconds",
                           "process_virtual_memory_bytes"}) {
    EXPECT_GT(m[name], 0) << name;
  }
  EXPECT_GT(m["process_start_time_seconds"], 1.7e9);  // A Unix time, not an uptime.

  // The server runs in this process: CPU time this thread spends shows up.
  const double start = ThreadCpuSeconds();
  while (ThreadCpuSeconds() - start < 0.05) {
  }
  const double later = Scrape()["process_cpu_seconds_total"];
  EXPECT_GE(later - m["process_cpu_seconds_total"], 0.05);
}

TEST_F(MetricsTest, AnswersOnlyMetrics) {
  auto response = testing::HttpGet(running_.server->metrics_port(), "/other");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 404);
  auto metrics = testing::HttpGet(running_.server->metrics_port(), "/metrics");
  ASSERT_TRUE(metrics.ok());
  EXPECT_THAT(metrics->body, HasSubstr("# TYPE convoy_request_duration_seconds histogram"));
  EXPECT_THAT(metrics->body, HasSubstr("le=\"0.0001\""));
  EXPECT_THAT(metrics->body, HasSubstr("le=\"10\""));
}

}  // namespace
}  // namespace convoy
