#include "tools/convoy_loadgen/server_statistics.h"

#include "absl/strings/str_cat.h"

namespace convoy {
namespace {

void AddDuration(const inference::StatisticDuration& from, inference::StatisticDuration* to) {
  to->set_count(to->count() + from.count());
  to->set_ns(to->ns() + from.ns());
}

void Add(const inference::ModelStatistics& from, inference::ModelStatistics* to) {
  to->set_inference_count(to->inference_count() + from.inference_count());
  to->set_execution_count(to->execution_count() + from.execution_count());
  const inference::InferStatistics& f = from.inference_stats();
  inference::InferStatistics* t = to->mutable_inference_stats();
  AddDuration(f.success(), t->mutable_success());
  AddDuration(f.fail(), t->mutable_fail());
  AddDuration(f.queue(), t->mutable_queue());
  AddDuration(f.compute_input(), t->mutable_compute_input());
  AddDuration(f.compute_infer(), t->mutable_compute_infer());
  AddDuration(f.compute_output(), t->mutable_compute_output());
}

}  // namespace

absl::StatusOr<inference::ModelStatistics> SumStatistics(const std::vector<client::KServeClient*>& clients,
                                                         const std::string& model, const std::string& version) {
  inference::ModelStatistics sum;
  for (client::KServeClient* client : clients) {
    absl::StatusOr<inference::ModelStatisticsResponse> response = client->ModelStatistics(model, version);
    if (!response.ok()) return response.status();
    if (response->model_stats_size() < 1) {
      return absl::NotFoundError(absl::StrCat("no statistics for model '", model, "'"));
    }
    Add(response->model_stats(response->model_stats_size() - 1), &sum);
  }
  return sum;
}

ServerView Delta(const inference::ModelStatistics& before, const inference::ModelStatistics& after) {
  auto per = [](uint64_t ns_after, uint64_t ns_before, uint64_t n_after, uint64_t n_before) {
    const uint64_t n = n_after - n_before;
    return n == 0 ? 0.0 : 1e-3 * static_cast<double>(ns_after - ns_before) / static_cast<double>(n);
  };
  ServerView view;
  const auto& a = after.inference_stats();
  const auto& b = before.inference_stats();
  view.requests = static_cast<double>(a.success().count() - b.success().count());
  const uint64_t executions = after.execution_count() - before.execution_count();
  if (executions > 0) {
    view.batch_size = static_cast<double>(after.inference_count() - before.inference_count()) /
                      static_cast<double>(executions);
  }
  view.queue_us = per(a.queue().ns(), b.queue().ns(), a.queue().count(), b.queue().count());
  view.compute_us = per(a.compute_infer().ns(), b.compute_infer().ns(), a.compute_infer().count(),
                        b.compute_infer().count());
  return view;
}

}  // namespace convoy
