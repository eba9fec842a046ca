#!/usr/bin/env bash
# Installs what is missing on Debian 12 or 13 (build tools, LibTorch, ONNX, CLI11, spdlog, GoogleTest,
# Python torch for fixtures, Node.js for the ONNX Runtime checks, clang with libFuzzer for the
# fuzz targets), then configures and builds. The package names are the same on both releases but
# for clang's runtime (LLVM 14 on Debian 12, 19 on Debian 13); Debian 13 also has ONNX Runtime for
# Python (python3-onnxruntime), which e2e.verify_python uses, and its C++ API (libonnxruntime-dev),
# which verify then runs in process (e2e.verify_inprocess).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(cmake g++ make pkg-config libtorch-dev libonnx-dev libprotobuf-dev protobuf-compiler zlib1g-dev libcli11-dev
  libspdlog-dev libgtest-dev python3-torch python3-torchvision python3-onnx time libopenblas0-pthread clang-format
  clang graphviz ccache)
. /etc/os-release
case ${VERSION_CODENAME:-} in
  bookworm) packages+=(libclang-rt-14-dev) ;;
  trixie) packages+=(libclang-rt-19-dev python3-onnxruntime libonnxruntime-dev) ;;
  *) echo "setup: Debian 12 (bookworm) or 13 (trixie) expected, this is ${PRETTY_NAME:-unknown}" >&2 && exit 2 ;;
esac
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo=sudo
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

build=${PT2ONNX_BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release
cmake --build "$build" -j"$(nproc)"
echo "setup: built $build/pt2onnx"
