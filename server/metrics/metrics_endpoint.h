// MetricsEndpoint: the HTTP server (prometheus-cpp's Exposer, civetweb) that
// answers GET /metrics in Prometheus text format with the server's metrics,
// the runtime gauges and the process metrics (and, with Triton's metrics on,
// Triton's CPU metrics).
//
// Note: the Exposer's destructor takes about 2 s once it has served a
// request (civetweb's shutdown), which shows in the server's exit time.
#ifndef CONVOY_SERVER_METRICS_METRICS_ENDPOINT_H_
#define CONVOY_SERVER_METRICS_METRICS_ENDPOINT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "prometheus/exposer.h"
#include "server/metrics/process_collector.h"
#include "server/metrics/runtime_collector.h"
#include "server/metrics/server_metrics.h"
#include "server/metrics/triton_cpu_collector.h"

namespace convoy::server {

class MetricsEndpoint {
 public:
  // Listens on address:port (port 0 picks a free one). Unavailable if the
  // address cannot be bound, naming it.
  static absl::StatusOr<std::unique_ptr<MetricsEndpoint>> Start(const std::string& address, int port,
                                                                 const ServerMetrics& metrics,
                                                                 std::shared_ptr<RuntimeCollector> runtime);
  int port() const { return port_; }

 private:
  MetricsEndpoint() = default;

  std::shared_ptr<RuntimeCollector> runtime_;
  std::shared_ptr<ProcessCollector> process_ = std::make_shared<ProcessCollector>();
  std::shared_ptr<TritonCpuCollector> triton_cpu_;  // Null when Triton's metrics are off.
  std::unique_ptr<prometheus::Exposer> exposer_;
  int port_ = 0;
};

}  // namespace convoy::server

#endif  // CONVOY_SERVER_METRICS_METRICS_ENDPOINT_H_
