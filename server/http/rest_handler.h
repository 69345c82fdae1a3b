// RestHandler: the KServe v2 REST protocol (and Triton's extensions) over
// the HTTP transport, on the same KServeOperations and RequestRouter as
// gRPC, so both protocols answer alike.
//
//   GET  /v2                                    server metadata
//   GET  /v2/health/live, /v2/health/ready      200, or 400 when not
//   GET  /v2/models/{m}[/versions/{v}]          model metadata
//   GET  .../ready                              200, or 400 when not
//   GET  .../config                             the model configuration
//   GET  .../stats, /v2/models/stats            statistics (Triton's)
//   POST .../infer                              inference: JSON, Triton's
//                                               binary tensor extension, or
//                                               a JPEG/PNG file as the body
//   POST /v2/repository/index                   the repository's models
//   POST /v2/repository/models/{m}/load|unload  (Authorization: Bearer)
//
// An inference is admitted before its body is read: the router call begins
// and reserves the body's declared length against the byte budget, so
// bodies the server cannot afford are refused (429) without being buffered.
// Errors are `{"error": "..."}` with the status HttpStatusFor gives the
// request's absl code.
//
// An image body (Content-Type image/jpeg or image/png) to a model with a
// preprocessing section is classified: the answer is the image's top
// classes as JSON. Query parameters: top_k (default 5), multicrop, output.
//
// Thread-safety: Admit and Handle may run concurrently (transport threads).
#ifndef CONVOY_SERVER_HTTP_REST_HANDLER_H_
#define CONVOY_SERVER_HTTP_REST_HANDLER_H_

#include <cstdint>
#include <optional>

#include "server/http/http_server.h"
#include "server/kserve/kserve_operations.h"
#include "server/orchestration/request_router.h"

namespace convoy::server {

class RestHandler final : public http::HttpHandler {
 public:
  // `operations` and `router` must outlive the handler.
  RestHandler(KServeOperations* operations, RequestRouter* router) : operations_(operations), router_(router) {}

  std::optional<http::HttpResponse> Admit(http::HttpRequest* request, int64_t content_length) override;
  void Handle(http::HttpRequest request, http::Responder respond) override;

 private:
  KServeOperations* const operations_;
  RequestRouter* const router_;
};

}  // namespace convoy::server

#endif  // CONVOY_SERVER_HTTP_REST_HANDLER_H_
