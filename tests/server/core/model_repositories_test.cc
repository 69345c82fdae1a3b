#include "server/core/model_repositories.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace convoy::server {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

std::string ForClients(const ModelRepositories& repositories, const std::string& message,
                       const std::string& private_root = "") {
  return std::string(repositories.ForClients(absl::InternalError(message), private_root).message());
}

TEST(ModelRepositoriesTest, OneRepositoryIsNamedRelativelyAndSeveralByTheirPlace) {
  testing::TempDir dir;
  const std::string one = dir.MakeDir("models");
  const std::string two = dir.MakeDir("more");
  dir.MakeDir("models2");
  absl::StatusOr<ModelRepositories> single = ModelRepositories::Create({one});
  ASSERT_TRUE(single.ok()) << single.status();
  EXPECT_EQ(ForClients(*single, one + "/m/config.pbtxt: bad"), "m/config.pbtxt: bad");
  EXPECT_EQ(ForClients(*single, "outside the model repository " + one), "outside the model repository <repository>");
  // Another directory whose name starts with the repository's stays.
  EXPECT_EQ(ForClients(*single, one + "2/m: bad"), one + "2/m: bad");

  absl::StatusOr<ModelRepositories> both = ModelRepositories::Create({one, two});
  ASSERT_TRUE(both.ok()) << both.status();
  EXPECT_EQ(ForClients(*both, one + "/m/config.pbtxt and " + two + "/m"),
            "<repository 1>/m/config.pbtxt and <repository 2>/m");
  EXPECT_EQ(ForClients(*both, "/tmp/p/x/1/model.onnx: bad", "/tmp/p"), "x/1/model.onnx: bad");
  EXPECT_TRUE(both->Contains(two + "/"));
  EXPECT_FALSE(both->Contains(dir.Path("models2")));
}

TEST(ModelRepositoriesTest, ListsEveryNameWithEveryDirectoryHoldingIt) {
  testing::TempDir dir;
  dir.MakeDir("one/a");
  dir.MakeDir("one/dup");
  dir.MakeDir("two/dup");
  dir.MakeDir("two/b");
  absl::StatusOr<ModelRepositories> repositories = ModelRepositories::Create({dir.Path("one"), dir.Path("two")});
  ASSERT_TRUE(repositories.ok()) << repositories.status();
  absl::StatusOr<std::map<std::string, std::vector<std::string>>> listed = repositories->List();
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_THAT(*listed, ElementsAre(Pair("a", ElementsAre(dir.Path("one/a"))), Pair("b", ElementsAre(dir.Path("two/b"))),
                                   Pair("dup", ElementsAre(dir.Path("one/dup"), dir.Path("two/dup")))));
  EXPECT_EQ(*repositories->Locate("b"), dir.Path("two/b"));
  EXPECT_EQ(repositories->Locate("dup").status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(repositories->Locate("c").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace convoy::server
