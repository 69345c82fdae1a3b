// ModelStreamInfer against the real server, through Convoy's stream client
// (client/infer_stream.h): responses matched by id, many requests in flight
// answered as they complete, errors in-stream without closing the stream,
// the byte budget per request, cancellation, drain on half-close, shutdown
// with streams open, and the per-stream bound on requests in flight.
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "client/infer_stream.h"
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

// x = [value] * 4 for `model`, with `id` (none when empty).
std::shared_ptr<const inference::ModelInferRequest> Request(const std::string& model, const std::string& id,
                                                            float value) {
  auto request = std::make_shared<inference::ModelInferRequest>();
  request->set_model_name(model);
  request->set_id(id);
  client::AddFp32Input(request.get(), "x", {1, 4}, std::vector<float>(4, value));
  return request;
}

float FirstY(const inference::ModelInferResponse& response) {
  absl::StatusOr<client::Fp32Output> y = client::GetFp32Output(response, "y");
  return y.ok() && !y->values.empty() ? y->values[0] : -1.0f;
}

// The callbacks' answers, by the tag each request was sent with, and the
// order they came in.
class Answers {
 public:
  struct Answer {
    absl::Status status;
    inference::ModelInferResponse response;
  };

  client::KServeClient::InferCallback For(const std::string& tag) {
    return [this, tag](absl::Status status, inference::ModelInferResponse response) {
      absl::MutexLock lock(&mu_);
      answers_[tag] = Answer{std::move(status), std::move(response)};
      order_.push_back(tag);
    };
  }

  bool WaitFor(size_t count, absl::Duration timeout = absl::Seconds(30)) {
    absl::MutexLock lock(&mu_);
    auto enough = [this, count]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return order_.size() >= count; };
    return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
  }

  Answer Get(const std::string& tag) {
    absl::MutexLock lock(&mu_);
    auto it = answers_.find(tag);
    return it == answers_.end() ? Answer{absl::UnknownError("no answer"), {}} : it->second;
  }

  std::vector<std::string> order() {
    absl::MutexLock lock(&mu_);
    return order_;
  }

 private:
  absl::Mutex mu_;
  std::map<std::string, Answer> answers_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> order_ ABSL_GUARDED_BY(mu_);
};

// "fast" (y = 2x) runs each request at once; "slow" (y = 5x) waits
// `slow_delay_us` for more requests to batch with.
RunningServer StartModels(const TestRepository& repository, int slow_delay_us, server::ServerOptions options = {}) {
  repository.WriteFile("fast/config.pbtxt", ScaleModelConfig("fast"));
  repository.WriteFile("fast/1/model.onnx", ScaleModelOnnx(2.0f));
  repository.WriteFile("slow/config.pbtxt",
                       ScaleModelConfig("slow", absl::StrCat("dynamic_batching { max_queue_delay_microseconds: ",
                                                             slow_delay_us, " }")));
  repository.WriteFile("slow/1/model.onnx", ScaleModelOnnx(5.0f));
  return StartServer(repository, server::ModelControlMode::kNone, std::move(options));
}

inference::ModelStatistics StatisticsOf(client::InferenceClient& client, const std::string& model) {
  absl::StatusOr<inference::ModelStatisticsResponse> statistics = client.ModelStatistics(model);
  EXPECT_TRUE(statistics.ok()) << statistics.status();
  return statistics.ok() && statistics->model_stats_size() == 1 ? statistics->model_stats(0)
                                                                 : inference::ModelStatistics();
}

TEST(StreamInferTest, ResponsesCarryTheirRequestsIds) {
  TestRepository repository;
  RunningServer running = StartModels(repository, 1000);
  ASSERT_NE(running.server, nullptr);
  Answers answers;
  std::unique_ptr<client::InferStream> stream = running.client->OpenStream();
  constexpr int kRequests = 16;
  for (int i = 0; i < kRequests; ++i) {
    const std::string id = absl::StrCat("r", i);
    stream->AsyncInfer(Request(i % 2 == 0 ? "fast" : "slow", id, static_cast<float>(i)), answers.For(id));
  }
  // Without an id, the stream client gives it one on the wire and hands
  // the response back without it.
  stream->AsyncInfer(Request("fast", "", 100.0f), answers.For("no-id"));
  ASSERT_TRUE(answers.WaitFor(kRequests + 1));
  for (int i = 0; i < kRequests; ++i) {
    const std::string id = absl::StrCat("r", i);
    Answers::Answer answer = answers.Get(id);
    ASSERT_TRUE(answer.status.ok()) << id << ": " << answer.status;
    EXPECT_EQ(answer.response.id(), id);
    EXPECT_EQ(answer.response.model_name(), i % 2 == 0 ? "fast" : "slow");
    EXPECT_EQ(FirstY(answer.response), (i % 2 == 0 ? 2.0f : 5.0f) * i) << id;
  }
  Answers::Answer no_id = answers.Get("no-id");
  ASSERT_TRUE(no_id.status.ok()) << no_id.status;
  EXPECT_EQ(no_id.response.id(), "");
  EXPECT_EQ(FirstY(no_id.response), 200.0f);
  EXPECT_TRUE(stream->Close().ok());
}

TEST(StreamInferTest, RequestsBehindASlowOneAreAnsweredFirst) {
  TestRepository repository;
  // A lone request of "slow" waits half a second in its batcher's queue.
  RunningServer running = StartModels(repository, 500'000);
  ASSERT_NE(running.server, nullptr);
  Answers answers;
  std::unique_ptr<client::InferStream> stream = running.client->OpenStream();
  stream->AsyncInfer(Request("slow", "slow", 1.0f), answers.For("slow"));
  for (int i = 0; i < 5; ++i) {
    const std::string id = absl::StrCat("fast", i);
    stream->AsyncInfer(Request("fast", id, static_cast<float>(i)), answers.For(id));
  }
  ASSERT_TRUE(answers.WaitFor(6));
  const std::vector<std::string> order = answers.order();
  // The stream went on reading while "slow" waited, and wrote each
  // response as it completed.
  EXPECT_EQ(order.back(), "slow");
  EXPECT_EQ(FirstY(answers.Get("slow").response), 5.0f);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(FirstY(answers.Get(absl::StrCat("fast", i)).response), 2.0f * i);
  EXPECT_TRUE(stream->Close().ok());
}

TEST(StreamInferTest, AFailedRequestIsAnsweredInStreamAndTheStreamGoesOn) {
  TestRepository repository;
  RunningServer running = StartModels(repository, 1000);
  ASSERT_NE(running.server, nullptr);
  Answers answers;
  Answers more;
  std::unique_ptr<client::InferStream> stream = running.client->OpenStream();
  auto wrong_shape = std::make_shared<inference::ModelInferRequest>();
  wrong_shape->set_model_name("fast");
  wrong_shape->set_id("wrong-shape");
  client::AddFp32Input(wrong_shape.get(), "x", {1, 3}, {1, 2, 3});
  stream->AsyncInfer(Request("fast", "before", 1.0f), answers.For("before"));
  stream->AsyncInfer(Request("nope", "unknown-model", 1.0f), answers.For("unknown-model"));
  stream->AsyncInfer(wrong_shape, answers.For("wrong-shape"));
  stream->AsyncInfer(Request("fast", "after", 3.0f), answers.For("after"));
  ASSERT_TRUE(answers.WaitFor(4));

  Answers::Answer unknown = answers.Get("unknown-model");
  // The code travels in the response's convoy_error_code parameter.
  EXPECT_EQ(unknown.status.code(), absl::StatusCode::kNotFound) << unknown.status;
  EXPECT_THAT(std::string(unknown.status.message()), HasSubstr("nope"));
  // As Triton's stream: the error's response names the request.
  EXPECT_EQ(unknown.response.id(), "unknown-model");
  EXPECT_EQ(unknown.response.model_name(), "nope");
  EXPECT_EQ(unknown.response.outputs_size(), 0);
  EXPECT_TRUE(unknown.response.parameters().at("triton_final_response").bool_param());
  Answers::Answer shape = answers.Get("wrong-shape");
  EXPECT_EQ(shape.status.code(), absl::StatusCode::kInvalidArgument) << shape.status;
  EXPECT_EQ(shape.response.id(), "wrong-shape");

  ASSERT_TRUE(answers.Get("before").status.ok());
  Answers::Answer after = answers.Get("after");
  ASSERT_TRUE(after.status.ok()) << after.status;
  EXPECT_EQ(FirstY(after.response), 6.0f);
  // The stream is still open: more requests are served on it.
  stream->AsyncInfer(Request("fast", "later", 4.0f), more.For("later"));
  ASSERT_TRUE(more.WaitFor(1));
  EXPECT_EQ(FirstY(more.Get("later").response), 8.0f);
  EXPECT_TRUE(stream->Close().ok());
}

TEST(StreamInferTest, TheByteBudgetAppliesToEachRequest) {
  TestRepository repository;
  server::ServerOptions options;
  options.max_inflight_bytes = 1 << 20;
  RunningServer running = StartModels(repository, 1000, options);
  ASSERT_NE(running.server, nullptr);
  Answers answers;
  std::unique_ptr<client::InferStream> stream = running.client->OpenStream();
  // 1.2 MB of floats: its message, held twice while parsed, is over the
  // whole budget, so it is refused before being parsed.
  auto large = std::make_shared<inference::ModelInferRequest>();
  large->set_model_name("fast");
  large->set_id("large");
  client::AddFp32Input(large.get(), "x", {75'000, 4}, std::vector<float>(300'000, 1.0f));
  stream->AsyncInfer(large, answers.For("large"));
  stream->AsyncInfer(Request("fast", "small", 1.0f), answers.For("small"));
  ASSERT_TRUE(answers.WaitFor(2));
  EXPECT_EQ(answers.Get("large").status.code(), absl::StatusCode::kResourceExhausted) << answers.Get("large").status;
  EXPECT_EQ(answers.Get("large").response.id(), "large");
  EXPECT_TRUE(answers.Get("small").status.ok()) << answers.Get("small").status;
  EXPECT_TRUE(stream->Close().ok());
}

TEST(StreamInferTest, CancellingTheStreamDropsItsQueuedRequests) {
  TestRepository repository;
  RunningServer running = StartModels(repository, 1'000'000);
  ASSERT_NE(running.server, nullptr);
  Answers answers;
  std::unique_ptr<client::InferStream> stream = running.client->OpenStream();
  for (int i = 0; i < 3; ++i) stream->AsyncInfer(Request("slow", absl::StrCat("s", i), 1.0f), answers.For(absl::StrCat("s", i)));
  // A stream is read in order: once "fast" is answered the three before
  // it have been read, and they wait in the queue of "slow" for a second.
  stream->AsyncInfer(Request("fast", "marker", 1.0f), answers.For("marker"));
  ASSERT_TRUE(answers.WaitFor(1));
  ASSERT_EQ(answers.order()[0], "marker");
  absl::SleepFor(absl::Milliseconds(50));
  const absl::Time cancelled = absl::Now();
  stream->Cancel();
  ASSERT_TRUE(answers.WaitFor(4, absl::Seconds(5)));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(answers.Get(absl::StrCat("s", i)).status.code(), absl::StatusCode::kCancelled);
  }
  // The server saw them cancelled: dropped from the queue, never run.
  inference::ModelStatistics slow;
  for (int i = 0; i < 100; ++i) {
    slow = StatisticsOf(*running.client, "slow");
    if (slow.inference_stats().fail().count() == 3) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_EQ(slow.inference_stats().fail().count(), 3u);
  EXPECT_EQ(slow.inference_stats().success().count(), 0u);
  EXPECT_EQ(slow.execution_count(), 0u);
  EXPECT_LT(absl::Now() - cancelled, absl::Seconds(5));
  // The server serves new streams as before.
  Answers again;
  std::unique_ptr<client::InferStream> next = running.client->OpenStream();
  next->AsyncInfer(Request("fast", "again", 2.0f), again.For("again"));
  ASSERT_TRUE(again.WaitFor(1));
  EXPECT_EQ(FirstY(again.Get("again").response), 4.0f);
}

TEST(StreamInferTest, HalfCloseAnswersEveryRequestThenEndsOk) {
  TestRepository repository;
  RunningServer running = StartModels(repository, 300'000);
  ASSERT_NE(running.server, nullptr);
  Answers answers;
  Answers refused;
  std::unique_ptr<client::InferStream> stream = running.client->OpenStream();
  for (int i = 0; i < 4; ++i) {
    stream->AsyncInfer(Request("slow", absl::StrCat("s", i), static_cast<float>(i)), answers.For(absl::StrCat("s", i)));
  }
  // Half-closed at once, while all four wait in the queue.
  EXPECT_TRUE(stream->Close().ok());
  ASSERT_EQ(answers.order().size(), 4u);
  for (int i = 0; i < 4; ++i) {
    Answers::Answer answer = answers.Get(absl::StrCat("s", i));
    ASSERT_TRUE(answer.status.ok()) << answer.status;
    EXPECT_EQ(FirstY(answer.response), 5.0f * i);
  }
  // After Close, the stream refuses more (on its own thread).
  stream->AsyncInfer(Request("fast", "late", 1.0f), refused.For("late"));
  ASSERT_TRUE(refused.WaitFor(1));
  EXPECT_EQ(refused.Get("late").status.code(), absl::StatusCode::kFailedPrecondition);
}

TEST(StreamInferTest, ShutdownAnswersWhatStreamsHaveSentAndDoesNotWaitForIdleStreams) {
  TestRepository repository;
  RunningServer running = StartModels(repository, 500'000);
  ASSERT_NE(running.server, nullptr);
  Answers answers;
  std::unique_ptr<client::InferStream> busy = running.client->OpenStream();
  std::unique_ptr<client::InferStream> idle = running.client->OpenStream();
  busy->AsyncInfer(Request("slow", "queued0", 1.0f), answers.For("queued0"));
  busy->AsyncInfer(Request("slow", "queued1", 2.0f), answers.For("queued1"));
  busy->AsyncInfer(Request("fast", "marker", 1.0f), answers.For("marker"));
  ASSERT_TRUE(answers.WaitFor(1));  // "marker": the two before it were read.
  absl::SleepFor(absl::Milliseconds(50));

  const absl::Time started = absl::Now();
  running.server->Shutdown(absl::Seconds(30));
  const absl::Duration took = absl::Now() - started;
  // The requests read before Shutdown were computed and answered...
  ASSERT_TRUE(answers.WaitFor(3));
  EXPECT_EQ(FirstY(answers.Get("queued0").response), 5.0f);
  EXPECT_EQ(FirstY(answers.Get("queued1").response), 10.0f);
  // ...then both streams ended, the idle one without holding the drain up.
  const absl::Status busy_end = busy->Close();
  EXPECT_EQ(busy_end.code(), absl::StatusCode::kUnavailable) << busy_end;
  EXPECT_THAT(std::string(busy_end.message()), HasSubstr("shutting down"));
  EXPECT_EQ(idle->Close().code(), absl::StatusCode::kUnavailable);
  EXPECT_LT(took, absl::Seconds(5));
}

TEST(StreamInferTest, AStreamAtItsBoundIsNotReadUntilARequestIsAnswered) {
  TestRepository repository;
  server::ServerOptions options;
  options.grpc_stream_max_inflight = 2;
  // Each batch of "slow" waits 300 ms for up to 8 items.
  RunningServer running = StartModels(repository, 300'000, options);
  ASSERT_NE(running.server, nullptr);
  Answers answers;
  std::unique_ptr<client::InferStream> stream = running.client->OpenStream();
  for (int i = 0; i < 5; ++i) {
    stream->AsyncInfer(Request("slow", absl::StrCat("s", i), static_cast<float>(i)), answers.For(absl::StrCat("s", i)));
  }
  ASSERT_TRUE(answers.WaitFor(5));
  for (int i = 0; i < 5; ++i) {
    Answers::Answer answer = answers.Get(absl::StrCat("s", i));
    ASSERT_TRUE(answer.status.ok()) << answer.status;
    EXPECT_EQ(FirstY(answer.response), 5.0f * i);
  }
  // Unbounded, all five would have waited in one batch. Two at a time
  // were read: batches of 2, 2 and 1.
  const inference::ModelStatistics slow = StatisticsOf(*running.client, "slow");
  EXPECT_EQ(slow.execution_count(), 3u);
  std::map<uint64_t, uint64_t> batches;
  for (const inference::InferBatchStatistics& batch : slow.batch_stats()) {
    batches[batch.batch_size()] = batch.compute_infer().count();
  }
  EXPECT_EQ(batches, (std::map<uint64_t, uint64_t>{{1, 1}, {2, 2}}));
  EXPECT_TRUE(stream->Close().ok());
}

}  // namespace
}  // namespace convoy
