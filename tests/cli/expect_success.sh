#!/usr/bin/env bash
# Runs pt2onnx on a good model and checks: exit 0, the output file exists, and the same input gives
# a byte-identical file on a second run.
# Usage: expect_success.sh OUTPUT_FILE -- pt2onnx ARGS...
set -uo pipefail
output=$1
shift
[[ $1 == -- ]] && shift
rm -f "$output"
"$@" || { echo "FAIL: exit code $?"; exit 1; }
[[ -s $output ]] || { echo "FAIL: $output was not written"; exit 1; }
first=$(sha256sum <"$output")
"$@" -q || { echo "FAIL: second run failed"; exit 1; }
[[ $(sha256sum <"$output") == "$first" ]] || { echo "FAIL: output differs between two runs"; exit 1; }
echo "ok: $output written, deterministic"
