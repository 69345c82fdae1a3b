// What the servers counted during a measured step: ModelStatistics read
// before and after, summed over every target (replicas behind no
// balancer), turned into per-request and per-execution figures.
#ifndef CONVOY_TOOLS_CONVOY_LOADGEN_SERVER_STATISTICS_H_
#define CONVOY_TOOLS_CONVOY_LOADGEN_SERVER_STATISTICS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/kserve_client.h"

namespace convoy {

struct ServerView {
  double requests = 0;     // Successful requests the servers counted.
  double batch_size = 0;   // Items per execution.
  double queue_us = 0;     // Per request.
  double compute_us = 0;   // compute_infer per request (its batch's run).
};

// The model's statistics (`version`'s, or the latest version's when empty),
// summed over `clients`.
absl::StatusOr<inference::ModelStatistics> SumStatistics(const std::vector<client::KServeClient*>& clients,
                                                         const std::string& model, const std::string& version = "");

ServerView Delta(const inference::ModelStatistics& before, const inference::ModelStatistics& after);

}  // namespace convoy

#endif  // CONVOY_TOOLS_CONVOY_LOADGEN_SERVER_STATISTICS_H_
