#include "tools/convoy_classify/idx_dataset.h"

#include <zlib.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace convoy {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string BigEndian(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

std::string Write(const std::string& name, const std::string& bytes, bool gzip) {
  const std::string path = ::testing::TempDir() + "/" + name;
  if (gzip) {
    gzFile file = gzopen(path.c_str(), "wb");
    gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size()));
    gzclose(file);
  } else {
    std::ofstream(path, std::ios::binary) << bytes;
  }
  return path;
}

// Two 2x3 images and their labels.
std::string Images() { return BigEndian(0x803) + BigEndian(2) + BigEndian(2) + BigEndian(3) + "abcdefghijkl"; }
std::string Labels() { return BigEndian(0x801) + BigEndian(2) + std::string("\x07\x01", 2); }

TEST(IdxDatasetTest, ReadsPlainAndGzippedFiles) {
  for (bool gzip : {false, true}) {
    const std::string suffix = gzip ? ".gz" : "";
    auto dataset = ReadIdxDataset(Write("a-images-idx3" + suffix, Images(), gzip),
                                  Write("a-labels-idx1" + suffix, Labels(), gzip));
    ASSERT_TRUE(dataset.ok()) << dataset.status();
    EXPECT_EQ(dataset->count, 2);
    EXPECT_EQ(dataset->rows, 2);
    EXPECT_EQ(dataset->cols, 3);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(dataset->image(1)), 6), "ghijkl");
    EXPECT_THAT(dataset->labels, ElementsAre(7, 1));
  }
}

TEST(IdxDatasetTest, RefusesInconsistentFiles) {
  const std::string labels = Write("labels-idx1", Labels(), false);
  auto short_pixels = ReadIdxDataset(Write("short-images-idx3", Images().substr(0, 20), false), labels);
  ASSERT_FALSE(short_pixels.ok());
  EXPECT_THAT(std::string(short_pixels.status().message()), HasSubstr("4 bytes of pixels, but 2 images of 2x3 need 12"));
  auto swapped = ReadIdxDataset(labels, labels);
  ASSERT_FALSE(swapped.ok());
  EXPECT_THAT(std::string(swapped.status().message()), HasSubstr("magic 0x00000803"));
  auto one_label = ReadIdxDataset(Write("b-images-idx3", Images(), false),
                                  Write("b-labels-idx1", BigEndian(0x801) + BigEndian(1) + "\x03", false));
  ASSERT_FALSE(one_label.ok());
  EXPECT_THAT(std::string(one_label.status().message()), HasSubstr("one label for each of the 2 images"));
  EXPECT_EQ(ReadIdxDataset("/nonexistent-images-idx3", labels).status().code(), absl::StatusCode::kNotFound);
}

TEST(IdxDatasetTest, ResolvesDatasetNames) {
  auto fashion = ResolveIdxDataset("fashion-mnist-test");
  ASSERT_TRUE(fashion.ok());
  EXPECT_THAT(fashion->first, HasSubstr("t10k-images-idx3-ubyte.gz"));
  EXPECT_THAT(fashion->second, HasSubstr("t10k-labels-idx1-ubyte.gz"));
  auto path = ResolveIdxDataset("/data/train-images-idx3-ubyte");
  ASSERT_TRUE(path.ok());
  EXPECT_EQ(path->second, "/data/train-labels-idx1-ubyte");
  EXPECT_FALSE(ResolveIdxDataset("cifar10").ok());
}

}  // namespace
}  // namespace convoy
