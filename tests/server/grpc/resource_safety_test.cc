// Requests small on the wire that would be expensive to serve are refused
// before the server spends memory or CPU on them, and what they would have
// held is returned: the byte budget, the image limits, a drain that refused
// callers cannot hold open, and INT64 typed contents.
#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/engine/testing/onnx_builder.h"
#include "tests/engine/testing/test_images.h"
#include "tests/server/testing/server_fixture.h"

namespace convoy {
namespace {

using ::testing::HasSubstr;
using testing::RunningServer;
using testing::StartServer;
using testing::TestRepository;

// The mean colour of a 3 x side x side image: GlobalAveragePool, flattened.
std::string MeanColourOnnx(int side) {
  engine::testing::OnnxBuilder b;
  b.AddInput("image", {"N", 3, side, side});
  b.AddNode("GlobalAveragePool", {"image"}, {"pooled"});
  b.AddNode("Flatten", {"pooled"}, {"colour"});
  b.AddOutput("colour");
  return b.Serialize();
}

// Images are resized to 32 and padded, so that 10 crops of 32 fit. A lone
// request waits a second in the queue: long enough to be seen holding its
// bytes.
constexpr char kColourConfig[] = R"pb(
name: "colour"
max_batch_size: 32
input [ { name: "image" data_type: TYPE_FP32 dims: [ 3, 32, 32 ] } ]
output [ { name: "colour" data_type: TYPE_FP32 dims: [ 3 ] } ]
dynamic_batching { max_queue_delay_microseconds: 1000000 }
preprocessing { resize_shorter_side: 32 pad: 4 }
)pb";

// As ImageNet models take their images.
constexpr char kImageNetConfig[] = R"pb(
name: "imagenet"
max_batch_size: 32
input [ { name: "image" data_type: TYPE_FP32 dims: [ 3, 224, 224 ] } ]
output [ { name: "colour" data_type: TYPE_FP32 dims: [ 3 ] } ]
preprocessing { resize_shorter_side: 256 }
)pb";

std::string RandomPng(int height, int width, uint32_t seed) {
  std::mt19937 rng(seed);
  return engine::testing_images::EncodePng(engine::testing_images::RandomImage(rng, height, width, 3));
}

inference::ModelInferRequest ImagesRequest(const std::vector<std::string>& files, int64_t crops,
                                           const std::string& model = "colour") {
  inference::ModelInferRequest request;
  request.set_model_name(model);
  client::AddBytesInput(&request, "image", files);
  if (crops > 1) (*request.mutable_parameters())["multicrop"].set_int64_param(crops);
  return request;
}

class ResourceSafetyTest : public ::testing::Test {
 protected:
  void Start(server::ServerOptions options) {
    repository_.WriteFile("colour/config.pbtxt", kColourConfig);
    repository_.WriteFile("colour/1/model.onnx", MeanColourOnnx(32));
    repository_.WriteFile("imagenet/config.pbtxt", kImageNetConfig);
    repository_.WriteFile("imagenet/1/model.onnx", MeanColourOnnx(224));
    repository_.WriteFile("scale/config.pbtxt", testing::ScaleModelConfig("scale"));
    repository_.WriteFile("scale/1/model.onnx", testing::ScaleModelOnnx(2.0f));
    running_ = StartServer(repository_, server::ModelControlMode::kNone, std::move(options));
    ASSERT_NE(running_.client, nullptr);
  }

  TestRepository repository_;
  RunningServer running_;
};

TEST_F(ResourceSafetyTest, ARequestLargerThanTheBudgetIsRefusedWithoutBeingDecoded) {
  server::ServerOptions options;
  options.max_inflight_bytes = 4 << 20;
  Start(options);
  // 32 images of 10 crops: 320 x 12 KB of floats, held twice (own, batch).
  const std::vector<std::string> files(32, RandomPng(32, 32, 1));
  absl::StatusOr<inference::ModelInferResponse> refused = running_.client->Infer(ImagesRequest(files, 10));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(refused.status().message()),
              HasSubstr("more than the server's whole budget of 4194304 bytes (--max-inflight-bytes)"));
  // A request within the budget is served.
  absl::StatusOr<inference::ModelInferResponse> served = running_.client->Infer(ImagesRequest({files[0]}, 10));
  EXPECT_TRUE(served.ok()) << served.status();
}

TEST_F(ResourceSafetyTest, WhatOneRequestHoldsIsRefusedToOthersAndReturnedWhenItIsAnswered) {
  server::ServerOptions options;
  options.max_inflight_bytes = 12 << 20;  // One request of 32 x 10 crops fits, two do not.
  Start(options);
  const std::vector<std::string> files(32, RandomPng(32, 32, 2));
  std::atomic<int> served{0};
  std::atomic<int> refused{0};
  std::vector<std::string> other;
  absl::Mutex mutex;
  absl::BlockingCounter pending(4);
  for (int i = 0; i < 4; ++i) {
    running_.client->AsyncInfer(ImagesRequest(files, 10), [&](absl::Status status, inference::ModelInferResponse) {
      if (status.ok()) {
        ++served;
      } else if (status.code() == absl::StatusCode::kResourceExhausted &&
                 absl::StrContains(status.message(), "retry later")) {
        ++refused;
      } else {
        absl::MutexLock lock(&mutex);
        other.push_back(status.ToString());
      }
      pending.DecrementCount();
    });
  }
  pending.Wait();
  EXPECT_THAT(other, ::testing::IsEmpty());
  // The first one admitted waits a second in the queue, holding its bytes;
  // the others arrive meanwhile.
  EXPECT_EQ(served.load(), 1);
  EXPECT_EQ(refused.load(), 3);
  // Its bytes come back once gRPC is done with its answer (OnDone), a
  // moment after the client has it: the same request is admitted again.
  absl::StatusOr<inference::ModelInferResponse> again = running_.client->Infer(ImagesRequest(files, 10));
  for (int i = 0; i < 100 && !again.ok() && again.status().code() == absl::StatusCode::kResourceExhausted; ++i) {
    absl::SleepFor(absl::Milliseconds(20));
    again = running_.client->Infer(ImagesRequest(files, 10));
  }
  EXPECT_TRUE(again.ok()) << again.status();
}

TEST_F(ResourceSafetyTest, ImagesThatResizingWouldBlowUpAreRefusedAtOnce) {
  Start({});
  // The attack: small PNG strips of 4 x 3900 pixels, each of which would
  // be resized to 256 x 249600.
  const std::vector<std::string> strips(32, RandomPng(4, 3900, 3));
  const absl::Time started = absl::Now();
  absl::StatusOr<inference::ModelInferResponse> refused =
      running_.client->Infer(ImagesRequest(strips, 10, "imagenet"));
  const absl::Duration took = absl::Now() - started;
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("input 'image', image 0: resizing its 4x3900 pixels"));
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("4096-fold"));
  EXPECT_LT(took, absl::Seconds(2)) << "the refusal should come before any decoding";
}

TEST_F(ResourceSafetyTest, OnePixelImagesCannotBeInflatedIntoCrops) {
  Start({});
  const std::vector<std::string> pixels(32, RandomPng(1, 1, 4));
  absl::StatusOr<inference::ModelInferResponse> refused =
      running_.client->Infer(ImagesRequest(pixels, 10, "imagenet"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("65536-fold, more than the limit of 256"));
}

TEST_F(ResourceSafetyTest, ClientsThatKeepSendingWhileRefusedDoNotHoldTheDrainOpen) {
  Start({});
  std::atomic<bool> stop{false};
  std::vector<std::thread> senders;
  for (int t = 0; t < 8; ++t) {
    senders.emplace_back([&] {
      auto client = testing::Connect(running_.target, absl::Seconds(5));
      // A tiny request, answered at once, sent again and again whatever
      // the answer.
      inference::ModelInferRequest request;
      request.set_model_name("scale");
      client::AddFp32Input(&request, "x", {1, 4}, std::vector<float>(4, 1.0f));
      while (!stop) client->Infer(request).IgnoreError();
    });
  }
  absl::SleepFor(absl::Milliseconds(300));
  const absl::Time started = absl::Now();
  running_.server->Shutdown(absl::Seconds(30));
  const absl::Duration took = absl::Now() - started;
  stop = true;
  for (std::thread& sender : senders) sender.join();
  // Refused requests must not extend the drain towards the 30 s grace
  // period.
  EXPECT_LT(took, absl::Seconds(8));
}

TEST(Int64ContentsTest, TypedInt64ContentsFeedAnInt64Input) {
  TestRepository repository;
  // y = Reshape(x, shape): `shape` is an INT64 input, its values folded
  // into the plan. The config names only the output, whose shape depends
  // on `shape`'s values so the graph cannot say it; auto-complete adds the
  // inputs and the output's type from the graph.
  engine::testing::OnnxBuilder b;
  b.AddInput("x", {2, 4});
  b.AddInput("shape", {2}, onnx::TensorProto::INT64);
  b.AddNode("Reshape", {"x", "shape"}, {"y"});
  b.AddOutput("y");
  repository.WriteFile("reshape/1/model.onnx", b.Serialize());
  repository.WriteFile("reshape/config.pbtxt", "output [ { name: \"y\" dims: [ -1, -1 ] } ]\n");
  RunningServer running = StartServer(repository);
  ASSERT_NE(running.client, nullptr);
  inference::ModelInferRequest request;
  request.set_model_name("reshape");
  auto* x = request.add_inputs();
  x->set_name("x");
  x->set_datatype("FP32");
  for (int64_t dim : {2, 4}) x->add_shape(dim);
  for (int i = 0; i < 8; ++i) x->mutable_contents()->add_fp32_contents(static_cast<float>(i));
  auto* shape = request.add_inputs();
  shape->set_name("shape");
  shape->set_datatype("INT64");
  shape->add_shape(2);
  shape->mutable_contents()->add_int64_contents(4);
  shape->mutable_contents()->add_int64_contents(2);
  absl::StatusOr<inference::ModelInferResponse> response = running.client->Infer(request);
  ASSERT_TRUE(response.ok()) << response.status();
  absl::StatusOr<client::Fp32Output> y = client::GetFp32Output(*response, "y");
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y->shape, (std::vector<int64_t>{4, 2}));
  EXPECT_EQ(y->values, (std::vector<float>{0, 1, 2, 3, 4, 5, 6, 7}));
}

}  // namespace
}  // namespace convoy
