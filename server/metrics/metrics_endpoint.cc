#include "server/metrics/metrics_endpoint.h"

#include <exception>
#include <utility>

#include "absl/strings/str_cat.h"

namespace convoy::server {

absl::StatusOr<std::unique_ptr<MetricsEndpoint>> MetricsEndpoint::Start(const std::string& address, int port,
                                                                        const ServerMetrics& metrics,
                                                                        std::shared_ptr<RuntimeCollector> runtime) {
  std::unique_ptr<MetricsEndpoint> endpoint(new MetricsEndpoint());
  const std::string bind = address.find(':') != std::string::npos ? absl::StrCat("[", address, "]:", port)
                                                                   : absl::StrCat(address, ":", port);
  try {
    // One worker thread: a scrape is cheap, and the cores belong to inference.
    endpoint->exposer_ = std::make_unique<prometheus::Exposer>(bind, 1);
  } catch (const std::exception& error) {
    return absl::UnavailableError(absl::StrCat("cannot serve metrics on ", bind, ": ", error.what()));
  }
  const std::vector<int> ports = endpoint->exposer_->GetListeningPorts();
  if (ports.empty()) return absl::UnavailableError(absl::StrCat("cannot serve metrics on ", bind));
  endpoint->port_ = ports[0];
  endpoint->runtime_ = std::move(runtime);
  endpoint->exposer_->RegisterCollectable(metrics.registry());
  endpoint->exposer_->RegisterCollectable(endpoint->runtime_);
  endpoint->exposer_->RegisterCollectable(endpoint->process_);
  if (metrics.triton_metrics()) {
    endpoint->triton_cpu_ = std::make_shared<TritonCpuCollector>();
    endpoint->exposer_->RegisterCollectable(endpoint->triton_cpu_);
  }
  return endpoint;
}

}  // namespace convoy::server
