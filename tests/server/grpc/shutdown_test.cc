// Graceful shutdown under load (what SIGTERM runs): every request the
// server accepted before Shutdown is answered with its result, and every
// later one is refused with UNAVAILABLE; nothing fails half-way.
#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/server/testing/server_fixture.h"

namespace convoy {
namespace {

using testing::RunningServer;
using testing::ScaleModelConfig;
using testing::ScaleModelOnnx;
using testing::StartServer;
using testing::TestRepository;

struct Tally {
  int answered = 0;                // OK with the right result
  int refused = 0;                 // UNAVAILABLE: not accepted
  std::vector<std::string> other;  // anything else: a lost request
};

inference::ModelInferRequest OnesFor(const std::string& model) {
  inference::ModelInferRequest request;
  request.set_model_name(model);
  client::AddFp32Input(&request, "x", {1, 4}, std::vector<float>(4, 1.0f));
  return request;
}

TEST(ShutdownTest, AcceptedRequestsFinishAndLaterOnesAreRefused) {
  TestRepository repository;
  // Four senders never fill a batch (8), so their requests wait 20 ms in
  // the queue.
  repository.WriteFile("m/config.pbtxt",
                       ScaleModelConfig("m", "dynamic_batching { max_queue_delay_microseconds: 20000 }"));
  repository.WriteFile("m/1/model.onnx", ScaleModelOnnx(3.0f));
  // A batch of "slow" waits a whole second for company: Shutdown finds it queued.
  repository.WriteFile("slow/config.pbtxt",
                       ScaleModelConfig("slow", "dynamic_batching { max_queue_delay_microseconds: 1000000 }"));
  repository.WriteFile("slow/1/model.onnx", ScaleModelOnnx(5.0f));
  RunningServer running = StartServer(repository);
  ASSERT_NE(running.server, nullptr);

  absl::Mutex mutex;
  Tally tally;
  std::atomic<bool> stop{false};
  std::vector<std::thread> senders;
  for (int t = 0; t < 4; ++t) {
    senders.emplace_back([&] {
      auto client = testing::Connect(running.target);
      while (!stop) {
        absl::StatusOr<inference::ModelInferResponse> response = client->Infer(OnesFor("m"));
        absl::MutexLock lock(&mutex);
        if (response.ok() && client::GetFp32Output(*response, "y")->values[0] == 3.0f) {
          ++tally.answered;
        } else if (response.status().code() == absl::StatusCode::kUnavailable) {
          ++tally.refused;
          stop = true;  // The server is going; later requests would only be refused too.
        } else {
          tally.other.push_back(response.status().ToString());
        }
      }
    });
  }
  // Shut down once the load is steady, with three requests of "slow" queued.
  while (true) {
    absl::SleepFor(absl::Milliseconds(10));
    absl::MutexLock lock(&mutex);
    if (tally.answered >= 100) break;
  }
  std::vector<absl::Status> queued(3, absl::UnknownError("no answer"));
  std::atomic<int64_t> shutdown_started_ns{0};
  std::atomic<int> queued_answered_in_drain{0};
  absl::BlockingCounter queued_done(3);
  for (absl::Status& status : queued) {
    running.client->AsyncInfer(
        std::make_shared<inference::ModelInferRequest>(OnesFor("slow")),
        [&](absl::Status answer, inference::ModelInferResponse response) {
          if (answer.ok() && client::GetFp32Output(response, "y")->values[0] != 5.0f) {
            answer = absl::InternalError("wrong result");
          }
          if (answer.ok() && absl::GetCurrentTimeNanos() > shutdown_started_ns) ++queued_answered_in_drain;
          status = answer;
          queued_done.DecrementCount();
        });
  }
  absl::SleepFor(absl::Milliseconds(300));
  shutdown_started_ns = absl::GetCurrentTimeNanos();
  running.server->Shutdown(absl::Seconds(10));
  stop = true;
  for (std::thread& sender : senders) sender.join();
  queued_done.Wait();

  // The figures quoted in docs/RELIABILITY.md.
  std::printf("sent %d: answered %d (3 of them queued at Shutdown, answered in the drain: %d), "
              "refused %d, other %zu\n",
              tally.answered + tally.refused + static_cast<int>(tally.other.size()) + 3, tally.answered + 3,
              queued_answered_in_drain.load(), tally.refused, tally.other.size());
  EXPECT_THAT(tally.other, ::testing::IsEmpty());
  EXPECT_GE(tally.answered, 100);
  EXPECT_GT(tally.refused, 0);
  // The drain: requests queued when Shutdown began were computed and
  // answered after it.
  for (const absl::Status& status : queued) EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(queued_answered_in_drain, 3);
}

}  // namespace
}  // namespace convoy
