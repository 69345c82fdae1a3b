// IDX files (the MNIST family's format): a labelled set of 8-bit gray
// images, such as Fashion-MNIST's test set.
//
// Images: magic 0x00000803, count, rows, cols (big-endian int32), then
// count * rows * cols bytes. Labels: magic 0x00000801, count, then count
// bytes. Files may be gzip-compressed (as Debian ships them) or plain.
// Every inconsistency is InvalidArgument naming the file.
#ifndef CONVOY_TOOLS_CONVOY_CLASSIFY_IDX_DATASET_H_
#define CONVOY_TOOLS_CONVOY_CLASSIFY_IDX_DATASET_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace convoy {

struct IdxDataset {
  int64_t count = 0;
  int rows = 0;
  int cols = 0;
  std::vector<uint8_t> pixels;  // count * rows * cols.
  std::vector<uint8_t> labels;  // count.

  const uint8_t* image(int64_t i) const { return pixels.data() + i * rows * cols; }
};

// The images and labels files a --dataset value names: "fashion-mnist-test"
// (the Debian package dataset-fashion-mnist), or the path of an images file
// whose labels file has the same name with "images-idx3" replaced by
// "labels-idx1" (the MNIST naming).
absl::StatusOr<std::pair<std::string, std::string>> ResolveIdxDataset(const std::string& name);

absl::StatusOr<IdxDataset> ReadIdxDataset(const std::string& images_path, const std::string& labels_path);

}  // namespace convoy

#endif  // CONVOY_TOOLS_CONVOY_CLASSIFY_IDX_DATASET_H_
