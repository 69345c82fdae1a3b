#include "common/dash_flags.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace convoy {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::vector<std::string> Values(std::vector<std::string> args, const char* name) {
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  return RepeatedFlagValues(static_cast<int>(argv.size()), argv.data(), name);
}

TEST(RepeatedFlagValuesTest, CollectsEveryValueInEverySpelling) {
  EXPECT_THAT(Values({"server", "--model-repository=/a", "--grpc-port", "0", "--model_repository", "/b",
                      "-model-repository=/c", "--load-model=x"},
                     "model_repository"),
              ElementsAre("/a", "/b", "/c"));
  EXPECT_THAT(Values({"server", "--load-model=a,b", "--load-model", "c"}, "load_model"), ElementsAre("a,b", "c"));
}

TEST(RepeatedFlagValuesTest, IgnoresOtherFlagsAndWhatFollowsTheEndOfFlags) {
  EXPECT_THAT(Values({"server", "--model-repository-x=/a", "--", "--model-repository=/b"}, "model_repository"),
              IsEmpty());
  EXPECT_THAT(Values({"server", "--model-repository"}, "model_repository"), IsEmpty());
}

}  // namespace
}  // namespace convoy
