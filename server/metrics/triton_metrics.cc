#include "server/metrics/triton_metrics.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"

namespace convoy::server {
namespace {

constexpr TritonFailureReason kReasons[kTritonFailureReasons] = {
    TritonFailureReason::kRejected, TritonFailureReason::kCanceled, TritonFailureReason::kBackend,
    TritonFailureReason::kOther};

double Microseconds(absl::Duration d) { return std::max(0.0, absl::ToDoubleMicroseconds(d)); }

prometheus::Family<prometheus::Counter>& Counter(prometheus::Registry& registry, const char* name,
                                                 const char* help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry);
}

}  // namespace

TritonFailureReason TritonFailureReasonOf(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kDeadlineExceeded:
      return TritonFailureReason::kRejected;
    case absl::StatusCode::kCancelled:
      return TritonFailureReason::kCanceled;
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kDataLoss:
      return TritonFailureReason::kBackend;
    default:
      return TritonFailureReason::kOther;
  }
}

const char* TritonFailureReasonName(TritonFailureReason reason) {
  switch (reason) {
    case TritonFailureReason::kRejected:
      return "REJECTED";
    case TritonFailureReason::kCanceled:
      return "CANCELED";
    case TritonFailureReason::kBackend:
      return "BACKEND";
    case TritonFailureReason::kOther:
      return "OTHER";
  }
  return "OTHER";
}

// The series of one model version. Every duration is derived from the
// request's timings exactly as ModelStatistics::RecordSuccess derives it.
class TritonModelObserver : public ModelObserver {
 public:
  TritonModelObserver(TritonMetrics& metrics, const std::string& model, int64_t version) {
    const std::map<std::string, std::string> labels = {{"model", model}, {"version", absl::StrCat(version)}};
    success_ = &metrics.success_.Add(labels);
    for (TritonFailureReason reason : kReasons) {
      auto with_reason = labels;
      with_reason["reason"] = TritonFailureReasonName(reason);
      failure_[static_cast<int>(reason)] = &metrics.failure_.Add(with_reason);
    }
    inference_count_ = &metrics.inference_count_.Add(labels);
    exec_count_ = &metrics.exec_count_.Add(labels);
    request_duration_ = &metrics.request_duration_.Add(labels);
    queue_duration_ = &metrics.queue_duration_.Add(labels);
    compute_input_duration_ = &metrics.compute_input_duration_.Add(labels);
    compute_infer_duration_ = &metrics.compute_infer_duration_.Add(labels);
    compute_output_duration_ = &metrics.compute_output_duration_.Add(labels);
  }

  void OnSuccess(RequestLabels, int64_t items, const RequestTimings& t, absl::Time finished) override {
    success_->Increment();
    inference_count_->Increment(static_cast<double>(items));
    request_duration_->Increment(Microseconds(finished - t.received));
    queue_duration_->Increment(Microseconds(t.batch_started - t.enqueued));
    compute_input_duration_->Increment(Microseconds(t.compute_started - t.batch_started));
    compute_infer_duration_->Increment(Microseconds(t.compute_ended - t.compute_started));
    compute_output_duration_->Increment(Microseconds(finished - t.compute_ended));
  }

  // Triton adds a failed request's time to no duration counter.
  void OnFailure(RequestLabels, absl::StatusCode code, absl::Duration) override {
    failure_[static_cast<int>(TritonFailureReasonOf(code))]->Increment();
  }

  void OnExecution(int64_t) override { exec_count_->Increment(); }

 private:
  prometheus::Counter* success_;
  prometheus::Counter* failure_[kTritonFailureReasons];
  prometheus::Counter* inference_count_;
  prometheus::Counter* exec_count_;
  prometheus::Counter* request_duration_;
  prometheus::Counter* queue_duration_;
  prometheus::Counter* compute_input_duration_;
  prometheus::Counter* compute_infer_duration_;
  prometheus::Counter* compute_output_duration_;
};

// Names and HELP texts are Triton's (triton-inference-server/core,
// src/metrics.cc), word for word: dashboards match on the names, and people
// read the HELP.
TritonMetrics::TritonMetrics(prometheus::Registry& registry)
    : success_(Counter(registry, "nv_inference_request_success",
                       "Number of successful inference requests, all batch sizes")),
      failure_(Counter(registry, "nv_inference_request_failure",
                       "Number of failed inference requests, all batch sizes")),
      inference_count_(Counter(registry, "nv_inference_count",
                               "Number of inferences performed (does not include cached requests)")),
      exec_count_(Counter(registry, "nv_inference_exec_count",
                          "Number of model executions performed (does not include cached requests)")),
      request_duration_(Counter(registry, "nv_inference_request_duration_us",
                                "Cumulative inference request duration in microseconds (includes cached requests)")),
      queue_duration_(Counter(registry, "nv_inference_queue_duration_us",
                              "Cumulative inference queuing duration in microseconds (includes cached requests)")),
      compute_input_duration_(
          Counter(registry, "nv_inference_compute_input_duration_us",
                  "Cumulative compute input duration in microseconds (does not include cached requests)")),
      compute_infer_duration_(
          Counter(registry, "nv_inference_compute_infer_duration_us",
                  "Cumulative compute inference duration in microseconds (does not include cached requests)")),
      compute_output_duration_(
          Counter(registry, "nv_inference_compute_output_duration_us",
                  "Cumulative inference compute output duration in microseconds (does not include cached "
                  "requests)")) {}

std::unique_ptr<ModelObserver> TritonMetrics::ObserverFor(const std::string& model, int64_t version) {
  return std::make_unique<TritonModelObserver>(*this, model, version);
}

}  // namespace convoy::server
