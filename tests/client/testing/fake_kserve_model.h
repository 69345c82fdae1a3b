// FakeKServeModel: one image classifier served over KServe v2 REST, as a
// FakeHttpServer handler, for testing the tools' HTTP paths without the real
// server: metadata, readiness, statistics (counting what it answered) and
// inference.
//
// The model takes a BYTES input "image" of shape [-1], or an input of
// another datatype shaped [-1, 4] (whatever tensor it is sent, it reads only
// the first dimension, as the batch), and gives FP32
// "probabilities" [-1, classes], where item i of a batch is class
// i % classes with probability 0.9. Asked for the classification extension
// it answers "0.9:K:class-K" strings instead. Outputs come back binary or as
// JSON data, as the request asks.
//
// Thread-safety: Handle may run on several connections at once.
#ifndef CONVOY_TESTS_CLIENT_TESTING_FAKE_KSERVE_MODEL_H_
#define CONVOY_TESTS_CLIENT_TESTING_FAKE_KSERVE_MODEL_H_

#include <atomic>
#include <cstdint>
#include <string>

#include "tests/client/testing/fake_http_server.h"

namespace convoy::testing {

class FakeKServeModel {
 public:
  FakeKServeModel(std::string name, int classes, std::string input_datatype = "BYTES")
      : name_(std::move(name)), classes_(classes), input_datatype_(std::move(input_datatype)) {}

  CannedResponse Handle(const RecordedRequest& request);
  FakeHttpServer::Handler Handler() {
    return [this](const RecordedRequest& request) { return Handle(request); };
  }

  int64_t inferences() const { return inferences_.load(); }  // Requests answered.

 private:
  CannedResponse Infer(const RecordedRequest& request);
  CannedResponse Statistics() const;

  const std::string name_;
  const int classes_;
  const std::string input_datatype_;
  std::atomic<int64_t> inferences_{0};
  std::atomic<int64_t> items_{0};
};

}  // namespace convoy::testing

#endif  // CONVOY_TESTS_CLIENT_TESTING_FAKE_KSERVE_MODEL_H_
