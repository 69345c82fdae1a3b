#include "tools/common/client_tls_flags.h"

#include <cstdint>
#include <string>

#include "absl/flags/flag.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/bounded_file.h"

ABSL_FLAG(bool, tls, false, "Connect with TLS, verifying the server against the system's CAs.");
ABSL_FLAG(std::string, tls_ca, "", "PEM CA certificates to verify the server with (implies --tls).");
ABSL_FLAG(std::string, tls_cert, "", "PEM client certificate, for mutual TLS (with --tls-key).");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls-cert.");
ABSL_FLAG(std::string, tls_server_name, "",
          "Name the server's certificate must carry, if not the host of --server.");

namespace convoy {
namespace {

// As the server's: certificate bundles are a few KiB; anything far larger is
// a wrong path.
constexpr int64_t kMaxPemFileBytes = 1 << 20;

absl::StatusOr<std::string> ReadPem(const char* flag, const std::string& path) {
  absl::StatusOr<std::string> content = ReadBoundedFile(path, kMaxPemFileBytes);
  if (!content.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("cannot read ", flag, " ", path, ": ", content.status().message()));
  }
  return content;
}

}  // namespace

absl::Status ApplyClientTlsFlags(client::ClientOptions* options) {
  const std::string ca = absl::GetFlag(FLAGS_tls_ca);
  const std::string cert = absl::GetFlag(FLAGS_tls_cert);
  const std::string key = absl::GetFlag(FLAGS_tls_key);
  const std::string server_name = absl::GetFlag(FLAGS_tls_server_name);
  if (cert.empty() != key.empty()) return absl::InvalidArgumentError("--tls-cert and --tls-key go together");
  const bool wanted = absl::GetFlag(FLAGS_tls) || !ca.empty() || !cert.empty() || !server_name.empty();
  if (!wanted) return absl::OkStatus();
  client::ClientTls tls;
  tls.server_name = server_name;
  for (auto [flag, path, pem] : {std::tuple{"--tls-ca", ca, &tls.root_certs},
                                 std::tuple{"--tls-cert", cert, &tls.cert_chain},
                                 std::tuple{"--tls-key", key, &tls.private_key}}) {
    if (path.empty()) continue;
    absl::StatusOr<std::string> content = ReadPem(flag, path);
    if (!content.ok()) return content.status();
    *pem = *std::move(content);
  }
  options->tls = std::move(tls);
  return absl::OkStatus();
}

}  // namespace convoy
