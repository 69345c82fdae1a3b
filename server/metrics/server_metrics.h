// ServerMetrics: convoy-server's Prometheus metrics (docs/METRICS.md), kept
// in one prometheus::Registry that a MetricsEndpoint serves.
//
// Request and batch metrics come from each model version's ModelObserver
// (ObserverFor), which ModelStatistics calls from the same places it counts
// for the ModelStatistics RPC, so the two agree. Every series of a model
// version is created when it loads, so a scrape shows zeros rather than
// nothing, and it stays after an unload (counters never go back), so a
// reload continues the same series. Requests for models that are not
// served are counted without a model label: a client cannot create series
// by inventing names.
//
// With Options::triton_metrics, each model version's observer also feeds
// Triton's nv_inference_* series (triton_metrics.h) in the same registry.
//
// Thread-safety: all methods may be called concurrently.
#ifndef CONVOY_SERVER_METRICS_SERVER_METRICS_H_
#define CONVOY_SERVER_METRICS_SERVER_METRICS_H_

#include <cstdint>
#include <memory>
#include <string>

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "server/core/model_observer.h"
#include "server/metrics/triton_metrics.h"

namespace convoy::server {

class ServerMetrics {
 public:
  struct Options {
    // Export Triton's nv_inference_* metrics beside convoy_* (and, through
    // MetricsEndpoint, its nv_cpu_* ones). On by default: they cost a few
    // more atomic increments per request (bench/metrics_cost.sh,
    // docs/BENCHMARKS.md "Metrics").
    bool triton_metrics = true;
  };
  explicit ServerMetrics(Options options);
  ServerMetrics() : ServerMetrics(Options{}) {}

  bool triton_metrics() const { return triton_ != nullptr; }

  const std::shared_ptr<prometheus::Registry>& registry() const { return registry_; }

  std::unique_ptr<ModelObserver> ObserverFor(const std::string& model, int64_t version);

  // Inference requests for a model or version that is not served.
  void CountUnknownModelRequest(Protocol protocol) {
    unknown_model_by_protocol_[static_cast<size_t>(protocol)]->Increment();
  }
  // Inference requests between arrival and response.
  prometheus::Gauge& in_flight(Protocol protocol) { return *in_flight_by_protocol_[static_cast<size_t>(protocol)]; }

 private:
  friend class PrometheusModelObserver;

  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Counter>& inferences_;
  prometheus::Family<prometheus::Counter>& executions_;
  prometheus::Family<prometheus::Histogram>& request_duration_;
  prometheus::Family<prometheus::Histogram>& queue_duration_;
  prometheus::Family<prometheus::Histogram>& compute_duration_;
  prometheus::Family<prometheus::Histogram>& preprocess_duration_;
  prometheus::Family<prometheus::Histogram>& batch_size_;
  prometheus::Family<prometheus::Counter>& unknown_model_;
  prometheus::Family<prometheus::Gauge>& in_flight_;
  prometheus::Counter* unknown_model_by_protocol_[kNumProtocols];
  prometheus::Gauge* in_flight_by_protocol_[kNumProtocols];
  // Null when Options::triton_metrics is off.
  std::unique_ptr<TritonMetrics> triton_;
};

}  // namespace convoy::server

#endif  // CONVOY_SERVER_METRICS_SERVER_METRICS_H_
