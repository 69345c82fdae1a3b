#include "tools/convoy_classify/confusion_matrix.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace convoy {
namespace {

using ::testing::HasSubstr;

TEST(ConfusionMatrixTest, CountsPairsAndAccuracy) {
  ConfusionMatrix matrix(3);
  matrix.Add(0, 0);
  matrix.Add(0, 2);
  matrix.Add(1, 1);
  matrix.Add(2, 2);
  EXPECT_EQ(matrix.count(0, 2), 1);
  EXPECT_EQ(matrix.total(), 4);
  EXPECT_EQ(matrix.correct(), 3);
  EXPECT_DOUBLE_EQ(matrix.accuracy(), 0.75);
  const std::string table = matrix.Format({"cat", "dog", "bird"});
  EXPECT_THAT(table, HasSubstr("0 cat"));
  EXPECT_THAT(table, HasSubstr("50.0%"));   // Recall of class 0.
  EXPECT_THAT(table, HasSubstr("100.0%"));
}

TEST(ConfusionMatrixTest, EmptyMatrixHasZeroAccuracy) {
  EXPECT_EQ(ConfusionMatrix(2).accuracy(), 0.0);
}

}  // namespace
}  // namespace convoy
