#include "client/http_inference_client.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "client/http_transport.h"
#include "client/kserve_http_response.h"

namespace convoy::client {
namespace {

HttpRequest Get(std::string path) {
  HttpRequest request;
  request.method = "GET";
  request.target = std::move(path);
  return request;
}

HttpRequest Post(std::string path, std::string json_body) {
  HttpRequest request;
  request.method = "POST";
  request.target = std::move(path);
  if (!json_body.empty()) request.headers.emplace_back("Content-Type", "application/json");
  request.body = std::move(json_body);
  return request;
}

}  // namespace

absl::StatusOr<std::unique_ptr<HttpInferenceClient>> HttpInferenceClient::Create(ClientOptions options,
                                                                                  HttpOptions http) {
  if (options.target.empty()) return absl::InvalidArgumentError("no server address given");
  HttpTransportOptions transport_options;
  transport_options.target = options.target;
  transport_options.tls = options.tls;
  transport_options.max_connections = http.max_connections;
  transport_options.max_response_bytes = options.max_receive_message_bytes;
  absl::StatusOr<std::unique_ptr<HttpTransport>> transport = HttpTransport::Create(transport_options);
  if (!transport.ok()) return transport.status();
  return std::unique_ptr<HttpInferenceClient>(
      new HttpInferenceClient(std::move(options), http, *std::move(transport)));
}

HttpInferenceClient::HttpInferenceClient(ClientOptions options, HttpOptions http,
                                         std::unique_ptr<HttpTransport> transport)
    : options_(std::move(options)), http_(http), transport_(std::move(transport)) {}

HttpInferenceClient::~HttpInferenceClient() = default;

int64_t HttpInferenceClient::connections_opened() const { return transport_->connections_opened(); }

absl::StatusOr<HttpResponse> HttpInferenceClient::Call(HttpRequest request) {
  if (transport_->InIoThread()) {
    return absl::FailedPreconditionError(
        "a synchronous call of the HTTP client from inside one of its callbacks would wait for itself; "
        "make it from another thread");
  }
  absl::Notification finished;
  absl::StatusOr<HttpResponse> result;
  transport_->Send(std::move(request), options_.timeout, [&](absl::StatusOr<HttpResponse> response) {
    result = std::move(response);
    finished.Notify();
  });
  finished.WaitForNotification();
  return result;
}

absl::StatusOr<bool> HttpInferenceClient::Health(const std::string& path, bool not_found_is_false) {
  absl::StatusOr<HttpResponse> response = Call(Get(path));
  if (!response.ok()) return response.status();
  if (response->status == 200) return true;
  if (response->status == 400 || response->status == 503 || (not_found_is_false && response->status == 404)) {
    return false;
  }
  absl::Status status = StatusFromHttp(response->status, response->body);
  if (status.ok()) {  // Another 2xx: not what the protocol answers.
    return absl::InternalError(absl::StrCat("GET ", path, " answered HTTP status ", response->status));
  }
  return status;
}

absl::Status HttpInferenceClient::GetJson(const std::string& path, const char* what,
                                          google::protobuf::Message* message) {
  absl::StatusOr<HttpResponse> response = Call(Get(path));
  if (!response.ok()) return response.status();
  if (absl::Status status = StatusFromHttp(response->status, response->body); !status.ok()) return status;
  return ParseJsonMessage(response->body, what, message);
}

absl::StatusOr<bool> HttpInferenceClient::ServerLive() { return Health("/v2/health/live", false); }

absl::StatusOr<bool> HttpInferenceClient::ServerReady() { return Health("/v2/health/ready", false); }

absl::StatusOr<bool> HttpInferenceClient::ModelReady(const std::string& name, const std::string& version) {
  return Health(ModelPath(name, version, "/ready"), true);
}

absl::StatusOr<inference::ServerMetadataResponse> HttpInferenceClient::ServerMetadata() {
  inference::ServerMetadataResponse metadata;
  if (absl::Status status = GetJson("/v2", "server metadata", &metadata); !status.ok()) return status;
  return metadata;
}

absl::StatusOr<inference::ModelMetadataResponse> HttpInferenceClient::ModelMetadata(const std::string& name,
                                                                                    const std::string& version) {
  inference::ModelMetadataResponse metadata;
  if (absl::Status status = GetJson(ModelPath(name, version, ""), "model metadata", &metadata); !status.ok()) {
    return status;
  }
  return metadata;
}

absl::StatusOr<inference::ModelConfig> HttpInferenceClient::ModelConfig(const std::string& name,
                                                                        const std::string& version) {
  absl::StatusOr<HttpResponse> response = Call(Get(ModelPath(name, version, "/config")));
  if (!response.ok()) return response.status();
  if (absl::Status status = StatusFromHttp(response->status, response->body); !status.ok()) return status;
  // Triton sends the configuration itself; a server may wrap it as the gRPC
  // response does. Unknown fields are ignored, so the wrapped form parses as
  // a configuration without any field set, and the other way round.
  inference::ModelConfigResponse wrapped;
  if (absl::Status status = ParseJsonMessage(response->body, "model configuration", &wrapped); !status.ok()) {
    return status;
  }
  if (wrapped.has_config()) return wrapped.config();
  inference::ModelConfig config;
  if (absl::Status status = ParseJsonMessage(response->body, "model configuration", &config); !status.ok()) {
    return status;
  }
  return config;
}

absl::StatusOr<inference::ModelStatisticsResponse> HttpInferenceClient::ModelStatistics(const std::string& name,
                                                                                        const std::string& version) {
  if (name.empty() && !version.empty()) {
    return absl::InvalidArgumentError("statistics of a version need the model's name");
  }
  inference::ModelStatisticsResponse statistics;
  const std::string path = name.empty() ? "/v2/models/stats" : ModelPath(name, version, "/stats");
  if (absl::Status status = GetJson(path, "model statistics", &statistics); !status.ok()) return status;
  return statistics;
}

absl::StatusOr<inference::RepositoryIndexResponse> HttpInferenceClient::RepositoryIndex(bool ready_only) {
  absl::StatusOr<HttpResponse> response =
      Call(Post("/v2/repository/index", ready_only ? R"({"ready":true})" : R"({"ready":false})"));
  if (!response.ok()) return response.status();
  if (absl::Status status = StatusFromHttp(response->status, response->body); !status.ok()) return status;
  // The body is the list of models itself: a JSON array.
  inference::RepositoryIndexResponse index;
  if (absl::Status status = ParseJsonMessage(absl::StrCat(R"({"models":)", response->body, "}"), "repository index",
                                             &index);
      !status.ok()) {
    return status;
  }
  return index;
}

absl::Status HttpInferenceClient::RepositoryAction(const std::string& name, const char* action) {
  HttpRequest request = Post(RepositoryModelPath(name, action), "");
  if (!options_.admin_token.empty()) request.headers.emplace_back("Authorization", "Bearer " + options_.admin_token);
  absl::StatusOr<HttpResponse> response = Call(std::move(request));
  if (!response.ok()) return response.status();
  return StatusFromHttp(response->status, response->body);
}

absl::Status HttpInferenceClient::LoadModel(const std::string& name) { return RepositoryAction(name, "load"); }

absl::Status HttpInferenceClient::UnloadModel(const std::string& name) { return RepositoryAction(name, "unload"); }

absl::StatusOr<inference::ModelInferResponse> HttpInferenceClient::Infer(const inference::ModelInferRequest& request) {
  absl::StatusOr<HttpRequest> http = EncodeInferRequest(request, http_.data_form);
  if (!http.ok()) return http.status();
  absl::StatusOr<HttpResponse> response = Call(*std::move(http));
  if (!response.ok()) return response.status();
  return DecodeInferResponse(*response);
}

void HttpInferenceClient::AsyncInfer(std::shared_ptr<const inference::ModelInferRequest> request,
                                     InferCallback done, absl::Duration timeout) {
  // Encoding runs here, on the caller's thread, so that many callers do not
  // queue behind the one I/O thread for it.
  absl::StatusOr<HttpRequest> http = EncodeInferRequest(*request, http_.data_form);
  request.reset();
  if (!http.ok()) {
    // Reported from the I/O thread, as every other outcome: a caller that
    // sends again from `done` must not recurse.
    transport_->Post([done = std::move(done), status = http.status()] { done(status, {}); });
    return;
  }
  transport_->Send(*std::move(http), timeout == absl::ZeroDuration() ? options_.timeout : timeout,
                   [done = std::move(done)](absl::StatusOr<HttpResponse> response) {
                     if (!response.ok()) {
                       done(response.status(), {});
                       return;
                     }
                     absl::StatusOr<inference::ModelInferResponse> decoded = DecodeInferResponse(*response);
                     if (!decoded.ok()) {
                       done(decoded.status(), {});
                       return;
                     }
                     done(absl::OkStatus(), *std::move(decoded));
                   });
}

}  // namespace convoy::client
