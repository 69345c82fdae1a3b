# shellcheck shell=bash
# Recording convoy-loadgen runs for a summary. Each run is one line of a
# results file,
#   {"label": "LABEL", "result": <what convoy-loadgen --json printed>}
# which tools/lib/results.py reads back by label. Source it from the
# repository root:
#
#   . tools/lib/loadgen.sh
#   loadgen_record "$work/results.jsonl" lenet5-c64 --server "$server" --model lenet5 \
#     --concurrency 64 --duration 10 --warmup 3
#   echo "$loadgen_result"   # the run's JSON object, if the script shows it too
#
# The binary is ${CONVOY_BUILD:-build}/tools/convoy_loadgen/convoy-loadgen.

# loadgen_record FILE LABEL [CONVOY-LOADGEN FLAGS...]
# Runs one convoy-loadgen --json measurement (one step: no sweep flags) and
# appends it to FILE under LABEL; sets loadgen_result to its JSON object. A
# run with failed requests is recorded all the same (convoy-loadgen then
# exits non-zero, and its errors are counted in the result); one that
# printed nothing fails.
loadgen_record() {
  local file=$1 label=$2
  shift 2
  loadgen_result=$("${CONVOY_BUILD:-build}/tools/convoy_loadgen/convoy-loadgen" --json "$@") || true
  [ -n "$loadgen_result" ] || { echo "loadgen_record: convoy-loadgen printed no result for $label" >&2; return 1; }
  printf '{"label": "%s", "result": %s}\n' "$label" "$loadgen_result" >>"$file"
}
