#!/usr/bin/env bash
# Checks the direction of dependencies between Convoy's modules by reading
# every #include of the C++ sources (README.md, "Modules", draws the map):
#
#   common/      nothing of the other modules, oneDNN, ONNX, gRPC, Prometheus
#                or protobuf; every module may use it
#   engine/      no server, client, tools, repository, generated protocol
#                code, gRPC or Prometheus. Its public headers (engine/api/,
#                engine/preprocess/) include no engine internals, oneDNN or
#                ONNX, so that they are all anyone else includes
#   repository/  config parsing and layout: the engine's public headers and
#                the generated protocol code, nothing of server/ or tools/
#   server/      no tools/ or client/, no engine internals, oneDNN or ONNX
#   client/      only the generated protocol code (and gRPC)
#   tools/       client/, repository/ and the engine's public headers; not
#                server/, engine internals, oneDNN or ONNX
#   bench/       client/, tools/ and common/; oneDNN directly, as the
#                micro-benchmarks of oneDNN itself
#   tests/       tests/engine and tests/conformance may reach into the
#                engine; the other tests use its public headers like
#                everyone else
#
# The build enforces part of this too: outside engine/, tests/ and bench/,
# oneDNN and ONNX headers do not compile (cmake/convoy.cmake).
#
# Usage: include_rules_test.sh [SOURCE_DIR]   check the tree (default: this
#                                             script's repository); one line
#                                             per breach, exit 1 if any
#        include_rules_test.sh --self-test    plant a breach of each rule in
#                                             a scratch tree and check each is
#                                             caught, and allowed includes not
set -euo pipefail

# module | project code it may include | libraries it may not include
#
# A file's module is the longest module directory that holds it. Project
# code is an include whose first directory is one at the top of the source
# tree; "proto" is the generated protocol code (*.pb.h outside onnx/ and
# google/, e.g. grpc_service.pb.h). Libraries are named groups (below).
rules=(
  "engine/api        | engine/api/ common/                                  | onednn onnx grpc prometheus protobuf"
  "engine/preprocess | engine/preprocess/ engine/api/ common/               | onednn onnx grpc prometheus protobuf"
  "engine            | engine/ common/                                      | grpc prometheus"
  "common            | common/                                              | onednn onnx grpc prometheus protobuf"
  "repository        | repository/ common/ engine/api/ engine/preprocess/ proto | onednn onnx grpc prometheus"
  "server            | server/ repository/ common/ engine/api/ engine/preprocess/ proto | onednn onnx"
  "client            | client/ proto                                        | onednn onnx prometheus"
  "tools             | tools/ client/ repository/ common/ engine/api/ engine/preprocess/ proto | onednn onnx"
  "bench             | bench/ client/ tools/ common/ proto                  | "
  "tests/engine      | tests/engine/ tests/testing/ engine/ common/         | grpc prometheus"
  "tests/conformance | tests/conformance/ tests/testing/ engine/ common/    | grpc prometheus"
  "tests             | tests/ server/ repository/ common/ client/ tools/ engine/api/ engine/preprocess/ proto | onednn"
)

# group | include patterns (bash globs) | why
groups=(
  "onednn     | dnnl.h dnnl.hpp dnnl_*.h dnnl_*.hpp oneapi/dnnl/* | oneDNN is private to the engine's implementation"
  "onnx       | onnx/*                                             | ONNX is private to the engine's implementation"
  "grpc       | grpcpp/* grpc++/* grpc/*                           | gRPC belongs to server/ and client/"
  "prometheus | prometheus/*                                       | Prometheus belongs to server/metrics"
  "protobuf   | google/protobuf/*                                  | protobuf belongs to the protocol and the repository"
)

trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; REPLY=${s%"${s##*[![:space:]]}"}; }
field() { local IFS='|'; local -a f; read -r -a f <<<"$1"; trim "${f[$2]:-}"; }

# The tables, split once into parallel arrays.
parse_tables() {
  local i
  module_of_rule=() allowed_of_rule=() forbidden_of_rule=()
  for i in "${!rules[@]}"; do
    field "${rules[$i]}" 0; module_of_rule[i]=$REPLY
    field "${rules[$i]}" 1; allowed_of_rule[i]=$REPLY
    field "${rules[$i]}" 2; forbidden_of_rule[i]=$REPLY
  done
  group_name=() group_patterns=() group_why=()
  for i in "${!groups[@]}"; do
    field "${groups[$i]}" 0; group_name[i]=$REPLY
    field "${groups[$i]}" 1; group_patterns[i]=$REPLY
    field "${groups[$i]}" 2; group_why[i]=$REPLY
  done
}

# Sets GROUP to the index of the library group `include` belongs to, or -1.
find_group() {
  local include=$1 i pattern
  GROUP=-1
  for i in "${!group_name[@]}"; do
    for pattern in ${group_patterns[$i]}; do
      # shellcheck disable=SC2053  # $pattern is a glob on purpose.
      if [[ $include == $pattern ]]; then
        GROUP=$i
        return
      fi
    done
  done
}

# Sets RULE to the index of the rule for `path` (the longest module that
# holds it), or -1 if no module does.
find_rule() {
  local path=$1 best_len=0 i module
  RULE=-1
  for i in "${!module_of_rule[@]}"; do
    module=${module_of_rule[$i]}
    if [[ $path == "$module"/* && ${#module} -gt $best_len ]]; then
      RULE=$i
      best_len=${#module}
    fi
  done
}

# Prints one line per breach under SOURCE_DIR; returns 1 if there was one.
check() {
  local root=$1 top dirs=() breaches=0
  parse_tables
  for top in $(printf '%s\n' "${module_of_rule[@]}" | cut -d/ -f1 | sort -u); do
    [[ -d $root/$top ]] && dirs+=("$top")
  done
  if [[ ${#dirs[@]} -eq 0 ]]; then
    echo "include_rules: no module directories under $root" >&2
    return 2
  fi

  local file line text include kind prefix ok module last_file=
  while IFS=: read -r file line text; do
    [[ $text =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*[\<\"]([^\>\"]+)[\>\"] ]] || continue
    include=${BASH_REMATCH[1]}
    if [[ $file != "$last_file" ]]; then
      find_rule "$file"
      last_file=$file
    fi
    [[ $RULE -ge 0 ]] || continue
    module=${module_of_rule[$RULE]}

    find_group "$include"
    if [[ $GROUP -ge 0 ]]; then
      if [[ " ${forbidden_of_rule[$RULE]} " == *" ${group_name[$GROUP]} "* ]]; then
        echo "$file:$line: \"$include\": ${group_why[$GROUP]} (not for $module/)"
        breaches=$((breaches + 1))
      fi
      continue
    fi
    if [[ $include == *.pb.h ]]; then
      kind=proto
    elif [[ $include == */* && -d $root/${include%%/*} ]]; then
      kind=$include
    else
      continue  # The standard library, absl, gtest and other libraries.
    fi
    ok=0
    for prefix in ${allowed_of_rule[$RULE]}; do
      if [[ $prefix == proto ]]; then
        [[ $kind == proto ]] && ok=1
      elif [[ $kind == "$prefix"* ]]; then
        ok=1
      fi
    done
    if [[ $ok -eq 0 ]]; then
      echo "$file:$line: \"$include\": $module/ may include only ${allowed_of_rule[$RULE]}"
      breaches=$((breaches + 1))
    fi
  done < <(cd "$root" && grep -rnE --include='*.h' --include='*.cc' --include='*.hpp' --include='*.cpp' \
             '^[[:space:]]*#[[:space:]]*include' "${dirs[@]}" | sort -t: -k1,1 -k2,2n)

  if [[ $breaches -gt 0 ]]; then
    echo "include_rules: $breaches include(s) against the module map" >&2
    return 1
  fi
}

# file | include | ok or breach
self_test_cases=(
  "engine/exec/a.cc           | \"server/core/log.h\"                | breach"
  "engine/exec/b.cc           | \"client/inference_client.h\"        | breach"
  "engine/exec/c.cc           | \"tools/common/json_string.h\"       | breach"
  "engine/exec/d.cc           | \"repository/model_config.h\"        | breach"
  "engine/exec/e.cc           | \"grpc_service.pb.h\"                | breach"
  "engine/exec/f.cc           | <grpcpp/grpcpp.h>                    | breach"
  "engine/exec/g.cc           | \"prometheus/counter.h\"             | breach"
  "engine/exec/h.cc           | \"dnnl.hpp\"                         | ok"
  "engine/onnx/a.cc           | \"onnx/onnx_pb.h\"                   | ok"
  "engine/ops/a.cc            | \"engine/exec/plan.h\"               | ok"
  "engine/api/a.h             | \"engine/exec/plan.h\"               | breach"
  "engine/api/b.h             | \"onnx/onnx_pb.h\"                   | breach"
  "engine/api/c.h             | \"dnnl.hpp\"                         | breach"
  "engine/api/d.h             | \"common/bounded_file.h\"            | ok"
  "engine/preprocess/a.h      | \"engine/ir/graph.h\"                | breach"
  "common/a.cc                | \"repository/model_config.h\"        | breach"
  "common/b.cc                | \"engine/api/tensor.h\"              | breach"
  "common/c.cc                | \"absl/status/status.h\"             | ok"
  "repository/a.cc            | \"server/core/log.h\"                | breach"
  "repository/b.cc            | \"tools/common/json_string.h\"       | breach"
  "repository/c.cc            | \"model_config.pb.h\"                | ok"
  "repository/d.cc            | \"engine/preprocess/preprocess.h\"   | ok"
  "server/a.cc                | \"dnnl.hpp\"                         | breach"
  "server/core/a.cc           | <oneapi/dnnl/dnnl.hpp>               | breach"
  "server/core/b.cc           | \"onnx/onnx_pb.h\"                   | breach"
  "server/c.cc                | \"tools/common/json_string.h\"       | breach"
  "server/d.cc                | \"engine/exec/plan.h\"               | breach"
  "server/e.cc                | \"client/inference_client.h\"        | breach"
  "server/f.cc                | \"engine/api/model.h\"               | ok"
  "server/g.cc                | \"repository/model_config.h\"        | ok"
  "server/h.cc                | \"common/dash_flags.h\"              | ok"
  "server/grpc/a.cc           | \"grpc_service.grpc.pb.h\"           | ok"
  "client/a.cc                | \"engine/api/tensor.h\"              | breach"
  "client/b.cc                | \"server/core/log.h\"                | breach"
  "client/c.cc                | \"common/dash_flags.h\"              | breach"
  "client/d.cc                | \"grpc/health/v1/health.grpc.pb.h\"  | ok"
  "client/e.cc                | <grpcpp/grpcpp.h>                    | ok"
  "tools/x/a.cc               | \"server/core/log.h\"                | breach"
  "tools/x/b.cc               | \"engine/onnx/onnx_loader.h\"        | breach"
  "tools/x/c.cc               | \"dnnl.hpp\"                         | breach"
  "tools/x/d.cc               | \"client/inference_client.h\"        | ok"
  "tools/x/e.cc               | \"engine/api/model.h\"               | ok"
  "tools/x/f.cc               | \"repository/preprocess_spec.h\"     | ok"
  "tests/server/a.cc          | \"engine/exec/plan.h\"               | breach"
  "tests/server/b.cc          | \"dnnl.hpp\"                         | breach"
  "tests/server/c.cc          | \"tests/engine/testing/onnx_builder.h\" | ok"
  "tests/engine/exec/a.cc     | \"engine/exec/plan.h\"               | ok"
  "tests/conformance/a.cc     | \"engine/onnx/tensor_proto.h\"       | ok"
)

self_test() {
  local scratch
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' RETURN
  # Top-level directories the includes point into, so they count as project code.
  mkdir -p "$scratch"/{common,engine,repository,server,client,tools,bench,tests}

  local entry file include expect
  for entry in "${self_test_cases[@]}"; do
    field "$entry" 0; file=$REPLY
    field "$entry" 1; include=$REPLY
    mkdir -p "$scratch/$(dirname "$file")"
    printf '// planted\n#include %s\n' "$include" >"$scratch/$file"
  done
  # Comments and strings that only look like includes are not includes.
  printf '// #include "server/core/log.h"\nconst char* s = "#include \\"server/x.h\\"";\n' \
    >"$scratch/engine/exec/comment.cc"

  local output failures=0
  output=$(check "$scratch" 2>/dev/null) && {
    echo "self-test: the planted tree passed; expected breaches" >&2
    return 1
  }
  for entry in "${self_test_cases[@]}"; do
    field "$entry" 0; file=$REPLY
    field "$entry" 1; include=$REPLY
    field "$entry" 2; expect=$REPLY
    if grep -q "^$file:2: " <<<"$output"; then
      [[ $expect == breach ]] || { echo "self-test: $file: $include was refused, should pass" >&2; failures=$((failures + 1)); }
    else
      [[ $expect == ok ]] || { echo "self-test: $file: $include passed, should be refused" >&2; failures=$((failures + 1)); }
    fi
  done
  if grep -q "comment.cc" <<<"$output"; then
    echo "self-test: a commented-out include was counted" >&2
    failures=$((failures + 1))
  fi
  [[ $failures -eq 0 ]] || return 1
  echo "self-test: ${#self_test_cases[@]} planted includes judged as expected"
}

case "${1:-}" in
  --self-test) self_test ;;
  -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' ;;
  *)
    root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
    check "$root"
    echo "include_rules: $(cd "$root" && pwd): every include follows the module map"
    ;;
esac
