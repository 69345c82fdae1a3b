// The repository RPCs, health, polling and reloads, over loopback.
#include <atomic>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/server/testing/server_fixture.h"

namespace convoy {
namespace {

using ::testing::HasSubstr;
using testing::RunningServer;
using testing::ScaleModelConfig;
using testing::ScaleModelOnnx;
using testing::StartServer;
using testing::TestRepository;
using server::ModelControlMode;
using ServingStatus = grpc::health::v1::HealthCheckResponse;

void AddScaleModel(const TestRepository& repository, const std::string& name, int version,
                   float scale, const std::string& extra = "") {
  repository.WriteFile(name + "/config.pbtxt", ScaleModelConfig(name, extra));
  repository.WriteFile(absl::StrCat(name, "/", version, "/model.onnx"), ScaleModelOnnx(scale));
}

// The scale a model answers with for x = 1.
absl::StatusOr<float> AskScale(client::InferenceClient& client, const std::string& model,
                               const std::string& version = "") {
  inference::ModelInferRequest request;
  request.set_model_name(model);
  request.set_model_version(version);
  std::vector<float> ones(4, 1.0f);
  client::AddFp32Input(&request, "x", {1, 4}, ones);
  auto response = client.Infer(request);
  if (!response.ok()) return response.status();
  auto y = client::GetFp32Output(*response, "y");
  if (!y.ok()) return y.status();
  return y->values[0];
}

const inference::RepositoryIndexResponse::ModelIndex* FindInIndex(
    const inference::RepositoryIndexResponse& index, const std::string& name) {
  for (const auto& model : index.models()) {
    if (model.name() == name) return &model;
  }
  return nullptr;
}

TEST(RepositoryTest, BadModelsAreReportedAndDoNotAffectOthers) {
  TestRepository repository;
  AddScaleModel(repository, "good", 1, 2.0f);
  repository.WriteFile("corrupt/config.pbtxt", ScaleModelConfig("corrupt"));
  repository.WriteFile("corrupt/1/model.onnx", "this is not an onnx file");
  repository.WriteFile("typo/config.pbtxt", ScaleModelConfig("typo", "max_batch_sizee: 4"));
  repository.WriteFile("typo/1/model.onnx", ScaleModelOnnx(1.0f));
  RunningServer running = StartServer(repository);
  ASSERT_NE(running.client, nullptr);

  EXPECT_EQ(*AskScale(*running.client, "good"), 2.0f);
  auto index = running.client->RepositoryIndex();
  ASSERT_TRUE(index.ok()) << index.status();
  const auto* corrupt = FindInIndex(*index, "corrupt");
  ASSERT_NE(corrupt, nullptr);
  EXPECT_EQ(corrupt->state(), "UNAVAILABLE");
  EXPECT_THAT(corrupt->reason(), HasSubstr("model.onnx"));
  const auto* typo = FindInIndex(*index, "typo");
  ASSERT_NE(typo, nullptr);
  EXPECT_THAT(typo->reason(), HasSubstr("max_batch_sizee"));
  EXPECT_EQ(FindInIndex(*index, "good")->state(), "READY");

  auto status = AskScale(*running.client, "corrupt");
  EXPECT_EQ(status.status().code(), absl::StatusCode::kUnavailable) << status.status();
  // Strict readiness: the server is not ready while a model failed.
  EXPECT_EQ(*running.client->ServerReady(), false);
  EXPECT_EQ(*running.client->HealthCheck("good"), ServingStatus::SERVING);
  EXPECT_EQ(*running.client->HealthCheck("corrupt"), ServingStatus::NOT_SERVING);
  // Not ready, yet alive: a liveness probe must not restart it.
  EXPECT_EQ(*running.client->HealthCheck(""), ServingStatus::NOT_SERVING);
  EXPECT_EQ(*running.client->HealthCheck("convoy/liveness"), ServingStatus::SERVING);

  server::ServerOptions lenient;
  lenient.strict_readiness = false;
  RunningServer relaxed = StartServer(repository, ModelControlMode::kNone, lenient);
  ASSERT_NE(relaxed.client, nullptr);
  EXPECT_EQ(*relaxed.client->ServerReady(), true);
  EXPECT_EQ(*relaxed.client->HealthCheck(""), ServingStatus::SERVING);
}

// A config as Triton users write them, with GPU instances and Triton-only
// tuning: it loads (with warnings) and serves.
TEST(RepositoryTest, ServesATritonStyleConfigUnchanged) {
  TestRepository repository;
  repository.WriteFile("triton/config.pbtxt", R"pb(
name: "triton"
platform: "onnxruntime_onnx"
max_batch_size: 8
input [
  {
    name: "x"
    data_type: TYPE_FP32
    format: FORMAT_NONE
    dims: [ 4 ]
  }
]
output [
  {
    name: "y"
    data_type: TYPE_FP32
    dims: [ 4 ]
  }
]
instance_group [ { count: 1 kind: KIND_GPU gpus: [ 0 ] } ]
dynamic_batching {
  preferred_batch_size: [ 4, 8 ]
  max_queue_delay_microseconds: 100
  default_queue_policy { max_queue_size: 64 }
}
optimization { execution_accelerators { gpu_execution_accelerator : [ { name : "tensorrt" } ] } }
model_warmup [ { name: "zeros" batch_size: 1 inputs { key: "x" value: { data_type: TYPE_FP32 dims: [ 4 ] zero_data: true } } } ]
version_policy: { specific: { versions: [ 3 ] } }
parameters { key: "intra_op_thread_count" value: { string_value: "2" } }
)pb");
  repository.WriteFile("triton/3/model.onnx", ScaleModelOnnx(3.0f));
  RunningServer running = StartServer(repository);
  ASSERT_NE(running.client, nullptr);
  EXPECT_EQ(*AskScale(*running.client, "triton"), 3.0f);
  auto config = running.client->ModelConfig("triton");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->instance_group(0).kind(), inference::ModelInstanceGroup::KIND_CPU);
  EXPECT_EQ(config->parameters().at("intra_op_thread_count").string_value(), "2");
}

TEST(ServerStartTest, ReportsAMissingRepositoryAndABusyPort) {
  server::ServerOptions options;
  options.models.repositories = {"/nonexistent/models"};
  options.address = "127.0.0.1";
  options.grpc_port = 0;
  options.http_port = 0;
  auto missing = server::Server::Start(options);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("/nonexistent/models"));

  TestRepository repository;
  RunningServer first = StartServer(repository);
  ASSERT_NE(first.server, nullptr);
  options.models.repositories = {repository.root()};
  options.grpc_port = first.server->port();
  auto second = server::Server::Start(options);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(second.status().message(), HasSubstr("cannot listen"));
}

TEST(RepositoryTest, ControlRpcsNeedExplicitMode) {
  TestRepository repository;
  AddScaleModel(repository, "m", 1, 2.0f);
  RunningServer running = StartServer(repository, ModelControlMode::kNone);
  ASSERT_NE(running.client, nullptr);
  absl::Status status = running.client->UnloadModel("m");
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_THAT(status.message(), HasSubstr("--model-control-mode=explicit"));
  EXPECT_EQ(*AskScale(*running.client, "m"), 2.0f);
}

TEST(RepositoryTest, ExplicitLoadAndUnload) {
  TestRepository repository;
  AddScaleModel(repository, "m", 1, 3.0f);
  RunningServer running = StartServer(repository, ModelControlMode::kExplicit);
  ASSERT_NE(running.client, nullptr);
  client::InferenceClient& client = *running.client;

  EXPECT_EQ(AskScale(client, "m").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(*client.HealthCheck(""), ServingStatus::SERVING);
  ASSERT_TRUE(client.LoadModel("m").ok());
  EXPECT_EQ(*AskScale(client, "m"), 3.0f);
  EXPECT_EQ(*client.HealthCheck("m"), ServingStatus::SERVING);
  EXPECT_EQ(*client.ModelReady("m"), true);

  ASSERT_TRUE(client.UnloadModel("m").ok());
  EXPECT_EQ(AskScale(client, "m").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(*client.ModelReady("m"), false);
  EXPECT_EQ(*client.HealthCheck("m"), ServingStatus::NOT_SERVING);
  EXPECT_EQ(client.UnloadModel("m").code(), absl::StatusCode::kNotFound);
}

TEST(RepositoryTest, LoadRefusesNamesOutsideTheRepository) {
  TestRepository repository;
  RunningServer running = StartServer(repository, ModelControlMode::kExplicit);
  ASSERT_NE(running.client, nullptr);
  for (const char* name : {"../etc", "/etc", "a/b", "..", ""}) {
    absl::Status status = running.client->LoadModel(name);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << name << ": " << status;
  }
  EXPECT_EQ(running.client->LoadModel("absent").code(), absl::StatusCode::kNotFound);
}

TEST(RepositoryTest, VersionPolicyServesTheChosenVersions) {
  TestRepository repository;
  AddScaleModel(repository, "latest", 1, 1.0f);
  AddScaleModel(repository, "latest", 2, 2.0f);
  AddScaleModel(repository, "all", 1, 1.0f, "version_policy { all { } }");
  AddScaleModel(repository, "all", 3, 3.0f, "version_policy { all { } }");
  RunningServer running = StartServer(repository);
  ASSERT_NE(running.client, nullptr);
  EXPECT_EQ(*AskScale(*running.client, "latest"), 2.0f);
  EXPECT_EQ(AskScale(*running.client, "latest", "1").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(*AskScale(*running.client, "all", "1"), 1.0f);
  EXPECT_EQ(*AskScale(*running.client, "all", "3"), 3.0f);
  EXPECT_EQ(*AskScale(*running.client, "all"), 3.0f);
}

TEST(RepositoryTest, ReloadUnderLoadFailsNoRequest) {
  TestRepository repository;
  // Requests wait up to 2 ms in the queue, so reloads find some queued.
  const std::string batching = "dynamic_batching { max_queue_delay_microseconds: 2000 }";
  AddScaleModel(repository, "m", 1, 1.0f, batching);
  RunningServer running = StartServer(repository, ModelControlMode::kExplicit,
                                      [] {
                                        server::ServerOptions options;
                                        options.models.startup_models = {"m"};
                                        return options;
                                      }());
  ASSERT_NE(running.client, nullptr);
  ASSERT_EQ(*AskScale(*running.client, "m"), 1.0f);

  std::atomic<bool> stop{false};
  std::atomic<int> answered{0};
  std::atomic<int> failed{0};
  std::vector<std::thread> senders;
  for (int t = 0; t < 4; ++t) {
    senders.emplace_back([&] {
      while (!stop) {
        absl::StatusOr<float> scale = AskScale(*running.client, "m");
        (scale.ok() ? answered : failed)++;
        if (!scale.ok()) ADD_FAILURE() << scale.status();
      }
    });
  }
  for (int version = 2; version <= 11; ++version) {
    repository.Remove(absl::StrCat("m/", version - 1));
    AddScaleModel(repository, "m", version, static_cast<float>(version), batching);
    const int before = answered;
    ASSERT_TRUE(running.client->LoadModel("m").ok());
    EXPECT_EQ(*AskScale(*running.client, "m"), static_cast<float>(version));
    // Let the senders get requests through this version before the next.
    while (answered < before + 20) absl::SleepFor(absl::Milliseconds(1));
  }
  stop = true;
  for (std::thread& sender : senders) sender.join();
  EXPECT_EQ(failed, 0);
  EXPECT_GT(answered, 0);
}

TEST(RepositoryTest, PollingFollowsTheDirectory) {
  TestRepository repository;
  AddScaleModel(repository, "kept", 1, 1.0f);
  server::ServerOptions options;
  options.poll_interval = absl::Milliseconds(100);
  RunningServer running = StartServer(repository, ModelControlMode::kPoll, options);
  ASSERT_NE(running.client, nullptr);
  auto await = [&](const std::string& model, std::function<bool(absl::StatusOr<float>)> done) {
    const absl::Time give_up = absl::Now() + absl::Seconds(10);
    while (!done(AskScale(*running.client, model)) && absl::Now() < give_up) {
      absl::SleepFor(absl::Milliseconds(50));
    }
    return done(AskScale(*running.client, model));
  };

  AddScaleModel(repository, "added", 1, 5.0f);
  EXPECT_TRUE(await("added", [](auto s) { return s.ok() && *s == 5.0f; }));
  AddScaleModel(repository, "added", 2, 6.0f);
  EXPECT_TRUE(await("added", [](auto s) { return s.ok() && *s == 6.0f; }));
  repository.Remove("added");
  EXPECT_TRUE(await("added", [](auto s) { return s.status().code() == absl::StatusCode::kNotFound; }));
  EXPECT_EQ(*AskScale(*running.client, "kept"), 1.0f);
}

// Repository control as tritonclient drives it: the parameters its
// load_model() and unload_model() send, on the wire.
class RepositoryParametersTest : public ::testing::Test {
 protected:
  void Start(const TestRepository& repository, server::ServerOptions options = {}) {
    running_ = StartServer(repository, ModelControlMode::kExplicit, std::move(options));
    ASSERT_NE(running_.client, nullptr);
    stub_ = inference::GRPCInferenceService::NewStub(running_.client->channel());
  }

  grpc::Status Load(const std::string& model, const std::map<std::string, inference::ModelRepositoryParameter>& parameters = {}) {
    inference::RepositoryModelLoadRequest request;
    request.set_model_name(model);
    for (const auto& [name, value] : parameters) (*request.mutable_parameters())[name] = value;
    inference::RepositoryModelLoadResponse response;
    grpc::ClientContext context;
    return stub_->RepositoryModelLoad(&context, request, &response);
  }
  grpc::Status Unload(const std::string& model, std::optional<inference::ModelRepositoryParameter> unload_dependents,
                      const std::string& other = "") {
    inference::RepositoryModelUnloadRequest request;
    request.set_model_name(model);
    if (unload_dependents) (*request.mutable_parameters())["unload_dependents"] = *unload_dependents;
    if (!other.empty()) (*request.mutable_parameters())[other].set_bool_param(true);
    inference::RepositoryModelUnloadResponse response;
    grpc::ClientContext context;
    return stub_->RepositoryModelUnload(&context, request, &response);
  }
  bool Ready(const std::string& model) { return *running_.client->ModelReady(model); }

  RunningServer running_;
  std::unique_ptr<inference::GRPCInferenceService::Stub> stub_;
};

inference::ModelRepositoryParameter Bool(bool value) {
  inference::ModelRepositoryParameter parameter;
  parameter.set_bool_param(value);
  return parameter;
}
inference::ModelRepositoryParameter String(const std::string& value) {
  inference::ModelRepositoryParameter parameter;
  parameter.set_string_param(value);
  return parameter;
}
inference::ModelRepositoryParameter Bytes(const std::string& value) {
  inference::ModelRepositoryParameter parameter;
  parameter.set_bytes_param(value);
  return parameter;
}

std::string ScaleConfigJson(const std::string& name, int max_batch_size) {
  return absl::StrCat(R"({"name": ")", name, R"(", "max_batch_size": )", max_batch_size,
                      R"(, "input": [{"name": "x", "data_type": "TYPE_FP32", "dims": ["4"]}],)",
                      R"( "output": [{"name": "y", "data_type": "TYPE_FP32", "dims": ["4"]}]})");
}

TEST_F(RepositoryParametersTest, UnloadTakesUnloadDependentsAsTritonclientSendsIt) {
  TestRepository repository;
  AddScaleModel(repository, "m", 1, 2.0f);
  Start(repository);
  ASSERT_TRUE(Load("m").ok());
  // tritonclient.grpc's unload_model(name) sends unload_dependents=false.
  grpc::Status status = Unload("m", Bool(false));
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(Ready("m"));

  ASSERT_TRUE(Load("m").ok());
  inference::ModelRepositoryParameter wrong;
  wrong.set_int64_param(1);
  status = Unload("m", wrong);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("'unload_dependents' must be a bool"));
  status = Unload("m", std::nullopt, "force");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("unrecognized unload parameter 'force'"));
  EXPECT_TRUE(Ready("m"));

  auto metadata = running_.client->ServerMetadata();
  ASSERT_TRUE(metadata.ok()) << metadata.status();
  EXPECT_THAT(metadata->extensions(), ::testing::Contains("model_repository(unload_dependents)"));
}

TEST_F(RepositoryParametersTest, UnloadDependentsTakesAnEnsemblesMembersAlong) {
  TestRepository repository;
  AddScaleModel(repository, "a", 1, 1.0f);
  AddScaleModel(repository, "b", 1, 2.0f);
  repository.WriteFile("ens/config.pbtxt",
                       "name: \"ens\"\nplatform: \"convoy_ensemble\"\nmax_batch_size: 8\n"
                       "input [ { name: \"x\" data_type: TYPE_FP32 dims: [ 4 ] } ]\n"
                       "output [ { name: \"p\" data_type: TYPE_FP32 dims: [ 4 ] } ]\n"
                       "ensemble { member { model_name: \"a\" } member { model_name: \"b\" } }\n");
  Start(repository);
  // Loading the ensemble loads its members, as Triton does.
  ASSERT_TRUE(Load("ens").ok());
  EXPECT_TRUE(Ready("a"));
  EXPECT_TRUE(Ready("b"));
  ASSERT_TRUE(Unload("ens", Bool(false)).ok());
  EXPECT_TRUE(Ready("a"));
  ASSERT_TRUE(Load("ens").ok());
  ASSERT_TRUE(Unload("ens", Bool(true)).ok());
  EXPECT_FALSE(Ready("ens"));
  EXPECT_FALSE(Ready("a"));
  EXPECT_FALSE(Ready("b"));
}

TEST_F(RepositoryParametersTest, LoadTakesAConfigAndFilesAsTritonclientSendsThem) {
  TestRepository repository;
  AddScaleModel(repository, "m", 1, 2.0f);
  Start(repository);
  client::InferenceClient& client = *running_.client;

  // load_model(name, config=json): that configuration, not config.pbtxt.
  grpc::Status status = Load("m", {{"config", String(ScaleConfigJson("m", 2))}});
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(client.ModelConfig("m")->max_batch_size(), 2);
  EXPECT_EQ(*AskScale(client, "m"), 2.0f);
  ASSERT_TRUE(Load("m").ok());
  EXPECT_EQ(client.ModelConfig("m")->max_batch_size(), 8);

  // load_model(name, config=json, files={"file:1/model.onnx": bytes}): a
  // model the repository does not have.
  status = Load("fresh", {{"config", String(ScaleConfigJson("fresh", 4))},
                          {"file:1/model.onnx", Bytes(ScaleModelOnnx(7.0f))}});
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(*AskScale(client, "fresh"), 7.0f);
  auto index = client.RepositoryIndex();
  ASSERT_TRUE(index.ok()) << index.status();
  ASSERT_NE(FindInIndex(*index, "fresh"), nullptr);
  EXPECT_EQ(FindInIndex(*index, "fresh")->state(), "READY");
  ASSERT_TRUE(Unload("fresh", Bool(false)).ok());
  EXPECT_FALSE(Ready("fresh"));

  status = Load("m", {{"config", Bytes(ScaleConfigJson("m", 2))}});
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("load parameter 'config' must be a string"));
  status = Load("m", {{"config", String(ScaleConfigJson("m", 2))}, {"file:../escape", Bytes("x")}});
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("'file:../escape'"));
  status = Load("m", {{"config", String(R"({"max_batch_size": 4096000})")}});
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("config parameter: max_batch_size"));
  EXPECT_EQ(*AskScale(client, "m"), 2.0f);  // Still the repository's model.
}

TEST(MultipleRepositoriesTest, ServesEveryRepositoryAndRefusesANameInTwo) {
  TestRepository first;
  TestRepository second;
  AddScaleModel(first, "a", 1, 1.0f);
  AddScaleModel(second, "b", 1, 2.0f);
  AddScaleModel(first, "dup", 1, 3.0f);
  AddScaleModel(second, "dup", 1, 4.0f);
  server::ServerOptions options;
  options.models.repositories = {second.root()};
  RunningServer running = StartServer(first, ModelControlMode::kNone, options);
  ASSERT_NE(running.client, nullptr);
  EXPECT_EQ(*AskScale(*running.client, "a"), 1.0f);
  EXPECT_EQ(*AskScale(*running.client, "b"), 2.0f);
  absl::StatusOr<float> dup = AskScale(*running.client, "dup");
  EXPECT_EQ(dup.status().code(), absl::StatusCode::kUnavailable);
  auto index = running.client->RepositoryIndex();
  ASSERT_TRUE(index.ok()) << index.status();
  const auto* row = FindInIndex(*index, "dup");
  ASSERT_NE(row, nullptr);
  EXPECT_EQ(row->state(), "UNAVAILABLE");
  EXPECT_THAT(row->reason(), HasSubstr("<repository 1>/dup and <repository 2>/dup"));
  EXPECT_THAT(row->reason(), ::testing::Not(HasSubstr(first.root())));
}

}  // namespace
}  // namespace convoy
