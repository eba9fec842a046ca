#!/usr/bin/env bash
# The test suite under AddressSanitizer and UndefinedBehaviorSanitizer: configures and builds
# build-asan (-DPT2ONNX_SANITIZE=address,undefined; run scripts/setup.sh first for the packages)
# and runs ctest there: unit, ops, cli and the e2e cases without label `slow` (the torchvision-
# sized models) at every opset they list, all with that build's binaries. The op tests run in 8
# processes (ops.shard0-7, GoogleTest sharding): one instrumented start-up per op test would take
# most of the leg's time. Runtime options: src/sanitizer_options.cpp.
# Usage: scripts/test-sanitizers.sh [CTEST ARGS...]   (e.g. -L cli, -R ops.Resize)
# Environment: PT2ONNX_ASAN_BUILD_DIR (default build-asan).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${PT2ONNX_ASAN_BUILD_DIR:-build-asan}
start=$SECONDS
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DPT2ONNX_SANITIZE=address,undefined \
  -DPT2ONNX_E2E_EXCLUDE_LABELS=slow -DPT2ONNX_E2E_LAST_OPSET_ONLY=OFF -DPT2ONNX_OP_TEST_SHARDS=8 >/dev/null
cmake --build "$build" -j"$(nproc)"
echo "sanitizers: built $build in $((SECONDS - start)) s"
# fuzz.short builds its own sanitized targets (the normal suite runs it); style reads sources only.
status=0
ctest --test-dir "$build" --output-on-failure -j"$(nproc)" -LE '^(fuzz|style)$' "$@" || status=$?
echo "sanitizers: $build built and tested in $((SECONDS - start)) s"
exit $status
