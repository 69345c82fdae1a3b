// RunModelRequest without gRPC: images are decoded on the pool, not on the
// caller's thread, and not at all for a client that gave up meanwhile.
#include "server/orchestration/request_runner.h"

#include <atomic>
#include <future>
#include <random>
#include <string>
#include <thread>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/orchestration/image_limits.h"
#include "tests/engine/testing/test_images.h"
#include "tests/server/testing/test_repository.h"

namespace convoy::server {
namespace {

using testing::TestRepository;

constexpr char kConfig[] = R"pb(
name: "three"
max_batch_size: 8
input [ { name: "image" data_type: TYPE_FP32 dims: [ 1, 8, 8 ] } ]
output [ { name: "logits" data_type: TYPE_FP32 dims: [ 16 ] } ]
preprocessing { pad: 2 }
)pb";

class RequestRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    repository_.WriteFile("three/config.pbtxt", kConfig);
    repository_.WriteFile("three/1/model.onnx", testing::ThreeOutputImageModelOnnx());
    absl::StatusOr<std::shared_ptr<SingleModel>> model = testing::LoadVersion1(repository_, "three");
    ASSERT_TRUE(model.ok()) << model.status();
    model_ = *std::move(model);
    pool_ = *WorkPool::Create({"test", 1, 16});
    // The pool's one thread waits until a test lets it go.
    ASSERT_TRUE(pool_->Submit([this] { release_.get_future().wait(); }).ok());
  }

  void TearDown() override {
    if (!released_) release_.set_value();
  }

  void Release() {
    released_ = true;
    release_.set_value();
  }

  // One image, `encoded`; asks for the logits.
  ModelRequest ImageRequest(const std::string& encoded) {
    encoded_ = encoded;
    ModelRequest request;
    request.inference.batch_size = 1;
    request.inference.inputs.push_back({"image", engine::Tensor(engine::DataType::kFloat32, {1})});
    request.inference.output_names = {"logits"};
    request.image = ImageInput{0, {encoded_}, {}};
    return request;
  }

  struct Answer {
    absl::Status status;
    std::thread::id thread;
    InferenceResult result;
  };

  // Runs `request` and returns the future of its answer. Its image work
  // goes to the pool unless it is at most `inline_pixels`.
  std::future<Answer> Run(ModelRequest request, int64_t inline_pixels = -1) {
    auto answer = std::make_shared<std::promise<Answer>>();
    RunModelRequest(model_, std::move(request), absl::Now(), ImageServices{ImageLimits(), pool_.get(), inline_pixels},
                    [answer](absl::Status status, InferenceResult result) {
                      answer->set_value({std::move(status), std::this_thread::get_id(), std::move(result)});
                    });
    return answer->get_future();
  }

  TestRepository repository_;
  std::shared_ptr<SingleModel> model_;
  std::promise<void> release_;
  bool released_ = false;
  std::string encoded_;
  std::unique_ptr<WorkPool> pool_;  // Last: joined before the rest goes.
};

TEST_F(RequestRunnerTest, ImagesAreDecodedOnThePoolNotOnTheCallersThread) {
  std::mt19937 rng(1);
  std::future<Answer> answer =
      Run(ImageRequest(engine::testing_images::EncodePng(engine::testing_images::RandomImage(rng, 8, 8, 1))));
  // The call returned while the pool is busy: nothing ran here.
  EXPECT_EQ(answer.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);
  Release();
  Answer got = answer.get();
  ASSERT_TRUE(got.status.ok()) << got.status;
  EXPECT_NE(got.thread, std::this_thread::get_id());
  ASSERT_NE(got.result.Output("logits"), nullptr);
  EXPECT_EQ(got.result.Output("logits")->shape(), (engine::Shape{1, 16}));
}

TEST_F(RequestRunnerTest, AFewSmallImagesAreDecodedOnTheCallersThread) {
  std::mt19937 rng(2);
  ModelRequest request =
      ImageRequest(engine::testing_images::EncodePng(engine::testing_images::RandomImage(rng, 8, 8, 1)));
  ASSERT_TRUE(CheckImageWork(&request, model_->config(), ImageLimits()).ok());
  EXPECT_EQ(request.image->work_pixels, 64);
  std::future<Answer> small = Run(request, 64);
  // Decoded here, although the pool is busy: the request is already in
  // the batcher, whose worker answers it.
  EXPECT_EQ(small.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_TRUE(small.get().status.ok());
  std::future<Answer> larger = Run(std::move(request), 63);
  EXPECT_EQ(larger.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);
  Release();
  EXPECT_TRUE(larger.get().status.ok());
}

TEST_F(RequestRunnerTest, ARequestWhoseDeadlinePassedInThePoolIsNotDecoded) {
  // Not an image: decoding it would fail with INVALID_ARGUMENT.
  ModelRequest request = ImageRequest("not an image at all");
  request.inference.deadline = absl::Now() + absl::Milliseconds(20);
  std::future<Answer> answer = Run(std::move(request));
  absl::SleepFor(absl::Milliseconds(60));
  Release();
  EXPECT_EQ(answer.get().status.code(), absl::StatusCode::kDeadlineExceeded);
}

TEST_F(RequestRunnerTest, ARequestCancelledInThePoolIsNotDecoded) {
  ModelRequest request = ImageRequest("not an image at all");
  auto cancelled = std::make_shared<std::atomic<bool>>(false);
  request.inference.is_cancelled = [cancelled] { return cancelled->load(); };
  std::future<Answer> answer = Run(std::move(request));
  *cancelled = true;
  Release();
  EXPECT_EQ(answer.get().status.code(), absl::StatusCode::kCancelled);
}

TEST_F(RequestRunnerTest, AnImageThatCannotBeDecodedFailsTheRequestNamingIt) {
  std::future<Answer> answer = Run(ImageRequest("not an image at all"));
  Release();
  const absl::Status status = answer.get().status;
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), ::testing::HasSubstr("input 'image', image 0: not a JPEG or PNG image"));
}

}  // namespace
}  // namespace convoy::server
