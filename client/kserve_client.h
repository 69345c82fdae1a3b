// KServeClient: the KServe v2 protocol as a client sees it, whatever carries
// it. InferenceClient speaks it over gRPC (port 8001 by convention),
// HttpInferenceClient over HTTP/1.1 REST (port 8000); code that only sends
// requests and reads statistics (convoy-loadgen, convoy-classify) takes a
// KServeClient and works over either.
//
// Both sides use the gRPC protocol's messages: a ModelInferRequest goes in, a
// ModelInferResponse comes out with raw_output_contents filled, so the
// helpers of infer_tensors.h read the result the same way.
//
// Errors are absl::Status with the server's code (gRPC's, or HTTP's mapped
// to it) and message; transport failures are UNAVAILABLE, deadlines
// DEADLINE_EXCEEDED.
//
// Thread-safety: implementations allow every method to be called
// concurrently from any thread.
#ifndef CONVOY_CLIENT_KSERVE_CLIENT_H_
#define CONVOY_CLIENT_KSERVE_CLIENT_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpc_service.pb.h"

namespace convoy::client {

// TLS to the server, PEM contents (not paths).
struct ClientTls {
  std::string root_certs;   // CAs that signed the server's certificate; empty = the system's
  std::string cert_chain;   // for mutual TLS: this client's certificate...
  std::string private_key;  // ...and its key
  std::string server_name;  // name to verify instead of the target's host; empty = the host
};

struct ClientOptions {
  std::string target;  // "host:port"
  // Deadline of every call.
  absl::Duration timeout = absl::Seconds(30);
  // Largest response accepted.
  int max_receive_message_bytes = 256 << 20;
  // Not set = plaintext.
  std::optional<ClientTls> tls;
  // Sent as `authorization: Bearer <it>` with RepositoryModelLoad/Unload
  // (convoy-server --admin-token-file); empty = not sent.
  std::string admin_token;
};

// Overrides repeat the default arguments below unchanged, so a call means the
// same through the interface and through the concrete class.
class KServeClient {
 public:
  virtual ~KServeClient() = default;

  virtual absl::StatusOr<bool> ServerLive() = 0;
  virtual absl::StatusOr<bool> ServerReady() = 0;
  virtual absl::StatusOr<bool> ModelReady(const std::string& name, const std::string& version = "") = 0;
  virtual absl::StatusOr<inference::ServerMetadataResponse> ServerMetadata() = 0;
  virtual absl::StatusOr<inference::ModelMetadataResponse> ModelMetadata(const std::string& name,
                                                                         const std::string& version = "") = 0;
  virtual absl::StatusOr<inference::ModelConfig> ModelConfig(const std::string& name,
                                                             const std::string& version = "") = 0;
  // Every model's when `name` is empty.
  virtual absl::StatusOr<inference::ModelStatisticsResponse> ModelStatistics(const std::string& name = "",
                                                                             const std::string& version = "") = 0;
  virtual absl::StatusOr<inference::RepositoryIndexResponse> RepositoryIndex(bool ready_only = false) = 0;
  virtual absl::Status LoadModel(const std::string& name) = 0;
  virtual absl::Status UnloadModel(const std::string& name) = 0;

  virtual absl::StatusOr<inference::ModelInferResponse> Infer(const inference::ModelInferRequest& request) = 0;
  // As Infer, without blocking: `done` runs once, on a thread of the client
  // (each client's header says which). `timeout` overrides
  // ClientOptions::timeout when not zero.
  // The request is shared, not copied, so one request can be sent many times
  // at no cost.
  using InferCallback = std::function<void(absl::Status, inference::ModelInferResponse)>;
  virtual void AsyncInfer(std::shared_ptr<const inference::ModelInferRequest> request, InferCallback done,
                          absl::Duration timeout = absl::ZeroDuration()) = 0;
  // As above, with a copy of `request`.
  void AsyncInfer(const inference::ModelInferRequest& request, InferCallback done,
                  absl::Duration timeout = absl::ZeroDuration()) {
    AsyncInfer(std::make_shared<const inference::ModelInferRequest>(request), std::move(done), timeout);
  }
};

}  // namespace convoy::client

#endif  // CONVOY_CLIENT_KSERVE_CLIENT_H_
