#include "tools/convoy_classify/request_pipeline.h"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <utility>

namespace convoy {

void RunPipelined(client::KServeClient& client, int64_t count, int concurrency, const RequestMaker& make,
                  const ResponseHandler& done, const std::function<void(int64_t finished)>& progress) {
  std::mutex mu;
  std::condition_variable changed;
  int in_flight = 0;
  int64_t finished = 0;
  auto report = [&] {
    int64_t now = 0;
    {
      std::lock_guard<std::mutex> lock(mu);
      now = finished;
    }
    if (progress) progress(now);
  };
  for (int64_t i = 0; i < count; ++i) {
    {
      std::unique_lock<std::mutex> lock(mu);
      changed.wait(lock, [&] { return in_flight < concurrency; });
      ++in_flight;
    }
    absl::StatusOr<inference::ModelInferRequest> request = make(i);
    if (!request.ok()) {
      done(i, request.status(), inference::ModelInferResponse());
      std::lock_guard<std::mutex> lock(mu);
      --in_flight;
      ++finished;
      continue;
    }
    client.AsyncInfer(std::make_shared<const inference::ModelInferRequest>(*std::move(request)),
                      [&, i](absl::Status status, inference::ModelInferResponse response) {
                        done(i, std::move(status), response);
                        std::lock_guard<std::mutex> lock(mu);
                        --in_flight;
                        ++finished;
                        changed.notify_all();
                      });
    report();
  }
  {
    std::unique_lock<std::mutex> lock(mu);
    changed.wait(lock, [&] { return in_flight == 0; });
  }
  report();
}

}  // namespace convoy
