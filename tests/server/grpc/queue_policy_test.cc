// Queue policies seen from a client: the request parameters `priority` and
// `timeout` with the types Triton's client sends them, queue timeouts that
// answer before a batch forms, per-level queue bounds, an unbounded queue,
// and the statistics of requests that timed out.
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/blocking_counter.h"
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
using testing::ScaleRequest;
using testing::StartServer;
using testing::TestRepository;

// As tritonclient.grpc's infer(priority=, timeout=) sets them.
inference::ModelInferRequest WithPriority(inference::ModelInferRequest request, uint64_t priority) {
  (*request.mutable_parameters())["priority"].set_uint64_param(priority);
  return request;
}
inference::ModelInferRequest WithTimeout(inference::ModelInferRequest request, int64_t microseconds) {
  (*request.mutable_parameters())["timeout"].set_int64_param(microseconds);
  return request;
}

// A request in flight; Wait() returns its status.
class Pending {
 public:
  Pending(client::InferenceClient& client, inference::ModelInferRequest request) {
    client.AsyncInfer(std::move(request), [this](absl::Status status, inference::ModelInferResponse) {
      status_ = std::move(status);
      done_.DecrementCount();
    });
  }
  absl::Status Wait() {
    done_.Wait();
    return status_;
  }

 private:
  absl::BlockingCounter done_{1};
  absl::Status status_;
};

inference::ModelStatistics Statistics(client::InferenceClient& client, const std::string& model) {
  auto response = client.ModelStatistics(model);
  EXPECT_TRUE(response.ok()) << response.status();
  return response.ok() && response->model_stats_size() == 1 ? response->model_stats(0)
                                                             : inference::ModelStatistics();
}

class QueuePolicyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Lone requests wait 2 s for company, far longer than their timeouts.
    AddScaleModel("expiring",
                  "dynamic_batching { max_queue_delay_microseconds: 2000000 "
                  "default_queue_policy { default_timeout_microseconds: 100000 } }");
    AddScaleModel("overridable",
                  "dynamic_batching { max_queue_delay_microseconds: 300000 "
                  "default_queue_policy { default_timeout_microseconds: 5000000 allow_timeout_override: true } }");
    AddScaleModel("levels",
                  "dynamic_batching { max_queue_delay_microseconds: 2000000 priority_levels: 2 "
                  "default_priority_level: 2 priority_queue_policy { key: 1 value { max_queue_size: 1 } } }");
    AddScaleModel("unbounded", "dynamic_batching { max_queue_delay_microseconds: 300000 }");
    server::ServerOptions options;
    options.models.servable.default_max_queue_size = 1;  // Does not bound models with dynamic_batching.
    running_ = StartServer(repository_, server::ModelControlMode::kNone, options);
    ASSERT_NE(running_.client, nullptr);
  }

  void AddScaleModel(const std::string& name, const std::string& extra) {
    repository_.WriteFile(name + "/config.pbtxt", ScaleModelConfig(name, extra));
    repository_.WriteFile(name + "/1/model.onnx", ScaleModelOnnx(1.0f));
  }

  TestRepository repository_;
  RunningServer running_;
};

TEST_F(QueuePolicyTest, TimeoutRejectsBeforeTheBatchWouldForm) {
  const absl::Time start = absl::Now();
  const absl::StatusOr<inference::ModelInferResponse> response = running_.client->Infer(ScaleRequest("expiring", 1));
  const absl::Duration waited = absl::Now() - start;
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(response.status().message(), HasSubstr("Request timeout expired"));
  EXPECT_GE(waited, absl::Milliseconds(100));
  EXPECT_LT(waited, absl::Milliseconds(1500)) << "answered when the batch formed, not at the timeout";

  const inference::ModelStatistics stats = Statistics(*running_.client, "expiring");
  EXPECT_EQ(stats.inference_stats().fail().count(), 1u);
  EXPECT_EQ(stats.inference_stats().success().count(), 0u);
  EXPECT_EQ(stats.execution_count(), 0u);
}

TEST_F(QueuePolicyTest, RequestTimeoutShortensTheWaitWhereAllowed) {
  const absl::Time start = absl::Now();
  const auto shortened = running_.client->Infer(WithTimeout(ScaleRequest("overridable", 1), 50000));
  EXPECT_EQ(shortened.status().code(), absl::StatusCode::kUnavailable) << shortened.status();
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(290)) << "before the queue delay let the batch go";
  // Longer than the policy's 5 s: cannot lengthen it, and the batch leaves
  // after its 300 ms delay anyway.
  const auto longer = running_.client->Infer(WithTimeout(ScaleRequest("overridable", 1), 60000000));
  EXPECT_TRUE(longer.ok()) << longer.status();
  // Where the policy does not allow overriding, the parameter is accepted
  // and has no effect.
  const auto ignored = running_.client->Infer(WithTimeout(ScaleRequest("unbounded", 1), 1000));
  EXPECT_TRUE(ignored.ok()) << ignored.status();
}

TEST_F(QueuePolicyTest, PriorityChoosesTheLevelAndItsQueueBound) {
  // Level 1 holds one request: of two, one is refused at once.
  Pending a(*running_.client, WithPriority(ScaleRequest("levels", 1), 1));
  Pending b(*running_.client, WithPriority(ScaleRequest("levels", 1), 1));
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (Statistics(*running_.client, "levels").inference_stats().fail().count() < 1 && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  // The others go to level 2: the default, also for a level the model does
  // not have (as in Triton), and the int64 a REST body's integer becomes.
  Pending unset(*running_.client, ScaleRequest("levels", 1));
  Pending unknown(*running_.client, WithPriority(ScaleRequest("levels", 1), 9));
  inference::ModelInferRequest as_int64 = ScaleRequest("levels", 5);
  (*as_int64.mutable_parameters())["priority"].set_int64_param(2);
  const auto last = running_.client->Infer(as_int64);  // 1 + 1 + 1 + 5 items: full.
  EXPECT_TRUE(last.ok()) << last.status();
  EXPECT_TRUE(unset.Wait().ok());
  EXPECT_TRUE(unknown.Wait().ok());
  const absl::Status first = a.Wait();
  const absl::Status second = b.Wait();
  EXPECT_NE(first.ok(), second.ok()) << first << " / " << second;
  const absl::Status& refused = first.ok() ? second : first;
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(refused.message(), HasSubstr("at priority level 1 is full (1 requests)"));
}

TEST_F(QueuePolicyTest, MaxQueueSizeZeroIsUnboundedWhateverTheServerDefault) {
  std::vector<std::unique_ptr<Pending>> pending;
  for (int i = 0; i < 3; ++i) pending.push_back(std::make_unique<Pending>(*running_.client, ScaleRequest("unbounded", 1)));
  for (auto& request : pending) EXPECT_TRUE(request->Wait().ok());
}

TEST_F(QueuePolicyTest, WrongParameterTypesAreInvalidArguments) {
  struct Case {
    const char* name;
    void (*set)(inference::InferParameter*);
    const char* message;
  };
  const Case cases[] = {
      {"priority", [](auto* p) { p->set_string_param("1"); }, "parameter 'priority' must be an int64 or uint64"},
      {"priority", [](auto* p) { p->set_int64_param(-1); }, "got -1"},
      {"priority", [](auto* p) { p->set_double_param(1.5); }, "got a double"},
      {"timeout", [](auto* p) { p->set_uint64_param(100); }, "parameter 'timeout' must be an int64"},
      {"timeout", [](auto* p) { p->set_int64_param(-5); }, "got -5"},
      {"timeout", [](auto* p) { p->set_bool_param(true); }, "got a bool"},
  };
  for (const Case& c : cases) {
    inference::ModelInferRequest request = ScaleRequest("unbounded", 1);
    c.set(&(*request.mutable_parameters())[c.name]);
    const auto response = running_.client->Infer(request);
    EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument) << c.message;
    EXPECT_THAT(response.status().message(), HasSubstr(c.message));
  }
}

}  // namespace
}  // namespace convoy
