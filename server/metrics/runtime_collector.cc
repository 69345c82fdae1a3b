#include "server/metrics/runtime_collector.h"

namespace convoy::server {
namespace {

prometheus::ClientMetric Gauge(double value, std::vector<prometheus::ClientMetric::Label> labels) {
  prometheus::ClientMetric metric;
  metric.label = std::move(labels);
  metric.gauge.value = value;
  return metric;
}

}  // namespace

std::vector<prometheus::MetricFamily> RuntimeCollector::Collect() const {
  const RuntimeSample sample = sample_();
  prometheus::MetricFamily queue{"convoy_queue_depth", "Requests waiting in each model version's batcher",
                                 prometheus::MetricType::Gauge, {}};
  prometheus::MetricFamily ready{"convoy_model_ready", "1 for each model version being served",
                                 prometheus::MetricType::Gauge, {}};
  for (const RuntimeSample::ServedVersion& served : sample.served) {
    queue.metric.push_back(Gauge(static_cast<double>(served.queue_depth),
                                 {{"model", served.model}, {"version", served.version}}));
    ready.metric.push_back(Gauge(1, {{"model", served.model}, {"version", served.version}}));
  }
  prometheus::MetricFamily states{"convoy_models", "Models of the repository, by state",
                                  prometheus::MetricType::Gauge, {}};
  for (const char* state : {"READY", "LOADING", "UNAVAILABLE"}) {
    auto it = sample.models_by_state.find(state);
    states.metric.push_back(
        Gauge(it == sample.models_by_state.end() ? 0 : static_cast<double>(it->second), {{"state", state}}));
  }
  prometheus::MetricFamily bytes{"convoy_inflight_bytes",
                                 "Bytes held by the inference requests in flight (--max-inflight-bytes)",
                                 prometheus::MetricType::Gauge, {Gauge(static_cast<double>(sample.inflight_bytes), {})}};
  prometheus::MetricFamily limit{"convoy_inflight_bytes_limit", "The budget of convoy_inflight_bytes",
                                 prometheus::MetricType::Gauge,
                                 {Gauge(static_cast<double>(sample.inflight_bytes_limit), {})}};
  prometheus::MetricFamily images{"convoy_image_queue_depth", "Requests waiting for the image pool: images to decode, or a message over 1 MiB to parse",
                                  prometheus::MetricType::Gauge,
                                  {Gauge(static_cast<double>(sample.image_queue_depth), {})}};
  std::vector<prometheus::MetricFamily> families = {std::move(queue), std::move(ready), std::move(states),
                                                    std::move(bytes), std::move(limit), std::move(images)};
  if (options_.triton_metrics) {
    // Triton's name and HELP (core, src/metrics.cc). Triton counts a request
    // pending from its arrival to its execution; the batcher's queue is the
    // part of that wait a request can spend long in here.
    prometheus::MetricFamily pending{"nv_inference_pending_request_count",
                                     "Instantaneous number of pending requests awaiting execution per-model.",
                                     prometheus::MetricType::Gauge, {}};
    for (const RuntimeSample::ServedVersion& served : sample.served) {
      pending.metric.push_back(Gauge(static_cast<double>(served.queue_depth),
                                     {{"model", served.model}, {"version", served.version}}));
    }
    families.push_back(std::move(pending));
  }
  return families;
}

}  // namespace convoy::server
