#include "server/kserve/encoded_images.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace convoy::server {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string Framed(const std::string& element) {
  const uint32_t n = static_cast<uint32_t>(element.size());
  std::string out = {static_cast<char>(n & 0xff), static_cast<char>((n >> 8) & 0xff),
                     static_cast<char>((n >> 16) & 0xff), static_cast<char>(n >> 24)};
  return out + element;
}

inference::ModelInferRequest RawRequest(std::vector<int64_t> shape, const std::string& raw) {
  inference::ModelInferRequest request;
  auto* input = request.add_inputs();
  input->set_name("image");
  input->set_datatype("BYTES");
  for (int64_t d : shape) input->add_shape(d);
  request.add_raw_input_contents(raw);
  return request;
}

void ExpectInvalid(const absl::StatusOr<std::vector<absl::string_view>>& result, const std::string& fragment) {
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("input 'image'"));
  EXPECT_THAT(std::string(result.status().message()), HasSubstr(fragment));
}

TEST(EncodedImagesTest, SplitsLengthPrefixedRawContents) {
  const auto request = RawRequest({3, 1}, Framed("abc") + Framed("") + Framed("\x89PNG"));
  auto images = DecodeEncodedImages(request, 0, 8);
  ASSERT_TRUE(images.ok()) << images.status();
  EXPECT_THAT(*images, ElementsAre("abc", "", "\x89PNG"));
}

TEST(EncodedImagesTest, ReadsBytesContents) {
  inference::ModelInferRequest request;
  auto* input = request.add_inputs();
  input->set_name("image");
  input->set_datatype("BYTES");
  input->add_shape(2);
  input->mutable_contents()->add_bytes_contents("one");
  input->mutable_contents()->add_bytes_contents("two");
  auto images = DecodeEncodedImages(request, 0, 8);
  ASSERT_TRUE(images.ok()) << images.status();
  EXPECT_THAT(*images, ElementsAre("one", "two"));

  input->mutable_contents()->add_fp32_contents(1.0f);
  ExpectInvalid(DecodeEncodedImages(request, 0, 8), "use bytes_contents");
  input->mutable_contents()->clear_fp32_contents();
  input->set_shape(0, 3);
  ExpectInvalid(DecodeEncodedImages(request, 0, 8), "has 2 entries in bytes_contents but shape [3] needs 3");
}

TEST(EncodedImagesTest, RejectsBadFraming) {
  ExpectInvalid(DecodeEncodedImages(RawRequest({2}, Framed("abc")), 0, 8), "ends before the length of element 1");
  ExpectInvalid(DecodeEncodedImages(RawRequest({1}, Framed("abc").substr(0, 5)), 0, 8),
                "element 0 declares 3 bytes but only 1 remain");
  ExpectInvalid(DecodeEncodedImages(RawRequest({1}, "\xff\xff\xff\xff" + std::string("x")), 0, 8),
                "declares 4294967295 bytes");
  ExpectInvalid(DecodeEncodedImages(RawRequest({1}, Framed("abc") + "zz"), 0, 8),
                "2 bytes follow the last of its 1 elements");
  ExpectInvalid(DecodeEncodedImages(RawRequest({1}, "ab"), 0, 8), "ends before the length of element 0");
}

TEST(EncodedImagesTest, RejectsShapesThatAreNotOneImagePerItem) {
  ExpectInvalid(DecodeEncodedImages(RawRequest({1, 2}, Framed("a") + Framed("b")), 0, 8), "shape [N] or [N,1]");
  ExpectInvalid(DecodeEncodedImages(RawRequest({}, ""), 0, 8), "BYTES shape []");
  ExpectInvalid(DecodeEncodedImages(RawRequest({0}, ""), 0, 8), "BYTES shape [0]");
  ExpectInvalid(DecodeEncodedImages(RawRequest({9}, ""), 0, 8), "batch size 9 is above max_batch_size 8");
}

}  // namespace
}  // namespace convoy::server
