#!/usr/bin/env bash
# Builds and checks Convoy's Docker image where no registry is reachable.
#
#   tools/docker.sh build   a Docker engine (Debian's docker.io, started here if
#                           none answers), the base image made locally with
#                           debootstrap, the four default models, then the
#                           image convoy:latest (compiles and runs the unit tests)
#   tools/docker.sh test    build, then tests/deploy/docker_image_test.sh on it
#                           and the compose file check; stops an engine it started
#   tools/docker.sh stop    stops the engine this script started
#
# The engine this script starts keeps its state in $CONVOY_DOCKER_DIR
# (default /var/lib/convoy-docker) and listens on a socket there; use it with
#   DOCKER_HOST=unix:///var/lib/convoy-docker/docker.sock /usr/bin/docker ...
set -euo pipefail
cd "$(dirname "$0")/.."
state=${CONVOY_DOCKER_DIR:-/var/lib/convoy-docker}
image=${CONVOY_IMAGE:-convoy:latest}
# Debian's client: the newer one elsewhere on PATH has no buildx and
# silently falls back to the legacy builder.
docker=/usr/bin/docker
export DOCKER_BUILDKIT=1
default_models=(lenet5-fmnist lenet5-fmnist-seed1 lenet5-fmnist-seed2 fmnist-ensemble)
step() { printf '\n=== docker: %s (%s)\n' "$1" "$(date +%T)"; }

engine_answers() { timeout 10 "$docker" info >/dev/null 2>&1; }

# Uses a running engine (DOCKER_HOST or the default socket), else ours,
# else starts ours. Sets started_engine=1 when it started one.
start_engine() {
  started_engine=0
  engine_answers && return
  export DOCKER_HOST="unix://$state/docker.sock"
  engine_answers && return
  mkdir -p "$state"
  dockerd --data-root "$state/data" --exec-root "$state/exec" --pidfile "$state/dockerd.pid" \
    -H "$DOCKER_HOST" >"$state/dockerd.log" 2>&1 &
  for _ in $(seq 120); do
    engine_answers && { started_engine=1; return; }
    sleep 0.5
  done
  tail -n 30 "$state/dockerd.log" >&2
  echo "docker.sh: dockerd did not start (log: $state/dockerd.log)" >&2
  exit 1
}

stop_engine() {
  [ -f "$state/dockerd.pid" ] || return 0
  local pid
  pid=$(cat "$state/dockerd.pid")
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.5; done
  echo "docker.sh: dockerd $pid did not stop" >&2
  return 1
}

# The mirror apt already uses on this machine (deb822 or one-line sources).
debian_mirror() {
  local uri
  uri=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v security | head -n 1 || true)
  [ -n "$uri" ] || uri=$(grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
                         awk '{print $2}' | grep -v security | head -n 1 || true)
  [ -n "$uri" ] || { echo "docker.sh: no Debian mirror in /etc/apt/sources*" >&2; exit 1; }
  echo "$uri"
}

# Trims a root filesystem as Docker Hub's -slim images are: no manuals,
# documentation (but copyrights) or translations, now or from packages
# installed later, and no apt caches.
slim_rootfs() {
  local rootfs=${1:?}
  [ -d "$rootfs/etc/dpkg" ] || { echo "docker.sh: $rootfs is no root filesystem" >&2; exit 1; }
  printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-include /usr/share/doc/*/copyright' \
    'path-exclude /usr/share/man/*' 'path-exclude /usr/share/info/*' \
    'path-exclude /usr/share/locale/*' 'path-include /usr/share/locale/locale.alias' \
    'path-exclude /usr/share/groff/*' 'path-exclude /usr/share/lintian/*' \
    >"$rootfs/etc/dpkg/dpkg.cfg.d/docker-slim"
  find "$rootfs/usr/share/doc" -type f ! -name copyright -delete
  find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
  rm -rf "$rootfs"/usr/share/{man,info,groff,lintian}/* "$rootfs"/var/cache/apt/*.bin \
    "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
}

# debian:bookworm-slim cannot be pulled here: made from the mirror instead,
# so the Dockerfile's FROM line stays the one used everywhere else.
make_base_image() {
  "$docker" image inspect debian:bookworm-slim >/dev/null 2>&1 && return
  local rootfs
  rootfs=$(mktemp -d)
  debootstrap --variant=minbase bookworm "$rootfs" "$(debian_mirror)" >"$state/debootstrap.log" 2>&1 ||
    { tail -n 20 "$state/debootstrap.log" >&2; rm -rf "$rootfs"; exit 1; }
  slim_rootfs "$rootfs"
  tar -C "$rootfs" -c . | "$docker" import - debian:bookworm-slim >/dev/null
  "$docker" tag debian:bookworm-slim debian:bookworm
  rm -rf "$rootfs"
}

make_default_models() {
  local missing=0 m
  for m in "${default_models[@]}"; do [ -f "zoo/models/$m/config.pbtxt" ] || missing=1; done
  [ "$missing" = 0 ] && return
  tools/install_deps.sh
  /usr/bin/python3 tools/make_zoo.py --out zoo --models "$(IFS=,; echo "${default_models[*]}")"
}

build() {
  step "engine"
  tools/install_deps.sh docker
  start_engine
  step "base image"
  make_base_image
  step "default models"
  make_default_models
  step "image $image"
  local started=$SECONDS
  "$docker" build --network host -t "$image" \
    --build-arg VERSION="$(git describe --always --dirty 2>/dev/null || echo dev)" \
    --build-arg REVISION="$(git rev-parse HEAD 2>/dev/null || echo unknown)" \
    --build-arg CREATED="$(date -u +%Y-%m-%dT%H:%M:%SZ)" .
  echo "built $image in $((SECONDS - started)) s, $("$docker" image inspect -f '{{.Size}}' "$image" |
    awk '{printf "%.0f MB", $1 / 1e6}')"
}

case "${1:-}" in
  build)
    build
    [ "$started_engine" = 0 ] || echo "engine left running: export DOCKER_HOST=$DOCKER_HOST; stop it with $0 stop"
    ;;
  test)
    build
    [ "$started_engine" = 0 ] || trap stop_engine EXIT
    step "image test"
    DOCKER="$docker" bash tests/deploy/docker_image_test.sh "$image"
    step "compose file"
    docker-compose -f deploy/docker-compose.yml config -q && echo "deploy/docker-compose.yml: valid"
    ;;
  stop) stop_engine ;;
  *) echo "usage: $0 build|test|stop" >&2; exit 2 ;;
esac
