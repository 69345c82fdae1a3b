// TritonCpuCollector: Triton's CPU metrics, read from /proc at each scrape,
// so the CPU panels of Triton's Grafana dashboards work against Convoy:
//
//   nv_cpu_utilization         the machine's CPU utilization [0.0 - 1.0]
//                              since the previous scrape (Triton: over its
//                              last polling interval, --metrics-interval-ms)
//   nv_cpu_memory_total_bytes  MemTotal of /proc/meminfo
//   nv_cpu_memory_used_bytes   MemTotal - MemAvailable, as Triton counts it
//
// Like Triton's, these are the whole machine's (or the container's view of
// /proc), not the server process's: process_* (process_collector.h) has
// those. A /proc file that cannot be read gives 0, as in Triton.
//
// Thread-safety: Collect may be called concurrently (a mutex guards the
// previous sample).
#ifndef CONVOY_SERVER_METRICS_TRITON_CPU_COLLECTOR_H_
#define CONVOY_SERVER_METRICS_TRITON_CPU_COLLECTOR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"

namespace convoy::server {

struct TritonCpuCollectorOptions {
  // Where stat and meminfo are read; tests point it at fake files.
  std::string proc_dir = "/proc";
};

class TritonCpuCollector : public prometheus::Collectable {
 public:
  // Takes the first CPU sample now, so the first scrape has an interval.
  explicit TritonCpuCollector(TritonCpuCollectorOptions options = {});
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  // Clock ticks from the aggregate "cpu" line of /proc/stat.
  struct CpuTicks {
    uint64_t busy = 0;  // user, nice, system, irq, softirq, steal
    uint64_t idle = 0;  // idle, iowait
    bool ok = false;
  };
  CpuTicks ReadCpuTicks() const;

  const TritonCpuCollectorOptions options_;
  mutable absl::Mutex mu_;
  mutable CpuTicks last_ ABSL_GUARDED_BY(mu_);
  mutable double last_utilization_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace convoy::server

#endif  // CONVOY_SERVER_METRICS_TRITON_CPU_COLLECTOR_H_
