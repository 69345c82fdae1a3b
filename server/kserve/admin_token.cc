#include "server/kserve/admin_token.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/bounded_file.h"

namespace convoy::server {
namespace {

constexpr std::string_view kBearer = "Bearer ";
// A token is a few bytes; anything far larger is a wrong path.
constexpr int64_t kMaxSecretFileBytes = 1 << 20;

// Takes as long for every token of a given length, so response times do
// not reveal how many leading characters were right.
bool EqualInConstantTime(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char difference = 0;
  for (size_t i = 0; i < a.size(); ++i) difference |= a[i] ^ b[i];
  return difference == 0;
}

}  // namespace

absl::StatusOr<std::string> ReadAdminToken(const std::string& path) {
  absl::StatusOr<std::string> content = ReadBoundedFile(path, kMaxSecretFileBytes);
  if (!content.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("cannot read --admin-token-file ", path, ": ",
                                                   content.status().message()));
  }
  std::string token(absl::StripAsciiWhitespace(*content));
  if (token.empty()) return absl::InvalidArgumentError(absl::StrCat("--admin-token-file ", path, " is empty"));
  return token;
}

absl::Status CheckBearerToken(std::optional<std::string_view> authorization, std::string_view expected) {
  if (!authorization.has_value()) {
    return absl::UnauthenticatedError("repository control needs the admin token: 'authorization: Bearer <token>'");
  }
  const std::string_view value = *authorization;
  if (value.substr(0, kBearer.size()) != kBearer) {
    return absl::UnauthenticatedError("the 'authorization' value is not 'Bearer <token>'");
  }
  if (!EqualInConstantTime(value.substr(kBearer.size()), expected)) {
    return absl::PermissionDeniedError("wrong admin token");
  }
  return absl::OkStatus();
}

}  // namespace convoy::server
