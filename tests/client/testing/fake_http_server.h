// FakeHttpServer: a small HTTP/1.1 server on 127.0.0.1 (plaintext or TLS),
// written with Boost.Beast's blocking API, for testing HTTP clients: it
// records every request (which connection it came on, method, path,
// headers, body) and answers what a handler says, after an optional delay,
// keeping the connection alive or closing it, openly or silently.
//
// One thread per connection, so requests on different connections are
// handled at once, as a real server would; max_concurrent() tells how many
// were at the most. Destroying the server closes every connection and cuts
// delays short.
//
// Thread-safety: the accessors may be called from any thread while it
// serves. The handler runs on the connections' threads, concurrently.
#ifndef CONVOY_TESTS_CLIENT_TESTING_FAKE_HTTP_SERVER_H_
#define CONVOY_TESTS_CLIENT_TESTING_FAKE_HTTP_SERVER_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "client/http_message.h"

namespace convoy::testing {

struct RecordedRequest {
  int connection = 0;  // Which connection, in the order they were accepted (0 first).
  std::string method;
  std::string target;
  client::HttpHeaders headers;
  std::string body;
};

struct CannedResponse {
  int status = 200;
  client::HttpHeaders headers;  // Content-Length is added.
  std::string body;
  absl::Duration delay;        // Waited before answering.
  bool keep_alive = true;      // False: "Connection: close", and the server closes.
  bool close_silently = false;  // Close after answering, without saying so (an idle timeout, say).
};

struct FakeServerTls {
  std::string cert_file;       // PEM
  std::string key_file;        // PEM
  std::string client_ca_file;  // Set: clients must show a certificate this CA signed.
};

class FakeHttpServer {
 public:
  using Handler = std::function<CannedResponse(const RecordedRequest&)>;

  // Listens on 127.0.0.1, a free port. Aborts the test binary if it cannot.
  explicit FakeHttpServer(Handler handler, std::optional<FakeServerTls> tls = std::nullopt);
  ~FakeHttpServer();
  FakeHttpServer(const FakeHttpServer&) = delete;
  FakeHttpServer& operator=(const FakeHttpServer&) = delete;

  int port() const;
  std::string target() const;  // "127.0.0.1:PORT"

  // From now on, read only the headers of each request and answer at once,
  // then stop reading the body, as a server refusing a body too large does
  // (it drains the rest before closing, so the answer is not lost to a
  // reset). The recorded body is empty.
  void AnswerBeforeBody();

  std::vector<RecordedRequest> requests() const;
  int connections() const;     // Accepted so far.
  int max_concurrent() const;  // Requests being handled at once, at the most.

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace convoy::testing

#endif  // CONVOY_TESTS_CLIENT_TESTING_FAKE_HTTP_SERVER_H_
