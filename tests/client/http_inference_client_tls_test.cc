// HttpInferenceClient over TLS against the fake server, with throwaway
// certificates made by tests/testing/make_test_pki.sh (Debian's openssl,
// hence an integration test): the server verified against the right CA and
// refused under another, names checked, mutual TLS, keep-alive kept.
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/http_inference_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/client/testing/fake_http_server.h"
#include "tests/testing/temp_dir.h"

namespace convoy::client {
namespace {

using ::convoy::testing::CannedResponse;
using ::convoy::testing::FakeHttpServer;
using ::convoy::testing::FakeServerTls;
using ::convoy::testing::RecordedRequest;
using ::testing::HasSubstr;

CannedResponse Live(const RecordedRequest&) { return CannedResponse(); }

class HttpTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const int status = std::system(absl::StrCat("bash '", CONVOY_MAKE_TEST_PKI, "' '", pki_.path().string(), "' >'",
                                                pki_.Path("openssl.log"), "' 2>&1")
                                       .c_str());
    ASSERT_EQ(status, 0) << "make_test_pki.sh failed; see " << pki_.Path("openssl.log");
  }

  std::string Pem(const std::string& name) const {
    std::ifstream in(pki_.Path(name));
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  FakeServerTls ServerTls(bool mutual) const {
    return FakeServerTls{pki_.Path("server.pem"), pki_.Path("server.key"), mutual ? pki_.Path("ca.pem") : ""};
  }

  // A client of `server` trusting `ca`, showing `certificate` if not empty.
  std::unique_ptr<HttpInferenceClient> Client(const FakeHttpServer& server, const std::string& ca,
                                              const std::string& certificate = "",
                                              const std::string& server_name = "") const {
    ClientOptions options;
    options.target = server.target();
    options.timeout = absl::Seconds(10);
    options.tls = ClientTls{};
    options.tls->root_certs = Pem(ca + ".pem");
    if (!certificate.empty()) {
      options.tls->cert_chain = Pem(certificate + ".pem");
      options.tls->private_key = Pem(certificate + ".key");
    }
    options.tls->server_name = server_name;
    absl::StatusOr<std::unique_ptr<HttpInferenceClient>> client = HttpInferenceClient::Create(options);
    EXPECT_TRUE(client.ok()) << client.status();
    return client.ok() ? *std::move(client) : nullptr;
  }

  testing::TempDir pki_;
};

TEST_F(HttpTlsTest, VerifiesTheServerAndKeepsTheConnection) {
  FakeHttpServer server(Live, ServerTls(/*mutual=*/false));
  auto client = Client(server, "ca");
  ASSERT_NE(client, nullptr);
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<bool> live = client->ServerLive();
    ASSERT_TRUE(live.ok()) << live.status();
    EXPECT_TRUE(*live);
  }
  EXPECT_EQ(server.connections(), 1);
}

TEST_F(HttpTlsTest, RefusesAServerAnotherCaSigned) {
  FakeHttpServer server(Live, ServerTls(/*mutual=*/false));
  auto client = Client(server, "other-ca");
  ASSERT_NE(client, nullptr);
  absl::Status status = client->ServerLive().status();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_THAT(status.message(), HasSubstr("TLS handshake with " + server.target() + " failed"));
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(HttpTlsTest, ChecksTheNameTheCertificateMustCarry) {
  FakeHttpServer server(Live, ServerTls(/*mutual=*/false));
  // The certificate names 127.0.0.1 and localhost.
  auto named = Client(server, "ca", "", "localhost");
  ASSERT_NE(named, nullptr);
  EXPECT_TRUE(named->ServerLive().ok());
  auto misnamed = Client(server, "ca", "", "elsewhere.example");
  ASSERT_NE(misnamed, nullptr);
  EXPECT_EQ(misnamed->ServerLive().status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(HttpTlsTest, MutualTlsNeedsACertificateTheServerTrusts) {
  FakeHttpServer server(Live, ServerTls(/*mutual=*/true));
  auto anonymous = Client(server, "ca");
  ASSERT_NE(anonymous, nullptr);
  EXPECT_EQ(anonymous->ServerLive().status().code(), absl::StatusCode::kUnavailable);
  auto stranger = Client(server, "ca", "stranger");
  ASSERT_NE(stranger, nullptr);
  EXPECT_EQ(stranger->ServerLive().status().code(), absl::StatusCode::kUnavailable);
  auto known = Client(server, "ca", "client");
  ASSERT_NE(known, nullptr);
  absl::StatusOr<bool> live = known->ServerLive();
  ASSERT_TRUE(live.ok()) << live.status();
  EXPECT_TRUE(*live);
  EXPECT_EQ(server.requests().size(), 1u);
}

}  // namespace
}  // namespace convoy::client
