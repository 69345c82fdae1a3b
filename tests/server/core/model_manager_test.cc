// What ModelManager tells clients about models that failed to load.
#include "server/core/model_manager.h"

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace convoy::server {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string ReasonOf(const ModelManager& manager, const std::string& name) {
  for (const ModelIndexEntry& entry : manager.Index(/*ready_only=*/false)) {
    if (entry.name == name) return entry.reason;
  }
  return "(no row for " + name + ")";
}

TEST(ModelManagerTest, FailureReasonsNameFilesRelativeToTheRepository) {
  testing::TempDir dir;
  dir.Write("repo/broken/config.pbtxt", "max_batch_size: -3\n");
  dir.Write("repo/garbled/1/model.onnx", "not an ONNX file");
  dir.MakeDir("repo/linked/1");
  std::filesystem::create_symlink(dir.Write("elsewhere/config.pbtxt", ""),
                                  dir.path() / "repo/linked" / "config.pbtxt");
  // The repository as a server is usually given it: absolute, and with a
  // trailing separator.
  for (const std::string& root : {dir.Path("repo"), dir.Path("repo") + "/"}) {
    SCOPED_TRACE(root);
    ModelManagerOptions options;
    options.repository = root;
    options.mode = ModelControlMode::kExplicit;
    absl::StatusOr<std::unique_ptr<ModelManager>> manager = ModelManager::Create(options);
    ASSERT_TRUE(manager.ok()) << manager.status();
    const std::string absolute = dir.path().string();

    const absl::Status broken = (*manager)->Load("broken");
    ASSERT_FALSE(broken.ok());
    EXPECT_THAT(std::string(broken.message()), HasSubstr("broken/config.pbtxt: "));
    EXPECT_THAT(std::string(broken.message()), Not(HasSubstr(absolute)));
    EXPECT_THAT(ReasonOf(**manager, "broken"), HasSubstr("broken/config.pbtxt: "));
    EXPECT_THAT(ReasonOf(**manager, "broken"), Not(HasSubstr(absolute)));

    EXPECT_FALSE((*manager)->Load("garbled").ok());
    EXPECT_THAT(ReasonOf(**manager, "garbled"), HasSubstr("garbled/1/model.onnx"));
    EXPECT_THAT(ReasonOf(**manager, "garbled"), Not(HasSubstr(absolute)));

    EXPECT_FALSE((*manager)->Load("linked").ok());
    EXPECT_THAT(ReasonOf(**manager, "linked"),
                HasSubstr("linked/config.pbtxt resolves outside the model repository <repository>"));
    EXPECT_THAT(ReasonOf(**manager, "linked"), Not(HasSubstr(absolute)));

    const absl::Status absent = (*manager)->Load("absent");
    EXPECT_EQ(absent.code(), absl::StatusCode::kNotFound);
    EXPECT_THAT(std::string(absent.message()), Not(HasSubstr(absolute)));
  }
}

}  // namespace
}  // namespace convoy::server
