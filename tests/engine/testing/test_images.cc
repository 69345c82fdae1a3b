#include "tests/engine/testing/test_images.h"

#include <turbojpeg.h>
#include <zlib.h>

#include <csetjmp>
#include <cstddef>
#include <cstring>

#include "gtest/gtest.h"

namespace convoy::engine {
namespace testing_images {
namespace {

int SamplesPerPixel(int color_type) {
  switch (color_type) {
    case PNG_COLOR_TYPE_GRAY:
    case PNG_COLOR_TYPE_PALETTE:
      return 1;
    case PNG_COLOR_TYPE_GRAY_ALPHA:
      return 2;
    case PNG_COLOR_TYPE_RGB:
      return 3;
    default:
      return 4;
  }
}

// Rows as libpng wants them: sub-byte samples packed from the high bit,
// 16-bit samples big-endian.
std::vector<uint8_t> PackRows(const PngPicture& p, size_t row_bytes) {
  const int per_row = p.width * SamplesPerPixel(p.color_type);
  std::vector<uint8_t> rows(row_bytes * p.height, 0);
  for (int y = 0; y < p.height; ++y) {
    uint8_t* row = &rows[y * row_bytes];
    for (int i = 0; i < per_row; ++i) {
      const uint16_t v = p.samples[static_cast<size_t>(y) * per_row + i];
      if (p.bit_depth == 16) {
        row[2 * i] = static_cast<uint8_t>(v >> 8);
        row[2 * i + 1] = static_cast<uint8_t>(v & 0xFF);
      } else if (p.bit_depth == 8) {
        row[i] = static_cast<uint8_t>(v);
      } else {
        const int bit = i * p.bit_depth;
        row[bit / 8] |= static_cast<uint8_t>(v << (8 - p.bit_depth - bit % 8));
      }
    }
  }
  return rows;
}

void AppendToString(png_structp png, png_bytep data, size_t length) {
  static_cast<std::string*>(png_get_io_ptr(png))->append(reinterpret_cast<char*>(data), length);
}

void Flush(png_structp) {}

// libpng's longjmp lands here; nothing with a destructor lives in this frame.
bool WritePng(png_structp png, png_infop info, const PngPicture* p, std::string* out,
              png_bytepp rows) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_set_write_fn(png, out, AppendToString, Flush);
  png_set_IHDR(png, info, p->width, p->height, p->bit_depth, p->color_type,
               p->interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (!p->palette.empty()) {
    png_set_PLTE(png, info, p->palette.data(), static_cast<int>(p->palette.size()));
  }
  if (!p->palette_alpha.empty()) {
    png_set_tRNS(png, info, p->palette_alpha.data(), static_cast<int>(p->palette_alpha.size()),
                 nullptr);
  }
  if (p->transparent_color) {
    png_color_16 color = *p->transparent_color;
    png_set_tRNS(png, info, nullptr, 0, &color);
  }
  png_write_info(png, info);
  png_write_image(png, rows);  // Interlacing passes included.
  png_write_end(png, nullptr);
  return true;
}

}  // namespace

std::string EncodePng(const PngPicture& picture) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  const size_t row_bytes = (static_cast<size_t>(picture.width) *
                                SamplesPerPixel(picture.color_type) * picture.bit_depth +
                            7) /
                           8;
  std::vector<uint8_t> rows = PackRows(picture, row_bytes);
  std::vector<png_bytep> row_pointers(picture.height);
  for (int y = 0; y < picture.height; ++y) row_pointers[y] = &rows[y * row_bytes];
  std::string out;
  const bool ok = WritePng(png, info, &picture, &out, row_pointers.data());
  png_destroy_write_struct(&png, &info);
  EXPECT_TRUE(ok) << "libpng could not write the test image";
  return ok ? out : "";
}

std::string EncodePng(const Image& image) {
  PngPicture p;
  p.width = image.width;
  p.height = image.height;
  p.color_type = image.channels == 1   ? PNG_COLOR_TYPE_GRAY
                 : image.channels == 3 ? PNG_COLOR_TYPE_RGB
                                       : PNG_COLOR_TYPE_RGB_ALPHA;
  p.samples.assign(image.pixels.begin(), image.pixels.end());
  return EncodePng(p);
}

std::string EncodeJpeg(const Image& image, int quality, int subsampling, bool progressive) {
  tjhandle handle = tjInitCompress();
  unsigned char* jpeg = nullptr;
  unsigned long size = 0;  // NOLINT(runtime/int): the TurboJPEG API's type.
  const bool gray = image.channels == 1;
  const int flags = TJFLAG_ACCURATEDCT | (progressive ? TJFLAG_PROGRESSIVE : 0);
  const int rc = tjCompress2(handle, image.pixels.data(), image.width, image.width * image.channels,
                             image.height, gray ? TJPF_GRAY : TJPF_RGB, &jpeg, &size,
                             gray ? TJSAMP_GRAY : subsampling, quality, flags);
  EXPECT_EQ(rc, 0) << tjGetErrorStr2(handle);
  std::string out = rc == 0 ? std::string(reinterpret_cast<char*>(jpeg), size) : "";
  tjFree(jpeg);
  tjDestroy(handle);
  return out;
}

std::string EncodeCmykJpeg(int height, int width) {
  std::vector<uint8_t> cmyk(static_cast<size_t>(height) * width * 4);
  for (size_t i = 0; i < cmyk.size(); ++i) cmyk[i] = static_cast<uint8_t>(i * 7);
  tjhandle handle = tjInitCompress();
  unsigned char* jpeg = nullptr;
  unsigned long size = 0;  // NOLINT(runtime/int): the TurboJPEG API's type.
  const int rc = tjCompress2(handle, cmyk.data(), width, width * 4, height, TJPF_CMYK, &jpeg, &size,
                             TJSAMP_444, 90, 0);
  EXPECT_EQ(rc, 0) << tjGetErrorStr2(handle);
  std::string out = rc == 0 ? std::string(reinterpret_cast<char*>(jpeg), size) : "";
  tjFree(jpeg);
  tjDestroy(handle);
  return out;
}

std::string PngChunk(absl::string_view type, absl::string_view data) {
  std::string chunk;
  const uint32_t length = static_cast<uint32_t>(data.size());
  for (int shift = 24; shift >= 0; shift -= 8) chunk.push_back(static_cast<char>(length >> shift));
  chunk.append(type.data(), type.size());
  chunk.append(data.data(), data.size());
  uLong crc = crc32(0L, Z_NULL, 0);
  crc = crc32(crc, reinterpret_cast<const Bytef*>(chunk.data() + 4), chunk.size() - 4);
  for (int shift = 24; shift >= 0; shift -= 8) chunk.push_back(static_cast<char>(crc >> shift));
  return chunk;
}

std::string IhdrData(uint32_t width, uint32_t height, int bit_depth, int color_type) {
  std::string data;
  for (uint32_t v : {width, height}) {
    for (int shift = 24; shift >= 0; shift -= 8) data.push_back(static_cast<char>(v >> shift));
  }
  data.push_back(static_cast<char>(bit_depth));
  data.push_back(static_cast<char>(color_type));
  data.append(3, '\0');  // Deflate, adaptive filtering, no interlace.
  return data;
}

std::string Deflate(absl::string_view raw) {
  uLongf size = compressBound(raw.size());
  std::string out(size, '\0');
  const int rc = compress(reinterpret_cast<Bytef*>(out.data()), &size,
                          reinterpret_cast<const Bytef*>(raw.data()), raw.size());
  EXPECT_EQ(rc, Z_OK);
  out.resize(size);
  return out;
}

Image RandomImage(std::mt19937& rng, int height, int width, int channels) {
  Image image{height, width, channels, {}};
  image.pixels.resize(static_cast<size_t>(height) * width * channels);
  std::uniform_int_distribution<int> value(0, 255);
  for (uint8_t& p : image.pixels) p = static_cast<uint8_t>(value(rng));
  return image;
}

Image GradientImage(int height, int width, int channels) {
  Image image{height, width, channels, {}};
  image.pixels.resize(static_cast<size_t>(height) * width * channels);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      for (int c = 0; c < channels; ++c) {
        const int v = (c == 0 ? 4 * x + y : c == 1 ? 3 * y + x : 2 * (x + y)) + 20 * c;
        const int w = v % 256;  // A triangle wave: no jumps from 255 to 0.
        image.pixels[(static_cast<size_t>(y) * width + x) * channels + c] =
            static_cast<uint8_t>(w < 128 ? 2 * w : 511 - 2 * w);
      }
    }
  }
  return image;
}

}  // namespace testing_images
}  // namespace convoy::engine
