#include "server/kserve/infer_response_encoder.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace convoy::server {
namespace {

using ::testing::ElementsAre;

TEST(ClassifyTest, TopKBestFirstWithLabels) {
  const float scores[] = {0.5f, 2.0f, -1.0f, 1.5f};
  EXPECT_THAT(Classify(scores, 2, {"a", "b", "c", "d"}),
              ElementsAre("2.000000:1:b", "1.500000:3:d"));
}

TEST(ClassifyTest, TiesKeepTheLowerIndexFirst) {
  const float scores[] = {1.0f, 3.0f, 3.0f};
  EXPECT_THAT(Classify(scores, 2, {}), ElementsAre("3.000000:1", "3.000000:2"));
}

TEST(ClassifyTest, KIsCappedAtTheNumberOfClasses) {
  const float scores[] = {1.0f, 2.0f};
  EXPECT_THAT(Classify(scores, 10, {"x"}), ElementsAre("2.000000:1", "1.000000:0:x"))
      << "index 1 has no label: the labels file is shorter";
}

}  // namespace
}  // namespace convoy::server
