#include "server/core/log.h"

#include <fstream>
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/log_flags.h"
#include "tests/testing/temp_dir.h"

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

// Restores the default severities after a test that changes them.
class LogSeveritiesTest : public ::testing::Test {
 protected:
  void TearDown() override { SetLogSeverities(LogSeverities{}); }

  // The levels of the lines one Log call per level printed.
  static std::string LoggedLevels() {
    ::testing::internal::CaptureStderr();
    for (LogLevel level : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarning, LogLevel::kError}) {
      Log(level, "probe");
    }
    const std::string out = ::testing::internal::GetCapturedStderr();
    std::string levels;
    for (const char* name : {"debug", "info", "warning", "error"}) {
      if (out.find(std::string("level=") + name + " event=probe") != std::string::npos) {
        levels += levels.empty() ? name : std::string(",") + name;
      }
    }
    return levels;
  }
};

TEST_F(LogSeveritiesTest, EachSeverityIsWrittenOnlyWhenSwitchedOn) {
  EXPECT_EQ(LoggedLevels(), "info,warning,error");
  LogSeverities some;
  some.debug = true;
  some.info = false;
  some.error = false;
  SetLogSeverities(some);
  EXPECT_EQ(LoggedLevels(), "debug,warning");
  SetLogLevel(LogLevel::kWarning);
  EXPECT_EQ(LoggedLevels(), "warning,error");
  SetLogLevel(LogLevel::kDebug);
  EXPECT_EQ(LoggedLevels(), "debug,info,warning,error");
}

// The severities the flags switch on, as "debug,info,warning,error".
std::string Resolved(const LogFlags& flags) {
  absl::StatusOr<LogSeverities> severities = ResolveLogFlags(flags);
  EXPECT_TRUE(severities.ok()) << severities.status();
  if (!severities.ok()) return "";
  std::string names;
  for (const auto& [on, name] : {std::pair{severities->debug, "debug"}, std::pair{severities->info, "info"},
                                 std::pair{severities->warning, "warning"}, std::pair{severities->error, "error"}}) {
    if (on) names += names.empty() ? name : std::string(",") + name;
  }
  return names;
}

LogFlags Level(const std::string& level) {
  LogFlags flags;
  flags.level = level;
  return flags;
}

TEST(LogFlagsTest, TritonsDefaultsLogWhatConvoysDefaultDoes) {
  EXPECT_EQ(Resolved(LogFlags{}), "info,warning,error");
  // tritonserver's defaults, spelled out: --log-verbose=0 --log-info=true ...
  LogFlags triton;
  triton.verbose = LogVerbosity{0};
  triton.info = triton.warning = triton.error = TritonBool{true};
  EXPECT_EQ(Resolved(triton), "info,warning,error");
}

TEST(LogFlagsTest, LogLevelSetsTheThresholdAndTritonsFlagsSwitchOneSeverityEach) {
  EXPECT_EQ(Resolved(Level("debug")), "debug,info,warning,error");
  EXPECT_EQ(Resolved(Level("warning")), "warning,error");
  EXPECT_EQ(Resolved(Level("error")), "error");
  LogFlags flags;
  flags.verbose = LogVerbosity{1};
  EXPECT_EQ(Resolved(flags), "debug,info,warning,error");
  flags.verbose = LogVerbosity{3};
  EXPECT_EQ(Resolved(flags), "debug,info,warning,error");
  flags = LogFlags{};
  flags.info = TritonBool{false};
  EXPECT_EQ(Resolved(flags), "warning,error");
  flags = LogFlags{};
  flags.warning = flags.error = TritonBool{false};
  EXPECT_EQ(Resolved(flags), "info");
}

TEST(LogFlagsTest, WhereTheyDisagreeTheFlagThatNamesTheSeverityWins) {
  LogFlags flags = Level("error");
  flags.warning = TritonBool{true};
  EXPECT_EQ(Resolved(flags), "warning,error");
  flags = Level("debug");
  flags.verbose = LogVerbosity{0};
  EXPECT_EQ(Resolved(flags), "info,warning,error");
  flags = Level("warning");
  flags.verbose = LogVerbosity{1};
  EXPECT_EQ(Resolved(flags), "debug,warning,error");
  flags = Level("info");
  flags.error = TritonBool{false};
  EXPECT_EQ(Resolved(flags), "info,warning");
}

TEST(LogFlagsTest, AnUnknownLevelIsRefusedNamingIt) {
  absl::StatusOr<LogSeverities> severities = ResolveLogFlags(Level("loud"));
  ASSERT_FALSE(severities.ok());
  EXPECT_EQ(severities.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(severities.status().message(), HasSubstr("--log-level"));
  EXPECT_THAT(severities.status().message(), HasSubstr("'loud'"));
}

TEST(LogFlagsTest, BooleansAreReadAsTritonReadsThem) {
  for (const char* text : {"true", "TRUE", "on", "On", "1"}) {
    TritonBool flag;
    std::string error;
    EXPECT_TRUE(AbslParseFlag(text, &flag, &error)) << text;
    EXPECT_TRUE(flag.value) << text;
  }
  for (const char* text : {"false", "False", "off", "OFF", "0"}) {
    TritonBool flag{true};
    std::string error;
    EXPECT_TRUE(AbslParseFlag(text, &flag, &error)) << text;
    EXPECT_FALSE(flag.value) << text;
  }
  for (const char* text : {"yes", "2", "", "maybe"}) {
    TritonBool flag;
    std::string error;
    EXPECT_FALSE(AbslParseFlag(text, &flag, &error)) << text;
    EXPECT_THAT(error, HasSubstr("on, off")) << text;
  }
}

TEST(LogFlagsTest, VerboseTakesALevelOrABoolean) {
  const auto parse = [](const char* text) {
    LogVerbosity flag{-7};
    std::string error;
    return AbslParseFlag(text, &flag, &error) ? flag.level : -1;
  };
  EXPECT_EQ(parse("0"), 0);
  EXPECT_EQ(parse("1"), 1);
  EXPECT_EQ(parse("5"), 5);
  EXPECT_EQ(parse("true"), 1);
  EXPECT_EQ(parse("False"), 0);
  EXPECT_EQ(parse("-1"), -1);  // Refused.
  EXPECT_EQ(parse("loud"), -1);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(LogFileTest, LinesAreAppendedToTheFileInsteadOfStderr) {
  testing::TempDir dir;
  const std::string path = dir.Write("server.log", "earlier line\n");
  ASSERT_TRUE(SetLogFile(path).ok());
  ::testing::internal::CaptureStderr();
  Log(LogLevel::kWarning, "to_file", {{"n", "1"}});
  Log(LogLevel::kError, "to_file", {{"n", "2"}});
  const std::string stderr_text = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(SetLogFile("").ok());
  EXPECT_EQ(stderr_text, "");
  const std::string text = ReadFile(path);
  EXPECT_THAT(text, ::testing::StartsWith("earlier line\n"));
  EXPECT_THAT(text, HasSubstr("level=warning event=to_file n=1\n"));
  EXPECT_THAT(text, EndsWith("level=error event=to_file n=2\n"));
  // Back on stderr, and the file no longer grows.
  EXPECT_THAT(LoggedLine("x"), HasSubstr("event=test value=x"));
  EXPECT_EQ(ReadFile(path), text);
}

TEST(LogFileTest, AFileThatCannotBeOpenedIsAnErrorNamingItAndLoggingStaysOnStderr) {
  const absl::Status opened = SetLogFile("/nonexistent-convoy-dir/server.log");
  EXPECT_FALSE(opened.ok());
  EXPECT_THAT(opened.message(), HasSubstr("'/nonexistent-convoy-dir/server.log'"));
  EXPECT_THAT(LoggedLine("still"), HasSubstr("event=test value=still"));
}

TEST(ClipTextTest, KeepsShortTextAndSaysHowMuchWasCut) {
  EXPECT_EQ(ClipText("abc", 3), "abc");
  EXPECT_EQ(ClipText("abcdef", 3), "abc...(3 more bytes)");
}

}  // namespace
}  // namespace convoy::server
