#include "server/kserve/admin_token.h"

#include <cstdio>
#include <fstream>
#include <optional>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace convoy::server {
namespace {

using ::testing::HasSubstr;

TEST(CheckBearerTokenTest, AcceptsOnlyTheExactBearerToken) {
  EXPECT_TRUE(CheckBearerToken("Bearer abc", "abc").ok());
  EXPECT_EQ(CheckBearerToken(std::nullopt, "abc").code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(CheckBearerToken("Basic abc", "abc").code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(CheckBearerToken("abc", "abc").code(),
            absl::StatusCode::kUnauthenticated);
  for (const char* wrong : {"Bearer abd", "Bearer ab", "Bearer abcd", "Bearer ", "Bearer  abc"}) {
    EXPECT_EQ(CheckBearerToken(wrong, "abc").code(),
              absl::StatusCode::kPermissionDenied)
        << wrong;
  }
}

TEST(ReadAdminTokenTest, StripsWhitespaceAndRefusesEmptyOrMissingFiles) {
  const std::string path = ::testing::TempDir() + "/admin_token_test.token";
  std::ofstream(path) << "  s3cret\n";
  EXPECT_EQ(*ReadAdminToken(path), "s3cret");
  std::ofstream(path) << "\n \n";
  EXPECT_THAT(ReadAdminToken(path).status().message(), HasSubstr("is empty"));
  std::remove(path.c_str());
  EXPECT_THAT(ReadAdminToken(path).status().message(), HasSubstr("cannot read --admin-token-file " + path));
}

}  // namespace
}  // namespace convoy::server
