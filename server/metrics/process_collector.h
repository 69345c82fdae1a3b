// The standard process_* metrics (as every Prometheus client library
// exports them) for this process, read from /proc and getrusage at each scrape:
// process_cpu_seconds_total, process_resident_memory_bytes,
// process_virtual_memory_bytes, process_open_fds, process_max_fds,
// process_threads and process_start_time_seconds.
#ifndef CONVOY_SERVER_METRICS_PROCESS_COLLECTOR_H_
#define CONVOY_SERVER_METRICS_PROCESS_COLLECTOR_H_

#include <vector>

#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"

namespace convoy::server {

class ProcessCollector : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override;
};

}  // namespace convoy::server

#endif  // CONVOY_SERVER_METRICS_PROCESS_COLLECTOR_H_
