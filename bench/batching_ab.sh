#!/usr/bin/env bash
# A/B of two convoy-server binaries on how batches form (docs/BENCHMARKS.md,
# "Balanced batches"). A closed loop's batch pattern forms when the load
# begins, so every round starts each server afresh, in turn: the zoo's
# MODEL with its own config, loaded by convoy-loadgen at CONCURRENCY for
# WARMUP + SECONDS, then the server's CPU time and context switches per
# request over that load (from /proc, its threads summed) and the batch
# sizes it ran (ModelStatistics' batch_stats, the commonest first) before it
# stops. Prints each run, the medians, and the medians of each round's
# new/old ratios (a pair run back to back shares the machine's moment, so
# the paired ratios are steadier than the ratio of medians).
#
#   bench/batching_ab.sh OLD_SERVER NEW_SERVER [MODEL] [CONCURRENCY] [ROUNDS] [SECONDS] [WARMUP]
#       (resnet50, 16, 3 rounds, 10 s, 3 s warm-up; WARMUP 0 measures the
#       first seconds after the load; an ensemble's members are served too)
#
# OLD_SERVER is typically a build of an earlier commit (bench/serving_ab.sh
# shows how).
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/lib/server.sh
. tools/lib/loadgen.sh
[ $# -ge 2 ] || { echo "usage: $0 OLD_SERVER NEW_SERVER [MODEL] [CONCURRENCY] [ROUNDS] [SECONDS] [WARMUP]" >&2; exit 2; }
old=$1 new=$2 model=${3:-resnet50} concurrency=${4:-16} rounds=${5:-3} seconds=${6:-10} warmup=${7:-3}
# "CPU_TICKS CONTEXT_SWITCHES" of process PID so far, all its threads.
server_usage() {
  echo "$(awk '{print $14 + $15}' "/proc/$1/stat") $(cat /proc/"$1"/task/*/status | awk '/ctxt_switches/ {n += $2} END {print n}')"
}

work=$(mktemp -d)
trap 'server_stop_all; rm -rf "$work"' EXIT
mkdir -p "$work/models"
# An ensemble's members too.
for name in "$model" $(sed -n 's/.*model_name: *"\([^"]*\)".*/\1/p' "zoo/models/$model/config.pbtxt"); do
  cp -r "zoo/models/$name" "$work/models/"
done
for round in $(seq "$rounds"); do
  for label in old new; do
    binary=$([ "$label" = old ] && echo "$old" || echo "$new")
    log=$work/$label-$round.log
    server_start "$log" "$binary" --model-repository "$work/models"
    server_wait_ready "$log"
    pid=$(server_pid "$log")
    stats=http://127.0.0.1:$(server_port "$log" http_listening)/v2/models/$model/stats
    before="$(server_usage "$pid") $(curl -s "$stats")"
    loadgen_record "$work/results.jsonl" "$label" --server "127.0.0.1:$(server_port "$log")" --model "$model" \
      --concurrency "$concurrency" --duration "$seconds" --warmup "$warmup"
    after="$(server_usage "$pid") $(curl -s "$stats")"
    echo "$round $label: $(/usr/bin/python3 - "$loadgen_result" "$before" "$after" "$(getconf CLK_TCK)" \
      "$work/rounds.jsonl" "$round" "$label" <<'PY'
import json, sys
result, before, after, ticks = sys.argv[1], sys.argv[2].split(" ", 2), sys.argv[3].split(" ", 2), int(sys.argv[4])
r = json.loads(result)
answered = [int(json.loads(s)["model_stats"][0]["inference_stats"]["success"]["count"]) for s in (before[2], after[2])]
requests = max(answered[1] - answered[0], 1)
cpu_us = (int(after[0]) - int(before[0])) / ticks * 1e6 / requests
switches = (int(after[1]) - int(before[1])) / requests
with open(sys.argv[5], "a") as rounds:
    rounds.write(json.dumps({"label": sys.argv[7], "result": {"round": sys.argv[6], "requests_per_s": r["requests_per_s"],
                                                           "cpu_us": cpu_us, "switches": switches}}) + "\n")
sizes = sorted(json.loads(after[2])["model_stats"][0]["batch_stats"], key=lambda b: -int(b["compute_infer"]["count"]))
print("%.1f req/s, p50 %.1f ms, max %.1f ms | server %.1f us CPU, %.2f context switches a request | "
      "batch sizes (runs): %s" % (r["requests_per_s"], r["p50_ms"], r["max_ms"], cpu_us, switches,
      ", ".join("%s (%s)" % (b["batch_size"], b["compute_infer"]["count"]) for b in sizes[:4])))
PY
)"
    server_stop "$log"
  done
done
/usr/bin/python3 - "$work/results.jsonl" "$work/rounds.jsonl" <<'PY'
import statistics, sys
sys.path.insert(0, "tools/lib")
from results import Runs, print_ab, round_ratios  # noqa: E402
print_ab(Runs(sys.argv[1]), "old", "new", digits=1)
rounds = Runs(sys.argv[2])  # Each round runs old, then new.
for key, what in (("requests_per_s", "requests/s"), ("cpu_us", "server CPU a request"),
                  ("switches", "context switches a request")):
    ratios = round_ratios(rounds, "new", "old", key)
    if ratios:
        print(f"new/old per round, {what}: median {statistics.median(ratios):.3f} "
              f"({min(ratios):.2f}-{max(ratios):.2f}, {len(ratios)} rounds)")
PY
