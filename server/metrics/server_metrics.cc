#include "server/metrics/server_metrics.h"

#include <array>
#include <vector>

#include "absl/strings/str_cat.h"

namespace convoy::server {
namespace {

using prometheus::Histogram;

constexpr std::array<Protocol, kNumProtocols> kProtocols = {Protocol::kGrpc, Protocol::kHttp, Protocol::kGrpcStream};
constexpr std::array<RequestKind, 3> kKinds = {RequestKind::kSingle, RequestKind::kMulticrop, RequestKind::kEnsemble};
constexpr std::array<Outcome, 7> kOutcomes = {Outcome::kSuccess,   Outcome::kInvalid,
                                              Outcome::kNotFound,  Outcome::kRejected,
                                              Outcome::kCancelled, Outcome::kDeadlineExceeded,
                                              Outcome::kInternal};

// CNN latencies: from a LeNet on one image (~100 us) to a VGG batch (seconds).
Histogram::BucketBoundaries LatencyBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

Histogram::BucketBoundaries BatchBuckets() { return {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024}; }

double Seconds(absl::Duration d) { return std::max(0.0, absl::ToDoubleSeconds(d)); }

}  // namespace

// The series of one model version, created once; recording is lock-free
// in prometheus-cpp (atomic counters and buckets).
class PrometheusModelObserver : public ModelObserver {
 public:
  PrometheusModelObserver(ServerMetrics& metrics, const std::string& model, int64_t version)
      : triton_(metrics.triton_ ? metrics.triton_->ObserverFor(model, version) : nullptr) {
    const std::map<std::string, std::string> base = {{"model", model}, {"version", absl::StrCat(version)}};
    for (size_t k = 0; k < kKinds.size(); ++k) {
      auto labels = base;
      labels["kind"] = RequestKindName(kKinds[k]);
      for (size_t p = 0; p < kProtocols.size(); ++p) {
        auto with_protocol = labels;
        with_protocol["protocol"] = ProtocolName(kProtocols[p]);
        for (size_t o = 0; o < kOutcomes.size(); ++o) {
          auto with_outcome = with_protocol;
          with_outcome["outcome"] = OutcomeName(kOutcomes[o]);
          requests_[p][k][o] = &metrics.requests_.Add(with_outcome);
        }
        request_duration_[p][k] = &metrics.request_duration_.Add(with_protocol, LatencyBuckets());
      }
      queue_duration_[k] = &metrics.queue_duration_.Add(labels, LatencyBuckets());
      compute_duration_[k] = &metrics.compute_duration_.Add(labels, LatencyBuckets());
      preprocess_duration_[k] = &metrics.preprocess_duration_.Add(labels, LatencyBuckets());
    }
    inferences_ = &metrics.inferences_.Add(base);
    executions_ = &metrics.executions_.Add(base);
    batch_size_ = &metrics.batch_size_.Add(base, BatchBuckets());
  }

  void OnSuccess(RequestLabels labels, int64_t items, const RequestTimings& t, absl::Time finished) override {
    const size_t k = static_cast<size_t>(labels.kind);
    const size_t p = static_cast<size_t>(labels.protocol);
    requests_[p][k][0]->Increment();
    inferences_->Increment(static_cast<double>(items));
    request_duration_[p][k]->Observe(Seconds(finished - t.received));
    queue_duration_[k]->Observe(Seconds(t.batch_started - t.enqueued));
    compute_duration_[k]->Observe(Seconds(t.compute_ended - t.compute_started));
    if (t.preprocess > absl::ZeroDuration()) preprocess_duration_[k]->Observe(Seconds(t.preprocess));
    if (triton_) triton_->OnSuccess(labels, items, t, finished);
  }

  void OnFailure(RequestLabels labels, absl::StatusCode code, absl::Duration total) override {
    const size_t k = static_cast<size_t>(labels.kind);
    const size_t p = static_cast<size_t>(labels.protocol);
    requests_[p][k][static_cast<size_t>(OutcomeOf(code))]->Increment();
    request_duration_[p][k]->Observe(Seconds(total));
    if (triton_) triton_->OnFailure(labels, code, total);
  }

  void OnExecution(int64_t batch_size) override {
    executions_->Increment();
    batch_size_->Observe(static_cast<double>(batch_size));
    if (triton_) triton_->OnExecution(batch_size);
  }

 private:
  prometheus::Counter* requests_[kProtocols.size()][kKinds.size()][kOutcomes.size()];
  Histogram* request_duration_[kProtocols.size()][kKinds.size()];
  Histogram* queue_duration_[kKinds.size()];
  Histogram* compute_duration_[kKinds.size()];
  Histogram* preprocess_duration_[kKinds.size()];
  prometheus::Counter* inferences_;
  prometheus::Counter* executions_;
  Histogram* batch_size_;
  const std::unique_ptr<ModelObserver> triton_;  // Null when Triton's metrics are off.
};

ServerMetrics::ServerMetrics(Options options)
    : registry_(std::make_shared<prometheus::Registry>()),
      requests_(prometheus::BuildCounter()
                    .Name("convoy_requests_total")
                    .Help("Inference requests that reached a served model, by protocol, kind and outcome")
                    .Register(*registry_)),
      inferences_(prometheus::BuildCounter()
                      .Name("convoy_inferences_total")
                      .Help("Batch items of successful requests (images x crops)")
                      .Register(*registry_)),
      executions_(prometheus::BuildCounter()
                      .Name("convoy_executions_total")
                      .Help("Engine runs (batches)")
                      .Register(*registry_)),
      request_duration_(prometheus::BuildHistogram()
                            .Name("convoy_request_duration_seconds")
                            .Help("From the server receiving a request to its response, failures included")
                            .Register(*registry_)),
      queue_duration_(prometheus::BuildHistogram()
                          .Name("convoy_queue_duration_seconds")
                          .Help("Time successful requests waited in the batcher's queue")
                          .Register(*registry_)),
      compute_duration_(prometheus::BuildHistogram()
                            .Name("convoy_compute_duration_seconds")
                            .Help("Engine run of the batch that carried each successful request")
                            .Register(*registry_)),
      preprocess_duration_(prometheus::BuildHistogram()
                               .Name("convoy_preprocess_duration_seconds")
                               .Help("Decoding, preprocessing and cropping of image inputs, per request")
                               .Register(*registry_)),
      batch_size_(prometheus::BuildHistogram()
                      .Name("convoy_batch_size")
                      .Help("Items per engine run")
                      .Register(*registry_)),
      unknown_model_(prometheus::BuildCounter()
                         .Name("convoy_unknown_model_requests_total")
                         .Help("Inference requests for a model or version that is not served, by protocol")
                         .Register(*registry_)),
      in_flight_(prometheus::BuildGauge()
                     .Name("convoy_inflight_requests")
                     .Help("Inference requests received and not yet answered, by protocol")
                     .Register(*registry_)) {
  for (Protocol protocol : kProtocols) {
    const size_t p = static_cast<size_t>(protocol);
    unknown_model_by_protocol_[p] = &unknown_model_.Add({{"protocol", ProtocolName(protocol)}});
    in_flight_by_protocol_[p] = &in_flight_.Add({{"protocol", ProtocolName(protocol)}});
  }
  if (options.triton_metrics) triton_ = std::make_unique<TritonMetrics>(*registry_);
}

std::unique_ptr<ModelObserver> ServerMetrics::ObserverFor(const std::string& model, int64_t version) {
  return std::make_unique<PrometheusModelObserver>(*this, model, version);
}

}  // namespace convoy::server
