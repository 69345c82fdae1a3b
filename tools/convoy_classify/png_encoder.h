// EncodeGrayPng: 8-bit gray pixels to a PNG file in memory (libpng), so
// dataset images travel as files, through the server's own decoding.
#ifndef CONVOY_TOOLS_CONVOY_CLASSIFY_PNG_ENCODER_H_
#define CONVOY_TOOLS_CONVOY_CLASSIFY_PNG_ENCODER_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace convoy {

// `pixels` holds rows * cols bytes, row-major.
absl::StatusOr<std::string> EncodeGrayPng(const uint8_t* pixels, int rows, int cols);

}  // namespace convoy

#endif  // CONVOY_TOOLS_CONVOY_CLASSIFY_PNG_ENCODER_H_
