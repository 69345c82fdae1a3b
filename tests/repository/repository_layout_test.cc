#include "repository/repository_layout.h"

#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace convoy::repository {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

template <typename T>
void ExpectError(const absl::StatusOr<T>& result, absl::StatusCode code, const std::string& fragment) {
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), code) << result.status();
  EXPECT_THAT(std::string(result.status().message()), HasSubstr(fragment));
}

inference::ModelVersionPolicy Latest(uint32_t n) {
  inference::ModelVersionPolicy policy;
  policy.mutable_latest()->set_num_versions(n);
  return policy;
}

inference::ModelVersionPolicy Specific(const std::vector<int64_t>& versions) {
  inference::ModelVersionPolicy policy;
  for (int64_t v : versions) policy.mutable_specific()->add_versions(v);
  return policy;
}

TEST(ValidateModelNameTest, AcceptsTypicalNames) {
  for (const char* name : {"resnet50", "alexnet-lrn", "my_model.v2", "A", "1"}) {
    EXPECT_TRUE(ValidateModelName(name).ok()) << name;
  }
  EXPECT_TRUE(ValidateModelName(std::string(255, 'a')).ok());
}

TEST(ValidateModelNameTest, RejectsTraversalNames) {
  const struct {
    std::string name;
    std::string reason;
  } kCases[] = {
      {"", "empty"},
      {".", "may not start with '.'"},
      {"..", "may not start with '.'"},
      {".hidden", "may not start with '.'"},
      {"../etc", "may contain only"},
      {"a/b", "may contain only"},
      {"/abs", "may contain only"},
      {"a\\b", "may contain only"},
      {"sp ace", "may contain only"},
      {std::string("nul\0x", 5), "may contain only"},
      {std::string(256, 'a'), "256 bytes, more than 255"},
  };
  for (const auto& c : kCases) {
    const absl::Status status = ValidateModelName(c.name);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.name;
    EXPECT_THAT(std::string(status.message()), HasSubstr(c.reason)) << c.name;
  }
}

TEST(ListModelsTest, ListsValidModelDirectoriesSorted) {
  testing::TempDir dir;
  dir.MakeDir("repo/vgg16");
  dir.MakeDir("repo/alexnet");
  dir.MakeDir("repo/.git");
  dir.MakeDir("repo/bad name");
  dir.Write("repo/README.md", "not a model");
  absl::StatusOr<std::vector<std::string>> models = ListModels(dir.Path("repo"));
  ASSERT_TRUE(models.ok()) << models.status();
  EXPECT_THAT(*models, ElementsAre("alexnet", "vgg16"));
}

TEST(ListModelsTest, NotFoundForMissingOrFileRoot) {
  testing::TempDir dir;
  ExpectError(ListModels(dir.Path("absent")), absl::StatusCode::kNotFound, "absent");
  ExpectError(ListModels(dir.Write("file", "x")), absl::StatusCode::kNotFound, "no such directory");
}

TEST(ListModelsTest, IgnoresSymlinkOutsideRepository) {
  testing::TempDir dir;
  dir.MakeDir("repo/real");
  dir.MakeDir("elsewhere/secret");
  fs::create_directory_symlink(dir.path() / "repo" / "real", dir.path() / "repo" / "alias");
  fs::create_directory_symlink(dir.path() / "elsewhere" / "secret", dir.path() / "repo" / "escape");
  fs::create_directory_symlink("../elsewhere", dir.path() / "repo" / "relative_escape");
  // Looks inside by prefix, but /repo_twin is not /repo.
  dir.MakeDir("repo_twin/m");
  fs::create_directory_symlink(dir.path() / "repo_twin" / "m", dir.path() / "repo" / "twin");
  absl::StatusOr<std::vector<std::string>> models = ListModels(dir.Path("repo"));
  ASSERT_TRUE(models.ok()) << models.status();
  EXPECT_THAT(*models, ElementsAre("alias", "real"));
}

TEST(ListVersionsTest, ListsNumericVersionsOnly) {
  testing::TempDir dir;
  for (const char* name : {"1", "2", "10", "01", "0", "+3", "-4", "5a", "abc", "999999999999999999999"}) {
    dir.MakeDir(std::string("repo/m/") + name);
  }
  dir.Write("repo/m/7", "a file, not a version directory");
  dir.Write("repo/m/config.pbtxt", "");
  absl::StatusOr<std::vector<int64_t>> versions = ListVersions(dir.Path("repo/m"));
  ASSERT_TRUE(versions.ok()) << versions.status();
  EXPECT_THAT(*versions, ElementsAre(1, 2, 10));
}

TEST(ListVersionsTest, NotFoundForMissingModelDirectory) {
  testing::TempDir dir;
  ExpectError(ListVersions(dir.Path("repo/none")), absl::StatusCode::kNotFound, "repo/none");
}

TEST(ListVersionsTest, IgnoresSymlinkOutsideRepository) {
  testing::TempDir dir;
  dir.MakeDir("repo/a/1");
  dir.MakeDir("repo/b");
  dir.MakeDir("outside/9");
  fs::create_directory_symlink("../a/1", dir.path() / "repo" / "b" / "2");            // Inside: shared version.
  fs::create_directory_symlink(dir.path() / "outside" / "9", dir.path() / "repo" / "b" / "3");  // Outside.
  absl::StatusOr<std::vector<int64_t>> versions = ListVersions(dir.Path("repo/b/"));
  ASSERT_TRUE(versions.ok()) << versions.status();
  EXPECT_THAT(*versions, ElementsAre(2));
}

TEST(SelectVersionsTest, SelectsLatestN) {
  const std::vector<int64_t> available = {3, 1, 10, 2};
  EXPECT_THAT(*SelectVersions(Latest(2), available), ElementsAre(3, 10));
  EXPECT_THAT(*SelectVersions(Latest(1), available), ElementsAre(10));
  EXPECT_THAT(*SelectVersions(Latest(0), available), ElementsAre(10));
  EXPECT_THAT(*SelectVersions(Latest(9), available), ElementsAre(1, 2, 3, 10));
  EXPECT_THAT(*SelectVersions(inference::ModelVersionPolicy(), available), ElementsAre(10));
}

TEST(SelectVersionsTest, SelectsAll) {
  inference::ModelVersionPolicy policy;
  policy.mutable_all();
  EXPECT_THAT(*SelectVersions(policy, {2, 1, 2}), ElementsAre(1, 2));
}

TEST(SelectVersionsTest, SelectsSpecificAndReportsMissing) {
  EXPECT_THAT(*SelectVersions(Specific({3, 1}), {1, 2, 3}), ElementsAre(1, 3));
  ExpectError(SelectVersions(Specific({1, 7, 5}), {1, 2}), absl::StatusCode::kNotFound,
              "version_policy.specific lists version(s) 5, 7 with no directory (present: 1, 2)");
}

TEST(SelectVersionsTest, NotFoundWithoutVersionDirectory) {
  ExpectError(SelectVersions(Latest(1), {}), absl::StatusCode::kNotFound, "no version directory");
  inference::ModelVersionPolicy all;
  all.mutable_all();
  ExpectError(SelectVersions(all, {}), absl::StatusCode::kNotFound, "no version directory");
}

TEST(ReadLabelsTest, ReadLabelsStripsCarriageReturn) {
  testing::TempDir dir;
  absl::StatusOr<std::vector<std::string>> labels = ReadLabels(dir.Write("labels.txt", "tench\r\ngoldfish\r\n\r\nshark\r\n"));
  ASSERT_TRUE(labels.ok()) << labels.status();
  EXPECT_THAT(*labels, ElementsAre("tench", "goldfish", "", "shark"));
}

TEST(ReadLabelsTest, LastLineWithoutNewlineCounts) {
  testing::TempDir dir;
  absl::StatusOr<std::vector<std::string>> labels = ReadLabels(dir.Write("labels.txt", "a\nb"));
  ASSERT_TRUE(labels.ok()) << labels.status();
  EXPECT_THAT(*labels, ElementsAre("a", "b"));
}

TEST(ReadLabelsTest, RejectsEmptyAndMissingFiles) {
  testing::TempDir dir;
  ExpectError(ReadLabels(dir.Write("empty.txt", "")), absl::StatusCode::kInvalidArgument, "empty labels file");
  ExpectError(ReadLabels(dir.Path("absent.txt")), absl::StatusCode::kNotFound, "absent.txt");
}

TEST(ReadLabelsTest, RejectsTooManyLines) {
  testing::TempDir dir;
  ExpectError(ReadLabels(dir.Write("many.txt", std::string(1'000'001, '\n'))), absl::StatusCode::kInvalidArgument,
              "more than 1000000 labels");
}

TEST(ReadLabelsTest, RejectsFifoWithoutBlocking) {
  testing::TempDir dir;
  ASSERT_EQ(::mkfifo(dir.Path("labels.txt").c_str(), 0600), 0);
  ExpectError(ReadLabels(dir.Path("labels.txt")), absl::StatusCode::kInvalidArgument, "not a regular file");
}

class FingerprintTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.Write("repo/m/config.pbtxt", "max_batch_size: 8\n");
    dir_.Write("repo/m/labels.txt", "a\nb\n");
    model_file_ = dir_.Write("repo/m/1/model.onnx", "weights-v1");
  }
  std::string Fingerprint() {
    absl::StatusOr<std::string> fingerprint = ModelFingerprint(dir_.Path("repo/m"));
    EXPECT_TRUE(fingerprint.ok()) << fingerprint.status();
    return fingerprint.value_or("");
  }

  testing::TempDir dir_;
  std::string model_file_;
};

TEST_F(FingerprintTest, FingerprintStable) {
  const std::string first = Fingerprint();
  EXPECT_EQ(first.size(), 32u);
  EXPECT_EQ(Fingerprint(), first);
  // Directories that are not versions do not count.
  dir_.Write("repo/m/notes/todo.txt", "x");
  dir_.MakeDir("repo/m/01");
  EXPECT_EQ(Fingerprint(), first);
}

TEST_F(FingerprintTest, FingerprintChangesWhenModelFileChanges) {
  const std::string before = Fingerprint();
  const fs::file_time_type mtime = fs::last_write_time(model_file_);
  dir_.Write("repo/m/1/model.onnx", "weights-v2");  // Same size.
  fs::last_write_time(model_file_, mtime + std::chrono::seconds(1));
  EXPECT_NE(Fingerprint(), before);
}

TEST_F(FingerprintTest, FingerprintChangesWhenConfigEditKeepsSizeAndMtime) {
  const std::string before = Fingerprint();
  const std::string config = dir_.Path("repo/m/config.pbtxt");
  const fs::file_time_type mtime = fs::last_write_time(config);
  dir_.Write("repo/m/config.pbtxt", "max_batch_size: 9\n");
  fs::last_write_time(config, mtime);
  EXPECT_NE(Fingerprint(), before);
}

TEST_F(FingerprintTest, FingerprintChangesWhenVersionOrLabelsChange) {
  const std::string before = Fingerprint();
  dir_.Write("repo/m/2/model.onnx", "weights-v1");
  const std::string with_version = Fingerprint();
  EXPECT_NE(with_version, before);
  dir_.Write("repo/m/labels.txt", "a\nc\n");
  EXPECT_NE(Fingerprint(), with_version);
}

TEST_F(FingerprintTest, RecordsDirectorySymlinksWithoutFollowing) {
  // A link back up the tree would make a following walk endless.
  fs::create_directory_symlink("..", dir_.path() / "repo" / "m" / "1" / "up");
  const std::string first = Fingerprint();
  EXPECT_EQ(Fingerprint(), first);
  fs::remove(dir_.path() / "repo" / "m" / "1" / "up");
  fs::create_directory_symlink(".", dir_.path() / "repo" / "m" / "1" / "up");
  EXPECT_NE(Fingerprint(), first);
}

TEST_F(FingerprintTest, NotFoundForMissingModelDirectory) {
  ExpectError(ModelFingerprint(dir_.Path("repo/none")), absl::StatusCode::kNotFound, "repo/none");
}

}  // namespace
}  // namespace convoy::repository
