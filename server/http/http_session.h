// Internal to server/http: one HTTP/1.1 connection, plain or TLS, from
// accept to close (the steps are listed in http_server.h). Only
// http_server.cc includes this; it pulls in Asio.
//
// A session runs on its own strand: all of its state is touched only there,
// so it has no lock. It is owned by the SessionRegistry while open and by
// its pending operations; the Responder it hands out holds a weak_ptr and
// posts the answer onto the strand (through the Lifeline).
#ifndef CONVOY_SERVER_HTTP_HTTP_SESSION_H_
#define CONVOY_SERVER_HTTP_HTTP_SESSION_H_

#include <memory>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "server/http/http_server.h"
#include "server/http/session_registry.h"

namespace convoy::server::http::internal {

// What the sessions of one server share; all of it outlives them.
struct SessionContext {
  const HttpServerOptions* options = nullptr;
  HttpHandler* handler = nullptr;
  SessionRegistry* registry = nullptr;
  std::shared_ptr<Lifeline> lifeline;
};

// A session over `socket` (whose executor must be a strand), with TLS if
// `tls` is not null. Call Start() once it is registered. `remote` names the
// peer in requests and logs.
std::shared_ptr<Session> MakeSession(boost::asio::ip::tcp::socket socket, boost::asio::ssl::context* tls,
                                     std::string remote, const SessionContext& context);

}  // namespace convoy::server::http::internal

#endif  // CONVOY_SERVER_HTTP_HTTP_SESSION_H_
