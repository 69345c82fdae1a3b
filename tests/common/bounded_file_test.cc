#include "common/bounded_file.h"

#include <sys/stat.h>

#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace convoy {
namespace {

using ::testing::HasSubstr;

void ExpectError(const absl::StatusOr<std::string>& result, absl::StatusCode code, const std::string& fragment) {
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), code) << result.status();
  EXPECT_THAT(std::string(result.status().message()), HasSubstr(fragment));
}

TEST(ReadBoundedFileTest, ReadsAFileUpToTheLimit) {
  testing::TempDir dir;
  const std::string bytes("a\0b\nc", 5);
  absl::StatusOr<std::string> read = ReadBoundedFile(dir.Write("f", bytes), 5);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, bytes);
}

TEST(ReadBoundedFileTest, ReadsAnEmptyFile) {
  testing::TempDir dir;
  absl::StatusOr<std::string> read = ReadBoundedFile(dir.Write("empty", ""), 0);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, "");
}

TEST(ReadBoundedFileTest, RefusesAFileOverTheLimitNamingBoth) {
  testing::TempDir dir;
  ExpectError(ReadBoundedFile(dir.Write("big", std::string(11, 'x')), 10), absl::StatusCode::kInvalidArgument,
              "big: 11 bytes, more than the limit of 10");
}

TEST(ReadBoundedFileTest, AbsentFileIsNotFoundNamingThePath) {
  testing::TempDir dir;
  ExpectError(ReadBoundedFile(dir.Path("absent.txt"), 10), absl::StatusCode::kNotFound, "absent.txt");
}

TEST(ReadBoundedFileTest, RefusesADirectory) {
  testing::TempDir dir;
  ExpectError(ReadBoundedFile(dir.MakeDir("sub"), 10), absl::StatusCode::kInvalidArgument, "not a regular file");
}

TEST(ReadBoundedFileTest, RefusesAFifoWithoutBlocking) {
  testing::TempDir dir;
  ASSERT_EQ(::mkfifo(dir.Path("fifo").c_str(), 0600), 0);
  ExpectError(ReadBoundedFile(dir.Path("fifo"), 10), absl::StatusCode::kInvalidArgument, "not a regular file");
}

}  // namespace
}  // namespace convoy
