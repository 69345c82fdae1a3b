// Gauges read when Prometheus scrapes rather than kept up to date: the
// queue depth of each served model version, how many models are in each
// state (READY, LOADING, UNAVAILABLE), the bytes requests hold in flight
// against their budget and the image pool's queue, from a sampling
// function the server provides. With Triton's metrics on, the queue depth
// is also exported under Triton's name, nv_inference_pending_request_count.
#ifndef CONVOY_SERVER_METRICS_RUNTIME_COLLECTOR_H_
#define CONVOY_SERVER_METRICS_RUNTIME_COLLECTOR_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"

namespace convoy::server {

struct RuntimeSample {
  struct ServedVersion {
    std::string model;
    std::string version;
    int64_t queue_depth = 0;
  };
  std::vector<ServedVersion> served;
  std::map<std::string, int64_t> models_by_state;
  // Bytes the requests in flight hold, and the budget they share.
  int64_t inflight_bytes = 0;
  int64_t inflight_bytes_limit = 0;
  // Requests whose images wait for the image pool.
  int64_t image_queue_depth = 0;
};

struct RuntimeCollectorOptions {
  // Also export nv_inference_pending_request_count (ServerMetrics::Options).
  bool triton_metrics = false;
};

class RuntimeCollector : public prometheus::Collectable {
 public:
  explicit RuntimeCollector(std::function<RuntimeSample()> sample, RuntimeCollectorOptions options = {})
      : sample_(std::move(sample)), options_(options) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const std::function<RuntimeSample()> sample_;
  const RuntimeCollectorOptions options_;
};

}  // namespace convoy::server

#endif  // CONVOY_SERVER_METRICS_RUNTIME_COLLECTOR_H_
