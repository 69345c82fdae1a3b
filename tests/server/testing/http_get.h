// HttpGet: a minimal HTTP/1.0 GET against 127.0.0.1, enough to scrape a
// Prometheus endpoint in a test without an HTTP client library.
#ifndef CONVOY_TESTS_SERVER_TESTING_HTTP_GET_H_
#define CONVOY_TESTS_SERVER_TESTING_HTTP_GET_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"

namespace convoy::testing {

struct HttpResponse {
  int status = 0;
  std::string body;
};

absl::StatusOr<HttpResponse> HttpGet(int port, const std::string& path);

// Prometheus text format to {"name{label=\"v\",...}" -> value}, labels as
// the exposition prints them (sorted by name), comments skipped.
std::map<std::string, double> ParsePrometheusText(const std::string& text);

}  // namespace convoy::testing

#endif  // CONVOY_TESTS_SERVER_TESTING_HTTP_GET_H_
