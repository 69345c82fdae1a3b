#!/usr/bin/env bash
# Checks tools/lib/loadgen.sh's loadgen_record against a fake convoy-loadgen
# (CONVOY_BUILD points at it): the line it appends, a run with failed
# requests kept, a run that printed nothing refused.
set -euo pipefail
cd "$(dirname "$0")/../../.."
. tools/lib/loadgen.sh
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/build/tools/convoy_loadgen"
# Prints its flags as JSON; with --model broken, exits 1 as convoy-loadgen
# does after failed requests; with --model silent, prints nothing.
cat >"$scratch/build/tools/convoy_loadgen/convoy-loadgen" <<'FAKE'
#!/usr/bin/env bash
printf -v flags '"%s", ' "$@"
case " $* " in *" --model silent "*) echo "failed to connect" >&2; exit 2 ;; esac
echo "{\"flags\": [${flags%, }]}"
case " $* " in *" --model broken "*) exit 1 ;; esac
FAKE
chmod +x "$scratch/build/tools/convoy_loadgen/convoy-loadgen"
export CONVOY_BUILD=$scratch/build
results=$scratch/results.jsonl

loadgen_record "$results" ok --model lenet5 --duration 1
[ "$(cat "$results")" = '{"label": "ok", "result": {"flags": ["--json", "--model", "lenet5", "--duration", "1"]}}' ] ||
  { echo "FAIL: appended $(cat "$results")" >&2; exit 1; }
[ "$loadgen_result" = '{"flags": ["--json", "--model", "lenet5", "--duration", "1"]}' ] ||
  { echo "FAIL: loadgen_result is $loadgen_result" >&2; exit 1; }
echo "  ok  one labelled line per run, the result in loadgen_result"

loadgen_record "$results" broken --model broken
if ! { [ "$(wc -l <"$results")" = 2 ] && grep -q '"label": "broken"' "$results"; }; then
  echo "FAIL: a run with failed requests was not kept" >&2
  exit 1
fi
echo "  ok  a run with failed requests is kept"

status=0
(loadgen_record "$results" silent --model silent) 2>"$scratch/err" || status=$?
if ! { [ "$status" = 1 ] && grep -q 'printed no result for silent' "$scratch/err" &&
        [ "$(wc -l <"$results")" = 2 ]; }; then
  echo "FAIL: a run that printed nothing: status $status, $(cat "$scratch/err")" >&2
  exit 1
fi
echo "  ok  a run that printed nothing fails and appends nothing"
echo "all passed"
