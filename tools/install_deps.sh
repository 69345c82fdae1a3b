#!/usr/bin/env bash
# Installs, from Debian 12's own archive, everything Convoy needs to build,
# make its model zoo and run its tests. Idempotent: packages already there
# are not fetched again. Run as root.
set -euo pipefail

packages=(
  # Build
  cmake ninja-build pkg-config g++ clang libclang-rt-14-dev
  # Libraries: oneDNN, ONNX, gRPC, Prometheus, image codecs
  libdnnl-dev ocl-icd-opencl-dev libabsl-dev libprotobuf-dev protobuf-compiler
  libonnx-dev libgrpc++-dev protobuf-compiler-grpc grpc-proto prometheus-cpp-dev
  libturbojpeg0-dev libpng-dev
  # Tests and benchmarks
  libgtest-dev libgmock-dev googletest libbenchmark-dev libonnx-testdata
  # Model zoo: PyTorch exports and the Fashion-MNIST training set
  python3-torch python3-torchvision python3-onnx python3-numpy dataset-fashion-mnist
  # Protocol test with a client that is not Convoy's own; images for it and
  # the preprocessing tests (Pillow, as torchvision's reference)
  python3-grpcio python3-protobuf python3-pil
)

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
