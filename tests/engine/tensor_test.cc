#include "engine/api/tensor.h"

#include "gtest/gtest.h"

namespace convoy {
namespace {

TEST(TensorTest, ZeroFilledWithShape) {
  Tensor t(DataType::kFloat32, {2, 3});
  EXPECT_EQ(t.num_elements(), 6);
  EXPECT_EQ(t.byte_size(), 24u);
  for (float v : t.values<float>()) EXPECT_EQ(v, 0.0f);
}

TEST(TensorTest, ScalarHasOneElement) {
  Tensor t = Tensor::FromInt64s({}, {7});
  EXPECT_EQ(t.num_elements(), 1);
  EXPECT_EQ(t.data<int64_t>()[0], 7);
}

TEST(TensorTest, ReshapedKeepsValues) {
  Tensor t = Tensor::FromFloats({2, 2}, {1, 2, 3, 4});
  Tensor r = t.Reshaped({4});
  EXPECT_EQ(ShapeToString(r.shape()), "[4]");
  EXPECT_EQ(r.data<float>()[3], 4.0f);
}

}  // namespace
}  // namespace convoy
