#include "server/orchestration/request_log.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace convoy::server {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

int CountOf(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

TEST(RequestLogTest, LogsFailuresWithTheirReasonAndNotSuccesses) {
  RequestLog log(/*access_log=*/false);
  ::testing::internal::CaptureStderr();
  log.Record("resnet50", "1", {RequestKind::kMulticrop, Protocol::kHttp}, absl::InvalidArgumentError("input 'x' has shape [1]"), 0,
             absl::Milliseconds(2));
  log.Record("resnet50", "1", {RequestKind::kSingle}, absl::OkStatus(), 8, absl::Milliseconds(40));
  const std::string out = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(out, HasSubstr("level=warning event=request_failed model=resnet50 version=1 kind=multicrop "
                             "protocol=http code=INVALID_ARGUMENT error=\"input 'x' has shape [1]\""));
  EXPECT_THAT(out, Not(HasSubstr("event=request ")));
}

TEST(RequestLogTest, AccessLogHasEveryRequest) {
  RequestLog log(/*access_log=*/true);
  ::testing::internal::CaptureStderr();
  log.Record("lenet5", "2", {RequestKind::kSingle, Protocol::kGrpc}, absl::OkStatus(), 8, absl::Microseconds(1500));
  const std::string out = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(out, HasSubstr("event=request model=lenet5 version=2 kind=single protocol=grpc outcome=success items=8 ms=1.500"));
}

TEST(RequestLogTest, AFloodOfFailuresIsCountedNotLogged) {
  RequestLog log(/*access_log=*/false, /*max_failures_per_second=*/5);
  ::testing::internal::CaptureStderr();
  for (int i = 0; i < 100; ++i) {
    log.Record("m", "1", {RequestKind::kSingle}, absl::UnavailableError("queue full"), 0, absl::ZeroDuration());
  }
  const std::string out = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(CountOf(out, "event=request_failed"), 5);
  EXPECT_THAT(out, HasSubstr("suppressed=0"));
}

}  // namespace
}  // namespace convoy::server
