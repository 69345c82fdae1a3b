// PNG through libpng's classic (progressive-free, pull) API.
//
// libpng reports errors by calling an error function that must not return;
// ours longjmps back to the setjmp in ReadPngInfo or ReadPngPixels. Those two
// functions, the callbacks and the state they share are plain C: no object
// with a destructor is alive in a frame a longjmp skips. Everything with a
// destructor (the Image, the PngRead that frees libpng's structs) lives in
// ReadPngSize and DecodePng, which call them and are never jumped over.
#include <png.h>

#include <csetjmp>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "engine/preprocess/format_decoders.h"

namespace convoy::engine {
namespace preprocess_internal {
namespace {

// What libpng's callbacks read from and report into.
struct PngSource {
  const unsigned char* data;
  size_t size;
  size_t offset;
  bool truncated;     // The data ended before libpng was done.
  char message[160];  // libpng's error message.
};

void OnError(png_structp png, png_const_charp message) {
  auto* source = static_cast<PngSource*>(png_get_error_ptr(png));
  std::snprintf(source->message, sizeof(source->message), "%s", message);
  std::longjmp(png_jmpbuf(png), 1);
}

// Warnings are about damage libpng has worked around (a bad ancillary chunk
// CRC, an odd colour profile): the pixels are intact, so they are ignored.
void OnWarning(png_structp, png_const_charp) {}

void ReadFromSource(png_structp png, png_bytep out, size_t length) {
  auto* source = static_cast<PngSource*>(png_get_io_ptr(png));
  if (length > source->size - source->offset) {
    source->truncated = true;
    png_error(png, "unexpected end of data");
  }
  std::memcpy(out, source->data + source->offset, length);
  source->offset += length;
}

// Nothing in these chunks matters to the pixels, and the compressed ones
// cost time and memory to inflate: they are skipped unread (their CRCs are
// still checked as they go by).
constexpr png_byte kIgnoredChunks[] = {'i', 'C', 'C', 'P', '\0', 'i', 'T', 'X', 't', '\0',
                                       'z', 'T', 'X', 't', '\0', 't', 'E', 'X', 't', '\0',
                                       's', 'P', 'L', 'T', '\0', 'e', 'X', 'I', 'f', '\0'};

// Sets up reading from `source` and reads the signature and the chunks
// before the image data. False on error.
bool ReadPngInfo(png_structp png, png_infop info, PngSource* source) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_set_read_fn(png, source, ReadFromSource);
  // The caller's pixel limit is the one that counts; libpng's own default
  // (10^6 on a side) would refuse a 1 x 2000000 strip with another message.
  png_set_user_limits(png, PNG_UINT_31_MAX, PNG_UINT_31_MAX);
  png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, kIgnoredChunks,
                              sizeof(kIgnoredChunks) / 5);
  png_read_info(png, info);
  return true;
}

// Converts to 8-bit gray or RGB without alpha, reads every row into
// `pixels` (height rows of row_bytes) and the chunks after the image data,
// so that a file cut after its last row is still an error. False on error.
bool ReadPngPixels(png_structp png, png_infop info, bool gray_to_rgb, unsigned char* pixels,
                   size_t row_bytes) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_set_expand(png);       // Palette to RGB, 1/2/4-bit gray to 8, tRNS to alpha...
  png_set_strip_alpha(png);  // ...and every alpha channel dropped, uncomposited.
  png_set_scale_16(png);     // 16 to 8 bits rounding, v * 255 / 65535.
  if (gray_to_rgb) png_set_gray_to_rgb(png);
  const int passes = png_set_interlace_handling(png);
  png_read_update_info(png, info);
  if (png_get_rowbytes(png, info) != row_bytes) png_error(png, "unexpected row size");
  const png_uint_32 height = png_get_image_height(png, info);
  for (int pass = 0; pass < passes; ++pass) {
    for (png_uint_32 y = 0; y < height; ++y) png_read_row(png, pixels + y * row_bytes, nullptr);
  }
  png_read_end(png, nullptr);
  return true;
}

absl::Status PngError(const PngSource& source) {
  if (source.truncated) {
    return absl::InvalidArgumentError(
        absl::StrCat("truncated PNG: the data ends after ", source.size, " bytes"));
  }
  return absl::InvalidArgumentError(absl::StrCat("corrupt PNG: ", source.message));
}

// libpng's state for one image. Not movable: libpng keeps &source.
struct PngRead {
  PngRead() = default;
  PngRead(const PngRead&) = delete;
  PngRead& operator=(const PngRead&) = delete;
  ~PngRead() { png_destroy_read_struct(&png, &info, nullptr); }

  PngSource source;
  png_structp png = nullptr;
  png_infop info = nullptr;
  int64_t width = 0;
  int64_t height = 0;
};

// Reads the chunks before the image data and checks the size: what both
// ReadPngSize and DecodePng start with.
absl::Status ReadHeader(absl::string_view encoded, int64_t max_pixels, PngRead& read) {
  read.source = {reinterpret_cast<const unsigned char*>(encoded.data()), encoded.size(), 0, false, ""};
  read.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &read.source, OnError, OnWarning);
  read.info = read.png == nullptr ? nullptr : png_create_info_struct(read.png);
  if (read.info == nullptr) return absl::ResourceExhaustedError("cannot create a PNG decoder");
  if (!ReadPngInfo(read.png, read.info, &read.source)) return PngError(read.source);
  read.width = png_get_image_width(read.png, read.info);
  read.height = png_get_image_height(read.png, read.info);
  return CheckPixelLimit(read.height, read.width, max_pixels);
}

}  // namespace

absl::StatusOr<ImageSize> ReadPngSize(absl::string_view encoded, int64_t max_pixels) {
  PngRead read;
  if (absl::Status s = ReadHeader(encoded, max_pixels, read); !s.ok()) return s;
  return ImageSize{static_cast<int>(read.height), static_cast<int>(read.width)};
}

absl::StatusOr<Image> DecodePng(absl::string_view encoded, ColorSpace color, int64_t max_pixels) {
  PngRead read;
  if (absl::Status s = ReadHeader(encoded, max_pixels, read); !s.ok()) return s;
  png_structp png = read.png;
  png_infop info = read.info;
  const int64_t width = read.width;
  const int64_t height = read.height;
  // What libpng will produce, after the conversions in ReadPngPixels.
  // (Palette types have the colour bit set.)
  const bool colour = (png_get_color_type(png, info) & PNG_COLOR_MASK_COLOR) != 0;
  const bool gray_to_rgb = !colour && color == ColorSpace::kRgb;
  const int decoded_channels = colour || gray_to_rgb ? 3 : 1;

  Image image;
  image.height = static_cast<int>(height);
  image.width = static_cast<int>(width);
  const size_t row_bytes = static_cast<size_t>(width) * decoded_channels;
  image.pixels.resize(row_bytes * height);
  if (!ReadPngPixels(png, info, gray_to_rgb, image.pixels.data(), row_bytes)) {
    return PngError(read.source);
  }
  image.channels = decoded_channels;
  if (colour && color == ColorSpace::kGray) {
    image.pixels = RgbToGray(std::move(image.pixels));
    image.channels = 1;
  }
  return image;
}

}  // namespace preprocess_internal
}  // namespace convoy::engine
