#include "bench/abuse/png_encode.h"

#include <png.h>

#include <vector>

namespace convoy::abuse {
namespace {

void AppendToString(png_structp png, png_bytep data, png_size_t length) {
  static_cast<std::string*>(png_get_io_ptr(png))->append(reinterpret_cast<char*>(data), length);
}

std::string EncodePng(int height, int width, int channels, const std::vector<uint8_t>& samples) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  if (png == nullptr) return "";
  png_infop info = png_create_info_struct(png);
  std::string out;
  // libpng reports errors by longjmp; nothing below owns memory that the
  // jump would leak except `out`, which is a local.
  if (info == nullptr || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return "";
  }
  png_set_write_fn(png, &out, AppendToString, nullptr);
  png_set_IHDR(png, info, width, height, 8,
               channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int y = 0; y < height; ++y) {
    png_write_row(png, const_cast<png_bytep>(samples.data() + size_t{1} * y * width * channels));
  }
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return out;
}

}  // namespace

std::string RandomPng(std::mt19937& rng, int height, int width, int channels) {
  std::vector<uint8_t> samples(size_t{1} * height * width * channels);
  std::uniform_int_distribution<int> level(0, 255);
  for (uint8_t& s : samples) s = static_cast<uint8_t>(level(rng));
  return EncodePng(height, width, channels, samples);
}

std::string FlatPng(int height, int width, uint8_t level) {
  return EncodePng(height, width, 1, std::vector<uint8_t>(size_t{1} * height * width, level));
}

}  // namespace convoy::abuse
