#include "bench/abuse/report.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tools/common/json_string.h"
#include "tools/common/latency_stats.h"

namespace convoy::abuse {
namespace {

constexpr double kMiB = 1 << 20;

std::string Ms(double ms) { return std::isinf(ms) ? "inf" : absl::StrFormat("%.1f", ms); }
const char* Bool(bool b) { return b ? "true" : "false"; }

std::string JsonNumber(double x) { return std::isfinite(x) ? absl::StrFormat("%.6g", x) : "null"; }
std::string PassFail(bool ok) { return ok ? "PASS" : "FAIL"; }

std::string Counts(const std::map<std::string, CallTally::Entry>& entries) {
  std::vector<std::string> parts;
  for (const auto& [name, entry] : entries) parts.push_back(absl::StrCat(name, " ", entry.count));
  return parts.empty() ? "-" : absl::StrJoin(parts, ", ");
}

std::string JsonEntries(const std::map<std::string, CallTally::Entry>& entries) {
  std::vector<std::string> parts;
  for (const auto& [name, entry] : entries) {
    parts.push_back(absl::StrFormat("%s: {\"count\": %d, \"sample\": %s}", JsonString(name),
                                    entry.count, JsonString(entry.sample)));
  }
  return absl::StrCat("{", absl::StrJoin(parts, ", "), "}");
}

std::string JsonProbe(const ProbeFigures& p) {
  return absl::StrFormat(
      "{\"p50_ms\": %s, \"p99_ms\": %s, \"max_ms\": %s, \"ok\": %d, \"failed\": %d, \"failures\": "
      "%s}",
      JsonNumber(p.p50_ms), JsonNumber(p.p99_ms), JsonNumber(p.max_ms), p.ok, p.failed,
      JsonEntries(p.failures));
}

}  // namespace

ProbeFigures Summarize(const std::vector<double>& ok_ms, const CallTally& calls) {
  ProbeFigures figures;
  std::vector<double> all = ok_ms;
  for (const auto& [name, entry] : calls.entries()) {
    if (name == "OK") continue;
    figures.failures[name] = entry;
    figures.failed += entry.count;
    all.insert(all.end(), entry.count, std::numeric_limits<double>::infinity());
  }
  figures.ok = static_cast<int64_t>(ok_ms.size());
  if (!ok_ms.empty()) figures.max_ms = *std::max_element(ok_ms.begin(), ok_ms.end());
  if (all.empty()) {
    figures.p50_ms = figures.p99_ms = std::numeric_limits<double>::infinity();
    return figures;
  }
  std::sort(all.begin(), all.end());
  // Nearest rank, so infinite entries stay infinite instead of turning
  // into NaN by interpolation.
  auto rank = [&all](double q) {
    const size_t i = static_cast<size_t>(std::ceil(q / 100 * all.size()));
    return all[std::clamp<size_t>(i, 1, all.size()) - 1];
  };
  figures.p50_ms = rank(50);
  figures.p99_ms = rank(99);
  return figures;
}

void Judge(const Targets& targets, const Baseline& baseline, AttackFigures& attack) {
  attack.rss_ok = attack.peak_rss_bytes <= targets.max_inflight_bytes + targets.rss_slack_bytes;
  attack.health_ok = attack.health.p99_ms < targets.health_p99_ms;
  attack.latency_ratio = attack.infer.p99_ms / baseline.infer.p99_ms;
  attack.latency_ok = attack.latency_ratio <= targets.latency_ratio;
  attack.wrong_ok = attack.wrong == 0;
}

std::string FormatTable(const Targets& targets, const Baseline& baseline,
                        const std::vector<AttackFigures>& attacks) {
  std::string out = absl::StrFormat(
      "unloaded probe: health p50 %s ms, p99 %s ms; lenet5-fmnist p50 %s ms, p99 %s ms (%d "
      "calls, %d failed, %d wrong); server peak RSS %.0f MiB\n"
      "RSS0: the server's RSS as the attack starts (what earlier ones left); peakRSS: VmHWM "
      "from then until the server is idle again; CPU: server seconds over the same span, cliCPU: "
      "this client's (attacker and probe, on the same "
      "cores); the "
      "probe's failed calls count as infinitely slow\n"
      "targets: peak RSS <= %.0f MiB (max-inflight-bytes + %.0f MiB); health p99 < %.0f ms; "
      "well-formed p99 <= %.1fx unloaded; server alive; 0 wrong answers\n\n",
      Ms(baseline.health.p50_ms), Ms(baseline.health.p99_ms), Ms(baseline.infer.p50_ms),
      Ms(baseline.infer.p99_ms), baseline.infer.ok + baseline.infer.failed, baseline.infer.failed,
      baseline.wrong, baseline.peak_rss_bytes / kMiB,
      (targets.max_inflight_bytes + targets.rss_slack_bytes) / kMiB, targets.rss_slack_bytes / kMiB,
      targets.health_p99_ms, targets.latency_ratio);
  absl::StrAppendFormat(
      &out, "%-20s %7s %8s %6s %6s %13s %15s %6s %7s %5s %5s | %-4s %-4s %-4s %-5s %-5s\n",
      "attack", "RSS0", "peakRSS", "CPU", "cliCPU", "health", "well-formed", "ratio", "probe",
      "wrong", "alive", "RSS", "HLTH", "LAT", "CRASH", "WRONG");
  absl::StrAppendFormat(&out, "%-20s %7s %8s %6s %6s %13s %15s %6s %7s %5s %5s |\n", "", "MiB",
                        "MiB", "s", "s", "p50/p99 ms", "p50/p99 ms", "p99", "failed", "", "");
  for (const AttackFigures& a : attacks) {
    absl::StrAppendFormat(
        &out,
        "%-20s %7.0f %8.0f %6.1f %6.1f %13s %15s %6s %7d %5d %5s | %-4s %-4s %-4s %-5s %-5s\n",
        a.name, a.rss_before_bytes / kMiB, a.peak_rss_bytes / kMiB, a.cpu_seconds,
        a.client_cpu_seconds, absl::StrCat(Ms(a.health.p50_ms), "/", Ms(a.health.p99_ms)),
        absl::StrCat(Ms(a.infer.p50_ms), "/", Ms(a.infer.p99_ms)),
        std::isinf(a.latency_ratio) ? "inf" : absl::StrFormat("%.2f", a.latency_ratio),
        a.infer.failed + a.health.failed, a.wrong, a.alive ? "yes" : "NO", PassFail(a.rss_ok),
        PassFail(a.health_ok), PassFail(a.latency_ok), PassFail(a.alive), PassFail(a.wrong_ok));
  }
  out += "\nwhat each attacker sent and got back (count by status, one message each):\n";
  for (const AttackFigures& a : attacks) {
    absl::StrAppendFormat(&out,
                          "- %s: %s\n    got: %s; server RSS after %.0f MiB, drained in %.1f s; "
                          "probe's slowest: health %s ms, inference %s ms\n",
                          a.name, a.note, Counts(a.attacker), a.rss_after_bytes / kMiB,
                          a.drain_seconds, Ms(a.health.max_ms), Ms(a.infer.max_ms));
    if (!a.error.empty()) absl::StrAppendFormat(&out, "    ATTACK ERROR: %s\n", a.error);
    for (const auto& [name, entry] : a.attacker) {
      if (entry.sample.empty()) continue;
      absl::StrAppendFormat(&out, "    %s: %s\n", name, entry.sample.substr(0, 220));
    }
    for (const auto& [name, entry] : a.infer.failures) {
      absl::StrAppendFormat(&out, "    probe inference %s x%d: %s\n", name, entry.count,
                            entry.sample.substr(0, 220));
    }
    for (const auto& [name, entry] : a.health.failures) {
      absl::StrAppendFormat(&out, "    probe health %s x%d: %s\n", name, entry.count,
                            entry.sample.substr(0, 220));
    }
    if (a.inexact > 0) {
      absl::StrAppendFormat(&out, "    probe answers within tolerance but not bit-equal: %d\n",
                            a.inexact);
    }
  }
  return out;
}

std::string FormatJson(const std::string& cpu_model, const Targets& targets,
                       const Baseline& baseline, const std::vector<AttackFigures>& attacks) {
  std::vector<std::string> rows;
  for (const AttackFigures& a : attacks) {
    rows.push_back(absl::StrFormat(
        "    {\"name\": %s, \"description\": %s, \"note\": %s, \"error\": %s, "
        "\"rss_before_mib\": %.1f, \"peak_rss_mib\": %.1f, \"rss_after_mib\": %.1f, "
        "\"cpu_seconds\": %.2f, \"client_cpu_seconds\": %.2f, "
        "\"drain_seconds\": %.2f, \"attacker\": %s, \"health\": %s, \"infer\": %s, "
        "\"p99_ratio\": %s, \"wrong\": %d, \"inexact\": %d, \"alive\": %s, "
        "\"pass\": {\"rss\": %s, \"health\": %s, \"latency\": %s, \"crash\": %s, \"wrong\": %s}}",
        JsonString(a.name), JsonString(a.description), JsonString(a.note), JsonString(a.error),
        a.rss_before_bytes / kMiB, a.peak_rss_bytes / kMiB, a.rss_after_bytes / kMiB, a.cpu_seconds,
        a.client_cpu_seconds, a.drain_seconds, JsonEntries(a.attacker), JsonProbe(a.health),
        JsonProbe(a.infer), JsonNumber(a.latency_ratio), a.wrong, a.inexact,
        Bool(a.alive), Bool(a.rss_ok), Bool(a.health_ok), Bool(a.latency_ok), Bool(a.alive), Bool(a.wrong_ok)));
  }
  return absl::StrFormat(
      "{\n  \"date\": %s,\n  \"cpu\": %s,\n  \"max_inflight_bytes\": %d,\n"
      "  \"targets\": {\"peak_rss_mib\": %.0f, \"health_p99_ms\": %.0f, \"latency_ratio\": %.1f},\n"
      "  \"baseline\": {\"health\": %s, \"infer\": %s, \"wrong\": %d, \"peak_rss_mib\": %.1f},\n"
      "  \"attacks\": [\n%s\n  ]\n}\n",
      JsonString(absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now(), absl::UTCTimeZone())),
      JsonString(cpu_model), targets.max_inflight_bytes,
      (targets.max_inflight_bytes + targets.rss_slack_bytes) / kMiB, targets.health_p99_ms,
      targets.latency_ratio, JsonProbe(baseline.health), JsonProbe(baseline.infer), baseline.wrong,
      baseline.peak_rss_bytes / kMiB, absl::StrJoin(rows, ",\n"));
}

}  // namespace convoy::abuse
