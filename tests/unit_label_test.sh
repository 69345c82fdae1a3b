#!/bin/bash
# Tests labelled "unit" run in the Docker build stage, which has no Python:
# none of them may need an interpreter that stage lacks.
# Usage: unit_label_test.sh BUILD_DIR
set -euo pipefail
build_dir="$1"
offenders="$(cd "$build_dir" && ctest -N -V -L unit | grep -E '^[0-9]+: Test command: .*python' || true)"
if [ -n "$offenders" ]; then
  echo "unit tests that need Python (label them integration):" >&2
  echo "$offenders" >&2
  exit 1
fi
count="$(cd "$build_dir" && ctest -N -L unit | grep -c 'Test *#')"
if [ "$count" -lt 1 ]; then
  echo "no unit tests found in $build_dir" >&2
  exit 1
fi
echo "$count unit tests, none needs Python"
