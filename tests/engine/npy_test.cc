#include "engine/api/npy.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "engine/api/npy_header.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace convoy::engine {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Files written by NumPy 1.24 (np.save unless noted), embedded so the test
// needs no Python. Each comment is the expression that was saved.

// np.arange(6, dtype='<f4').reshape(2, 3) / 4
constexpr char kFloat32Matrix[] =
    "\x93NUMPY\x01\x00v\x00{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3"
    "), }                                                          \n\x00\x00\x00\x00"
    "\x00\x00\x80>\x00\x00\x00\x3f\x00\x00@\x3f\x00\x00\x80\x3f\x00\x00\xa0\x3f";

// np.array([0.5, -1.25, 3.0, 1e40, 0.1])
constexpr char kFloat64Vector[] =
    "\x93NUMPY\x01\x00v\x00{'descr': '<f8', 'fortran_order': False, 'shape': (5,),"
    " }                                                            \n\x00\x00\x00\x00"
    "\x00\x00\xe0\x3f\x00\x00\x00\x00\x00\x00\xf4\xbf\x00\x00\x00\x00\x00\x00\x08@"
    "\xa5\x5c\xc3\xf1)c=H\x9a\x99\x99\x99\x99\x99\xb9\x3f";

// np.array([[1, -2], [2**31 - 1, -2**31]], dtype='<i4')
constexpr char kInt32Matrix[] =
    "\x93NUMPY\x01\x00v\x00{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2"
    "), }                                                          \n\x01\x00\x00\x00"
    "\xfe\xff\xff\xff\xff\xff\xff\x7f\x00\x00\x00\x80";

// np.array(-7, dtype='<i8')
constexpr char kInt64Scalar[] =
    "\x93NUMPY\x01\x00v\x00{'descr': '<i8', 'fortran_order': False, 'shape': (), }"
    "                                                              \n\xf9\xff\xff\xff"
    "\xff\xff\xff\xff";

// np.array([[[0, 127, 255]], [[1, 2, 3]]], dtype=np.uint8)
constexpr char kUint8Image[] =
    "\x93NUMPY\x01\x00v\x00{'descr': '|u1', 'fortran_order': False, 'shape': (2, 1"
    ", 3), }                                                       \n\x00\x7f\xff\x01"
    "\x02\x03";

// np.zeros((0, 3), dtype='<f4')
constexpr char kEmptyRows[] =
    "\x93NUMPY\x01\x00v\x00{'descr': '<f4', 'fortran_order': False, 'shape': (0, 3"
    "), }                                                          \n";

// format.write_array(f, np.array([1.5, 2.5], dtype='<f4'), version=(2, 0))
constexpr char kFloat32Version2[] =
    "\x93NUMPY\x02\x00t\x00\x00\x00{'descr': '<f4', 'fortran_order': False, 'shape"
    "': (2,), }                                                          \n\x00\x00"
    "\xc0\x3f\x00\x00 @";

// format.write_array(f, np.array([1.5, 2.5], dtype='<f4'), version=(3, 0))
constexpr char kFloat32Version3[] =
    "\x93NUMPY\x03\x00t\x00\x00\x00{'descr': '<f4', 'fortran_order': False, 'shape"
    "': (2,), }                                                          \n\x00\x00"
    "\xc0\x3f\x00\x00 @";

// np.asfortranarray(np.zeros((2, 3), dtype='<f4'))
constexpr char kFortranOrder[] =
    "\x93NUMPY\x01\x00v\x00{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3)"
    ", }                                                           \n\x00\x00\x00\x00"
    "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00";

// np.array([1, 2], dtype='>f4')
constexpr char kBigEndian[] =
    "\x93NUMPY\x01\x00v\x00{'descr': '>f4', 'fortran_order': False, 'shape': (2,),"
    " }                                                            \n\x3f\x80\x00\x00"
    "@\x00\x00\x00";

// np.save(f, np.array([None], dtype=object), allow_pickle=True)
constexpr char kObjectArray[] =
    "\x93NUMPY\x01\x00v\x00{'descr': '|O', 'fortran_order': False, 'shape': (1,), "
    "}                                                             \n\x80\x03"
    "cn"
    "umpy.core.multiarray\n_reconstruct\nq\x00"
    "cnumpy\nndarray\nq\x01K\x00\x85q\x02"
    "C\x01"
    "bq\x03\x87q\x04Rq\x05(K\x01K\x01\x85q\x06"
    "cnumpy\ndtype\nq\x07X\x02"
    "\x00\x00\x00O8q\x08\x89\x88\x87q\x09Rq\n(K\x03X\x01\x00\x00\x00|q\x0bNNNJ\xff"
    "\xff\xff\xffJ\xff\xff\xff\xffK\x3ftq\x0c"
    "b\x89]q\x0dNatq\x0e"
    "b.";

// np.array([True, False])
constexpr char kBoolArray[] =
    "\x93NUMPY\x01\x00v\x00{'descr': '|b1', 'fortran_order': False, 'shape': (2,),"
    " }                                                            \n\x01\x00";

// np.zeros(1, dtype=[('a', '<f4')])
constexpr char kStructured[] =
    "\x93NUMPY\x01\x00v\x00{'descr': [('a', '<f4')], 'fortran_order': False, 'shap"
    "e': (1,), }                                                   \n\x00\x00\x00\x00";

// The whole literal, embedded NULs included.
template <size_t N>
absl::string_view Bytes(const char (&literal)[N]) {
  return absl::string_view(literal, N - 1);
}

// A version 1.0 file with a hand-written header, for cases NumPy does not
// write itself.
std::string MakeNpy(absl::string_view header, absl::string_view data) {
  std::string out("\x93NUMPY\x01\x00", 8);
  out.push_back(static_cast<char>(header.size() & 0xFF));
  out.push_back(static_cast<char>(header.size() >> 8));
  return absl::StrCat(out, header, data);
}

void ExpectInvalid(const absl::StatusOr<Tensor>& result, absl::string_view reason) {
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument) << result.status();
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("test.npy: "));
  EXPECT_THAT(std::string(result.status().message()), HasSubstr(std::string(reason)));
}

TEST(NpyTest, ReadsFloat32MatrixWrittenByNumpy) {
  absl::StatusOr<Tensor> t = ParseNpy(Bytes(kFloat32Matrix), "test.npy");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->type(), DataType::kFloat32);
  EXPECT_THAT(t->shape(), ElementsAre(2, 3));
  EXPECT_THAT(t->values<float>(), ElementsAre(0.0f, 0.25f, 0.5f, 0.75f, 1.0f, 1.25f));
}

TEST(NpyTest, NarrowsFloat64ToFloat32) {
  absl::StatusOr<Tensor> t = ParseNpy(Bytes(kFloat64Vector), "test.npy");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->type(), DataType::kFloat32);
  EXPECT_THAT(t->shape(), ElementsAre(5));
  EXPECT_THAT(t->values<float>(),
              ElementsAre(0.5f, -1.25f, 3.0f, std::numeric_limits<float>::infinity(), 0.1f));
}

TEST(NpyTest, WidensInt32ToInt64) {
  absl::StatusOr<Tensor> t = ParseNpy(Bytes(kInt32Matrix), "test.npy");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->type(), DataType::kInt64);
  EXPECT_THAT(t->shape(), ElementsAre(2, 2));
  EXPECT_THAT(t->values<int64_t>(), ElementsAre(1, -2, 2147483647, -2147483648LL));
}

TEST(NpyTest, ReadsZeroDimensionalArray) {
  absl::StatusOr<Tensor> t = ParseNpy(Bytes(kInt64Scalar), "test.npy");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->type(), DataType::kInt64);
  EXPECT_TRUE(t->shape().empty());
  EXPECT_THAT(t->values<int64_t>(), ElementsAre(-7));
}

TEST(NpyTest, ReadsUint8) {
  absl::StatusOr<Tensor> t = ParseNpy(Bytes(kUint8Image), "test.npy");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->type(), DataType::kUint8);
  EXPECT_THAT(t->shape(), ElementsAre(2, 1, 3));
  EXPECT_THAT(t->values<uint8_t>(), ElementsAre(0, 127, 255, 1, 2, 3));
}

TEST(NpyTest, ReadsEmptyArray) {
  absl::StatusOr<Tensor> t = ParseNpy(Bytes(kEmptyRows), "test.npy");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_THAT(t->shape(), ElementsAre(0, 3));
  EXPECT_EQ(t->byte_size(), 0u);
}

TEST(NpyTest, ReadsFormatVersions2And3) {
  for (absl::string_view file : {Bytes(kFloat32Version2), Bytes(kFloat32Version3)}) {
    absl::StatusOr<Tensor> t = ParseNpy(file, "test.npy");
    ASSERT_TRUE(t.ok()) << t.status();
    EXPECT_THAT(t->shape(), ElementsAre(2));
    EXPECT_THAT(t->values<float>(), ElementsAre(1.5f, 2.5f));
  }
}

TEST(NpyTest, SerializesExactlyAsNumpySaves) {
  for (absl::string_view file :
       {Bytes(kFloat32Matrix), Bytes(kInt64Scalar), Bytes(kUint8Image), Bytes(kEmptyRows)}) {
    absl::StatusOr<Tensor> t = ParseNpy(file, "test.npy");
    ASSERT_TRUE(t.ok()) << t.status();
    EXPECT_EQ(SerializeNpy(*t), file);
  }
}

TEST(NpyTest, RoundTripsEveryTypeThroughAFile) {
  std::vector<float> floats(2 * 3 * 4 * 5);
  for (size_t i = 0; i < floats.size(); ++i) floats[i] = 0.37f * static_cast<float>(i) - 11.0f;
  Tensor uint8s(DataType::kUint8, {3});
  uint8s.data<uint8_t>()[2] = 200;
  const std::vector<Tensor> tensors = {
      Tensor::FromFloats({2, 3, 4, 5}, floats),
      Tensor::FromInt64s({4}, {std::numeric_limits<int64_t>::min(), -1, 0, 1LL << 40}),
      uint8s,
      Tensor::FromFloats({}, {42.0f}),
  };
  const std::string path = ::testing::TempDir() + "/npy_test_round_trip.npy";
  for (const Tensor& tensor : tensors) {
    ASSERT_TRUE(WriteNpy(path, tensor).ok());
    absl::StatusOr<Tensor> back = ReadNpy(path);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(back->type(), tensor.type());
    EXPECT_EQ(back->shape(), tensor.shape());
    ASSERT_EQ(back->byte_size(), tensor.byte_size());
    EXPECT_EQ(std::memcmp(back->raw_data(), tensor.raw_data(), tensor.byte_size()), 0);
  }
}

TEST(NpyTest, AlignsDataTo64Bytes) {
  const std::string bytes = SerializeNpy(Tensor(DataType::kFloat32, {1, 3, 224, 224}));
  EXPECT_EQ((bytes.size() - 1 * 3 * 224 * 224 * 4) % 64, 0u);
  EXPECT_EQ(bytes[bytes.size() - 1 * 3 * 224 * 224 * 4 - 1], '\n');
}

TEST(NpyTest, WritesVersion2WhenTheHeaderOutgrowsVersion1) {
  // 30000 dimensions of 1 make a header longer than a 16-bit length can hold.
  const Tensor tensor = Tensor::FromFloats(Shape(30000, 1), {3.5f});
  const std::string bytes = SerializeNpy(tensor);
  EXPECT_EQ(bytes[6], 2);
  absl::StatusOr<Tensor> back = ParseNpy(bytes, "test.npy");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->shape().size(), 30000u);
  EXPECT_THAT(back->values<float>(), ElementsAre(3.5f));
}

TEST(NpyTest, AcceptsHeadersNumpyWouldAccept) {
  const std::string data(8, '\0');
  for (absl::string_view header : {
           // Python 2 long integers.
           "{'descr': '<f4', 'fortran_order': False, 'shape': (2L,), }\n",
           // Any key order, double quotes, no trailing comma, no padding.
           "{\"shape\": (1, 2), \"descr\": \"<f4\", \"fortran_order\": False}",
           // Old 16-byte alignment and tabs.
           "{'descr':'<f4',\t'fortran_order':False,'shape':(2,)}   \n",
       }) {
    SCOPED_TRACE(header);
    absl::StatusOr<Tensor> t = ParseNpy(MakeNpy(header, data), "test.npy");
    ASSERT_TRUE(t.ok()) << t.status();
    EXPECT_EQ(t->num_elements(), 2);
  }
}

TEST(NpyTest, RejectsFortranOrder) {
  ExpectInvalid(ParseNpy(Bytes(kFortranOrder), "test.npy"), "Fortran-order");
}

TEST(NpyTest, RejectsBigEndian) {
  ExpectInvalid(ParseNpy(Bytes(kBigEndian), "test.npy"), "big-endian dtype '>f4'");
}

TEST(NpyTest, RejectsObjectArrays) {
  ExpectInvalid(ParseNpy(Bytes(kObjectArray), "test.npy"), "object arrays");
}

TEST(NpyTest, RejectsUnsupportedDtypes) {
  ExpectInvalid(ParseNpy(Bytes(kBoolArray), "test.npy"), "unsupported dtype '|b1'");
}

TEST(NpyTest, RejectsStructuredDtypes) {
  ExpectInvalid(ParseNpy(Bytes(kStructured), "test.npy"), "structured dtype");
}

TEST(NpyTest, RejectsTruncatedData) {
  absl::string_view file = Bytes(kFloat32Matrix);
  ExpectInvalid(ParseNpy(file.substr(0, file.size() - 1), "test.npy"),
                "truncated data: shape [2,3] of '<f4' needs 24 bytes, file has 23");
}

TEST(NpyTest, RejectsBytesAfterTheData) {
  ExpectInvalid(ParseNpy(absl::StrCat(Bytes(kFloat32Matrix), "x"), "test.npy"),
                "1 unexpected bytes after the data");
}

TEST(NpyTest, RejectsTruncatedHeader) {
  ExpectInvalid(ParseNpy(Bytes(kFloat32Matrix).substr(0, 50), "test.npy"), "truncated header");
  ExpectInvalid(ParseNpy(Bytes(kFloat32Matrix).substr(0, 9), "test.npy"), "truncated header");
}

TEST(NpyTest, RejectsFilesThatAreNotNpy) {
  ExpectInvalid(ParseNpy("PK\x03\x04 this is a zip", "test.npy"), "not an .npy file");
  ExpectInvalid(ParseNpy("", "test.npy"), "not an .npy file");
}

TEST(NpyTest, RejectsUnknownFormatVersions) {
  std::string file(Bytes(kFloat32Matrix));
  file[6] = 4;
  ExpectInvalid(ParseNpy(file, "test.npy"), "unsupported .npy format version 4.0");
}

TEST(NpyTest, RejectsShapesWhoseSizeOverflows) {
  ExpectInvalid(
      ParseNpy(
          MakeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }",
                  ""),
          "test.npy"),
      "has more elements than fit in 64 bits");
  ExpectInvalid(
      ParseNpy(
          MakeNpy("{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904,), }",
                  ""),
          "test.npy"),
      "needs more bytes than fit in 64 bits");
  ExpectInvalid(
      ParseNpy(
          MakeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }",
                  ""),
          "test.npy"),
      "integer does not fit in 64 bits");
}

TEST(NpyTest, RejectsShapesLargerThanTheFileWithoutAllocating) {
  // 4 TB declared, 8 bytes present: must fail before any allocation.
  ExpectInvalid(ParseNpy(MakeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000, "
                                 "1000000), }",
                                 std::string(8, '\0')),
                         "test.npy"),
                "needs 4000000000000 bytes, file has 8");
}

TEST(NpyTest, RejectsMalformedHeaders) {
  struct Case {
    std::string header;
    absl::string_view reason;
  };
  for (const Case& c : std::vector<Case>{
           {"", "unexpected end of header"},
           {"['descr', '<f4']", "expected a dict, found a list"},
           {"{'descr': '<f4', 'shape': (2,), }", "expected the keys"},
           {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}",
            "found 'descr', 'fortran_order', 'shape', 'x'"},
           {"{'descr': '<f4', 'descr': '<f4', 'shape': (2,)}", "duplicate key 'descr'"},
           {"{'descr': '<f4, 'fortran_order': False, 'shape': (2,), }", "expected ',' or '}'"},
           {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,), ", "unexpected end of header"},
           {"{'descr' '<f4', 'fortran_order': False, 'shape': (2,), }",
            "expected ':' after key 'descr'"},
           {"{'descr': '<f4', 'fortran_order': False 'shape': (2,), }", "expected ',' or '}'"},
           {"{'descr': '<f4', 'fortran_order': False, 'shape': (2 3), }", "expected ',' or ')'"},
           {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } extra",
            "unexpected text after"},
           {"{'descr': '<f4', 'fortran_order': 0, 'shape': (2,), }",
            "'fortran_order' must be True or False"},
           {"{'descr': 4, 'fortran_order': False, 'shape': (2,), }", "'descr' must be a string"},
           {"{'descr': '<f4', 'fortran_order': False, 'shape': [2], }", "'shape' must be a tuple"},
           {"{'descr': '<f4', 'fortran_order': False, 'shape': (2), }", "'shape' must be a tuple"},
           {"{'descr': '<f4', 'fortran_order': False, 'shape': ('2',), }",
            "'shape' entries must be integers"},
           {"{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", "negative dimension -2"},
           {"{'descr': '<f4', 'fortran_order': False, 'shape': (2.0,), }", "only decimal integers"},
           {"{'descr': '<f4', 'fortran_order': False, 'shape': (0x2,), }", "only decimal integers"},
           {"{'descr': '<f4', 'fortran_order': Falsey, 'shape': (2,), }",
            "unexpected character 'F'"},
           {"{'descr': '<f4', 'fortran_order': False, 'shape': " + std::string(100, '(') + "}",
            "nesting too deep"},
       }) {
    SCOPED_TRACE(c.header);
    ExpectInvalid(ParseNpy(MakeNpy(c.header, std::string(8, '\0')), "test.npy"), c.reason);
  }
}

TEST(NpyTest, ReadOfMissingFileIsNotFound) {
  const std::string path = ::testing::TempDir() + "/npy_test_no_such_file.npy";
  absl::StatusOr<Tensor> t = ReadNpy(path);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(t.status().message()), HasSubstr(path));
}

TEST(NpyTest, ReadNamesTheFileInContentErrors) {
  const std::string path = ::testing::TempDir() + "/npy_test_bad_magic.npy";
  ASSERT_TRUE(WriteNpy(path, Tensor::FromFloats({1}, {1.0f})).ok());
  std::FILE* f = std::fopen(path.c_str(), "r+b");
  ASSERT_NE(f, nullptr);
  std::fputc('X', f);
  std::fclose(f);
  absl::StatusOr<Tensor> t = ReadNpy(path);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(t.status().message()), HasSubstr(path + ": not an .npy file"));
}

TEST(NpyTest, WriteToMissingDirectoryFailsNamingThePath) {
  const std::string path = ::testing::TempDir() + "/no_such_dir/out.npy";
  absl::Status status = WriteNpy(path, Tensor::FromFloats({1}, {1.0f}));
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(status.message()), HasSubstr(path));
}

TEST(NpyHeaderTest, FormatsLikeNumpy) {
  NpyHeader header;
  header.descr = "<f4";
  EXPECT_EQ(FormatNpyHeader(header), "{'descr': '<f4', 'fortran_order': False, 'shape': (), }");
  header.shape = {5};
  EXPECT_EQ(FormatNpyHeader(header),
            "{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }" + std::string(20, ' '));
  header.shape = {16, 3, 224, 224};
  EXPECT_EQ(FormatNpyHeader(header),
            "{'descr': '<f4', 'fortran_order': False, 'shape': (16, 3, 224, 224), }" +
                std::string(19, ' '));
}

}  // namespace
}  // namespace convoy::engine
