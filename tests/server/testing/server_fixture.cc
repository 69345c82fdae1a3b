#include "tests/server/testing/server_fixture.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace convoy::testing {
namespace {

RunningServer StartServerWithOptions(const TestRepository& repository, server::ModelControlMode mode,
                                     server::ServerOptions options) {
  // Before any further repository the test put in `options`.
  options.models.repositories.insert(options.models.repositories.begin(), repository.root());
  options.models.mode = mode;
  options.address = "127.0.0.1";
  options.grpc_port = 0;
  options.http_port = 0;
  options.metrics_port = 0;
  absl::StatusOr<std::unique_ptr<server::Server>> started = server::Server::Start(options);
  if (!started.ok()) {
    ADD_FAILURE() << "server did not start: " << started.status();
    return {};
  }
  RunningServer running;
  running.server = *std::move(started);
  running.target = absl::StrCat("127.0.0.1:", running.server->port());
  running.client = Connect(running.target);
  return running;
}

}  // namespace

RunningServer StartServer(const TestRepository& repository, server::ModelControlMode mode,
                          server::ServerOptions options) {
  options.allow_metrics = false;
  return StartServerWithOptions(repository, mode, std::move(options));
}

RunningServer StartServerWithMetrics(const TestRepository& repository, server::ServerOptions options) {
  options.allow_metrics = true;
  return StartServerWithOptions(repository, server::ModelControlMode::kNone, std::move(options));
}

std::unique_ptr<client::InferenceClient> Connect(const std::string& target,
                                                 absl::Duration timeout) {
  client::ClientOptions options;
  options.target = target;
  options.timeout = timeout;
  absl::StatusOr<std::unique_ptr<client::InferenceClient>> client =
      client::InferenceClient::Create(options);
  EXPECT_TRUE(client.ok()) << client.status();
  return client.ok() ? *std::move(client) : nullptr;
}

inference::ModelInferRequest ScaleRequest(const std::string& model, int items) {
  inference::ModelInferRequest request;
  request.set_model_name(model);
  std::vector<float> values(4 * items, 1.0f);
  client::AddFp32Input(&request, "x", {items, 4}, values);
  return request;
}

}  // namespace convoy::testing
