#include "tools/convoy_classify/idx_dataset.h"

#include <zlib.h>

#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"

namespace convoy {
namespace {

constexpr char kFashionMnistDir[] = "/usr/share/datasets/fashion-mnist/";
constexpr int64_t kMaxBytes = int64_t{1} << 31;  // Far above any IDX set in use.

// The whole (decompressed) file; gzread reads plain files as they are.
absl::StatusOr<std::string> ReadMaybeGzipped(const std::string& path) {
  std::unique_ptr<gzFile_s, int (*)(gzFile)> file(gzopen(path.c_str(), "rb"), gzclose);
  if (file == nullptr) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  std::string bytes;
  char buffer[1 << 16];
  int n = 0;
  while ((n = gzread(file.get(), buffer, sizeof(buffer))) > 0) {
    bytes.append(buffer, static_cast<size_t>(n));
    if (static_cast<int64_t>(bytes.size()) > kMaxBytes) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": larger than ", kMaxBytes, " bytes"));
    }
  }
  if (n < 0) return absl::InvalidArgumentError(absl::StrCat(path, ": corrupt gzip data"));
  return bytes;
}

uint32_t BigEndian32(const std::string& bytes, size_t offset) {
  const auto* b = reinterpret_cast<const unsigned char*>(bytes.data() + offset);
  return uint32_t{b[0]} << 24 | uint32_t{b[1]} << 16 | uint32_t{b[2]} << 8 | uint32_t{b[3]};
}

absl::Status Invalid(const std::string& path, absl::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", reason));
}

}  // namespace

absl::StatusOr<std::pair<std::string, std::string>> ResolveIdxDataset(const std::string& name) {
  if (name == "fashion-mnist-test") {
    return std::make_pair(absl::StrCat(kFashionMnistDir, "t10k-images-idx3-ubyte.gz"),
                          absl::StrCat(kFashionMnistDir, "t10k-labels-idx1-ubyte.gz"));
  }
  const size_t at = name.rfind("images-idx3");
  if (at == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--dataset '", name, "': expected fashion-mnist-test or the path of an IDX images file "
        "named like t10k-images-idx3-ubyte(.gz), whose labels file is ...labels-idx1..."));
  }
  std::string labels = name;
  labels.replace(at, 11, "labels-idx1");
  return std::make_pair(name, labels);
}

absl::StatusOr<IdxDataset> ReadIdxDataset(const std::string& images_path, const std::string& labels_path) {
  absl::StatusOr<std::string> images = ReadMaybeGzipped(images_path);
  if (!images.ok()) return images.status();
  absl::StatusOr<std::string> labels = ReadMaybeGzipped(labels_path);
  if (!labels.ok()) return labels.status();
  if (images->size() < 16 || BigEndian32(*images, 0) != 0x803) {
    return Invalid(images_path, "not an IDX file of 8-bit images (magic 0x00000803)");
  }
  if (labels->size() < 8 || BigEndian32(*labels, 0) != 0x801) {
    return Invalid(labels_path, "not an IDX file of 8-bit labels (magic 0x00000801)");
  }
  IdxDataset dataset;
  dataset.count = BigEndian32(*images, 4);
  const uint32_t rows = BigEndian32(*images, 8);
  const uint32_t cols = BigEndian32(*images, 12);
  if (rows == 0 || cols == 0 || rows > 4096 || cols > 4096) {
    return Invalid(images_path, absl::StrCat("images of ", rows, "x", cols, " pixels"));
  }
  dataset.rows = static_cast<int>(rows);
  dataset.cols = static_cast<int>(cols);
  const uint64_t pixel_bytes = uint64_t{rows} * cols * static_cast<uint64_t>(dataset.count);
  if (images->size() - 16 != pixel_bytes) {
    return Invalid(images_path, absl::StrCat(images->size() - 16, " bytes of pixels, but ", dataset.count,
                                             " images of ", rows, "x", cols, " need ", pixel_bytes));
  }
  if (BigEndian32(*labels, 4) != dataset.count || labels->size() - 8 != static_cast<size_t>(dataset.count)) {
    return Invalid(labels_path, absl::StrCat("does not hold one label for each of the ", dataset.count,
                                             " images of ", images_path));
  }
  dataset.pixels.assign(images->begin() + 16, images->end());
  dataset.labels.assign(labels->begin() + 8, labels->end());
  return dataset;
}

}  // namespace convoy
