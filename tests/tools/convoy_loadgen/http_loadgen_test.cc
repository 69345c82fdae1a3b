// convoy-loadgen over HTTP against a fake KServe REST server in the test
// (tests/client/testing): the closed and open loops run unchanged over the
// HTTP client, the statistics come from REST, and the binary, given only
// --server and --protocol http, does the rest. The real server's HTTP port
// is not needed.
#include <sys/wait.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "client/http_inference_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/client/testing/fake_http_server.h"
#include "tests/client/testing/fake_kserve_model.h"
#include "tools/convoy_loadgen/closed_loop.h"
#include "tools/convoy_loadgen/open_loop.h"
#include "tools/convoy_loadgen/server_statistics.h"

namespace convoy {
namespace {

using ::testing::HasSubstr;

std::unique_ptr<client::HttpInferenceClient> HttpClient(const testing::FakeHttpServer& server) {
  client::ClientOptions options;
  options.target = server.target();
  options.timeout = absl::Seconds(10);
  absl::StatusOr<std::unique_ptr<client::HttpInferenceClient>> client = client::HttpInferenceClient::Create(options);
  EXPECT_TRUE(client.ok()) << client.status();
  return client.ok() ? *std::move(client) : nullptr;
}

RequestCycle ImageRequest() {
  auto request = std::make_shared<inference::ModelInferRequest>();
  request->set_model_name("fmnist");
  client::AddBytesInput(request.get(), "image", {std::string("\x89PNG fake", 9)});
  return RequestCycle(std::shared_ptr<const inference::ModelInferRequest>(request));
}

TEST(HttpLoadgenTest, ClosedLoopKeepsItsConcurrencyOnKeptAliveConnections) {
  testing::FakeKServeModel model("fmnist", 10);
  testing::FakeHttpServer server(model.Handler());
  auto client = HttpClient(server);
  ASSERT_NE(client, nullptr);
  ClosedLoopOptions options;
  options.concurrency = 6;
  options.warmup = absl::ZeroDuration();
  options.duration = absl::Seconds(60);  // A cap; the count ends it.
  options.count = 120;
  LoadResult result = RunClosedLoop({client.get()}, ImageRequest(), options);
  EXPECT_TRUE(result.errors.empty()) << result.first_error;
  EXPECT_EQ(result.succeeded, 120);
  EXPECT_EQ(model.inferences(), result.sent);
  // At most one connection per slot, kept for the whole run.
  EXPECT_LE(server.connections(), 6);
  EXPECT_LE(server.max_concurrent(), 6);
  for (const testing::RecordedRequest& request : server.requests()) {
    ASSERT_EQ(request.target, "/v2/models/fmnist/infer");
    EXPECT_TRUE(absl::EndsWith(request.body, std::string("\x09\x00\x00\x00\x89PNG fake", 13)));
  }
}

TEST(HttpLoadgenTest, OpenLoopAndStatisticsOverRest) {
  testing::FakeKServeModel model("fmnist", 10);
  testing::FakeHttpServer first(model.Handler());
  testing::FakeKServeModel other_model("fmnist", 10);
  testing::FakeHttpServer second(other_model.Handler());
  auto a = HttpClient(first);
  auto b = HttpClient(second);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  OpenLoopOptions options;
  options.rate = 200;
  options.warmup = absl::ZeroDuration();
  options.duration = absl::Milliseconds(300);
  LoadResult result = RunOpenLoop({a.get(), b.get()}, ImageRequest(), options);
  EXPECT_TRUE(result.errors.empty()) << result.first_error;
  EXPECT_GE(result.succeeded, 50);
  EXPECT_EQ(model.inferences() + other_model.inferences(), result.sent);

  absl::StatusOr<inference::ModelStatistics> sum = SumStatistics({a.get(), b.get()}, "fmnist");
  ASSERT_TRUE(sum.ok()) << sum.status();
  EXPECT_EQ(sum->inference_stats().success().count(), static_cast<uint64_t>(result.sent));
  EXPECT_EQ(sum->inference_stats().compute_infer().ns(), static_cast<uint64_t>(2000 * result.sent));
}

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

CommandResult RunLoadgen(const std::string& arguments) {
  const std::string command = absl::StrCat("timeout 60 '", CONVOY_LOADGEN_BINARY, "' ", arguments, " 2>&1");
  CommandResult result;
  std::FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) result.output.append(buffer, n);
  const int status = pclose(pipe);
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  return result;
}

TEST(HttpLoadgenTest, TheBinaryNeedsOnlyServerAndProtocol) {
  testing::FakeKServeModel model("fmnist", 10, "FP32");  // Synthetic tensors: FP32 [batch, 4].
  testing::FakeHttpServer server(model.Handler());
  for (const char* data : {"binary", "json"}) {
    const CommandResult run = RunLoadgen(absl::StrCat("--server ", server.target(),
                                                      " --protocol http --http-data ", data,
                                                      " --model fmnist --concurrency 3 --duration 0.3 --warmup 0.1 --json"));
    EXPECT_EQ(run.exit_code, 0) << run.output;
    EXPECT_THAT(run.output, HasSubstr(absl::StrCat("\"protocol\": \"http-", data, "\"")));
    EXPECT_THAT(run.output, ::testing::ContainsRegex("\"requests\": [1-9]"));
    EXPECT_THAT(run.output, HasSubstr("\"errors\": 0,"));
    // The server's side came from GET .../stats, before and after.
    EXPECT_THAT(run.output, ::testing::ContainsRegex("\"server_requests\": [1-9]"));
    const testing::RecordedRequest last = server.requests().back();
    ASSERT_EQ(last.target, "/v2/models/fmnist/stats");
  }
  int metadata = 0, binary = 0, json = 0;
  for (const testing::RecordedRequest& request : server.requests()) {
    metadata += request.target == "/v2/models/fmnist";
    if (request.target != "/v2/models/fmnist/infer") continue;
    // Synthetic FP32 [1, 4]: raw bytes after the header, or printed numbers.
    const bool as_binary = client::FindHeader(request.headers, "Inference-Header-Content-Length").has_value();
    binary += as_binary;
    json += !as_binary && absl::StrContains(request.body, R"("shape":[1,4],"datatype":"FP32","data":[)");
  }
  EXPECT_EQ(metadata, 2);
  EXPECT_GT(binary, 0);
  EXPECT_GT(json, 0);
}

TEST(HttpLoadgenTest, BadProtocolFlagsAreUsageErrors) {
  EXPECT_EQ(RunLoadgen("--protocol quic --model m").exit_code, 2);
  const CommandResult run = RunLoadgen("--protocol http --http-data text --model m");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.output, HasSubstr("--http-data must be binary or json, not 'text'"));
}

}  // namespace
}  // namespace convoy
