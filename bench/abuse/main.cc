// convoy-abuse: replays attacks against a running convoy-server while a
// probe measures what a well-behaved client sees, and judges each attack
// against the server's resource targets. bench/abuse.sh builds the model
// repository, starts the server and runs this.
//
//   convoy-abuse --server 127.0.0.1:PORT --server-pid PID
//                [--attacks all|NAME,...] [--duration-secs 10]
//                [--max-inflight-bytes N] [--json FILE]
//
// For each attack: the server's peak RSS is reset, the probe starts (a
// health check and a lenet5-fmnist inference every 20 ms), the attack runs
// for --duration-secs or --max-requests, the probe stops, and the server is
// given time to finish the work the attack queued (until it is idle) before
// its peak RSS and CPU time are read and its liveness checked. A server that
// has died ends the run.
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "bench/abuse/attacks.h"
#include "bench/abuse/latency_probe.h"
#include "bench/abuse/report.h"
#include "bench/abuse/server_process.h"
#include "common/dash_flags.h"

ABSL_FLAG(std::string, server, "127.0.0.1:8001", "host:port of the server under attack.");
ABSL_FLAG(int, server_pid, 0, "Its process id, for /proc (required).");
ABSL_FLAG(std::string, attacks, "all", "Comma-separated attack names, or all.");
ABSL_FLAG(double, duration_secs, 10, "How long each attack sends.");
ABSL_FLAG(int64_t, max_requests, 20000, "At most this many requests per attack.");
ABSL_FLAG(double, baseline_secs, 10, "How long the probe measures the unloaded server.");
ABSL_FLAG(double, probe_interval_ms, 20,
          "The probe sends a health check and an inference this often.");
ABSL_FLAG(double, drain_limit_secs, 60, "Longest wait for the server to be idle after an attack.");
ABSL_FLAG(int64_t, max_inflight_bytes, int64_t{1} << 30,
          "The server's --max-inflight-bytes, for the peak RSS target.");
ABSL_FLAG(int64_t, rss_slack_mb, 300, "Peak RSS target: max-inflight-bytes plus this.");
ABSL_FLAG(std::string, cobatch_feature, "/classifier/classifier.2/Tanh_output_0",
          "The intermediate output declared by lenet5-fmnist-cobatch.");
ABSL_FLAG(std::string, json, "", "Also write the figures to this JSON file.");

namespace convoy::abuse {
namespace {

// This process's CPU seconds: the attacker and the probe share the
// machine's cores with the server, so their own use is part of the picture.
double OwnCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

std::string CpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const size_t colon = line.find(':');
      if (colon != std::string::npos) return line.substr(colon + 2);
    }
  }
  return "unknown";
}

absl::Status WaitUntilServing(const std::string& target, absl::Duration limit) {
  client::ClientOptions options;
  options.target = target;
  options.timeout = absl::Seconds(2);
  auto client = client::InferenceClient::Create(options);
  if (!client.ok()) return client.status();
  const absl::Time end = absl::Now() + limit;
  absl::Status last = absl::DeadlineExceededError("not serving");
  while (absl::Now() < end) {
    auto serving = (*client)->HealthCheck();
    if (serving.ok() && *serving == grpc::health::v1::HealthCheckResponse::SERVING) {
      return absl::OkStatus();
    }
    if (!serving.ok()) last = serving.status();
    absl::SleepFor(absl::Milliseconds(200));
  }
  return last;
}

int Run() {
  const std::string target = absl::GetFlag(FLAGS_server);
  if (absl::GetFlag(FLAGS_server_pid) <= 0) {
    std::fprintf(stderr, "convoy-abuse: --server-pid is required\n");
    return 2;
  }
  ServerProcess server(absl::GetFlag(FLAGS_server_pid));
  const absl::Duration duration = absl::Seconds(absl::GetFlag(FLAGS_duration_secs));
  const absl::Duration drain_limit = absl::Seconds(absl::GetFlag(FLAGS_drain_limit_secs));
  Targets targets;
  targets.max_inflight_bytes = absl::GetFlag(FLAGS_max_inflight_bytes);
  targets.rss_slack_bytes = absl::GetFlag(FLAGS_rss_slack_mb) << 20;

  // In the order given; a name given twice runs twice (whether memory an
  // attack left behind grows with each run tells a leak from a cache).
  std::vector<Attack> attacks;
  const std::string wanted = absl::GetFlag(FLAGS_attacks);
  const std::vector<Attack> all = AllAttacks();
  if (wanted == "all") attacks = all;
  for (absl::string_view name : absl::StrSplit(wanted, ',', absl::SkipEmpty())) {
    if (name == "all") continue;
    auto it = std::find_if(all.begin(), all.end(),
                           [name](const Attack& attack) { return attack.name == name; });
    if (it == all.end()) {
      std::fprintf(stderr, "convoy-abuse: no attack named %s\n", std::string(name).c_str());
      return 2;
    }
    attacks.push_back(*it);
  }

  if (absl::Status serving = WaitUntilServing(target, absl::Minutes(3)); !serving.ok()) {
    std::fprintf(stderr, "convoy-abuse: server at %s not serving: %s\n", target.c_str(),
                 serving.ToString().c_str());
    return 1;
  }
  ProbeOptions probe_options;
  probe_options.target = target;
  probe_options.interval = absl::Milliseconds(absl::GetFlag(FLAGS_probe_interval_ms));
  auto probe = LatencyProbe::Create(probe_options);
  if (!probe.ok()) {
    std::fprintf(stderr, "convoy-abuse: %s\n", probe.status().ToString().c_str());
    return 1;
  }

  // Unloaded: the probe's reference answers and latencies.
  Baseline baseline;
  server.WaitUntilIdle(absl::Milliseconds(500), 0.05, drain_limit);
  (void)server.ResetPeakRss();
  (*probe)->Start();
  absl::SleepFor(absl::Seconds(absl::GetFlag(FLAGS_baseline_secs)));
  std::unique_ptr<ProbeResult> unloaded = (*probe)->Stop();
  baseline.health = Summarize(unloaded->health_ms, unloaded->health_calls);
  baseline.infer = Summarize(unloaded->infer_ms, unloaded->infer_calls);
  baseline.wrong = unloaded->wrong;
  baseline.peak_rss_bytes = server.PeakRssBytes().value_or(0);
  std::fprintf(stderr, "convoy-abuse: unloaded lenet5-fmnist p50 %.2f ms, p99 %.2f ms\n",
               baseline.infer.p50_ms, baseline.infer.p99_ms);

  std::vector<AttackFigures> results;
  for (const Attack& attack : attacks) {
    std::fprintf(stderr, "convoy-abuse: %s ...\n", attack.name.c_str());
    AttackFigures figures;
    figures.name = attack.name;
    figures.description = attack.description;
    if (absl::Status reset = server.ResetPeakRss(); !reset.ok()) {
      std::fprintf(stderr, "convoy-abuse: %s\n", reset.ToString().c_str());
      return 1;
    }
    figures.rss_before_bytes = server.RssBytes().value_or(0);
    const double cpu_before = server.CpuSeconds().value_or(0);
    const double own_cpu_before = OwnCpuSeconds();
    AttackEnv env;
    env.target = target;
    env.cobatch_feature = absl::GetFlag(FLAGS_cobatch_feature);
    env.end = absl::Now() + duration;
    env.max_requests = absl::GetFlag(FLAGS_max_requests);
    (*probe)->Start();
    if (absl::Status run = attack.run(env); !run.ok()) figures.error = run.ToString();
    std::unique_ptr<ProbeResult> probed = (*probe)->Stop();
    figures.drain_seconds =
        absl::ToDoubleSeconds(server.WaitUntilIdle(absl::Milliseconds(500), 0.05, drain_limit));
    figures.alive = server.Alive();
    figures.peak_rss_bytes = server.PeakRssBytes().value_or(0);
    figures.rss_after_bytes = server.RssBytes().value_or(0);
    figures.cpu_seconds = server.CpuSeconds().value_or(cpu_before) - cpu_before;
    figures.client_cpu_seconds = OwnCpuSeconds() - own_cpu_before;
    figures.note = env.note;
    figures.attacker = env.tally.entries();
    figures.health = Summarize(probed->health_ms, probed->health_calls);
    figures.infer = Summarize(probed->infer_ms, probed->infer_calls);
    figures.wrong = env.wrong + probed->wrong;
    figures.inexact = probed->inexact;
    Judge(targets, baseline, figures);
    results.push_back(std::move(figures));
    if (!results.back().alive) {
      std::fprintf(stderr, "convoy-abuse: the server died during %s; stopping\n",
                   attack.name.c_str());
      break;
    }
  }

  std::printf("%s", FormatTable(targets, baseline, results).c_str());
  if (const std::string path = absl::GetFlag(FLAGS_json); !path.empty()) {
    std::ofstream(path) << FormatJson(CpuModel(), targets, baseline, results);
  }
  bool all_pass = true;
  for (const AttackFigures& a : results) {
    all_pass = all_pass && a.rss_ok && a.health_ok && a.latency_ok && a.alive && a.wrong_ok;
  }
  return all_pass ? 0 : 3;
}

}  // namespace
}  // namespace convoy::abuse

int main(int argc, char** argv) {
  convoy::ParseDashFlags(argc, argv, "bench/abuse/main.cc",
                         "Replays attacks against a running convoy-server (bench/abuse.sh).");
  return convoy::abuse::Run();
}
