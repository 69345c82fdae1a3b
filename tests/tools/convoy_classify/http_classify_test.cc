// convoy-classify over HTTP against a fake KServe REST server in the test
// (tests/client/testing): the request pipeline keeps its bound over the HTTP
// client, and the binary classifies files with --protocol http, in either
// data form. The real server's HTTP port is not needed.
#include <sys/wait.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "client/http_inference_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/client/testing/fake_http_server.h"
#include "tests/client/testing/fake_kserve_model.h"
#include "tests/testing/temp_dir.h"
#include "tools/convoy_classify/request_pipeline.h"

namespace convoy {
namespace {

using ::testing::HasSubstr;

TEST(HttpClassifyTest, PipelineKeepsItsBoundOverHttp) {
  testing::FakeKServeModel model("fmnist", 10);
  testing::FakeHttpServer server(model.Handler());
  client::ClientOptions options;
  options.target = server.target();
  absl::StatusOr<std::unique_ptr<client::HttpInferenceClient>> client = client::HttpInferenceClient::Create(options);
  ASSERT_TRUE(client.ok()) << client.status();
  absl::Mutex mu;
  std::vector<int64_t> winners(20, -1);
  RunPipelined(
      **client, 20, 4,
      [](int64_t i) -> absl::StatusOr<inference::ModelInferRequest> {
        inference::ModelInferRequest request;
        request.set_model_name("fmnist");
        client::AddBytesInput(&request, "image", {absl::StrCat("image ", i)});
        return request;
      },
      [&](int64_t i, absl::Status status, const inference::ModelInferResponse& response) {
        ASSERT_TRUE(status.ok()) << status;
        absl::StatusOr<client::Fp32Output> scores = client::GetFp32Output(response, "probabilities");
        ASSERT_TRUE(scores.ok()) << scores.status();
        absl::MutexLock lock(&mu);
        winners[i] = std::max_element(scores->values.begin(), scores->values.end()) - scores->values.begin();
      },
      nullptr);
  for (int64_t winner : winners) EXPECT_EQ(winner, 0);  // Each request is a batch of one: item 0, class 0.
  EXPECT_EQ(model.inferences(), 20);
  EXPECT_LE(server.max_concurrent(), 4);
  EXPECT_LE(server.connections(), 4);
}

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

CommandResult RunClassify(const std::string& arguments) {
  const std::string command = absl::StrCat("timeout 60 '", CONVOY_CLASSIFY_BINARY, "' ", arguments, " 2>&1");
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

TEST(HttpClassifyTest, ClassifiesFilesOverHttpInEitherDataForm) {
  testing::TempDir dir;
  const std::string shirt = dir.Write("shirt.png", std::string("\x89PNG\0shirt", 10));
  const std::string boot = dir.Write("boot.jpg", "\xff\xd8 boot");
  for (const char* data : {"binary", "json"}) {
    testing::FakeKServeModel model("fmnist", 10);
    testing::FakeHttpServer server(model.Handler());
    const CommandResult run = RunClassify(absl::StrCat("--server ", server.target(), " --protocol http --http-data ",
                                                       data, " --model fmnist --top-k 2 '", shirt, "' '", boot, "'"));
    EXPECT_EQ(run.exit_code, 0) << run.output;
    EXPECT_THAT(run.output, HasSubstr(shirt + "  class-0 #0 (0.9000)  class-1 #1 (0.0100)")) << data;
    EXPECT_THAT(run.output, HasSubstr(boot + "  class-0 #0 (0.9000)")) << data;
    int infers = 0;
    for (const testing::RecordedRequest& request : server.requests()) {
      if (request.target != "/v2/models/fmnist/infer") continue;
      ++infers;
      // The files go binary in both forms: JSON strings cannot carry them.
      EXPECT_TRUE(client::FindHeader(request.headers, "Inference-Header-Content-Length").has_value());
      EXPECT_THAT(request.body, HasSubstr(absl::StrCat(R"("classification":2,"binary_data":)",
                                                       std::string(data) == "binary" ? "true" : "false")));
      EXPECT_TRUE(absl::EndsWith(request.body, std::string("\x0a\0\0\0\x89PNG\0shirt", 14)) ||
                  absl::EndsWith(request.body, std::string("\x07\0\0\0\xff\xd8 boot", 11)));
    }
    EXPECT_EQ(infers, 2);
  }
}

TEST(HttpClassifyTest, AnUnreachableServerIsExplained) {
  const CommandResult run = RunClassify("--server 127.0.0.1:1 --protocol http --model fmnist /dev/null");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.output, HasSubstr("UNAVAILABLE"));
  EXPECT_THAT(run.output, HasSubstr("is a server running at 127.0.0.1:1?"));
}

}  // namespace
}  // namespace convoy
