#!/usr/bin/env bash
# Checks tools/lib/server.sh against fake servers (shell scripts that log as
# convoy-server does), and, given a convoy-server binary and the zoo, against
# the real one: ports are read from the log, a server that dies or is late is
# reported with its log and stopped, and stopping returns the exit status.
#
#   tests/tools/lib/server_lib_test.sh [CONVOY_SERVER ZOO_DIR]
set -euo pipefail
cd "$(dirname "$0")/../../.."
. tools/lib/server.sh
scratch=$(mktemp -d)
trap 'server_stop_all; rm -rf "$scratch"' EXIT
failures=0
check() {  # description, then a command that must succeed
  local what=$1
  shift
  if "$@"; then echo "  ok  $what"; else echo "FAIL  $what" >&2; failures=$((failures + 1)); fi
}
gone() {  # pid...: none of them runs
  local pid
  for pid; do ! kill -0 "$pid" 2>/dev/null || return 1; done
}
no_port() { ! server_port "$1" 2>/dev/null; }

# Fakes: one that gets ready and exits 0 on SIGTERM, one that dies at start,
# one that never gets ready. Each prints its flags first.
fake() {  # name, then the body after the flags are printed
  printf '#!/usr/bin/env bash\necho "flags: $*"\n%s\n' "$2" >"$scratch/$1"
  chmod +x "$scratch/$1"
}
fake ready 'trap "echo event=shutdown_complete; exit 0" TERM
echo "ts=0 level=info event=metrics_listening address=127.0.0.1 port=4002"
echo "ts=0 level=info event=listening address=127.0.0.1 port=4001 tls=off"
echo "ts=0 level=info event=server_ready ready=true"
while true; do sleep 0.1; done'
fake dies 'echo "ERROR: Unknown command line flag bogus" >&2; exit 1'
fake late 'while true; do sleep 0.1; done'

echo "fake servers"
server_start "$scratch/ready.log" "$scratch/ready" --model-repository /nowhere
server_wait_ready "$scratch/ready.log"
check "flags: loopback and free ports first, the caller's after" \
  grep -qx 'flags: --address 127.0.0.1 --grpc-port 0 --http-port 0 --metrics-port 0 --model-repository /nowhere' "$scratch/ready.log"
check "gRPC port from event=listening" [ "$(server_port "$scratch/ready.log")" = 4001 ]
check "metrics port from event=metrics_listening" \
  [ "$(server_port "$scratch/ready.log" metrics_listening)" = 4002 ]
echo "ts=0 level=info event=server_ready ready=true" >"$scratch/no-port.log"
check "no port where none was logged" no_port "$scratch/no-port.log"
pid=$(server_pid "$scratch/ready.log")
check "server_stop returns the exit status (0 after SIGTERM)" server_stop "$scratch/ready.log"
check "the stopped process is gone" gone "$pid"
check "its log has what it did on SIGTERM" grep -q 'event=shutdown_complete' "$scratch/ready.log"

# server_wait_ready exits the shell it runs in: a subshell here.
waits_in_subshell() {  # binary, seconds; its stderr in $scratch/err
  (server_start "$scratch/$1.log" "$scratch/$1"; server_wait_ready "$scratch/$1.log" "$2") 2>"$scratch/err"
}
status=0
waits_in_subshell dies 30 || status=$?
check "a server that dies is noticed (status 1)" [ "$status" = 1 ]
check "... with its exit status" grep -q 'dies (pid [0-9]*) exited before logging /event=server_ready/, exit status 1' "$scratch/err"
check "... and its log" grep -q 'Unknown command line flag bogus' "$scratch/err"
status=0
started=$SECONDS
waits_in_subshell late 1 || status=$?
check "a server not ready in time fails (status 1)" [ "$status" = 1 ]
check "... soon after the time given" [ $((SECONDS - started)) -lt 10 ]
check "... and is stopped" grep -q 'late (pid [0-9]*) logged no /event=server_ready/ in 1 s; stopped it' "$scratch/err"
late_pid=$(sed -n 's/.*late (pid \([0-9]*\)).*/\1/p' "$scratch/err")
check "... for good" gone "$late_pid"

server_start "$scratch/a.log" "$scratch/late"
server_start "$scratch/b.log" "$scratch/ready"
server_spawn "$scratch/c.log" sleep 1000
pids=("$(server_pid "$scratch/a.log")" "$(server_pid "$scratch/b.log")" "$(server_pid "$scratch/c.log")")
server_wait_ready "$scratch/b.log"
server_stop_all
check "server_stop_all stops every process" gone "${pids[@]}"

if [ $# -ge 2 ]; then
  binary=$1 zoo=$2
  echo "convoy-server"
  mkdir -p "$scratch/models"
  cp -r "$zoo/models/lenet5" "$scratch/models/"
  server_start "$scratch/server.log" "$binary" --model-repository "$scratch/models"
  server_wait_ready "$scratch/server.log"
  grpc=$(server_port "$scratch/server.log")
  metrics=$(server_port "$scratch/server.log" metrics_listening)
  check "two ports, $grpc and $metrics" [ "$grpc" -gt 0 -a "$metrics" -gt 0 -a "$grpc" != "$metrics" ]
  check "served on 127.0.0.1" grep -q "event=listening address=127.0.0.1 port=$grpc" "$scratch/server.log"
  check "stops with status 0" server_stop "$scratch/server.log"
  check "after draining" grep -q 'event=shutdown_complete' "$scratch/server.log"
  status=0
  (server_start "$scratch/bad.log" "$binary" --no-such-flag; server_wait_ready "$scratch/bad.log") \
    2>"$scratch/err" || status=$?
  check "a bad flag is noticed" [ "$status" = 1 ]
  check "... with the server's own message" grep -q "Unknown command line flag 'no_such_flag'" "$scratch/err"
fi

[ "$failures" = 0 ] || { echo "$failures check(s) failed" >&2; exit 1; }
echo "all passed"
