// A scratch directory for one test, removed with everything in it when the
// object goes out of scope.
#ifndef CONVOY_TESTS_TESTING_TEMP_DIR_H_
#define CONVOY_TESTS_TESTING_TEMP_DIR_H_

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace convoy::testing {

class TempDir {
 public:
  TempDir() {
    // pid + a random number: ctest runs each test in its own process, maybe
    // concurrently, and a crashed run may have left a directory behind.
    const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            absl::StrCat("convoy_", test ? test->name() : "test", "_", ::getpid(), "_", std::random_device()());
    std::filesystem::create_directories(path_);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }

  const std::filesystem::path& path() const { return path_; }
  std::string Path(const std::string& relative) const { return (path_ / relative).string(); }

  // Writes `contents` to `relative`, creating parent directories.
  std::string Write(const std::string& relative, const std::string& contents) const {
    const std::filesystem::path file = path_ / relative;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary | std::ios::trunc) << contents;
    return file.string();
  }
  std::string MakeDir(const std::string& relative) const {
    std::filesystem::create_directories(path_ / relative);
    return (path_ / relative).string();
  }

 private:
  std::filesystem::path path_;
};

}  // namespace convoy::testing

#endif  // CONVOY_TESTS_TESTING_TEMP_DIR_H_
