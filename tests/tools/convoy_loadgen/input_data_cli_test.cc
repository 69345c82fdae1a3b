// The convoy-loadgen binary with perf_analyzer's flags against a real
// server (in this process, on a free port), serving a model with a variable
// dimension in two versions: --input-data FILE.json and DIR, --shape,
// --model-version and --percentile, the JSON report, and the server's
// statistics of the version the requests named.
#include <sys/wait.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "tests/engine/testing/onnx_builder.h"
#include "tests/server/testing/server_fixture.h"
#include "tests/testing/temp_dir.h"

namespace convoy {
namespace {

using ::testing::HasSubstr;

// y = x * scale for x [N, 2, W]: a batching model whose second dimension is
// variable.
std::string VariableWidthModelOnnx(float scale) {
  engine::testing::OnnxBuilder b;
  b.AddInput("x", {"N", 2, "W"});
  b.AddInitializer("scale", engine::testing::Filled({1}, scale));
  b.AddNode("Mul", {"x", "scale"}, {"y"});
  b.AddOutput("y");
  return b.Serialize();
}

struct Served {
  testing::TestRepository repository;
  testing::RunningServer running;
};

// Model "vary", versions 1 and 2, both served.
void Serve(Served* served) {
  served->repository.WriteFile("vary/config.pbtxt", R"pb(
    name: "vary"
    platform: "onnxruntime_onnx"
    max_batch_size: 8
    input [ { name: "x" data_type: TYPE_FP32 dims: [ 2, -1 ] } ]
    output [ { name: "y" data_type: TYPE_FP32 dims: [ 2, -1 ] } ]
    version_policy { all { } })pb");
  served->repository.WriteFile("vary/1/model.onnx", VariableWidthModelOnnx(2.0f));
  served->repository.WriteFile("vary/2/model.onnx", VariableWidthModelOnnx(3.0f));
  served->running = testing::StartServer(served->repository);
}

struct LoadgenRun {
  int exit_code = -1;
  std::string output;  // stdout and stderr
  // The JSON lines of the output (one per step), parsed.
  std::vector<std::string> json_lines() const {
    std::vector<std::string> lines;
    for (absl::string_view line : absl::StrSplit(output, '\n')) {
      if (absl::StartsWith(line, "{")) lines.emplace_back(line);
    }
    return lines;
  }
};

LoadgenRun Loadgen(const std::string& target, const std::string& arguments) {
  const std::string command =
      absl::StrCat("timeout 60 '", CONVOY_LOADGEN_BINARY, "' --server ", target, " --model vary ", arguments, " 2>&1");
  LoadgenRun run;
  std::FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) run.output.append(buffer, n);
  const int status = pclose(pipe);
  if (WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
  return run;
}

uint64_t Successes(client::InferenceClient& client, const std::string& version) {
  absl::StatusOr<inference::ModelStatisticsResponse> stats = client.ModelStatistics("vary", version);
  EXPECT_TRUE(stats.ok()) << stats.status();
  return stats.ok() && stats->model_stats_size() == 1 ? stats->model_stats(0).inference_stats().success().count() : 0;
}

std::string Floats(std::vector<float> values) {
  std::string raw(values.size() * sizeof(float), '\0');
  std::memcpy(raw.data(), values.data(), raw.size());
  return raw;
}

TEST(LoadgenInputDataCliTest, JsonDataWithShapesGoesToTheVersionAskedAndThePercentileIsReported) {
  Served served;
  Serve(&served);
  ASSERT_NE(served.running.client, nullptr);
  testing::TempDir dir;
  // Three entries: values shaped by --shape x:2,3, values with their own
  // shape, and base64 bytes.
  const std::string data = dir.Write(
      "data.json", absl::StrCat(R"({"data": [{"x": [1, 2, 3, 4, 5, 6]},
                                             {"x": {"content": [1, 2, 3, 4], "shape": [2, 2]}},
                                             {"x": {"b64": ")",
                                absl::Base64Escape(Floats({6, 5, 4, 3, 2, 1})), R"("}}]})"));
  const LoadgenRun run = Loadgen(served.running.target,
                          absl::StrCat("--input-data ", data, " --shape x:2,3 --model-version 1 --percentile 95 "
                                       "--concurrency 2 --count 30 --warmup 0 --json"));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  ASSERT_EQ(run.json_lines().size(), 1u) << run.output;
  rapidjson::Document step;
  step.Parse(run.json_lines()[0].c_str());
  ASSERT_FALSE(step.HasParseError()) << run.output;
  EXPECT_EQ(step["requests"].GetInt(), 30);
  EXPECT_EQ(step["errors"].GetInt(), 0);
  EXPECT_EQ(step["percentile"].GetDouble(), 95);
  const double p95 = step["percentile_ms"].GetDouble();
  EXPECT_GT(p95, 0);
  EXPECT_GE(p95, step["p90_ms"].GetDouble());
  EXPECT_LE(p95, step["p99_ms"].GetDouble());
  EXPECT_DOUBLE_EQ(p95, step["p95_ms"].GetDouble());
  EXPECT_STREQ(step["model_version"].GetString(), "1");
  // Version 1, not the latest, served them all, and its statistics are
  // those reported.
  EXPECT_GE(Successes(*served.running.client, "1"), 30u);
  EXPECT_EQ(Successes(*served.running.client, "2"), 0u);
  EXPECT_GT(step["server_requests"].GetDouble(), 0);
}

TEST(LoadgenInputDataCliTest, ADirectoryOfRawFilesAtABatchAndZerosWithAShape) {
  Served served;
  Serve(&served);
  ASSERT_NE(served.running.client, nullptr);
  testing::TempDir dir;
  dir.Write("inputs/x", Floats({1, 2, 3, 4, 5, 6, 7, 8}));
  LoadgenRun run = Loadgen(served.running.target, absl::StrCat("--input-data ", dir.Path("inputs"),
                                                        " --shape x:2,4 --batch 3 --count 10 --warmup 0 --json"));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  ASSERT_EQ(run.json_lines().size(), 1u) << run.output;
  EXPECT_THAT(run.output, HasSubstr("\"errors\": 0,"));
  // Variable dimensions: the server runs each request alone, 3 items each.
  EXPECT_THAT(run.output, HasSubstr("\"server_batch_size\": 3.00"));

  run = Loadgen(served.running.target, "--input-data zero --shape x:2,5 --batch 2 --count 10 --warmup 0 --json");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("\"server_batch_size\": 2.00"));
  // No version given: the latest served them.
  EXPECT_GE(Successes(*served.running.client, "2"), 20u);
}

TEST(LoadgenInputDataCliTest, ALatencyThresholdOnThePercentileEndsTheSweep) {
  Served served;
  Serve(&served);
  ASSERT_NE(served.running.client, nullptr);
  const LoadgenRun run = Loadgen(served.running.target, "--shape x:2,3 --concurrency-range 1:3 --percentile 90 "
                                                 "--latency-threshold 0.000001 --count 10 --warmup 0 --json");
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(run.json_lines().size(), 1u) << run.output;
  EXPECT_THAT(run.output, HasSubstr("convoy-loadgen: stopping: p90 latency "));
  EXPECT_THAT(run.output, HasSubstr(" reaches --latency-threshold 0.000 ms"));
}

TEST(LoadgenInputDataCliTest, BadShapesAndDataAreUsageErrorsNamingWhatIsWrong) {
  Served served;
  Serve(&served);
  ASSERT_NE(served.running.client, nullptr);
  testing::TempDir dir;
  const std::string data =
      dir.Write("bad.json", R"({"data": [{"x": [1, 2, 3, 4, 5, 6]}, {"x": [1, 2, 3, 4, 5]}]})");
  for (const auto& [arguments, message] : std::vector<std::pair<std::string, std::string>>{
           {"", "input 'x' has variable dims [2,-1]: give its shape with --shape x:D1,D2,..."},
           {"--shape x:3,3", "--shape x:3,3: shape [3,3] does not fit input 'x' of dims [2,-1]: dimension 0 is "
                             "fixed at 2, not 3"},
           {"--shape y:2,3", "--shape y:2,3: model 'vary' has no input 'y' (its inputs: x)"},
           // Every --shape counts, not only the last.
           {"--shape x:2,3 --shape=x:2,4", "--shape x:2,4: input 'x' was already given a shape"},
           {"--shape x:2,3 --input-data " + data,
            data + ": data[1]: input 'x': 20 bytes, not the 6 FP32 elements of shape [2,3] (24 bytes)"},
           {"--shape x:2,3 --input-data " + dir.Path("absent.json"), "--input-data " + dir.Path("absent.json")},
           {"--shape x:2,3 --model-version 7", "ModelMetadata(vary)"},
           {"--shape x:2,3 --percentile 100", "--percentile must be in (0, 100)"},
           {"--shape x:2,3 --input-data zero --input-data " + data, "--input-data given more than once"}}) {
    const LoadgenRun run = Loadgen(served.running.target, arguments + " --count 5 --warmup 0");
    EXPECT_NE(run.exit_code, 0) << arguments;
    EXPECT_THAT(run.output, HasSubstr(message)) << arguments;
  }
}

}  // namespace
}  // namespace convoy
