#include "engine/api/tensor.h"

#include "gtest/gtest.h"

namespace convoy::engine {
namespace {

TEST(TensorTest, ZeroFilledWithShape) {
  Tensor t(DataType::kFloat32, {2, 3});
  EXPECT_EQ(t.num_elements(), 6);
  EXPECT_EQ(t.byte_size(), 24u);
  for (float v : t.values<float>()) EXPECT_EQ(v, 0.0f);
}

TEST(TensorTest, FromBytesAdoptsTheBuffer) {
  std::string bytes(4096, '\0');
  float* values = reinterpret_cast<float*>(bytes.data());
  values[0] = 1.5f;
  values[1023] = -2.0f;
  const void* buffer = bytes.data();
  Tensor t = Tensor::FromBytes(DataType::kFloat32, {32, 32}, std::move(bytes));
  EXPECT_EQ(t.raw_data(), buffer);  // Moved, not copied.
  EXPECT_EQ(t.byte_size(), 4096u);
  EXPECT_EQ(t.data<float>()[0], 1.5f);
  EXPECT_EQ(t.data<float>()[1023], -2.0f);
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
}  // namespace convoy::engine
