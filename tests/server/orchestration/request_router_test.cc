// RequestRouter without any protocol: calls are begun, reserved, found,
// submitted and ended by hand, and time comes from a FakeClock.
#include "server/orchestration/request_router.h"

#include <atomic>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/batcher/testing/fake_clock.h"
#include "tests/server/testing/test_repository.h"

namespace convoy::server {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kBudget = int64_t{64} << 20;

// What a protocol handler would keep of its answer.
struct Answer {
  std::promise<absl::Status> status;
  std::vector<float> y;
};

class RequestRouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    repository_.WriteFile("scale/config.pbtxt", testing::ScaleModelConfig("scale"));
    repository_.WriteFile("scale/1/model.onnx", testing::ScaleModelOnnx(2));
    ModelManagerOptions options;
    options.repositories = {repository_.root()};
    options.mode = ModelControlMode::kExplicit;
    options.startup_models = {"scale"};
    options.servable.clock = &clock_;
    manager_ = *ModelManager::Create(options);
    manager_->LoadStartupModels();
    ASSERT_TRUE(manager_->Get("scale", "").ok());
    RequestRouterOptions router_options;
    router_options.max_inflight_bytes = kBudget;
    router_options.clock = &clock_;
    router_ = std::make_unique<RequestRouter>(manager_.get(), nullptr, router_options, nullptr);
  }

  std::unique_ptr<RequestRouter::Call> Begin(Answer* answer) {
    return router_->Begin(Protocol::kGrpc, [answer](const absl::Status& status) { answer->status.set_value(status); });
  }

  // x = [1, 2, 3, 4] for the scale model.
  static ModelRequest ScaleRequest() {
    ModelRequest request;
    request.inference.batch_size = 1;
    engine::Tensor x(engine::DataType::kFloat32, {1, 4});
    for (int i = 0; i < 4; ++i) x.data<float>()[i] = static_cast<float>(i + 1);
    request.inference.inputs.push_back({"x", std::move(x)});
    request.inference.output_names = {"y"};
    return request;
  }

  static void Submit(RequestRouter::Call& call, Answer* answer) {
    call.Submit(ScaleRequest(), 0, absl::InfiniteFuture(), [] { return false; },
                [answer](const InferenceResult& result) {
                  const engine::Tensor* y = result.Output("y");
                  if (y == nullptr) return absl::InternalError("no output y");
                  const float* row = y->data<float>() + result.offset * 4;
                  answer->y.assign(row, row + 4);
                  return absl::OkStatus();
                });
  }

  inference::InferStatistics StatisticsOf(const std::string& name) {
    inference::ModelStatistics stats;
    (*manager_->Get(name, ""))->statistics().ToProto(&stats);
    return stats.inference_stats();
  }

  testing::TestRepository repository_;
  FakeClock clock_;
  std::unique_ptr<ModelManager> manager_;
  std::unique_ptr<RequestRouter> router_;
};

TEST_F(RequestRouterTest, RunsARequestAndTimesItByItsClock) {
  Answer answer;
  std::unique_ptr<RequestRouter::Call> call = Begin(&answer);
  clock_.Advance(absl::Milliseconds(3));
  ASSERT_TRUE(call->ReserveMessage(100).ok());
  call->MessageParsed();
  ASSERT_TRUE(call->Find("scale", "").ok());
  Submit(*call, &answer);
  std::future<absl::Status> status = answer.status.get_future();
  ASSERT_EQ(status.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  EXPECT_TRUE(status.get().ok());
  EXPECT_EQ(answer.y, (std::vector<float>{2, 4, 6, 8}));
  const inference::InferStatistics stats = StatisticsOf("scale");
  EXPECT_EQ(stats.success().count(), 1);
  EXPECT_EQ(stats.success().ns(), 3'000'000) << "from Begin to the answer, by the fake clock";
  EXPECT_EQ(stats.fail().count(), 0);
}

TEST_F(RequestRouterTest, HoldsTheMessageTwiceThenOnceThenItsCostUntilTheCallEnds) {
  Answer answer;
  std::unique_ptr<RequestRouter::Call> call = Begin(&answer);
  ASSERT_TRUE(call->ReserveMessage(1000).ok());
  EXPECT_EQ(router_->budget().in_use(), 2000);
  call->MessageParsed();
  EXPECT_EQ(router_->budget().in_use(), 1000);
  ASSERT_TRUE(call->Find("scale", "").ok());
  Submit(*call, &answer);
  ASSERT_TRUE(answer.status.get_future().get().ok());
  EXPECT_GT(router_->budget().in_use(), 0) << "held until the transport is through with the answer";
  call.reset();
  EXPECT_EQ(router_->budget().in_use(), 0);
}

TEST_F(RequestRouterTest, RefusesAMessageTheBudgetCannotHold) {
  Answer answer;
  std::unique_ptr<RequestRouter::Call> call = Begin(&answer);
  const absl::Status reserved = call->ReserveMessage(kBudget);
  EXPECT_EQ(reserved.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(reserved.message()), HasSubstr("--max-inflight-bytes"));
  call->Fail(reserved);
  EXPECT_EQ(answer.status.get_future().get().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(router_->budget().in_use(), 0);
}

TEST_F(RequestRouterTest, UnknownModelsAreNotFoundAndRecordedNowhere) {
  Answer answer;
  std::unique_ptr<RequestRouter::Call> call = Begin(&answer);
  const absl::StatusOr<std::shared_ptr<ServableModel>> found = call->Find("nope", "");
  EXPECT_EQ(found.status().code(), absl::StatusCode::kNotFound);
  call->Fail(found.status());
  EXPECT_EQ(answer.status.get_future().get().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(StatisticsOf("scale").fail().count(), 0);
}

TEST_F(RequestRouterTest, AfterStopAcceptingRequestsAreUnavailableAndCountedAsFailures) {
  router_->StopAccepting();
  Answer answer;
  std::unique_ptr<RequestRouter::Call> call = Begin(&answer);
  clock_.Advance(absl::Milliseconds(2));
  const absl::StatusOr<std::shared_ptr<ServableModel>> found = call->Find("scale", "");
  EXPECT_EQ(found.status().code(), absl::StatusCode::kUnavailable);
  call->Fail(found.status());
  EXPECT_EQ(answer.status.get_future().get().code(), absl::StatusCode::kUnavailable);
  const inference::InferStatistics stats = StatisticsOf("scale");
  EXPECT_EQ(stats.fail().count(), 1);
  EXPECT_EQ(stats.fail().ns(), 2'000'000);
}

TEST_F(RequestRouterTest, ADecodedRequestTheModelCannotTakeIsAnsweredWithTheError) {
  Answer answer;
  std::unique_ptr<RequestRouter::Call> call = Begin(&answer);
  ASSERT_TRUE(call->Find("scale", "").ok());
  ModelRequest request = ScaleRequest();
  request.inference.batch_size = 9;  // max_batch_size is 8.
  request.inference.inputs[0].tensor = engine::Tensor(engine::DataType::kFloat32, {9, 4});
  call->Submit(std::move(request), 0, absl::InfiniteFuture(), [] { return false; },
               [](const InferenceResult&) { return absl::OkStatus(); });
  const absl::Status status = answer.status.get_future().get();
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(StatisticsOf("scale").fail().count(), 1);
}

TEST_F(RequestRouterTest, LargeMessagesAreReadOnThePoolAndSkippedWhenTheClientHasGone) {
  absl::StatusOr<std::unique_ptr<WorkPool>> pool = WorkPool::Create({"test", 1, 4});
  ASSERT_TRUE(pool.ok());
  std::promise<void> release;
  std::promise<void> holding;
  ASSERT_TRUE((*pool)->Submit([&] {  // Holds its one thread.
                       holding.set_value();
                       release.get_future().wait();
                     }).ok());
  holding.get_future().wait();
  RequestRouterOptions options;
  options.clock = &clock_;
  RequestRouter router(manager_.get(), nullptr, options, *std::move(pool));
  const std::thread::id caller = std::this_thread::get_id();
  const int64_t large = RequestRouter::Call::kInlineMessageBytes + 1;

  Answer small_answer;
  auto small = router.Begin(Protocol::kHttp, [&](const absl::Status& s) { small_answer.status.set_value(s); });
  std::thread::id small_ran_on;
  small->ContinueAfterReserve(100, absl::InfiniteFuture(), [] { return false; }, [&] {
    small_ran_on = std::this_thread::get_id();
    small->Fail(absl::InternalError("stop here"));
  });
  EXPECT_EQ(small_ran_on, caller) << "a small message is read where it arrived";

  Answer large_answer;
  auto big = router.Begin(Protocol::kHttp, [&](const absl::Status& s) { large_answer.status.set_value(s); });
  std::promise<std::thread::id> large_ran_on;
  big->ContinueAfterReserve(large, absl::InfiniteFuture(), [] { return false; }, [&] {
    large_ran_on.set_value(std::this_thread::get_id());
    big->Fail(absl::InternalError("stop here"));
  });
  Answer gone_answer;
  auto gone = router.Begin(Protocol::kHttp, [&](const absl::Status& s) { gone_answer.status.set_value(s); });
  std::atomic<bool> cancelled{false};
  bool gone_ran = false;
  gone->ContinueAfterReserve(large, absl::InfiniteFuture(), [&] { return cancelled.load(); },
                             [&] { gone_ran = true; });
  EXPECT_EQ(router.image_queue_depth(), 2) << "both large messages wait for the pool";
  cancelled = true;
  release.set_value();
  EXPECT_NE(large_ran_on.get_future().get(), caller);
  EXPECT_EQ(large_answer.status.get_future().get().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(gone_answer.status.get_future().get().code(), absl::StatusCode::kCancelled);
  EXPECT_FALSE(gone_ran);
}

TEST_F(RequestRouterTest, AwaitIdleWaitsForTheCallThenForTheQuietSpell) {
  Answer answer;
  std::unique_ptr<RequestRouter::Call> call = Begin(&answer);
  const absl::Time start = clock_.Now();
  std::future<int64_t> unanswered = std::async(std::launch::async, [this, start] {
    return router_->AwaitIdle(absl::Milliseconds(100), start + absl::Seconds(10));
  });
  ASSERT_TRUE(clock_.BlockUntilWaiterWithDeadline(start + absl::Seconds(10)));
  call.reset();  // Idle now, but the last arrival was at `start`.
  ASSERT_TRUE(clock_.BlockUntilWaiterWithDeadline(start + absl::Milliseconds(100)));
  EXPECT_EQ(unanswered.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);
  clock_.Advance(absl::Milliseconds(100));
  EXPECT_EQ(unanswered.get(), 0);
}

TEST_F(RequestRouterTest, AwaitIdleGivesUpAtItsDeadline) {
  Answer answer;
  std::unique_ptr<RequestRouter::Call> call = Begin(&answer);
  const absl::Time start = clock_.Now();
  std::future<int64_t> unanswered = std::async(std::launch::async, [this, start] {
    return router_->AwaitIdle(absl::Milliseconds(100), start + absl::Seconds(1));
  });
  ASSERT_TRUE(clock_.BlockUntilWaiterWithDeadline(start + absl::Seconds(1)));
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(unanswered.get(), 1);
}

}  // namespace
}  // namespace convoy::server
