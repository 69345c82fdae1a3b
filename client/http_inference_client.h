// HttpInferenceClient: the KServe v2 REST protocol over HTTP/1.1, the
// counterpart of InferenceClient (gRPC). It takes and returns the same
// messages, so code written against KServeClient runs over either; it
// speaks only the standard protocol and Triton's extensions (binary
// tensors, classification, statistics, model configuration, repository),
// so it works against Convoy's HTTP port (8000) or Triton's.
//
//   ASSIGN_OR_RETURN(auto client, HttpInferenceClient::Create({.target = "127.0.0.1:8000"}));
//   inference::ModelInferRequest request;
//   request.set_model_name("lenet5");
//   AddFp32Input(&request, "input", {1, 1, 32, 32}, pixels);
//   ASSIGN_OR_RETURN(auto response, client->Infer(request));
//   ASSIGN_OR_RETURN(Fp32Output logits, GetFp32Output(response, "logits"));
//
// The calls and what they send:
//
//   ServerLive, ServerReady   GET /v2/health/live, /v2/health/ready
//   ModelReady                GET /v2/models/M[/versions/V]/ready
//   ServerMetadata            GET /v2
//   ModelMetadata             GET /v2/models/M[/versions/V]
//   ModelConfig               GET /v2/models/M[/versions/V]/config
//   ModelStatistics           GET /v2/models[/M[/versions/V]]/stats
//   RepositoryIndex           POST /v2/repository/index {"ready": ...}
//   LoadModel, UnloadModel    POST /v2/repository/models/M/load, /unload
//                             (Authorization: Bearer <admin_token> if set)
//   Infer, AsyncInfer         POST /v2/models/M[/versions/V]/infer
//
// Health answers are the status code: 200 is true; 400 and 503 are false
// (KServe says a 4xx means false; a draining server says 503), and for
// ModelReady so is 404 (no such model, as the gRPC side answers false).
// Anything else is an error. JSON answers are read into the protocol's
// messages (field names as in the .proto, fields it lacks ignored);
// ModelConfig takes the configuration object itself (Triton's form) or one
// wrapped as {"config": {...}}. Errors map HTTP statuses to codes as
// kserve_http_response.h lists, with the server's message. How inference
// requests and responses are encoded: kserve_http_request.h (HttpOptions::
// data_form chooses binary or JSON tensors) and kserve_http_response.h.
//
// Connections, timeouts and TLS: http_transport.h. In short, a pool of
// keep-alive connections carries many requests at once, one request per
// connection; ClientOptions::timeout bounds each call; ClientOptions::tls
// (or an "https://" target) turns TLS on, with the same fields as gRPC's.
//
// Thread-safety: all methods may be called concurrently from any thread.
// AsyncInfer's `done` runs on the client's one I/O thread, never inside
// AsyncInfer; it must not block. A synchronous call made from inside `done`
// fails with FAILED_PRECONDITION instead of waiting forever; AsyncInfer
// from there is fine. The client must not be destroyed from inside `done`;
// calls still in flight when it is destroyed end with CANCELLED.
#ifndef CONVOY_CLIENT_HTTP_INFERENCE_CLIENT_H_
#define CONVOY_CLIENT_HTTP_INFERENCE_CLIENT_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/http_message.h"
#include "client/infer_tensors.h"
#include "client/kserve_client.h"
#include "client/kserve_http_request.h"
#include "google/protobuf/message.h"

namespace convoy::client {

class HttpTransport;

// What only HTTP has.
struct HttpOptions {
  // How tensors travel. Binary by default, as Triton's perf_analyzer does:
  // nothing is printed as text or parsed back.
  HttpDataForm data_form = HttpDataForm::kBinary;
  // Connections open at once at most (http_transport.h); requests beyond
  // wait for one. Set it at least to the number of requests kept in flight.
  int max_connections = 256;
};

class HttpInferenceClient : public KServeClient {
 public:
  // InvalidArgument for a bad target or TLS material. No connection is made
  // until the first call.
  static absl::StatusOr<std::unique_ptr<HttpInferenceClient>> Create(ClientOptions options,
                                                                     HttpOptions http = HttpOptions());
  ~HttpInferenceClient() override;

  absl::StatusOr<bool> ServerLive() override;
  absl::StatusOr<bool> ServerReady() override;
  absl::StatusOr<bool> ModelReady(const std::string& name, const std::string& version = "") override;
  absl::StatusOr<inference::ServerMetadataResponse> ServerMetadata() override;
  absl::StatusOr<inference::ModelMetadataResponse> ModelMetadata(const std::string& name,
                                                                 const std::string& version = "") override;
  absl::StatusOr<inference::ModelConfig> ModelConfig(const std::string& name,
                                                     const std::string& version = "") override;
  absl::StatusOr<inference::ModelStatisticsResponse> ModelStatistics(const std::string& name = "",
                                                                     const std::string& version = "") override;
  absl::StatusOr<inference::RepositoryIndexResponse> RepositoryIndex(bool ready_only = false) override;
  absl::Status LoadModel(const std::string& name) override;
  absl::Status UnloadModel(const std::string& name) override;

  absl::StatusOr<inference::ModelInferResponse> Infer(const inference::ModelInferRequest& request) override;
  using KServeClient::AsyncInfer;
  void AsyncInfer(std::shared_ptr<const inference::ModelInferRequest> request, InferCallback done,
                  absl::Duration timeout = absl::ZeroDuration()) override;

  // Connections opened so far: fewer than calls made means keep-alive at
  // work (for tests and diagnostics).
  int64_t connections_opened() const;

 private:
  HttpInferenceClient(ClientOptions options, HttpOptions http, std::unique_ptr<HttpTransport> transport);

  // One exchange, waited for. FAILED_PRECONDITION on the I/O thread.
  absl::StatusOr<HttpResponse> Call(HttpRequest request);
  // GET `path` of a health endpoint: 200 true, the statuses meaning "no" false.
  absl::StatusOr<bool> Health(const std::string& path, bool not_found_is_false);
  // GET `path`, a JSON object read into `message`; `what` names it in errors.
  absl::Status GetJson(const std::string& path, const char* what, google::protobuf::Message* message);
  // POST /v2/repository/models/NAME/ACTION with the admin token.
  absl::Status RepositoryAction(const std::string& name, const char* action);

  const ClientOptions options_;
  const HttpOptions http_;
  const std::unique_ptr<HttpTransport> transport_;
};

}  // namespace convoy::client

#endif  // CONVOY_CLIENT_HTTP_INFERENCE_CLIENT_H_
