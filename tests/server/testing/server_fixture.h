// Starts an in-process convoy server on 127.0.0.1 (a free port) over a
// TestRepository, with a client connected to it.
#ifndef CONVOY_TESTS_SERVER_TESTING_SERVER_FIXTURE_H_
#define CONVOY_TESTS_SERVER_TESTING_SERVER_FIXTURE_H_

#include <memory>
#include <string>

#include "client/inference_client.h"
#include "server/app/server.h"
#include "tests/server/testing/test_repository.h"

namespace convoy::testing {

struct RunningServer {
  std::unique_ptr<server::Server> server;
  std::unique_ptr<client::InferenceClient> client;
  std::string target;
};

// Starts a server over `repository` (and the repositories in `options`, after
// it) with `mode`; aborts the test on failure.
// Metrics are off: prometheus-cpp's HTTP server takes about 2 s to stop,
// which most tests need not pay.
RunningServer StartServer(const TestRepository& repository,
                          server::ModelControlMode mode = server::ModelControlMode::kNone,
                          server::ServerOptions options = {});
// As StartServer, with the metrics endpoint on a free port.
RunningServer StartServerWithMetrics(const TestRepository& repository, server::ServerOptions options = {});

// A client of `target` with the given per-call timeout.
std::unique_ptr<client::InferenceClient> Connect(const std::string& target,
                                                 absl::Duration timeout = absl::Seconds(30));

// A request for `items` items of 1.0 to a ScaleModelOnnx model named `model`.
inference::ModelInferRequest ScaleRequest(const std::string& model, int items);

}  // namespace convoy::testing

#endif  // CONVOY_TESTS_SERVER_TESTING_SERVER_FIXTURE_H_
