// The warnings Server::Start logs about how it was configured.
#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/app/server.h"
#include "tests/testing/temp_dir.h"

namespace convoy::server {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// What Start logs (stderr) for a server over an empty repository.
std::string StartupLog(ModelControlMode mode, const std::string& admin_token) {
  testing::TempDir repository;
  ServerOptions options;
  options.models.repositories = {repository.path().string()};
  options.models.mode = mode;
  options.address = "127.0.0.1";
  options.grpc_port = 0;
  options.http_port = 0;
  options.allow_metrics = false;
  options.admin_token = admin_token;
  ::testing::internal::CaptureStderr();
  absl::StatusOr<std::unique_ptr<Server>> server = Server::Start(options);
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_TRUE(server.ok()) << server.status();
  if (server.ok()) (*server)->Shutdown(absl::ZeroDuration());
  return log;
}

TEST(StartupWarningTest, ExplicitModeWithoutAnAdminTokenWarnsThatAnyoneMayLoadModels) {
  const std::string log = StartupLog(ModelControlMode::kExplicit, "");
  EXPECT_THAT(log, HasSubstr("level=warning event=repository_control_open"));
  EXPECT_THAT(log, HasSubstr("anyone who reaches the port can load and unload models"));
}

TEST(StartupWarningTest, NoWarningWithAnAdminTokenOrWithoutRepositoryControl) {
  EXPECT_THAT(StartupLog(ModelControlMode::kExplicit, "secret"), Not(HasSubstr("repository_control_open")));
  EXPECT_THAT(StartupLog(ModelControlMode::kNone, ""), Not(HasSubstr("repository_control_open")));
  EXPECT_THAT(StartupLog(ModelControlMode::kPoll, ""), Not(HasSubstr("repository_control_open")));
}

}  // namespace
}  // namespace convoy::server
