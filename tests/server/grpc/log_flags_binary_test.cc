// Runs the convoy-server binary with Triton's logging flags, as a Triton
// user's command line would: --log-file takes the log lines, the severity
// flags choose them, and a bad logging flag fails the start naming it.
// The repository is empty, so each start takes a fraction of a second.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace convoy {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// convoy-server with `flags` after a loopback, free-port, metrics-off
// setup over `repository`; its stdout and stderr go to `output`.
class ServerProcess {
 public:
  ServerProcess(const std::string& repository, const std::vector<std::string>& flags, const std::string& output) {
    std::vector<std::string> args = {CONVOY_SERVER_BINARY, "--model-repository", repository, "--address",
                                     "127.0.0.1",          "--grpc-port",        "0",        "--http-port",
                                     "0",                  "--allow-metrics=false"};
    args.insert(args.end(), flags.begin(), flags.end());
    // Everything the child needs is ready before the fork: it only
    // redirects and execs.
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      const int fd = ::open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd < 0) ::_exit(127);
      ::dup2(fd, STDOUT_FILENO);
      ::dup2(fd, STDERR_FILENO);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
  }
  ~ServerProcess() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  // The exit status, or -1 if it did not exit within `timeout` (it is then killed).
  int WaitForExit(absl::Duration timeout = absl::Seconds(60)) {
    const absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      absl::SleepFor(absl::Milliseconds(10));
    }
    ADD_FAILURE() << "convoy-server did not exit within " << timeout;
    return -1;
  }

  int Stop() {
    ::kill(pid_, SIGTERM);
    return WaitForExit();
  }

 private:
  pid_t pid_ = -1;
  bool exited_ = false;
};

// Whether `path` came to hold `text` within `timeout`.
bool WaitForText(const std::string& path, const std::string& text, absl::Duration timeout = absl::Seconds(60)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (absl::StrContains(ReadFile(path), text)) return true;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return false;
}

class LogFlagsBinaryTest : public ::testing::Test {
 protected:
  testing::TempDir dir_;
  const std::string repository_ = dir_.Path("models");
  const std::string output_ = dir_.Path("stderr.txt");
  const std::string log_ = dir_.Path("logs/server.log");

  void SetUp() override {
    dir_.Write("models/.keep", "");
    dir_.Write("logs/.keep", "");
  }
};

TEST_F(LogFlagsBinaryTest, LogFileTakesTheLinesAppendedAndStderrStaysEmpty) {
  dir_.Write("logs/server.log", "a line of an earlier run\n");
  ServerProcess server(repository_, {"--log-file", log_}, output_);
  ASSERT_TRUE(WaitForText(log_, "event=server_ready")) << ReadFile(log_) << ReadFile(output_);
  EXPECT_EQ(server.Stop(), 0);
  const std::string log = ReadFile(log_);
  EXPECT_THAT(log, StartsWith("a line of an earlier run\nts="));
  EXPECT_THAT(log, HasSubstr("level=info event=listening"));
  EXPECT_THAT(log, HasSubstr("level=info event=shutdown_complete"));
  EXPECT_EQ(ReadFile(output_), "");
}

TEST_F(LogFlagsBinaryTest, TritonsSeverityFlagsChooseTheLines) {
  // Info off, warnings on (Triton's space-separated spelling): the warning
  // that explicit mode without a token logs at startup is the only line.
  ServerProcess server(repository_,
                       {"--model-control-mode=explicit", "--log-info=false", "--log-warning", "true",
                        "--log-verbose=0", "--log-file=" + log_},
                       output_);
  ASSERT_TRUE(WaitForText(log_, "event=repository_control_open")) << ReadFile(log_) << ReadFile(output_);
  EXPECT_EQ(server.Stop(), 0);
  const std::string log = ReadFile(log_);
  EXPECT_THAT(log, HasSubstr("level=warning event=repository_control_open"));
  EXPECT_THAT(log, Not(HasSubstr("level=info")));
  EXPECT_THAT(log, Not(HasSubstr("level=debug")));
}

TEST_F(LogFlagsBinaryTest, AnUnopenableLogFileFailsTheStartNamingIt) {
  const std::string bad = dir_.Path("no-such-dir/server.log");
  ServerProcess server(repository_, {"--log-file=" + bad}, output_);
  EXPECT_EQ(server.WaitForExit(), 2);
  EXPECT_THAT(ReadFile(output_), HasSubstr("cannot open log file '" + bad + "'"));
}

TEST_F(LogFlagsBinaryTest, BadOrUnknownLoggingFlagsFailTheStartNamingThem) {
  {
    ServerProcess server(repository_, {"--log-verbosity=1"}, output_);
    EXPECT_NE(server.WaitForExit(), 0);
    EXPECT_THAT(ReadFile(output_), HasSubstr("log_verbosity"));
  }
  {
    ServerProcess server(repository_, {"--log-info=maybe"}, output_);
    EXPECT_NE(server.WaitForExit(), 0);
    EXPECT_THAT(ReadFile(output_), HasSubstr("'maybe' specified for flag 'log_info'"));
  }
  {
    ServerProcess server(repository_, {"--log-verbose=-1"}, output_);
    EXPECT_NE(server.WaitForExit(), 0);
    EXPECT_THAT(ReadFile(output_), HasSubstr("log_verbose"));
  }
  {
    ServerProcess server(repository_, {"--log-level=loud"}, output_);
    EXPECT_EQ(server.WaitForExit(), 2);
    EXPECT_THAT(ReadFile(output_), HasSubstr("--log-level must be debug, info, warning or error, not 'loud'"));
  }
}

}  // namespace
}  // namespace convoy
