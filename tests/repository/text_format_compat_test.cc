#include "repository/text_format_compat.h"

#include "gtest/gtest.h"

namespace convoy::repository {
namespace {

TEST(AddListColonsTest, TurnsSpaceBeforeListIntoColon) {
  const ListColonRewrite rewrite = AddListColons("model_warmup [ { name: \"w\" } ]\n");
  EXPECT_EQ(rewrite.text, "model_warmup:[ { name: \"w\" } ]\n");
  EXPECT_TRUE(rewrite.inserted_columns.empty());
}

TEST(AddListColonsTest, RewritesNestedFieldsButNotValues) {
  // `agents [` is a field inside a message; `dims: [` already has its colon;
  // inside a list, identifiers are values.
  const ListColonRewrite rewrite =
      AddListColons("a { agents [ { x: 1 } ] }\ndims: [ 1, 2 ]\nkinds: [ KIND_GPU , KIND_CPU ]\n");
  EXPECT_EQ(rewrite.text, "a { agents:[ { x: 1 } ] }\ndims: [ 1, 2 ]\nkinds: [ KIND_GPU , KIND_CPU ]\n");
}

TEST(AddListColonsTest, LeavesStringsAndCommentsAlone) {
  const std::string text = "name: \"a [ b\" # c [ d\nparam: 'e \\' [ f'\n";
  EXPECT_EQ(AddListColons(text).text, text);
}

TEST(AddListColonsTest, InsertsColonWithoutSpaceAndMapsColumnsBack) {
  const ListColonRewrite rewrite = AddListColons("x: 1\nbatch_input[ { a: 1 } ]");
  EXPECT_EQ(rewrite.text, "x: 1\nbatch_input:[ { a: 1 } ]");
  // Line 1 (zero-based): the colon sits at column 11; what followed moved by one.
  EXPECT_EQ(rewrite.OriginalColumn(1, 13), 12);
  EXPECT_EQ(rewrite.OriginalColumn(1, 5), 5);
  EXPECT_EQ(rewrite.OriginalColumn(0, 3), 3);
}

TEST(AddListColonsTest, KeepsLineBreakBetweenNameAndList) {
  EXPECT_EQ(AddListColons("model_warmup\n[ { } ]").text, "model_warmup:\n[ { } ]");
}

}  // namespace
}  // namespace convoy::repository
