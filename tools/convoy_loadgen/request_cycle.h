// RequestCycle: the requests a load sends, in turn. One request (synthetic
// tensors, or image files as one batch) converts implicitly; a dataset's
// worth makes the server see different inputs, as in production.
#ifndef CONVOY_TOOLS_CONVOY_LOADGEN_REQUEST_CYCLE_H_
#define CONVOY_TOOLS_CONVOY_LOADGEN_REQUEST_CYCLE_H_

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "grpc_service.pb.h"

namespace convoy {

class RequestCycle {
 public:
  using Request = std::shared_ptr<const inference::ModelInferRequest>;

  RequestCycle(Request one) : requests_{std::move(one)} {}  // NOLINT: implicit by design.
  // REQUIRES: not empty.
  explicit RequestCycle(std::vector<Request> many) : requests_(std::move(many)) {}

  // The n-th request sent: request n modulo the count.
  const Request& operator[](int64_t n) const { return requests_[static_cast<size_t>(n) % requests_.size()]; }
  size_t size() const { return requests_.size(); }

 private:
  std::vector<Request> requests_;
};

}  // namespace convoy

#endif  // CONVOY_TOOLS_CONVOY_LOADGEN_REQUEST_CYCLE_H_
