// What DecodeImage refuses, and that it says why: every error is
// InvalidArgument and names the problem. Truncations and corruptions are
// cut from images encoded in the test (test_images.h).
#include <turbojpeg.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "engine/preprocess/image_decoder.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/engine/testing/test_images.h"

namespace convoy::engine {
namespace {

using ::convoy::engine::testing_images::Deflate;
using ::convoy::engine::testing_images::EncodeCmykJpeg;
using ::convoy::engine::testing_images::EncodeJpeg;
using ::convoy::engine::testing_images::EncodePng;
using ::convoy::engine::testing_images::GradientImage;
using ::convoy::engine::testing_images::IhdrData;
using ::convoy::engine::testing_images::kPngSignature;
using ::convoy::engine::testing_images::PngChunk;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

void ExpectRefused(const std::string& bytes, const ::testing::Matcher<std::string>& message,
                   const DecodeLimits& limits = {}) {
  for (ColorSpace color : {ColorSpace::kGray, ColorSpace::kRgb}) {
    absl::StatusOr<Image> image = DecodeImage(bytes, color, limits);
    ASSERT_FALSE(image.ok()) << "decoded " << bytes.size() << " bytes";
    EXPECT_EQ(image.status().code(), absl::StatusCode::kInvalidArgument) << image.status();
    EXPECT_THAT(std::string(image.status().message()), message);
  }
}

std::string SmallPng() { return EncodePng(GradientImage(16, 20, 3)); }
std::string SmallJpeg() { return EncodeJpeg(GradientImage(32, 40, 3), 90, TJSAMP_420); }

// Where the chunk of `type` starts (its length field), or npos.
size_t FindChunk(const std::string& png, absl::string_view type) {
  return png.find(std::string(type)) - 4;
}

// Where the JPEG marker FF xx starts.
size_t FindMarker(const std::string& jpeg, unsigned char marker) {
  return jpeg.find(std::string{'\xFF', static_cast<char>(marker)});
}

TEST(ImageDecodeErrorsTest, EmptyInputIsRefused) { ExpectRefused("", "empty image"); }

TEST(ImageDecodeErrorsTest, UnknownFormatsAreRefusedWithTheirFirstBytes) {
  ExpectRefused("GIF89a\x01\x00\x01\x00", "not a JPEG or PNG image (starts with 47 49 46 38)");
  ExpectRefused("hello world", "not a JPEG or PNG image (starts with 68 65 6C 6C)");
  ExpectRefused("BM", "not a JPEG or PNG image (starts with 42 4D)");
  // Signatures cut short are not recognised either.
  ExpectRefused(std::string("\xFF\xD8", 2), HasSubstr("not a JPEG or PNG image"));
  ExpectRefused(SmallPng().substr(0, 7), HasSubstr("starts with 89 50 4E 47"));
}

TEST(ImageDecodeErrorsTest, OversizedEncodedInputIsRefused) {
  const std::string png = SmallPng();
  DecodeLimits limits;
  limits.max_encoded_bytes = static_cast<int64_t>(png.size()) - 1;
  ExpectRefused(png,
                absl::StrCat("encoded image of ", png.size(), " bytes exceeds the limit of ",
                             png.size() - 1, " bytes"),
                limits);
  limits.max_encoded_bytes = static_cast<int64_t>(png.size());
  EXPECT_TRUE(DecodeImage(png, ColorSpace::kRgb, limits).ok());
}

TEST(ImageDecodeErrorsTest, TruncatedPngIsRefusedWhereverItIsCut) {
  const std::string png = SmallPng();
  const size_t idat = FindChunk(png, "IDAT");
  const size_t iend = FindChunk(png, "IEND");
  for (size_t cut : {size_t{8}, size_t{20}, size_t{33}, idat + 4, idat + 20, (idat + iend) / 2,
                     iend, png.size() - 1}) {
    SCOPED_TRACE(absl::StrCat("cut at ", cut, " of ", png.size()));
    ExpectRefused(png.substr(0, cut), StartsWith("truncated PNG: the data ends after"));
  }
}

TEST(ImageDecodeErrorsTest, PngWithFlippedBytesIsRefusedAsCorrupt) {
  const std::string png = SmallPng();
  const size_t idat = FindChunk(png, "IDAT");
  const size_t iend = FindChunk(png, "IEND");
  std::string damaged = png;
  damaged[idat + 8 + 10] ^= 0x5A;  // Image data: zlib notices before the CRC is checked.
  ExpectRefused(damaged, StartsWith("corrupt PNG: "));
  damaged = png;
  damaged[iend - 2] ^= 0x01;  // The image data's CRC itself.
  ExpectRefused(damaged, AllOf(StartsWith("corrupt PNG: "), HasSubstr("CRC")));
  damaged = png;
  damaged[8 + 8 + 3] ^= 0x01;  // The width in IHDR.
  ExpectRefused(damaged, AllOf(StartsWith("corrupt PNG: "), HasSubstr("CRC")));
}

TEST(ImageDecodeErrorsTest, PngWithBrokenImageDataIsRefusedAsCorrupt) {
  // Valid chunks and CRCs around data that is not what IHDR promises.
  const std::string ihdr = PngChunk("IHDR", IhdrData(8, 8, 8, PNG_COLOR_TYPE_GRAY));
  const std::string iend = PngChunk("IEND", "");
  const std::string not_zlib = "\x12\x34\x56\x78 not a zlib stream";
  ExpectRefused(absl::StrCat(kPngSignature, ihdr, PngChunk("IDAT", not_zlib), iend),
                StartsWith("corrupt PNG: "));
  const std::string too_short = Deflate(std::string(3 * 9, '\0'));  // 3 of 8 rows.
  ExpectRefused(absl::StrCat(kPngSignature, ihdr, PngChunk("IDAT", too_short), iend),
                AllOf(StartsWith("corrupt PNG: "), HasSubstr("Not enough image data")));
  ExpectRefused(absl::StrCat(kPngSignature, PngChunk("IHDR", IhdrData(0, 8, 8, 0)), iend),
                StartsWith("corrupt PNG: "));
  ExpectRefused(absl::StrCat(kPngSignature, PngChunk("IHDR", IhdrData(8, 8, 3, 2)), iend),
                StartsWith("corrupt PNG: "));  // RGB cannot have 3 bits.
}

TEST(ImageDecodeErrorsTest, TruncatedJpegIsRefusedWhereverItIsCut) {
  const std::string jpeg = SmallJpeg();
  const size_t sos = FindMarker(jpeg, 0xDA);
  ASSERT_NE(sos, std::string::npos);
  const size_t scan = sos + 2 + (uint8_t(jpeg[sos + 2]) << 8 | uint8_t(jpeg[sos + 3]));
  for (size_t cut :
       {size_t{3}, size_t{20}, sos, scan, scan + 10, (scan + jpeg.size()) / 2, jpeg.size() - 2}) {
    SCOPED_TRACE(absl::StrCat("cut at ", cut, " of ", jpeg.size()));
    ExpectRefused(jpeg.substr(0, cut), StartsWith("truncated JPEG: "));
  }
}

TEST(ImageDecodeErrorsTest, JpegWithDamagedDataIsRefusedAsCorrupt) {
  const std::string jpeg = SmallJpeg();
  const size_t sos = FindMarker(jpeg, 0xDA);
  const size_t middle = (sos + jpeg.size()) / 2;
  // A marker in the middle of the entropy-coded data.
  std::string damaged = jpeg;
  damaged[middle] = '\xFF';
  damaged[middle + 1] = '\xD0';
  ExpectRefused(damaged, StartsWith("corrupt JPEG: "));
  // A frame header that names an unknown component count.
  damaged = jpeg;
  const size_t sof = FindMarker(jpeg, 0xC0);
  ASSERT_NE(sof, std::string::npos);
  damaged[sof + 9] = 7;
  ExpectRefused(damaged, StartsWith("corrupt JPEG: "));
  // Tables and an end-of-image marker, but no frame.
  ExpectRefused(jpeg.substr(0, sof) + "\xFF\xD9", "corrupt JPEG: no frame header (only tables)");
}

TEST(ImageDecodeErrorsTest, CmykJpegIsRefused) {
  ExpectRefused(EncodeCmykJpeg(8, 8), HasSubstr("CMYK JPEG images are not supported"));
}

TEST(ImageDecodeErrorsTest, PngDecompressionBombIsRefusedBeforeDecoding) {
  // A valid 50000x50000 header and an IDAT far too small for it: had the
  // decoder started, the error would be "Not enough image data" instead.
  const std::string bomb =
      absl::StrCat(kPngSignature, PngChunk("IHDR", IhdrData(50000, 40000, 8, 0)),
                   PngChunk("IDAT", Deflate(std::string(1000, '\0'))), PngChunk("IEND", ""));
  ASSERT_LT(bomb.size(), 100u);
  ExpectRefused(bomb, "image of 40000x50000 pixels exceeds the limit of 16777216 pixels");
}

TEST(ImageDecodeErrorsTest, PixelLimitIsTheOnlyLimitOnASide) {
  // libpng by itself refuses widths above 10^6 with its own message; here a
  // 1x2000000 strip is within the pixel limit and decodes.
  const std::string row = std::string(1, '\0') + std::string(2000000, '\x80');  // Filter 0.
  const std::string strip =
      absl::StrCat(kPngSignature, PngChunk("IHDR", IhdrData(2000000, 1, 8, 0)),
                   PngChunk("IDAT", Deflate(row)), PngChunk("IEND", ""));
  absl::StatusOr<Image> image = DecodeImage(strip, ColorSpace::kGray, {});
  ASSERT_TRUE(image.ok()) << image.status();
  EXPECT_EQ(image->width, 2000000);
  EXPECT_EQ(image->pixels[1999999], 0x80);
  DecodeLimits limits;
  limits.max_pixels = 1000000;
  ExpectRefused(strip, "image of 1x2000000 pixels exceeds the limit of 1000000 pixels", limits);
}

TEST(ImageDecodeErrorsTest, RealPngAboveALowerPixelLimitIsRefused) {
  // 1000x1000 zeros compress to about a kilobyte.
  testing_images::PngPicture zeros;
  zeros.width = 1000;
  zeros.height = 1000;
  zeros.color_type = PNG_COLOR_TYPE_GRAY;
  zeros.samples.assign(1000 * 1000, 0);
  const std::string png = EncodePng(zeros);
  ASSERT_LT(png.size(), 4096u);
  DecodeLimits limits;
  limits.max_pixels = 999999;
  ExpectRefused(png, "image of 1000x1000 pixels exceeds the limit of 999999 pixels", limits);
  limits.max_pixels = 1000000;
  absl::StatusOr<Image> image = DecodeImage(png, ColorSpace::kGray, limits);
  ASSERT_TRUE(image.ok()) << image.status();
  EXPECT_EQ(image->pixels.size(), 1000000u);
}

TEST(ImageDecodeErrorsTest, JpegDecompressionBombIsRefusedBeforeDecoding) {
  std::string jpeg = SmallJpeg();
  const size_t sof = FindMarker(jpeg, 0xC0);
  ASSERT_NE(sof, std::string::npos);
  // SOF0: FF C0, length (2), precision (1), height (2), width (2).
  jpeg[sof + 5] = '\xEA';  // 60000 = 0xEA60
  jpeg[sof + 6] = '\x60';
  jpeg[sof + 7] = '\xEA';
  jpeg[sof + 8] = '\x60';
  ExpectRefused(jpeg, "image of 60000x60000 pixels exceeds the limit of 16777216 pixels");
}

// ReadImageSize reads headers only, and reports what DecodeImage would
// before decoding pixels, in the same words.
TEST(ReadImageSizeTest, GivesTheSizeDecodingWould) {
  for (const std::string& encoded : {SmallPng(), SmallJpeg(), EncodeJpeg(GradientImage(7, 300, 1), 80, TJSAMP_GRAY)}) {
    absl::StatusOr<ImageSize> size = ReadImageSize(encoded, {});
    ASSERT_TRUE(size.ok()) << size.status();
    absl::StatusOr<Image> image = DecodeImage(encoded, ColorSpace::kRgb, {});
    ASSERT_TRUE(image.ok()) << image.status();
    EXPECT_EQ(size->height, image->height);
    EXPECT_EQ(size->width, image->width);
  }
}

TEST(ReadImageSizeTest, RefusesWhatDecodingRefusesBeforeThePixels) {
  const std::string bomb =
      absl::StrCat(kPngSignature, PngChunk("IHDR", IhdrData(50000, 40000, 8, 0)),
                   PngChunk("IDAT", Deflate(std::string(1000, '\0'))), PngChunk("IEND", ""));
  DecodeLimits small;
  small.max_encoded_bytes = 10;
  const std::vector<std::pair<std::string, DecodeLimits>> cases = {
      {"", {}}, {"GIF89a", {}}, {SmallPng(), small}, {EncodeCmykJpeg(8, 8), {}}, {bomb, {}},
      {SmallJpeg().substr(0, 20), {}}, {SmallPng().substr(0, 20), {}}};
  for (const auto& [encoded, limits] : cases) {
    absl::StatusOr<ImageSize> size = ReadImageSize(encoded, limits);
    absl::StatusOr<Image> image = DecodeImage(encoded, ColorSpace::kRgb, limits);
    ASSERT_FALSE(size.ok()) << encoded.size() << " bytes";
    ASSERT_FALSE(image.ok());
    EXPECT_EQ(size.status(), image.status());
  }
}

TEST(ReadImageSizeTest, DoesNotLookAtThePixelData) {
  // A valid header, then image data cut short: decoding fails, the size is
  // known all the same.
  const std::string png = SmallPng();
  const std::string cut = png.substr(0, FindChunk(png, "IDAT") + 12);
  EXPECT_FALSE(DecodeImage(cut, ColorSpace::kRgb, {}).ok());
  absl::StatusOr<ImageSize> size = ReadImageSize(cut, {});
  ASSERT_TRUE(size.ok()) << size.status();
  EXPECT_EQ(size->height, 16);
  EXPECT_EQ(size->width, 20);
}

}  // namespace
}  // namespace convoy::engine
