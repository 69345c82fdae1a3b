// Gauges read when Prometheus scrapes rather than kept up to date: the
// queue depth of each served model version and how many models are in
// each state (READY, LOADING, UNAVAILABLE), from a sampling function the
// server provides (its ModelManager).
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
