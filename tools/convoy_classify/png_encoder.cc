#include "tools/convoy_classify/png_encoder.h"

#include <png.h>

#include "absl/strings/str_cat.h"

namespace convoy {

absl::StatusOr<std::string> EncodeGrayPng(const uint8_t* pixels, int rows, int cols) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  image.width = static_cast<png_uint_32>(cols);
  image.height = static_cast<png_uint_32>(rows);
  image.format = PNG_FORMAT_GRAY;
  png_alloc_size_t size = 0;
  // The first call sizes the buffer, the second fills it.
  if (png_image_write_to_memory(&image, nullptr, &size, 0, pixels, 0, nullptr) == 0) {
    return absl::InternalError(absl::StrCat("PNG encoding failed: ", image.message));
  }
  std::string png(size, '\0');
  if (png_image_write_to_memory(&image, png.data(), &size, 0, pixels, 0, nullptr) == 0) {
    return absl::InternalError(absl::StrCat("PNG encoding failed: ", image.message));
  }
  png.resize(size);
  return png;
}

}  // namespace convoy
