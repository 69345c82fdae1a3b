// RawConnection: a TCP client of 127.0.0.1 for the HTTP transport's tests.
// It sends bytes exactly as given (so a test can send malformed, partial or
// trickled requests) and reads responses and the server's close with
// deadlines, so a server that misbehaves fails the test instead of hanging it.
#ifndef CONVOY_TESTS_SERVER_HTTP_RAW_CONNECTION_H_
#define CONVOY_TESTS_SERVER_HTTP_RAW_CONNECTION_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/time/time.h"

namespace convoy::testing {

struct RawResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;

  // The first header called `lower_name`, or nullopt.
  std::optional<std::string> Header(const std::string& lower_name) const;
};

class RawConnection {
 public:
  // nullptr if the connection was refused.
  static std::unique_ptr<RawConnection> Connect(int port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  // False if the server has closed or reset the connection.
  bool Send(std::string_view bytes);
  // One response: the status line, the header and a body of Content-Length
  // bytes (none for 1xx). nullopt if it did not come whole within `timeout`.
  std::optional<RawResponse> ReadResponse(absl::Duration timeout = absl::Seconds(10));
  // True if the server closed the connection within `timeout`; `*extra`
  // gets what it sent before closing that no ReadResponse consumed.
  bool WaitClosed(absl::Duration timeout, std::string* extra = nullptr);
  int local_port() const;

 private:
  explicit RawConnection(int fd) : fd_(fd) {}
  // Reads what comes before `deadline` into buffer_; false on close or timeout.
  bool Fill(absl::Time deadline);

  const int fd_;
  std::string buffer_;
  bool closed_ = false;
};

}  // namespace convoy::testing

#endif  // CONVOY_TESTS_SERVER_HTTP_RAW_CONNECTION_H_
