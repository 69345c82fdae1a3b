// A request's answer never depends on its batch-mates: requests that ask for
// different outputs, in different orders, with and without multi-crop, are
// batched together, and each answer must equal, byte for byte, the same
// request served alone. The model computes every row with exact arithmetic,
// so any difference is the server mixing up outputs, never rounding.
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/engine/testing/test_images.h"
#include "tests/server/testing/server_fixture.h"

namespace convoy {
namespace {

using testing::RunningServer;
using testing::StartServer;
using testing::TestRepository;

// Up to 32 items wait half a second for company, so requests sent 50 ms
// apart share batches.
constexpr char kConfig[] = R"pb(
name: "three"
max_batch_size: 32
input [ { name: "image" data_type: TYPE_FP32 dims: [ 1, 8, 8 ] } ]
output [
  { name: "logits" data_type: TYPE_FP32 dims: [ 16 ] label_filename: "labels.txt" },
  { name: "shifted" data_type: TYPE_FP32 dims: [ 1, 8, 8 ] },
  { name: "doubled" data_type: TYPE_FP32 dims: [ 1, 8, 8 ] }
]
dynamic_batching { max_queue_delay_microseconds: 500000 }
preprocessing { pad: 2 mean: 0.5 std: 0.25 }
)pb";

std::string Labels() {
  std::string labels;
  for (int i = 0; i < 16; ++i) absl::StrAppend(&labels, "class", i, "\n");
  return labels;
}

class CoBatchingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    repository_.WriteFile("three/config.pbtxt", kConfig);
    repository_.WriteFile("three/labels.txt", Labels());
    repository_.WriteFile("three/1/model.onnx", testing::ThreeOutputImageModelOnnx());
    running_ = StartServer(repository_);
    ASSERT_NE(running_.client, nullptr);
  }

  // `images` seeded 8 x 8 gray PNGs asking for `outputs` (in that order),
  // with `crops` per image (0: no multicrop parameter).
  static inference::ModelInferRequest Request(int images, uint32_t seed, int64_t crops,
                                              const std::vector<std::string>& outputs) {
    std::mt19937 rng(seed);
    std::vector<std::string> files;
    for (int i = 0; i < images; ++i) {
      files.push_back(engine::testing_images::EncodePng(engine::testing_images::RandomImage(rng, 8, 8, 1)));
    }
    inference::ModelInferRequest request;
    request.set_model_name("three");
    client::AddBytesInput(&request, "image", files);
    if (crops != 0) (*request.mutable_parameters())["multicrop"].set_int64_param(crops);
    for (const std::string& name : outputs) request.add_outputs()->set_name(name);
    return request;
  }

  int64_t Executions() {
    absl::StatusOr<inference::ModelStatisticsResponse> stats = running_.client->ModelStatistics("three");
    EXPECT_TRUE(stats.ok()) << stats.status();
    return stats.ok() ? static_cast<int64_t>(stats->model_stats(0).execution_count()) : -1;
  }

  TestRepository repository_;
  RunningServer running_;
};

// Every output of `alone` is in `together` with the same shape and bytes.
void ExpectSameAnswer(const inference::ModelInferResponse& alone, const inference::ModelInferResponse& together,
                      const std::string& what) {
  ASSERT_EQ(together.outputs_size(), alone.outputs_size()) << what;
  for (int i = 0; i < alone.outputs_size(); ++i) {
    const std::string& name = alone.outputs(i).name();
    int j = 0;
    while (j < together.outputs_size() && together.outputs(j).name() != name) ++j;
    ASSERT_LT(j, together.outputs_size()) << what << ": output '" << name << "' missing";
    EXPECT_EQ(together.outputs(j).datatype(), alone.outputs(i).datatype()) << what << " " << name;
    EXPECT_EQ(std::vector<int64_t>(together.outputs(j).shape().begin(), together.outputs(j).shape().end()),
              std::vector<int64_t>(alone.outputs(i).shape().begin(), alone.outputs(i).shape().end()))
        << what << " " << name;
    EXPECT_TRUE(together.raw_output_contents(j) == alone.raw_output_contents(i))
        << what << ": output '" << name << "' differs from the same request served alone";
  }
}

TEST_F(CoBatchingTest, EachAnswerEqualsTheSameRequestServedAlone) {
  // The order matters: B opens the first batch asking only for the
  // intermediate value; A's 40 crops split into chunks of 30 and 10, the
  // first batched with B, the second with C and D, whose output lists come
  // in yet other orders.
  const std::vector<inference::ModelInferRequest> requests = {
      Request(1, 1, 0, {"doubled"}),                        // B
      Request(4, 2, 10, {"logits"}),                        // A
      Request(1, 3, 5, {"shifted", "logits", "doubled"}),   // C: all of them
      Request(1, 4, 0, {"logits", "doubled"}),              // D
      Request(2, 5, 10, {}),                                // E: all, by default
  };
  std::vector<inference::ModelInferResponse> alone;
  for (const inference::ModelInferRequest& request : requests) {
    absl::StatusOr<inference::ModelInferResponse> response = running_.client->Infer(request);
    ASSERT_TRUE(response.ok()) << response.status();
    alone.push_back(*std::move(response));
  }

  const int64_t executions_before = Executions();
  std::vector<absl::Status> statuses(requests.size());
  std::vector<inference::ModelInferResponse> together(requests.size());
  absl::BlockingCounter pending(static_cast<int>(requests.size()));
  for (size_t i = 0; i < requests.size(); ++i) {
    running_.client->AsyncInfer(requests[i], [&, i](absl::Status status, inference::ModelInferResponse response) {
      statuses[i] = std::move(status);
      together[i] = std::move(response);
      pending.DecrementCount();
    });
    absl::SleepFor(absl::Milliseconds(50));
  }
  pending.Wait();
  for (size_t i = 0; i < requests.size(); ++i) {
    ASSERT_TRUE(statuses[i].ok()) << "request " << i << ": " << statuses[i];
    ExpectSameAnswer(alone[i], together[i], absl::StrCat("request ", i));
  }
  // 1 + 30 items, then 10 + 5 + 1 + a chunk of E's 20: the requests shared
  // batches, or this test would prove nothing.
  EXPECT_LE(Executions() - executions_before, 3);
}

}  // namespace
}  // namespace convoy
