// Summary statistics of a set of latencies, as convoy-infer --bench and
// convoy-loadgen print them.
//
// Percentiles interpolate linearly between the two nearest ranks (NumPy's
// default method), so p99 of 50 samples is not simply the maximum.
//
// Thread-safety: stateless functions; safe to call concurrently.
#ifndef CONVOY_TOOLS_COMMON_LATENCY_STATS_H_
#define CONVOY_TOOLS_COMMON_LATENCY_STATS_H_

#include <cstdint>
#include <vector>

#include "absl/types/span.h"

namespace convoy {

struct LatencyStats {
  int64_t count = 0;  // all other fields are 0 when count is 0
  double mean_ms = 0;
  double min_ms = 0;
  double p50_ms = 0;
  double p90_ms = 0;
  double p95_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
};

LatencyStats ComputeLatencyStats(absl::Span<const double> latencies_ms);

// The q-th percentile (0 <= q <= 100) of `sorted`, interpolated as above.
// REQUIRES: `sorted` is non-empty and in ascending order.
double Percentile(absl::Span<const double> sorted, double q);

}  // namespace convoy

#endif  // CONVOY_TOOLS_COMMON_LATENCY_STATS_H_
