// convoy-health: asks a server's grpc.health.v1 service whether it serves,
// for container health checks and scripts (Debian 12 has no
// grpc_health_probe).
//
//   convoy-health [--server 127.0.0.1:8001] [--service NAME] [--timeout 2]
//                 [--tls-ca CA.pem [--tls-cert C.pem --tls-key K.pem]]
//
// --service "" (the default) is the server as a whole: SERVING once every
// model to serve is loaded, NOT_SERVING while it starts or drains. A model
// name asks for that model. Exit status: 0 SERVING, 1 anything else (the
// status or the error is printed), 2 for a bad command line.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "client/inference_client.h"
#include "common/dash_flags.h"
#include "tools/common/client_tls_flags.h"

ABSL_FLAG(std::string, server, "127.0.0.1:8001", "host:port of the server.");
ABSL_FLAG(std::string, service, "", "Health service name: empty for the server, or a model name.");
ABSL_FLAG(double, timeout, 2, "Seconds to wait for the answer.");

namespace {

constexpr int kExitServing = 0;
constexpr int kExitNotServing = 1;
constexpr int kExitUsage = 2;

int Run() {
  convoy::client::ClientOptions options;
  options.target = absl::GetFlag(FLAGS_server);
  options.timeout = absl::Seconds(absl::GetFlag(FLAGS_timeout));
  if (absl::Status tls = convoy::ApplyClientTlsFlags(&options); !tls.ok()) {
    std::fprintf(stderr, "convoy-health: %s\n", std::string(tls.message()).c_str());
    return kExitUsage;
  }
  const std::string service = absl::GetFlag(FLAGS_service);
  const std::string subject = service.empty() ? options.target : service + " at " + options.target;
  auto client = convoy::client::InferenceClient::Create(options);
  if (!client.ok()) {
    std::fprintf(stderr, "convoy-health: %s\n", std::string(client.status().message()).c_str());
    return kExitUsage;
  }
  auto status = (*client)->HealthCheck(service);
  if (!status.ok()) {
    std::fprintf(stderr, "convoy-health: %s: %s\n", subject.c_str(), status.status().ToString().c_str());
    return kExitNotServing;
  }
  const std::string name = grpc::health::v1::HealthCheckResponse::ServingStatus_Name(*status);
  std::printf("%s: %s\n", subject.c_str(), name.c_str());
  return *status == grpc::health::v1::HealthCheckResponse::SERVING ? kExitServing : kExitNotServing;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<char*> rest = convoy::ParseDashFlags(
      argc, argv, "tools/convoy_health/main.cc",
      "Exits 0 when the server (or --service) is SERVING.\n"
      "  convoy-health [--server 127.0.0.1:8001] [--service NAME] [--timeout 2]");
  if (rest.size() > 1) {
    std::fprintf(stderr, "convoy-health: unexpected argument '%s' (flags start with --)\n", rest[1]);
    return kExitUsage;
  }
  return Run();
}
