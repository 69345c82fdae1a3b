// A config's reshape between the shapes clients use and the shapes the
// graph takes, with Triton's pairing of the -1s.
#include "server/core/tensor_reshapes.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace convoy::server {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(TensorReshapesTest, MapsVariableDimensionsInOrder) {
  auto shape = TensorReshapes::Map({5, 2, 4, 7, 6}, {2, 4, -1, 6}, {8, -1, 1, 6}, /*batched=*/true);
  ASSERT_TRUE(shape.ok()) << shape.status();
  EXPECT_THAT(*shape, ElementsAre(5, 8, 7, 1, 6));
  shape = TensorReshapes::Map({3, 1}, {1}, {}, /*batched=*/true);
  ASSERT_TRUE(shape.ok()) << shape.status();
  EXPECT_THAT(*shape, ElementsAre(3));
  shape = TensorReshapes::Map({4}, {4}, {1, 4}, /*batched=*/false);
  ASSERT_TRUE(shape.ok()) << shape.status();
  EXPECT_THAT(*shape, ElementsAre(1, 4));
}

TEST(TensorReshapesTest, RefusesShapesThatDoNotFit) {
  auto shape = TensorReshapes::Map({2, 5}, {4}, {2, 2}, /*batched=*/true);
  ASSERT_FALSE(shape.ok());
  EXPECT_THAT(shape.status().message(), HasSubstr("shape [2,5] does not fit [-1]+[4]"));
  EXPECT_FALSE(TensorReshapes::Map({2, 4, 1}, {4}, {2, 2}, /*batched=*/true).ok());
  shape = TensorReshapes::Map({6}, {6}, {4}, /*batched=*/false);
  ASSERT_FALSE(shape.ok());
  EXPECT_THAT(shape.status().message(), HasSubstr("holds 6 elements"));
}

TEST(TensorReshapesTest, ReshapesOnlyTheTensorsThatHaveOne) {
  inference::ModelConfig config;
  config.set_max_batch_size(4);
  auto* a = config.add_input();
  a->set_name("a");
  a->add_dims(1);
  a->mutable_reshape();
  auto* b = config.add_input();
  b->set_name("b");
  b->add_dims(2);
  auto* y = config.add_output();
  y->set_name("y");
  y->add_dims(2);
  y->add_dims(2);
  y->mutable_reshape()->add_shape(4);
  const TensorReshapes reshapes(config);
  ASSERT_FALSE(reshapes.empty());

  std::vector<engine::NamedTensor> inputs = {{"a", engine::Tensor::FromFloats({3, 1}, {1, 2, 3})},
                                             {"b", engine::Tensor(engine::DataType::kFloat32, {3, 2})}};
  ASSERT_TRUE(reshapes.ToModel(&inputs).ok());
  EXPECT_THAT(inputs[0].tensor.shape(), ElementsAre(3));
  EXPECT_THAT(inputs[0].tensor.values<float>(), ElementsAre(1, 2, 3));
  EXPECT_THAT(inputs[1].tensor.shape(), ElementsAre(3, 2));

  std::vector<engine::Tensor> outputs = {engine::Tensor(engine::DataType::kFloat32, {3, 4})};
  ASSERT_TRUE(reshapes.ToConfig({"y"}, &outputs).ok());
  EXPECT_THAT(outputs[0].shape(), ElementsAre(3, 2, 2));
  outputs = {engine::Tensor(engine::DataType::kFloat32, {3, 5})};
  absl::Status wrong = reshapes.ToConfig({"y"}, &outputs);
  EXPECT_EQ(wrong.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(wrong.message(), HasSubstr("output 'y' does not fit its reshape [4]"));

  EXPECT_TRUE(TensorReshapes(inference::ModelConfig()).empty());
}

}  // namespace
}  // namespace convoy::server
