#include "engine/onnx/tensor_proto.h"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace convoy::engine {
namespace {

using onnx::TensorProto;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TensorProto MakeProto(TensorProto::DataType type, std::vector<int64_t> dims) {
  TensorProto proto;
  proto.set_data_type(type);
  for (int64_t d : dims) proto.add_dims(d);
  return proto;
}

template <typename T>
std::string RawBytes(const std::vector<T>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
}

TEST(TensorFromProtoTest, ReadsFloatFromRawData) {
  TensorProto proto = MakeProto(TensorProto::FLOAT, {2, 2});
  proto.set_raw_data(RawBytes<float>({1.5f, -2.0f, 0.0f, 3.25f}));
  absl::StatusOr<Tensor> t = TensorFromProto(proto, "test");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->type(), DataType::kFloat32);
  EXPECT_EQ(t->shape(), (Shape{2, 2}));
  EXPECT_THAT(t->values<float>(), ElementsAre(1.5f, -2.0f, 0.0f, 3.25f));
}

TEST(TakeTensorFromProtoTest, MovesRawDataOutOfTheProto) {
  std::vector<float> values(1000);
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i) * 0.5f;
  TensorProto proto = MakeProto(TensorProto::FLOAT, {10, 100});
  proto.set_raw_data(RawBytes<float>(values));
  const void* buffer = proto.raw_data().data();
  absl::StatusOr<Tensor> t = TakeTensorFromProto(&proto, "test");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->raw_data(), buffer);
  EXPECT_TRUE(proto.raw_data().empty());
  EXPECT_EQ(t->shape(), (Shape{10, 100}));
  EXPECT_EQ(t->data<float>()[999], 499.5f);
}

TEST(TakeTensorFromProtoTest, ChecksSizesAsTensorFromProtoDoes) {
  TensorProto proto = MakeProto(TensorProto::FLOAT, {3});
  proto.set_raw_data(RawBytes<float>({1.0f, 2.0f}));
  absl::StatusOr<Tensor> t = TakeTensorFromProto(&proto, "test");
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(), HasSubstr("raw_data holds 8 bytes"));
  EXPECT_EQ(proto.raw_data().size(), 8u);  // Left as it was.
}

TEST(TensorFromProtoTest, ReadsFloatFromFloatData) {
  TensorProto proto = MakeProto(TensorProto::FLOAT, {3});
  for (float v : {1.0f, 2.0f, 3.0f}) proto.add_float_data(v);
  absl::StatusOr<Tensor> t = TensorFromProto(proto, "test");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_THAT(t->values<float>(), ElementsAre(1.0f, 2.0f, 3.0f));
}

TEST(TensorFromProtoTest, ReadsInt64FromRawDataAndInt64Data) {
  TensorProto raw = MakeProto(TensorProto::INT64, {2});
  raw.set_raw_data(RawBytes<int64_t>({-1, int64_t{1} << 40}));
  absl::StatusOr<Tensor> a = TensorFromProto(raw, "test");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->type(), DataType::kInt64);
  EXPECT_THAT(a->values<int64_t>(), ElementsAre(-1, int64_t{1} << 40));

  TensorProto typed = MakeProto(TensorProto::INT64, {2});
  typed.add_int64_data(7);
  typed.add_int64_data(-8);
  absl::StatusOr<Tensor> b = TensorFromProto(typed, "test");
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_THAT(b->values<int64_t>(), ElementsAre(7, -8));
}

TEST(TensorFromProtoTest, ScalarHasEmptyShape) {
  TensorProto proto = MakeProto(TensorProto::FLOAT, {});
  proto.add_float_data(4.0f);
  absl::StatusOr<Tensor> t = TensorFromProto(proto, "test");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_TRUE(t->shape().empty());
  EXPECT_THAT(t->values<float>(), ElementsAre(4.0f));
}

TEST(TensorFromProtoTest, AcceptsTensorWithZeroSizedDimension) {
  TensorProto proto = MakeProto(TensorProto::INT64, {0, 3});
  absl::StatusOr<Tensor> t = TensorFromProto(proto, "test");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->shape(), (Shape{0, 3}));
  EXPECT_EQ(t->num_elements(), 0);
}

TEST(TensorFromProtoTest, WidensInt32FromRawAndTypedData) {
  TensorProto raw = MakeProto(TensorProto::INT32, {2});
  raw.set_raw_data(RawBytes<int32_t>({-5, 2147483647}));
  absl::StatusOr<Tensor> a = TensorFromProto(raw, "test");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->type(), DataType::kInt64);
  EXPECT_THAT(a->values<int64_t>(), ElementsAre(-5, 2147483647));

  TensorProto typed = MakeProto(TensorProto::INT32, {1});
  typed.add_int32_data(-9);
  absl::StatusOr<Tensor> b = TensorFromProto(typed, "test");
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_THAT(b->values<int64_t>(), ElementsAre(-9));
}

TEST(TensorFromProtoTest, WidensNarrowIntegersKeepingSign) {
  TensorProto int8 = MakeProto(TensorProto::INT8, {2});
  int8.set_raw_data(RawBytes<int8_t>({-128, 127}));
  absl::StatusOr<Tensor> a = TensorFromProto(int8, "test");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_THAT(a->values<int64_t>(), ElementsAre(-128, 127));

  TensorProto uint8 = MakeProto(TensorProto::UINT8, {2});
  uint8.set_raw_data(RawBytes<uint8_t>({0, 255}));
  absl::StatusOr<Tensor> b = TensorFromProto(uint8, "test");
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_THAT(b->values<int64_t>(), ElementsAre(0, 255));

  TensorProto int16 = MakeProto(TensorProto::INT16, {1});
  int16.set_raw_data(RawBytes<int16_t>({-300}));
  absl::StatusOr<Tensor> c = TensorFromProto(int16, "test");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_THAT(c->values<int64_t>(), ElementsAre(-300));
}

TEST(TensorFromProtoTest, WidensBoolToZeroOrOne) {
  TensorProto proto = MakeProto(TensorProto::BOOL, {3});
  proto.set_raw_data(RawBytes<uint8_t>({0, 1, 2}));
  absl::StatusOr<Tensor> t = TensorFromProto(proto, "test");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_THAT(t->values<int64_t>(), ElementsAre(0, 1, 1));
}

TEST(TensorFromProtoTest, RejectsRawDataLengthThatDoesNotMatchDims) {
  TensorProto proto = MakeProto(TensorProto::FLOAT, {2, 3});
  proto.set_raw_data(RawBytes<float>({1.0f, 2.0f}));
  absl::StatusOr<Tensor> t = TensorFromProto(proto, "initializer 'conv1.weight'");
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(t.status().message(), HasSubstr("initializer 'conv1.weight'"));
  EXPECT_THAT(t.status().message(), HasSubstr("raw_data holds 8 bytes"));
  EXPECT_THAT(t.status().message(), HasSubstr("[2,3]"));
}

TEST(TensorFromProtoTest, RejectsTypedValueCountThatDoesNotMatchDims) {
  TensorProto proto = MakeProto(TensorProto::INT64, {4});
  proto.add_int64_data(1);
  absl::StatusOr<Tensor> t = TensorFromProto(proto, "initializer 'shape'");
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(t.status().message(), HasSubstr("int64_data holds 1 values"));
}

TEST(TensorFromProtoTest, RejectsMissingDataForNonEmptyTensor) {
  TensorProto proto = MakeProto(TensorProto::FLOAT, {2});
  EXPECT_EQ(TensorFromProto(proto, "test").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(TensorFromProtoTest, RejectsNegativeDimension) {
  TensorProto proto = MakeProto(TensorProto::FLOAT, {2, -1});
  absl::StatusOr<Tensor> t = TensorFromProto(proto, "initializer 'w'");
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(t.status().message(), HasSubstr("initializer 'w': negative dimension"));
}

TEST(TensorFromProtoTest, RejectsElementCountOverflow) {
  TensorProto proto = MakeProto(TensorProto::FLOAT, {int64_t{1} << 32, int64_t{1} << 32});
  absl::StatusOr<Tensor> t = TensorFromProto(proto, "initializer 'w'");
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(t.status().message(), HasSubstr("overflows"));
}

TEST(TensorFromProtoTest, RejectsBothRawAndTypedData) {
  TensorProto proto = MakeProto(TensorProto::FLOAT, {1});
  proto.set_raw_data(RawBytes<float>({1.0f}));
  proto.add_float_data(1.0f);
  EXPECT_EQ(TensorFromProto(proto, "test").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(TensorFromProtoTest, RejectsUndefinedDataType) {
  TensorProto proto = MakeProto(TensorProto::UNDEFINED, {1});
  EXPECT_EQ(TensorFromProto(proto, "test").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(TensorFromProtoTest, DoubleIsUnimplementedNamingDtypeAndContext) {
  TensorProto proto = MakeProto(TensorProto::DOUBLE, {1});
  proto.add_double_data(1.0);
  absl::StatusOr<Tensor> t = TensorFromProto(proto, "initializer 'scale'");
  EXPECT_EQ(t.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(t.status().message(), HasSubstr("initializer 'scale'"));
  EXPECT_THAT(t.status().message(), HasSubstr("dtype DOUBLE"));
}

TEST(TensorFromProtoTest, OtherElementTypesAreUnimplemented) {
  for (TensorProto::DataType type :
       {TensorProto::FLOAT16, TensorProto::BFLOAT16, TensorProto::STRING, TensorProto::UINT16,
        TensorProto::UINT32, TensorProto::UINT64, TensorProto::COMPLEX64}) {
    TensorProto proto = MakeProto(type, {0});
    absl::StatusOr<Tensor> t = TensorFromProto(proto, "test");
    EXPECT_EQ(t.status().code(), absl::StatusCode::kUnimplemented) << DataTypeNameOf(type);
    EXPECT_THAT(t.status().message(), HasSubstr(DataTypeNameOf(type)));
  }
}

TEST(TensorFromProtoTest, ExternalDataIsUnimplemented) {
  TensorProto proto = MakeProto(TensorProto::FLOAT, {1024});
  proto.set_data_location(TensorProto::EXTERNAL);
  auto* entry = proto.add_external_data();
  entry->set_key("location");
  entry->set_value("weights.bin");
  absl::StatusOr<Tensor> t = TensorFromProto(proto, "initializer 'fc.weight'");
  EXPECT_EQ(t.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(t.status().message(), HasSubstr("initializer 'fc.weight'"));
  EXPECT_THAT(t.status().message(), HasSubstr("external data"));
}

TEST(DataTypeNameOfTest, NamesKnownTypesAndMarksUnknownOnes) {
  EXPECT_EQ(DataTypeNameOf(TensorProto::FLOAT), "FLOAT");
  EXPECT_EQ(DataTypeNameOf(TensorProto::DOUBLE), "DOUBLE");
  EXPECT_EQ(DataTypeNameOf(TensorProto::BFLOAT16), "BFLOAT16");
  EXPECT_EQ(DataTypeNameOf(999), "UNKNOWN(999)");
}

class ReadTensorProtoFileTest : public ::testing::Test {
 protected:
  std::string WriteFile(const std::string& name, const std::string& bytes) {
    std::string path = ::testing::TempDir() + "/" + name;
    std::ofstream(path, std::ios::binary) << bytes;
    paths_.push_back(path);
    return path;
  }
  void TearDown() override {
    for (const std::string& path : paths_) std::remove(path.c_str());
  }

 private:
  std::vector<std::string> paths_;
};

TEST_F(ReadTensorProtoFileTest, ReadsSerializedTensorProto) {
  TensorProto proto = MakeProto(TensorProto::FLOAT, {1, 2});
  proto.set_name("x");
  proto.set_raw_data(RawBytes<float>({0.5f, 0.25f}));
  std::string path = WriteFile("tensor_proto_test_input_0.pb", proto.SerializeAsString());
  absl::StatusOr<Tensor> t = ReadTensorProtoFile(path);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->shape(), (Shape{1, 2}));
  EXPECT_THAT(t->values<float>(), ElementsAre(0.5f, 0.25f));
}

TEST_F(ReadTensorProtoFileTest, MissingFileIsNotFound) {
  absl::StatusOr<Tensor> t = ReadTensorProtoFile(::testing::TempDir() + "/no_such_tensor.pb");
  EXPECT_EQ(t.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(t.status().message(), HasSubstr("no_such_tensor.pb"));
}

TEST_F(ReadTensorProtoFileTest, GarbageIsInvalidArgumentNamingPath) {
  std::string path = WriteFile("tensor_proto_test_garbage.pb", "\xff\xff\xff\xff not a proto");
  absl::StatusOr<Tensor> t = ReadTensorProtoFile(path);
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(t.status().message(), HasSubstr(path));
}

TEST_F(ReadTensorProtoFileTest, ReadsOnnxBackendTestData) {
  const std::string path =
      "/usr/share/libonnx-testdata/data/node/test_relu/test_data_set_0/input_0.pb";
  if (!std::ifstream(path)) GTEST_SKIP() << "ONNX test data not installed: " << path;
  absl::StatusOr<Tensor> t = ReadTensorProtoFile(path);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->type(), DataType::kFloat32);
  EXPECT_EQ(t->shape(), (Shape{3, 4, 5}));
}

}  // namespace
}  // namespace convoy::engine
