// The abuse benchmark's figures per attack, the targets they are judged
// against, and their two renderings: a table for people and JSON for tools.
#ifndef CONVOY_BENCH_ABUSE_REPORT_H_
#define CONVOY_BENCH_ABUSE_REPORT_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "bench/abuse/attack_traffic.h"

namespace convoy::abuse {

struct Targets {
  int64_t max_inflight_bytes = int64_t{1} << 30;
  int64_t rss_slack_bytes = int64_t{300} << 20;  // peak RSS <= budget + this
  double health_p99_ms = 100;
  double latency_ratio = 2;  // well-formed p99 <= this x unloaded p99
};

// Percentiles of a probe's calls. Failed calls count as infinitely slow:
// a well-formed request refused because an attacker holds the server's
// resources is a denial of service, however fast the refusal.
struct ProbeFigures {
  double p50_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;  // the slowest successful call: one stall shows here
  int64_t ok = 0;
  int64_t failed = 0;
  std::map<std::string, CallTally::Entry> failures;  // by status code
};
ProbeFigures Summarize(const std::vector<double>& ok_ms, const CallTally& calls);

struct AttackFigures {
  std::string name;
  std::string description;
  std::string note;
  std::string error;             // the attack could not run as built, if not empty
  int64_t rss_before_bytes = 0;  // held from earlier attacks (allocator, plan caches)
  int64_t peak_rss_bytes = 0;
  int64_t rss_after_bytes = 0;    // once the server is idle again
  double cpu_seconds = 0;         // from the attack's start until idle again
  double client_cpu_seconds = 0;  // the attacker's and the probe's, over the same span
  double drain_seconds = 0;       // after the attack's end until idle again
  std::map<std::string, CallTally::Entry> attacker;
  ProbeFigures health;
  ProbeFigures infer;
  int64_t wrong = 0;    // probe and attacker answers that differ from alone
  int64_t inexact = 0;  // probe answers within the tolerance but not equal
  bool alive = true;

  // Targets.
  bool rss_ok = false, health_ok = false, latency_ok = false, wrong_ok = false;
  double latency_ratio = 0;
};

struct Baseline {
  ProbeFigures health;
  ProbeFigures infer;
  int64_t wrong = 0;
  int64_t peak_rss_bytes = 0;
};

void Judge(const Targets& targets, const Baseline& baseline, AttackFigures& attack);

std::string FormatTable(const Targets& targets, const Baseline& baseline,
                        const std::vector<AttackFigures>& attacks);
std::string FormatJson(const std::string& cpu_model, const Targets& targets,
                       const Baseline& baseline, const std::vector<AttackFigures>& attacks);

}  // namespace convoy::abuse

#endif  // CONVOY_BENCH_ABUSE_REPORT_H_
