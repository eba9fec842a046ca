#!/usr/bin/env bash
# Runs the whole test suite (unit, op, CLI and end-to-end ONNX Runtime tests) with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${PT2ONNX_BUILD_DIR:-build}
ctest --test-dir "$build" --output-on-failure -j"$(nproc)" "$@"
