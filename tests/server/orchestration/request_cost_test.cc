// InflightBytes covers what serving a request allocates, without counting
// it many times over: the bounds below are the tensors the request's path
// really makes.
#include "server/orchestration/request_cost.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/server/testing/test_repository.h"

namespace convoy::server {
namespace {

using testing::TestRepository;

// 1 x 8 x 8 images; logits [16]; images of 10 x 10 are resized to 12.
constexpr char kConfig[] = R"pb(
name: "three"
max_batch_size: 32
input [ { name: "image" data_type: TYPE_FP32 dims: [ 1, 8, 8 ] } ]
output [ { name: "logits" data_type: TYPE_FP32 dims: [ 16 ] },
         { name: "shifted" data_type: TYPE_FP32 dims: [ 1, 8, 8 ] } ]
preprocessing { resize_shorter_side: 12 }
)pb";

constexpr int64_t kCrop = 8 * 8 * 4;       // Bytes of one crop.
constexpr int64_t kRow = 16 * 4 + 64 * 4;  // Bytes of one item's outputs.

ModelRequest Images(int64_t images, int64_t crops, int height, int width) {
  ModelRequest request;
  request.inference.batch_size = images;
  request.inference.inputs.push_back({"image", engine::Tensor(engine::DataType::kFloat32, {images})});
  request.inference.output_names = {"logits"};
  request.image = ImageInput{0, std::vector<absl::string_view>(images, "png"),
                             std::vector<engine::ImageSize>(images, engine::ImageSize{height, width})};
  request.crops = crops;
  return request;
}

class RequestCostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    repository_.WriteFile("three/config.pbtxt", kConfig);
    repository_.WriteFile("three/1/model.onnx", testing::ThreeOutputImageModelOnnx());
    absl::StatusOr<std::shared_ptr<SingleModel>> model = testing::LoadVersion1(repository_, "three");
    ASSERT_TRUE(model.ok()) << model.status();
    model_ = *std::move(model);
  }

  TestRepository repository_;
  std::shared_ptr<SingleModel> model_;
};

TEST_F(RequestCostTest, CountsCropsTwiceOutputsOfTheBatchAndTheLargestImage) {
  const int64_t items = 4 * 10;
  const int64_t cost = InflightBytes(Images(4, 10, 10, 10), *model_);
  // The crops (own and stacked), every output's rows, three copies of the
  // asked rows per image, one decoded 10 x 10 and resized 12 x 12 image.
  const int64_t made = 2 * items * kCrop + items * kRow + 3 * 4 * 16 * 4 + 3 * (100 + 144);
  EXPECT_GE(cost, made);
  EXPECT_LE(cost, made + 64);  // The placeholder input; nothing else.
}

TEST_F(RequestCostTest, GrowsWithCropsAndWithTheLargestImageOnly) {
  const int64_t one = InflightBytes(Images(2, 1, 10, 10), *model_);
  const int64_t ten = InflightBytes(Images(2, 10, 10, 10), *model_);
  EXPECT_EQ(ten - one, 2 * 9 * (2 * kCrop + kRow));
  ModelRequest mixed = Images(2, 1, 10, 10);
  mixed.image->sizes[1] = engine::ImageSize{1000, 2000};  // Resized to 12 x 24.
  EXPECT_EQ(InflightBytes(mixed, *model_) - one, 3 * (1000 * 2000 + 12 * 24 - 100 - 144));
}

TEST_F(RequestCostTest, ATensorSentToBeCroppedIsCountedBesideItsCrops) {
  ModelRequest request;
  request.inference.batch_size = 2;
  request.inference.inputs.push_back({"image", engine::Tensor(engine::DataType::kFloat32, {2, 1, 100, 100})});
  request.inference.output_names = {"logits"};
  request.image = ImageInput{0, {}, {}};
  request.crops = 5;
  EXPECT_GE(InflightBytes(request, *model_), 2 * 100 * 100 * 4 + 2 * 10 * kCrop + 10 * kRow);
}

}  // namespace
}  // namespace convoy::server
