#!/usr/bin/env bash
# Installs, from Debian 12's own archive, what Convoy needs. Idempotent:
# packages already there are not fetched again. Run as root.
#
#   tools/install_deps.sh            build, model zoo and tests (the default)
#   tools/install_deps.sh build      only what compiling and the unit tests need
#                                    (the Dockerfile's build stage)
#   tools/install_deps.sh docker     a Docker engine, Compose and debootstrap
#                                    (tools/docker.sh)
set -euo pipefail

build=(
  cmake ninja-build pkg-config g++
  # Libraries: oneDNN, ONNX, gRPC, Prometheus, image codecs
  libdnnl-dev ocl-icd-opencl-dev libabsl-dev libprotobuf-dev protobuf-compiler
  libonnx-dev libgrpc++-dev protobuf-compiler-grpc grpc-proto prometheus-cpp-dev
  libturbojpeg0-dev libpng-dev libssl-dev
  # HTTP/REST: Boost.Beast (header-only, on Asio and OpenSSL) and RapidJSON
  libboost1.81-dev rapidjson-dev
  # libturbojpeg0-dev's CMake package names libjpeg.so too, which is in here
  libjpeg62-turbo-dev
  # Unit tests and benchmark helpers; openssl makes the HTTP TLS tests' certificates
  libgtest-dev libgmock-dev googletest libbenchmark-dev openssl
  # The heap trimmer's tests on the allocators operators preload in place of glibc's
  libjemalloc2 libtcmalloc-minimal4
)
everything=(
  "${build[@]}"
  # Sanitizer and fuzzing builds; ONNX conformance data
  clang libclang-rt-14-dev libonnx-testdata
  # Model zoo: PyTorch exports and the Fashion-MNIST training set
  python3-torch python3-torchvision python3-onnx python3-numpy dataset-fashion-mnist
  # Protocol test with a client that is not Convoy's own; images for it and
  # the preprocessing tests (Pillow, as torchvision's reference)
  python3-grpcio python3-protobuf python3-pil
  # ...and for HTTP/REST
  curl
)
docker=(docker.io docker-compose debootstrap)

case "${1:-all}" in
  all) packages=("${everything[@]}") ;;
  build) packages=("${build[@]}") ;;
  docker) packages=("${docker[@]}") ;;
  *) echo "usage: $0 [all|build|docker]" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install_deps: all ${#packages[@]} packages present"
  exit 0
fi
echo "install_deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
