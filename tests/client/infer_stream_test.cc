// InferStream against a scripted ModelStreamInfer server in the test (typed
// protobuf, as Triton's is): what the wire carries (a generated id appended
// to a shared request), responses matched out of order, errors with and
// without Convoy's code, timeouts, repeated ids, and the stream's end.
#include "client/infer_stream.h"

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/create_channel.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "client/infer_tensors.h"
#include "gmock/gmock.h"
#include "grpc_service.grpc.pb.h"
#include "gtest/gtest.h"

namespace convoy::client {
namespace {

using ::testing::StartsWith;
using ::testing::UnorderedElementsAre;

// Answers each request by its model name:
//   "echo"    at once, with the request's id and first input's name
//   "hold"    not until a "release" comes, then all held ones, last first
//   "triton"  an in-stream error as Triton's (a message, no code)
//   "convoy"  an in-stream error with convoy_error_code RESOURCE_EXHAUSTED
//   "silent"  never
//   "end"     finishes the stream with UNAVAILABLE, answering nothing
class ScriptedStream final : public grpc::ServerBidiReactor<inference::ModelInferRequest, inference::ModelStreamInferResponse> {
 public:
  explicit ScriptedStream(std::vector<inference::ModelInferRequest>* seen, absl::Mutex* seen_mu)
      : seen_(seen), seen_mu_(seen_mu) {
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    if (!ok) {
      read_closed_ = true;
      MaybeFinishLocked();
      return;
    }
    {
      absl::MutexLock seen_lock(seen_mu_);
      seen_->push_back(request_);
    }
    const std::string& model = request_.model_name();
    inference::ModelStreamInferResponse response;
    response.mutable_infer_response()->set_id(request_.id());
    response.mutable_infer_response()->set_model_name(model);
    if (model == "echo") {
      Queue(response);
    } else if (model == "hold") {
      held_.push_back(response);
    } else if (model == "release") {
      while (!held_.empty()) {
        Queue(held_.back());
        held_.pop_back();
      }
    } else if (model == "triton") {
      response.set_error_message("boom");
      Queue(response);
    } else if (model == "convoy") {
      response.set_error_message("over budget");
      (*response.mutable_infer_response()->mutable_parameters())["convoy_error_code"].set_string_param(
          "RESOURCE_EXHAUSTED");
      Queue(response);
    } else if (model == "end") {
      ended_ = true;
      MaybeFinishLocked();
      return;
    }
    StartRead(&request_);
  }

  void OnWriteDone(bool) override {
    absl::MutexLock lock(&mu_);
    outbox_.pop_front();
    writing_ = false;
    WriteLocked();
    MaybeFinishLocked();
  }

  void OnDone() override { delete this; }

 private:
  void Queue(const inference::ModelStreamInferResponse& response) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    outbox_.push_back(response);
    WriteLocked();
  }
  void WriteLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (writing_ || outbox_.empty()) return;
    writing_ = true;
    StartWrite(&outbox_.front());
  }
  void MaybeFinishLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_ || writing_) return;
    if (ended_) {
      finished_ = true;
      Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "going away"));
    } else if (read_closed_ && outbox_.empty()) {
      finished_ = true;
      Finish(grpc::Status::OK);
    }
  }

  std::vector<inference::ModelInferRequest>* const seen_;
  absl::Mutex* const seen_mu_;
  inference::ModelInferRequest request_;
  absl::Mutex mu_;
  std::deque<inference::ModelStreamInferResponse> outbox_ ABSL_GUARDED_BY(mu_);
  std::vector<inference::ModelStreamInferResponse> held_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool read_closed_ ABSL_GUARDED_BY(mu_) = false;
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

class ScriptedService final : public inference::GRPCInferenceService::CallbackService {
 public:
  grpc::ServerBidiReactor<inference::ModelInferRequest, inference::ModelStreamInferResponse>* ModelStreamInfer(
      grpc::CallbackServerContext*) override {
    return new ScriptedStream(&seen_, &seen_mu_);
  }
  std::vector<inference::ModelInferRequest> seen() {
    absl::MutexLock lock(&seen_mu_);
    return seen_;
  }

 private:
  absl::Mutex seen_mu_;
  std::vector<inference::ModelInferRequest> seen_ ABSL_GUARDED_BY(seen_mu_);
};

struct Answer {
  absl::Status status;
  inference::ModelInferResponse response;
};

class Answers {
 public:
  KServeClient::InferCallback For(const std::string& tag) {
    return [this, tag](absl::Status status, inference::ModelInferResponse response) {
      absl::MutexLock lock(&mu_);
      ++calls_[tag];
      answers_[tag] = Answer{std::move(status), std::move(response)};
      order_.push_back(tag);
    };
  }
  bool WaitFor(size_t count, absl::Duration timeout = absl::Seconds(10)) {
    absl::MutexLock lock(&mu_);
    auto enough = [this, count]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return order_.size() >= count; };
    return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
  }
  Answer Get(const std::string& tag) {
    absl::MutexLock lock(&mu_);
    return answers_[tag];
  }
  std::vector<std::string> order() {
    absl::MutexLock lock(&mu_);
    return order_;
  }
  int calls(const std::string& tag) {
    absl::MutexLock lock(&mu_);
    return calls_[tag];
  }

 private:
  absl::Mutex mu_;
  std::map<std::string, Answer> answers_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int> calls_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> order_ ABSL_GUARDED_BY(mu_);
};

std::shared_ptr<const inference::ModelInferRequest> Request(const std::string& model, const std::string& id = "") {
  auto request = std::make_shared<inference::ModelInferRequest>();
  request->set_model_name(model);
  request->set_id(id);
  AddFp32Input(request.get(), "x", {1, 4}, {1, 2, 3, 4});
  return request;
}

class InferStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
  }
  void TearDown() override { server_->Shutdown(std::chrono::system_clock::now()); }

  ScriptedService service_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(InferStreamTest, AGeneratedIdTravelsWithAnUncopiedRequestAndIsTakenOffItsResponse) {
  Answers answers;
  std::unique_ptr<InferStream> stream = InferStream::Open(channel_);
  auto shared = Request("echo");
  stream->AsyncInfer(shared, answers.For("first"));
  stream->AsyncInfer(shared, answers.For("second"));
  stream->AsyncInfer(Request("echo", "mine"), answers.For("mine"));
  ASSERT_TRUE(answers.WaitFor(3));
  EXPECT_TRUE(stream->Close().ok());
  // The server parsed whole requests with their ids on the wire...
  const std::vector<inference::ModelInferRequest> seen = service_.seen();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_THAT(seen[0].id(), StartsWith("convoy-stream-"));
  EXPECT_THAT(seen[1].id(), StartsWith("convoy-stream-"));
  EXPECT_NE(seen[0].id(), seen[1].id());
  EXPECT_EQ(seen[2].id(), "mine");
  EXPECT_EQ(seen[0].inputs(0).name(), "x");
  EXPECT_EQ(seen[0].raw_input_contents(0), shared->raw_input_contents(0));
  // ...the shared request was left as it was, and the answers came back
  // with the ids they were sent with.
  EXPECT_EQ(shared->id(), "");
  EXPECT_TRUE(answers.Get("first").status.ok());
  EXPECT_EQ(answers.Get("first").response.id(), "");
  EXPECT_EQ(answers.Get("mine").response.id(), "mine");
}

TEST_F(InferStreamTest, ResponsesInAnyOrderReachTheirRequests) {
  Answers answers;
  std::unique_ptr<InferStream> stream = InferStream::Open(channel_);
  for (int i = 0; i < 3; ++i) stream->AsyncInfer(Request("hold", absl::StrCat("h", i)), answers.For(absl::StrCat("h", i)));
  stream->AsyncInfer(Request("release", "r"), answers.For("r"));  // Never answered itself.
  ASSERT_TRUE(answers.WaitFor(3));
  // The server answers h2, h1, h0; callbacks may run concurrently
  // (infer_stream.h), so they may record in another order, but each gets
  // its own response.
  EXPECT_THAT(answers.order(), UnorderedElementsAre("h0", "h1", "h2"));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(answers.Get(absl::StrCat("h", i)).response.id(), absl::StrCat("h", i));
  EXPECT_EQ(stream->pending(), 1);
}

TEST_F(InferStreamTest, InStreamErrorsCarryConvoysCodeOrUnknown) {
  Answers answers;
  std::unique_ptr<InferStream> stream = InferStream::Open(channel_);
  stream->AsyncInfer(Request("triton", "t"), answers.For("t"));
  stream->AsyncInfer(Request("convoy", "c"), answers.For("c"));
  stream->AsyncInfer(Request("echo", "e"), answers.For("e"));
  ASSERT_TRUE(answers.WaitFor(3));
  EXPECT_EQ(answers.Get("t").status, absl::UnknownError("boom"));
  EXPECT_EQ(answers.Get("c").status, absl::ResourceExhaustedError("over budget"));
  EXPECT_EQ(answers.Get("c").response.id(), "c");
  EXPECT_TRUE(answers.Get("e").status.ok());
  EXPECT_TRUE(stream->Close().ok());
}

TEST_F(InferStreamTest, ARequestTimesOutAloneAndARepeatedIdIsRefused) {
  Answers answers;
  std::unique_ptr<InferStream> stream = InferStream::Open(channel_);
  stream->AsyncInfer(Request("silent", "quiet"), answers.For("quiet"), absl::Milliseconds(100));
  stream->AsyncInfer(Request("silent", "quiet"), answers.For("again"));
  ASSERT_TRUE(answers.WaitFor(2));
  EXPECT_EQ(answers.Get("again").status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(answers.Get("quiet").status.code(), absl::StatusCode::kDeadlineExceeded);
  // The stream itself goes on.
  stream->AsyncInfer(Request("echo", "after"), answers.For("after"));
  ASSERT_TRUE(answers.WaitFor(3));
  EXPECT_TRUE(answers.Get("after").status.ok());
  EXPECT_EQ(answers.calls("quiet"), 1);
}

TEST_F(InferStreamTest, TheStreamsEndAnswersWhatIsPendingAndRefusesMore) {
  Answers answers;
  std::unique_ptr<InferStream> stream = InferStream::Open(channel_);
  stream->AsyncInfer(Request("hold", "held"), answers.For("held"));
  stream->AsyncInfer(Request("end", "end"), answers.For("end"));
  ASSERT_TRUE(answers.WaitFor(2));
  EXPECT_EQ(answers.Get("held").status, absl::UnavailableError("going away"));
  EXPECT_EQ(answers.Get("end").status, absl::UnavailableError("going away"));
  EXPECT_FALSE(stream->open());
  stream->AsyncInfer(Request("echo", "late"), answers.For("late"));
  ASSERT_TRUE(answers.WaitFor(3));
  EXPECT_EQ(answers.Get("late").status, absl::UnavailableError("going away"));
  EXPECT_EQ(stream->Close(), absl::UnavailableError("going away"));
}

TEST_F(InferStreamTest, CancelAnswersPendingRequestsCancelled) {
  Answers answers;
  std::unique_ptr<InferStream> stream = InferStream::Open(channel_);
  stream->AsyncInfer(Request("silent", "s"), answers.For("s"));
  stream->AsyncInfer(Request("echo", "e"), answers.For("e"));
  ASSERT_TRUE(answers.WaitFor(1));
  stream->Cancel();
  ASSERT_TRUE(answers.WaitFor(2));
  EXPECT_EQ(answers.Get("s").status.code(), absl::StatusCode::kCancelled);
}

TEST_F(InferStreamTest, NoServerFailsTheStreamsRequestsUnavailable) {
  std::shared_ptr<grpc::Channel> nowhere = grpc::CreateChannel("127.0.0.1:1", grpc::InsecureChannelCredentials());
  Answers answers;
  std::unique_ptr<InferStream> stream = InferStream::Open(nowhere);
  stream->AsyncInfer(Request("echo", "lost"), answers.For("lost"));
  ASSERT_TRUE(answers.WaitFor(1));
  EXPECT_EQ(answers.Get("lost").status.code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace convoy::client
