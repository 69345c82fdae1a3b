// Gauges read when Prometheus scrapes rather than kept up to date: the
// queue depth of each served model version, how many models are in each
// state (READY, LOADING, UNAVAILABLE), the bytes requests hold in flight
// against their budget and the image pool's queue, from a sampling
// function the server provides.
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

class RuntimeCollector : public prometheus::Collectable {
 public:
  explicit RuntimeCollector(std::function<RuntimeSample()> sample) : sample_(std::move(sample)) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const std::function<RuntimeSample()> sample_;
};

}  // namespace convoy::server

#endif  // CONVOY_SERVER_METRICS_RUNTIME_COLLECTOR_H_
