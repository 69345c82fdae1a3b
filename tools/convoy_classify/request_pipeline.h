// RunPipelined: many requests over one client with a bounded number in
// flight, without a thread per request (the client's asynchronous calls).
//
// Requests are made on demand, so a dataset of 10,000 images never holds
// more than `concurrency` encoded requests at once. `done` runs once per
// request on a thread of the client, possibly concurrently with other calls of it;
// `progress` runs on the calling thread whenever requests have finished.
// RunPipelined returns when every request has ended.
#ifndef CONVOY_TOOLS_CONVOY_CLASSIFY_REQUEST_PIPELINE_H_
#define CONVOY_TOOLS_CONVOY_CLASSIFY_REQUEST_PIPELINE_H_

#include <cstdint>
#include <functional>

#include "absl/status/status.h"
#include "client/kserve_client.h"

namespace convoy {

using RequestMaker = std::function<absl::StatusOr<inference::ModelInferRequest>(int64_t index)>;
using ResponseHandler =
    std::function<void(int64_t index, absl::Status status, const inference::ModelInferResponse& response)>;

// A request that cannot be made (maker error) is reported through `done`
// with that error and not sent. REQUIRES: concurrency >= 1.
void RunPipelined(client::KServeClient& client, int64_t count, int concurrency, const RequestMaker& make,
                  const ResponseHandler& done, const std::function<void(int64_t finished)>& progress);

}  // namespace convoy

#endif  // CONVOY_TOOLS_CONVOY_CLASSIFY_REQUEST_PIPELINE_H_
