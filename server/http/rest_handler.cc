#include "server/http/rest_handler.h"

#include <memory>
#include <string>
#include <utility>

#include <google/protobuf/util/json_util.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "server/http/image_body.h"
#include "server/http/proto_json.h"
#include "server/http/rest_infer_request.h"
#include "server/http/rest_error.h"
#include "server/http/rest_infer_response.h"
#include "server/http/rest_route.h"

namespace convoy::server {
namespace {

using http::HttpRequest;
using http::HttpResponse;
using http::Responder;

constexpr char kJson[] = "application/json";

HttpResponse JsonResponse(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.headers.emplace_back("Content-Type", kJson);
  response.body = std::move(body);
  return response;
}

HttpResponse ErrorResponse(const absl::Status& status) {
  const absl::string_view message = status.message();
  return JsonResponse(HttpStatusFor(status.code()), RestError(std::string_view(message.data(), message.size())));
}

HttpResponse ProtoResponse(const absl::Status& status, const google::protobuf::Message& message,
                           bool print_defaults = false) {
  if (!status.ok()) return ErrorResponse(status);
  return JsonResponse(200, ProtoToJson(message, {.print_defaults = print_defaults}));
}

// Health answers carry no body: the status says it (Triton's form).
HttpResponse HealthAnswer(bool yes) {
  HttpResponse response;
  response.status = yes ? 200 : 400;
  return response;
}

// The repository index request: its JSON form is the message's (an empty
// body asks for every model).
absl::StatusOr<inference::RepositoryIndexRequest> ReadIndexRequest(const HttpRequest& http) {
  inference::RepositoryIndexRequest request;
  if (absl::StripAsciiWhitespace(http.body).empty()) return request;
  const google::protobuf::util::Status parsed = google::protobuf::util::JsonStringToMessage(http.body, &request);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the repository index request is not valid: ", parsed.message().ToString()));
  }
  return request;
}

// The parameters of a repository load or unload body ({"parameters":
// {...}}, or empty).
template <typename Request>
absl::Status ReadRepositoryRequest(const HttpRequest& http, const std::string& model, Request* request) {
  request->set_model_name(model);
  absl::StatusOr<std::map<std::string, inference::ModelRepositoryParameter>> parameters =
      ParseRestParameters(http.body);
  if (!parameters.ok()) return parameters.status();
  for (auto& [name, value] : *parameters) (*request->mutable_parameters())[name] = std::move(value);
  return absl::OkStatus();
}

// The request's content type without its parameters, lower-cased.
std::string MediaType(const HttpRequest& request) {
  std::optional<std::string_view> type = request.Header("Content-Type");
  if (!type.has_value()) return "";
  const std::string_view media = type->substr(0, type->find(';'));
  return absl::AsciiStrToLower(absl::StripAsciiWhitespace(absl::string_view(media.data(), media.size())));
}

// One inference over HTTP: admitted (its router call begun and its body's
// bytes reserved) before the body is read, then parsed, submitted and
// answered. It lives until its answer is sent: `self` holds it from Handle
// until then; before Handle, the transport's admission pointer does, and
// dropping it (the client went away before sending the body) ends the call.
class InferExchange {
 public:
  InferExchange(RequestRouter* router, KServeOperations* operations, RestRoute route)
      : operations_(operations), route_(std::move(route)) {
    call_ = router->Begin(Protocol::kHttp, [this](const absl::Status& status) { Answer(status); });
  }

  // Reserves the declared body; the refusal to send instead if it cannot.
  std::optional<HttpResponse> Admit(int64_t content_length) {
    if (absl::Status reserved = call_->ReserveMessage(content_length); !reserved.ok()) {
      call_->Fail(reserved);
      return std::move(refusal_);
    }
    return std::nullopt;
  }

  void Handle(std::shared_ptr<InferExchange> self, HttpRequest http, Responder respond) {
    self_ = std::move(self);
    respond_ = std::move(respond);
    const int64_t size = static_cast<int64_t>(http.body.size());
    auto body = std::make_shared<HttpRequest>(std::move(http));
    // A large body is parsed off the transport's thread, as gRPC's are.
    call_->ContinueAfterReserve(size, absl::InfiniteFuture(), [] { return false; },
                                [this, body] { ParseSubmit(std::move(*body)); });
  }

 private:
  void ParseSubmit(HttpRequest http) {
    absl::Status parsed = Parse(http);
    http.body = std::string();  // What the client sent is held once, parsed.
    call_->MessageParsed();
    if (!parsed.ok()) return call_->Fail(parsed);
    SubmitInfer(*call_, &request_, absl::InfiniteFuture(), [] { return false; }, &response_);
  }

  absl::Status Parse(const HttpRequest& http) {
    const std::string media_type = MediaType(http);
    if (media_type == "image/jpeg" || media_type == "image/png") {
      image_ = true;
      absl::StatusOr<ImageBodyRequest> image =
          BuildImageBodyRequest(*operations_, route_.model, route_.version, SplitTarget(http.target).second,
                                http.body, &request_);
      if (!image.ok()) return image.status();
      image_output_ = image->output;
      return absl::OkStatus();
    }
    std::optional<int64_t> header_length;
    if (std::optional<std::string_view> header = http.Header("Inference-Header-Content-Length")) {
      const absl::string_view value(header->data(), header->size());
      int64_t length = 0;
      if (!absl::SimpleAtoi(value, &length)) {
        return absl::InvalidArgumentError(
            absl::StrCat("Inference-Header-Content-Length '", value, "' is not a number"));
      }
      header_length = length;
    }
    absl::StatusOr<RestOutputFormat> format =
        ParseRestInferRequest(http.body, header_length, route_.model, route_.version, &request_);
    if (!format.ok()) return format.status();
    format_ = *std::move(format);
    return absl::OkStatus();
  }

  // The router's answer; `this` may go at the end (self_ released).
  void Answer(const absl::Status& status) {
    HttpResponse response = status.ok() ? Encode() : ErrorResponse(status);
    request_.Clear();
    response_.Clear();
    if (!respond_) {  // Refused at admission: Admit sends it.
      refusal_ = std::move(response);
      return;
    }
    Responder respond = std::move(respond_);
    std::shared_ptr<InferExchange> keep = std::move(self_);
    respond(std::move(response));
  }

  HttpResponse Encode() {
    if (image_) {
      absl::StatusOr<std::string> classes = ImageBodyAnswer(response_, image_output_);
      return classes.ok() ? JsonResponse(200, *std::move(classes)) : ErrorResponse(classes.status());
    }
    absl::StatusOr<RestBody> body = EncodeRestInferResponse(response_, format_);
    if (!body.ok()) return ErrorResponse(body.status());
    HttpResponse response;
    response.status = 200;
    if (body->has_binary) {
      response.headers.emplace_back("Content-Type", "application/octet-stream");
      response.headers.emplace_back("Inference-Header-Content-Length", absl::StrCat(body->header_length));
    } else {
      response.headers.emplace_back("Content-Type", kJson);
    }
    response.body = std::move(body->json_and_binary);
    return response;
  }

  KServeOperations* const operations_;
  const RestRoute route_;
  std::unique_ptr<RequestRouter::Call> call_;
  bool image_ = false;
  std::string image_output_;
  RestOutputFormat format_;
  inference::ModelInferRequest request_;
  inference::ModelInferResponse response_;
  std::optional<HttpResponse> refusal_;
  Responder respond_;
  std::shared_ptr<InferExchange> self_;
};

// What Admit found, kept for Handle (the transport holds it from one to the
// other): the route, parsed once, and an inference's exchange.
struct Admitted {
  RestRoute route;
  std::shared_ptr<InferExchange> exchange;
};

}  // namespace

std::optional<HttpResponse> RestHandler::Admit(HttpRequest* request, int64_t content_length) {
  absl::StatusOr<RestRoute> route = ParseRestRoute(SplitTarget(request->target).first);
  if (!route.ok()) return ErrorResponse(route.status());
  if (request->method != route->method) {
    HttpResponse refused = JsonResponse(
        405, RestError(absl::StrCat(request->method, " is not allowed here: use ", route->method)));
    refused.headers.emplace_back("Allow", route->method);
    return refused;
  }
  auto admitted = std::make_shared<Admitted>();
  if (route->kind == RestRoute::Kind::kInfer) {
    // A chunked body's size is known only once it has been read: it could
    // not be admitted against the byte budget before it is buffered.
    if (content_length < 0) {
      return JsonResponse(411, RestError("an inference body needs a Content-Length (chunked bodies are not "
                                         "taken: the server admits a body against its memory before reading it)"));
    }
    admitted->exchange = std::make_shared<InferExchange>(router_, operations_, *route);
    if (std::optional<HttpResponse> refused = admitted->exchange->Admit(content_length)) return refused;
  }
  admitted->route = *std::move(route);
  request->admission = std::move(admitted);
  return std::nullopt;
}

void RestHandler::Handle(HttpRequest request, Responder respond) {
  // The transport calls Admit first, which always sets the admission.
  const std::shared_ptr<Admitted> admitted = std::static_pointer_cast<Admitted>(request.admission);
  const RestRoute& route = admitted->route;
  using Kind = RestRoute::Kind;
  switch (route.kind) {
    case Kind::kInfer:
      request.admission.reset();  // The transport keeps its own reference until the answer is written.
      return admitted->exchange->Handle(admitted->exchange, std::move(request), std::move(respond));
    case Kind::kServerLive:
      return respond(HealthAnswer(true));
    case Kind::kServerReady:
      return respond(HealthAnswer(operations_->ServerReady()));
    case Kind::kModelReady:
      return respond(HealthAnswer(operations_->ModelReady(route.model, route.version)));
    case Kind::kServerMetadata: {
      inference::ServerMetadataResponse metadata;
      operations_->ServerMetadata(&metadata);
      return respond(ProtoResponse(absl::OkStatus(), metadata));
    }
    case Kind::kModelMetadata: {
      inference::ModelMetadataResponse metadata;
      const absl::Status status = operations_->ModelMetadata(route.model, route.version, &metadata);
      return respond(ProtoResponse(status, metadata));
    }
    case Kind::kModelConfig: {
      // Triton answers the configuration itself, every field printed.
      inference::ModelConfigResponse config;
      const absl::Status status = operations_->ModelConfig(route.model, route.version, &config);
      return respond(ProtoResponse(status, config.config(), /*print_defaults=*/true));
    }
    case Kind::kModelStatistics: {
      inference::ModelStatisticsResponse statistics;
      const absl::Status status = operations_->ModelStatistics(route.model, route.version, &statistics);
      return respond(ProtoResponse(status, statistics, /*print_defaults=*/true));
    }
    case Kind::kRepositoryIndex: {
      absl::StatusOr<inference::RepositoryIndexRequest> index_request = ReadIndexRequest(request);
      if (!index_request.ok()) return respond(ErrorResponse(index_request.status()));
      inference::RepositoryIndexResponse index;
      operations_->RepositoryIndex(index_request->ready(), &index);
      // Triton answers the array of models itself.
      absl::StatusOr<std::string> models = ProtoFieldToJson(index, "models", {.print_defaults = true});
      return respond(models.ok() ? JsonResponse(200, *std::move(models)) : ErrorResponse(models.status()));
    }
    case Kind::kLoad:
    case Kind::kUnload: {
      auto done = [respond = std::move(respond)](const absl::Status& status) {
        respond(status.ok() ? JsonResponse(200, "") : ErrorResponse(status));
      };
      const std::optional<std::string_view> authorization = request.Header("Authorization");
      if (route.kind == Kind::kLoad) {
        inference::RepositoryModelLoadRequest load;
        absl::Status read = ReadRepositoryRequest(request, route.model, &load);
        if (!read.ok()) return done(read);
        return operations_->LoadModel(load, authorization, std::move(done));
      }
      inference::RepositoryModelUnloadRequest unload;
      absl::Status read = ReadRepositoryRequest(request, route.model, &unload);
      if (!read.ok()) return done(read);
      return operations_->UnloadModel(unload, authorization, std::move(done));
    }
  }
}

}  // namespace convoy::server
