#include "server/core/model_statistics.h"

#include <algorithm>

namespace convoy::server {

void ModelStatistics::Duration::Add(absl::Duration d) {
  ++count;
  ns += static_cast<uint64_t>(std::max<int64_t>(0, absl::ToInt64Nanoseconds(d)));
}

void ModelStatistics::Duration::ToProto(inference::StatisticDuration* out) const {
  out->set_count(count);
  out->set_ns(ns);
}

void ModelStatistics::RecordSuccess(int64_t items, const RequestTimings& t, absl::Time finished,
                                    RequestLabels labels) {
  if (observer_) observer_->OnSuccess(labels, items, t, finished);
  absl::MutexLock lock(&mu_);
  success_.Add(finished - t.received);
  queue_.Add(t.batch_started - t.enqueued);
  compute_input_.Add(t.compute_started - t.batch_started);
  compute_infer_.Add(t.compute_ended - t.compute_started);
  compute_output_.Add(finished - t.compute_ended);
  inference_count_ += static_cast<uint64_t>(items);
  last_inference_ms_ =
      std::max(last_inference_ms_, static_cast<uint64_t>(absl::ToUnixMillis(finished)));
}

void ModelStatistics::RecordFailure(absl::Duration total, absl::StatusCode code, RequestLabels labels) {
  if (observer_) observer_->OnFailure(labels, code, total);
  absl::MutexLock lock(&mu_);
  fail_.Add(total);
}

void ModelStatistics::RecordExecution(int64_t batch_size, absl::Duration compute_input,
                                      absl::Duration compute_infer) {
  if (observer_) observer_->OnExecution(batch_size);
  absl::MutexLock lock(&mu_);
  ++execution_count_;
  BatchStats& stats = batches_[batch_size];
  stats.compute_input.Add(compute_input);
  stats.compute_infer.Add(compute_infer);
}

void ModelStatistics::RecordExecutionOutput(int64_t batch_size, absl::Duration compute_output) {
  absl::MutexLock lock(&mu_);
  batches_[batch_size].compute_output.Add(compute_output);
}

void ModelStatistics::ToProto(inference::ModelStatistics* out) const {
  absl::MutexLock lock(&mu_);
  out->set_last_inference(last_inference_ms_);
  out->set_inference_count(inference_count_);
  out->set_execution_count(execution_count_);
  inference::InferStatistics* stats = out->mutable_inference_stats();
  success_.ToProto(stats->mutable_success());
  fail_.ToProto(stats->mutable_fail());
  queue_.ToProto(stats->mutable_queue());
  compute_input_.ToProto(stats->mutable_compute_input());
  compute_infer_.ToProto(stats->mutable_compute_infer());
  compute_output_.ToProto(stats->mutable_compute_output());
  for (const auto& [size, batch] : batches_) {
    inference::InferBatchStatistics* entry = out->add_batch_stats();
    entry->set_batch_size(static_cast<uint64_t>(size));
    batch.compute_input.ToProto(entry->mutable_compute_input());
    batch.compute_infer.ToProto(entry->mutable_compute_infer());
    batch.compute_output.ToProto(entry->mutable_compute_output());
  }
}

}  // namespace convoy::server
