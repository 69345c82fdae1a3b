// TLS, mutual TLS and the admin token, over loopback. The certificates are
// made for each test by tests/testing/make_test_pki.sh (Debian's openssl): a
// CA, a server certificate for 127.0.0.1 and a client certificate, and a
// second CA with its own client, which the server must refuse.
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/server/testing/server_fixture.h"

namespace convoy {
namespace {

using ::testing::HasSubstr;
using testing::RunningServer;
using testing::ScaleModelConfig;
using testing::ScaleModelOnnx;
using testing::StartServer;
using testing::TestRepository;
using server::ModelControlMode;

std::string ReadFile(const std::string& path) {
  std::ifstream file(path);
  std::stringstream content;
  content << file.rdbuf();
  return content.str();
}

// The certificates of make_test_pki.sh, in `dir`.
class Pki {
 public:
  explicit Pki(const std::string& dir) : dir_(dir) {
    const int status = std::system(
        absl::StrCat("bash '", CONVOY_MAKE_TEST_PKI, "' '", dir, "' >'", dir, "/openssl.log' 2>&1").c_str());
    EXPECT_EQ(status, 0) << ReadFile(dir + "/openssl.log");
  }

  std::string Path(const std::string& file) const { return dir_ + "/" + file; }
  std::string Pem(const std::string& file) const { return ReadFile(Path(file)); }

 private:
  std::string dir_;
};

// A client of `target` with TLS as given (nullopt: plaintext).
std::unique_ptr<client::InferenceClient> ConnectWith(const std::string& target,
                                                     std::optional<client::ClientTls> tls,
                                                     const std::string& admin_token = "") {
  client::ClientOptions options;
  options.target = target;
  options.timeout = absl::Seconds(10);
  options.tls = std::move(tls);
  options.admin_token = admin_token;
  auto client = client::InferenceClient::Create(options);
  EXPECT_TRUE(client.ok()) << client.status();
  return client.ok() ? *std::move(client) : nullptr;
}

class SecurityTest : public ::testing::Test {
 protected:
  SecurityTest() : pki_(pki_dir_.root()) {
    repository_.WriteFile("m/config.pbtxt", ScaleModelConfig("m"));
    repository_.WriteFile("m/1/model.onnx", ScaleModelOnnx(2.0f));
  }

  server::ServerOptions TlsOptions(bool mutual) const {
    server::ServerOptions options;
    options.tls.cert = pki_.Path("server.pem");
    options.tls.key = pki_.Path("server.key");
    if (mutual) options.tls.client_ca = pki_.Path("ca.pem");
    return options;
  }

  client::ClientTls TrustingCa(const std::string& ca) const {
    client::ClientTls tls;
    tls.root_certs = pki_.Pem(ca + ".pem");
    return tls;
  }

  client::ClientTls WithCertificate(const std::string& name) const {
    client::ClientTls tls = TrustingCa("ca");
    tls.cert_chain = pki_.Pem(name + ".pem");
    tls.private_key = pki_.Pem(name + ".key");
    return tls;
  }

  TestRepository pki_dir_;
  Pki pki_;
  TestRepository repository_;
};

absl::StatusCode LiveCode(client::InferenceClient& client) { return client.ServerLive().status().code(); }

TEST_F(SecurityTest, TlsServesClientsThatTrustItsCa) {
  RunningServer running = StartServer(repository_, ModelControlMode::kNone, TlsOptions(/*mutual=*/false));
  ASSERT_NE(running.server, nullptr);

  auto trusting = ConnectWith(running.target, TrustingCa("ca"));
  EXPECT_EQ(LiveCode(*trusting), absl::StatusCode::kOk);
  inference::ModelInferRequest request;
  request.set_model_name("m");
  client::AddFp32Input(&request, "x", {1, 4}, std::vector<float>(4, 1.0f));
  auto response = trusting->Infer(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(client::GetFp32Output(*response, "y")->values[0], 2.0f);

  // Plaintext gets no answer from a TLS port; nor does a client that does
  // not trust the server's CA.
  EXPECT_EQ(LiveCode(*ConnectWith(running.target, std::nullopt)), absl::StatusCode::kUnavailable);
  EXPECT_EQ(LiveCode(*ConnectWith(running.target, TrustingCa("other-ca"))), absl::StatusCode::kUnavailable);
  // The certificate is for 127.0.0.1 and localhost, nothing else.
  client::ClientTls wrong_name = TrustingCa("ca");
  wrong_name.server_name = "convoy.example.com";
  EXPECT_EQ(LiveCode(*ConnectWith(running.target, wrong_name)), absl::StatusCode::kUnavailable);
}

TEST_F(SecurityTest, MutualTlsServesOnlyClientsWithACertificateFromItsCa) {
  RunningServer running = StartServer(repository_, ModelControlMode::kNone, TlsOptions(/*mutual=*/true));
  ASSERT_NE(running.server, nullptr);

  EXPECT_EQ(LiveCode(*ConnectWith(running.target, WithCertificate("client"))), absl::StatusCode::kOk);
  EXPECT_EQ(LiveCode(*ConnectWith(running.target, TrustingCa("ca"))), absl::StatusCode::kUnavailable);
  EXPECT_EQ(LiveCode(*ConnectWith(running.target, WithCertificate("stranger"))), absl::StatusCode::kUnavailable);
}

TEST_F(SecurityTest, BadTlsFilesStopTheStartWithTheirName) {
  server::ServerOptions options = TlsOptions(/*mutual=*/false);
  options.models.repositories = {repository_.root()};
  options.address = "127.0.0.1";
  options.grpc_port = 0;
  options.http_port = 0;
  options.allow_metrics = false;
  auto start_error = [&](server::ServerOptions changed) {
    auto server = server::Server::Start(std::move(changed));
    return server.ok() ? absl::OkStatus() : server.status();
  };

  server::ServerOptions mismatched = options;
  mismatched.tls.key = pki_.Path("client.key");
  EXPECT_THAT(start_error(mismatched).message(),
              HasSubstr(absl::StrCat("--tls-key ", pki_.Path("client.key"), " is not the key of --tls-cert")));
  server::ServerOptions missing = options;
  missing.tls.cert = pki_.Path("absent.pem");
  EXPECT_THAT(start_error(missing).message(), HasSubstr("cannot read --tls-cert " + pki_.Path("absent.pem")));
  server::ServerOptions not_pem = options;
  not_pem.tls.cert = pki_.Path("server.ext");
  EXPECT_THAT(start_error(not_pem).message(), HasSubstr("holds no PEM certificate"));
  server::ServerOptions no_key = options;
  no_key.tls.key.clear();
  EXPECT_THAT(start_error(no_key).message(), HasSubstr("--tls-cert and --tls-key go together"));
  server::ServerOptions ca_only;
  ca_only.models.repositories = {repository_.root()};
  ca_only.tls.client_ca = pki_.Path("ca.pem");
  EXPECT_THAT(start_error(ca_only).message(), HasSubstr("--tls-client-ca needs --tls-cert"));
  for (const auto& bad : {mismatched, missing, not_pem, no_key, ca_only}) {
    EXPECT_EQ(start_error(bad).code(), absl::StatusCode::kInvalidArgument);
  }
}

TEST_F(SecurityTest, RepositoryControlNeedsTheAdminToken) {
  server::ServerOptions options;
  options.admin_token = "s3cret-token";
  RunningServer running = StartServer(repository_, ModelControlMode::kExplicit, options);
  ASSERT_NE(running.server, nullptr);

  absl::Status anonymous = running.client->LoadModel("m");
  EXPECT_EQ(anonymous.code(), absl::StatusCode::kUnauthenticated) << anonymous;
  EXPECT_THAT(anonymous.message(), HasSubstr("authorization: Bearer"));
  auto wrong = ConnectWith(running.target, std::nullopt, "s3cret-tokem");
  EXPECT_EQ(wrong->LoadModel("m").code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(wrong->UnloadModel("m").code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(*running.client->ModelReady("m"), false);

  auto admin = ConnectWith(running.target, std::nullopt, "s3cret-token");
  ASSERT_TRUE(admin->LoadModel("m").ok());
  EXPECT_EQ(*running.client->ModelReady("m"), true);
  EXPECT_EQ(running.client->UnloadModel("m").code(), absl::StatusCode::kUnauthenticated);
  ASSERT_TRUE(admin->UnloadModel("m").ok());
  EXPECT_EQ(*running.client->ModelReady("m"), false);
  // Reading the repository needs no token.
  EXPECT_TRUE(running.client->RepositoryIndex().ok());
}

}  // namespace
}  // namespace convoy
