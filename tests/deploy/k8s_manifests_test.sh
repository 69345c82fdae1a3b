#!/usr/bin/env bash
# Renders deploy/k8s with `kubectl kustomize`, validates every object against
# the Kubernetes schemas (npm kubernetes-models, via validate_k8s.mjs) and
# checks the facts the server depends on. Needs kubectl, node and npm; no
# cluster. The npm packages go to CONVOY_NPM_CACHE (outside the source tree)
# and are installed only when missing, so later runs need no network.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${CONVOY_NPM_CACHE:-/var/cache/convoy-npm}
# Pinned so a run validates against the same schemas as the last one.
kubernetes_models=4.5.1
yaml=2.9.1

die() {
  echo "k8s_manifests_test: $*" >&2
  exit 1
}

kubectl=${KUBECTL:-$(command -v kubectl || true)}
[[ -n $kubectl && -x $kubectl ]] ||
  die "kubectl not found on PATH (set KUBECTL=/path/to/kubectl); it renders the manifests"
command -v node >/dev/null || die "node not found on PATH; it runs validate_k8s.mjs"

installed() {  # installed PACKAGE VERSION
  [[ $(node -p 'require(process.argv[1]).version' "$cache/node_modules/$1/package.json" 2>/dev/null) == "$2" ]]
}
if ! mkdir -p "$cache" 2>/dev/null || [[ ! -w $cache ]]; then
  die "cannot write $cache; set CONVOY_NPM_CACHE to a writable directory"
fi
# One install at a time: concurrent npm runs in one prefix corrupt it.
exec 9>"$cache/.lock"
flock 9
if ! installed kubernetes-models "$kubernetes_models" || ! installed yaml "$yaml"; then
  command -v npm >/dev/null || die "npm not found on PATH; it installs kubernetes-models"
  echo "installing kubernetes-models@$kubernetes_models yaml@$yaml into $cache"
  npm install --prefix "$cache" --no-audit --no-fund --ignore-scripts \
    "kubernetes-models@$kubernetes_models" "yaml@$yaml" >&2
fi
exec 9>&-

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
validate() { node "$here/validate_k8s.mjs" --modules "$cache" "$@"; }

render() {  # render DIR OUT
  "$kubectl" kustomize "$1" >"$2" 2>"$tmp/kustomize.err" ||
    die "kubectl kustomize $1 failed: $(cat "$tmp/kustomize.err")"
  if grep -qi deprecated "$tmp/kustomize.err"; then
    die "kubectl kustomize $1 warns: $(cat "$tmp/kustomize.err")"
  fi
}

# expect_failure NAME PATTERN FILE ARGS...: the validator must reject FILE
# with a message matching PATTERN (not merely crash).
expect_failure() {
  local name=$1 pattern=$2
  shift 2
  local rc=0
  validate "$@" >/dev/null 2>"$tmp/err" || rc=$?
  if [[ $rc -ne 1 ]] || ! grep -qE "$pattern" "$tmp/err"; then
    die "validator did not reject $name (exit $rc): $(cat "$tmp/err")"
  fi
  echo "rejected $name: $(cat "$tmp/err")"
}

echo "== deploy/k8s"
render "$repo/deploy/k8s" "$tmp/rendered.yaml"
validate --convoy --expect-image convoy:latest "$tmp/rendered.yaml"

echo "== overlay overriding the image"
# kustomize refuses absolute paths to a base, hence the relative one.
mkdir "$tmp/overlay"
cat >"$tmp/overlay/kustomization.yaml" <<EOF
resources:
  - $(realpath --relative-to="$tmp/overlay" "$repo/deploy/k8s")
images:
  - name: convoy
    newName: registry.example.com/ml/convoy
    newTag: "1.2.3"
EOF
render "$tmp/overlay" "$tmp/overlay.yaml"
validate --convoy --expect-image registry.example.com/ml/convoy:1.2.3 "$tmp/overlay.yaml" |
  grep 'image '

echo "== broken inputs"
cat >"$tmp/replicas.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: broken
spec:
  replicas: "two"
  selector:
    matchLabels: {app: broken}
  template:
    metadata:
      labels: {app: broken}
    spec:
      containers:
        - name: c
          image: convoy:latest
EOF
expect_failure 'replicas: "two"' 'replicas must be integer' "$tmp/replicas.yaml"

cat >"$tmp/unknown.yaml" <<'EOF'
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
EOF
expect_failure "an unknown kind" 'unknown to kubernetes-models' "$tmp/unknown.yaml"

sed -E 's/(terminationGracePeriodSeconds:) [0-9]+/\1 30/' "$tmp/rendered.yaml" >"$tmp/grace.yaml"
expect_failure "a grace period shorter than the drain" 'terminationGracePeriodSeconds' \
  --convoy "$tmp/grace.yaml"

echo "PASS"
