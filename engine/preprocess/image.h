// Image: decoded 8-bit pixels, interleaved (height x width x channels), the
// form every preprocessing step works on until the final normalisation turns
// crops into float NCHW.
//
// channels is 1 (grayscale) or 3 (RGB, in that order). Alpha never survives
// decoding (see image_decoder.h). Sizes in this library's messages are
// height x width, the order of the tensor dimensions.
#ifndef CONVOY_ENGINE_PREPROCESS_IMAGE_H_
#define CONVOY_ENGINE_PREPROCESS_IMAGE_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace convoy::engine {

struct Image {
  int height = 0;
  int width = 0;
  int channels = 0;
  std::vector<uint8_t> pixels;  // height * width * channels bytes, row-major.

  uint8_t at(int y, int x, int c) const {
    return pixels[(static_cast<size_t>(y) * width + x) * channels + c];
  }
};

// The spatial size of an image, e.g. after a resize that has not been done.
struct ImageSize {
  int height = 0;
  int width = 0;
};

}  // namespace convoy::engine

#endif  // CONVOY_ENGINE_PREPROCESS_IMAGE_H_
