#include "tools/common/latency_stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace convoy {

double Percentile(absl::Span<const double> sorted, double q) {
  const double rank = q / 100.0 * static_cast<double>(sorted.size() - 1);
  const size_t lower = static_cast<size_t>(std::floor(rank));
  const size_t upper = std::min(lower + 1, sorted.size() - 1);
  const double fraction = rank - static_cast<double>(lower);
  return sorted[lower] + (sorted[upper] - sorted[lower]) * fraction;
}

LatencyStats ComputeLatencyStats(absl::Span<const double> latencies_ms) {
  LatencyStats stats;
  if (latencies_ms.empty()) return stats;
  std::vector<double> sorted(latencies_ms.begin(), latencies_ms.end());
  std::sort(sorted.begin(), sorted.end());
  stats.count = static_cast<int64_t>(sorted.size());
  stats.mean_ms =
      std::accumulate(sorted.begin(), sorted.end(), 0.0) / static_cast<double>(sorted.size());
  stats.min_ms = sorted.front();
  stats.max_ms = sorted.back();
  stats.p50_ms = Percentile(sorted, 50);
  stats.p90_ms = Percentile(sorted, 90);
  stats.p95_ms = Percentile(sorted, 95);
  stats.p99_ms = Percentile(sorted, 99);
  return stats;
}

}  // namespace convoy
