# shellcheck shell=bash
# Starting convoy-server from a script: on 127.0.0.1 with free ports, ready
# or failed with its log, and stopped when the script exits. Source it from
# the repository root, in a bash script that runs with `set -euo pipefail`:
#
#   . tools/lib/server.sh
#   work=$(mktemp -d)
#   trap 'server_stop_all; rm -rf "$work"' EXIT
#   server_start "$work/server.log" build/server/convoy-server --model-repository "$work/models"
#   server_wait_ready "$work/server.log"
#   server=127.0.0.1:$(server_port "$work/server.log")
#   metrics_port=$(server_port "$work/server.log" metrics_listening)
#   http_port=$(server_port "$work/server.log" http_listening)
#
# A process is named by its log file, which takes its stdout and stderr.
# server_wait_ready and server_wait_for exit the script when the process
# dies or is late, so call them in the script's own shell, not in $(...).
# Waiting goes by the log, not by probing ports: the server logs
# event=listening (and event=metrics_listening) with the port it was given,
# then event=server_ready once its startup models are loaded.

declare -gA _server_pids=()   # log file -> pid, of every process not yet stopped
declare -gA _server_names=()  # log file -> what it runs, for messages

# server_start LOG BINARY [FLAGS...]
# Starts the convoy-server BINARY in the background on 127.0.0.1 with free
# gRPC, HTTP and metrics ports, then FLAGS (a later flag overrides an
# earlier one).
server_start() {
  local log=$1 binary=$2
  shift 2
  server_spawn "$log" "$binary" --address 127.0.0.1 --grpc-port 0 --http-port 0 --metrics-port 0 "$@"
}

# server_spawn LOG COMMAND [ARGS...]
# Starts any other process the script needs beside its servers (a program,
# or a shell function, which runs in a subshell) in the background, to be
# waited for, stopped and cleaned up as a server is.
server_spawn() {
  local log=$1
  shift
  : >"$log"  # before the child opens it, so waiting never reads a missing file
  "$@" >>"$log" 2>&1 &
  _server_pids[$log]=$!
  _server_names[$log]=$(basename "$1")
}

# server_pid LOG: prints the pid of the process logging to LOG.
server_pid() {
  [ -n "${_server_pids[$1]:-}" ] || { echo "server_pid: nothing started with log $1" >&2; return 1; }
  echo "${_server_pids[$1]}"
}

# server_wait_ready LOG [SECONDS]
# Waits until the server logging to LOG has loaded its startup models
# (event=server_ready); SECONDS (default 120) at most.
server_wait_ready() {
  server_wait_for "$1" 'event=server_ready' "${2:-120}"
}

# server_wait_for LOG REGEX [SECONDS]
# Waits until a line of LOG matches the extended REGEX. If the process exits
# first, or SECONDS (default 120) pass, prints the end of LOG and the exit
# status to stderr and exits the script with status 1.
server_wait_for() {
  local log=$1 regex=$2 seconds=${3:-120} pid
  pid=$(server_pid "$log")
  local deadline=$((SECONDS + seconds))
  until grep -Eq -- "$regex" "$log"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      # It may have logged the line just before exiting.
      grep -Eq -- "$regex" "$log" && return 0
      _server_fail "$log" "exited before logging /$regex/"
    fi
    ((SECONDS < deadline)) || _server_fail "$log" "logged no /$regex/ in $seconds s"
    sleep 0.1
  done
}

# server_port LOG [EVENT]
# Prints the port that the server logging to LOG reported with its first
# event=EVENT line: listening (the default, gRPC), http_listening or
# metrics_listening.
server_port() {
  local log=$1 event=${2:-listening} port
  port=$(sed -n "/event=$event /{s/.* port=\([0-9]*\).*/\1/p;q;}" "$log")
  [ -n "$port" ] || { echo "server_port: no event=$event with a port in $log" >&2; return 1; }
  echo "$port"
}

# server_stop LOG
# Sends SIGTERM (a server finishes what it accepted, then exits), waits for
# the process (SIGKILL after 60 s) and returns its exit status.
server_stop() {
  local log=$1 pid=${_server_pids[$1]:-}
  [ -n "$pid" ] || return 0
  unset '_server_pids[$log]'
  kill -TERM "$pid" 2>/dev/null || true
  _server_reap "$pid"
}

# server_stop_all: server_stop for every process still running, all at
# once; for the script's EXIT trap, so it never fails.
server_stop_all() {
  local log
  for log in "${!_server_pids[@]}"; do kill -TERM "${_server_pids[$log]}" 2>/dev/null || true; done
  for log in "${!_server_pids[@]}"; do _server_reap "${_server_pids[$log]}" 2>/dev/null || true; done
  _server_pids=()
}

_server_reap() {  # pid: waits for it, SIGKILL after 60 s; returns its exit status
  local pid=$1 deadline=$((SECONDS + 60))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid"
}

_server_fail() {  # log, what happened: reports it with the log's end, exits
  local log=$1 pid status=0 end
  pid=${_server_pids[$log]}
  end=$(tail -n 20 "$log" | sed 's/^/  /')
  [ -n "$end" ] || end="  (empty)"
  if kill -0 "$pid" 2>/dev/null; then
    server_stop "$log" >/dev/null 2>&1 || true
    echo "$0: ${_server_names[$log]} (pid $pid) $2; stopped it. The end of its log:" >&2
  else
    unset '_server_pids[$log]'
    wait "$pid" 2>/dev/null || status=$?
    echo "$0: ${_server_names[$log]} (pid $pid) $2, exit status $status. The end of its log:" >&2
  fi
  echo "$end" >&2
  exit 1
}
