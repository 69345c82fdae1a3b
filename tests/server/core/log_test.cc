#include "server/core/log.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace convoy::server {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;

std::string LoggedLine(const std::string& value) {
  ::testing::internal::CaptureStderr();
  Log(LogLevel::kWarning, "test", {{"value", value}});
  return ::testing::internal::GetCapturedStderr();
}

TEST(LogTest, PlainValuesStayPlainAndOthersAreQuoted) {
  EXPECT_THAT(LoggedLine("resnet50"), EndsWith(" event=test value=resnet50\n"));
  EXPECT_THAT(LoggedLine("a b"), EndsWith(" value=\"a b\"\n"));
  EXPECT_THAT(LoggedLine(""), EndsWith(" value=\"\"\n"));
}

TEST(LogTest, ClientBytesCannotForgeALine) {
  constexpr char kHostile[] = "m\nts=0 level=error event=forged\r\0x\x7f\"\\";
  const std::string line = LoggedLine(std::string(kHostile, sizeof(kHostile) - 1));
  EXPECT_THAT(line, EndsWith(" value=\"m\\nts=0 level=error event=forged\\r\\x00x\\x7f\\\"\\\\\"\n"));
  // One line, whatever the value held.
  EXPECT_EQ(line.find('\n'), line.size() - 1);
}

TEST(LogTest, LongValuesAreClipped) {
  const std::string line = LoggedLine(std::string(64 << 10, 'm'));
  EXPECT_THAT(line, HasSubstr(std::string(kMaxLogValueBytes, 'm') + "...(64512 more bytes)"));
  EXPECT_THAT(line, Not(HasSubstr(std::string(kMaxLogValueBytes + 1, 'm'))));
}

TEST(ClipTextTest, KeepsShortTextAndSaysHowMuchWasCut) {
  EXPECT_EQ(ClipText("abc", 3), "abc");
  EXPECT_EQ(ClipText("abcdef", 3), "abc...(3 more bytes)");
}

}  // namespace
}  // namespace convoy::server
