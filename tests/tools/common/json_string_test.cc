#include "tools/common/json_string.h"

#include "gtest/gtest.h"

namespace convoy {
namespace {

TEST(JsonStringTest, QuotesAndEscapes) {
  EXPECT_EQ(JsonString("resnet50"), "\"resnet50\"");
  EXPECT_EQ(JsonString("a \"b\" \\ c"), "\"a \\\"b\\\" \\\\ c\"");
  EXPECT_EQ(JsonString(std::string("tab\tnul\0end", 11)), "\"tab\\u0009nul\\u0000end\"");
  EXPECT_EQ(JsonString("caf\xc3\xa9"), "\"caf\xc3\xa9\"");  // UTF-8 passes through.
}

}  // namespace
}  // namespace convoy
