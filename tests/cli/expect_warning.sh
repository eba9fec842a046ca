#!/usr/bin/env bash
# Runs pt2onnx on a model that converts and checks its warnings: exit 0, the output file written,
# and a "pt2onnx: warning:" line matching PATTERN (warns), or no warning line matching it (silent).
# Usage: expect_warning.sh warns|silent PATTERN OUTPUT_FILE -- pt2onnx ARGS...
set -uo pipefail
mode=$1 pattern=$2 output=$3
shift 3
[[ $1 == -- ]] && shift
rm -f "$output"
stderr=$("$@" 2>&1 >/dev/null)
rc=$?
fail() { echo "FAIL: $*"; echo "--- stderr ---"; echo "$stderr"; exit 1; }
[[ $rc -eq 0 ]] || fail "exit code $rc, expected 0"
[[ -s $output ]] || fail "$output was not written"
warnings=$(grep '^pt2onnx: warning: ' <<<"$stderr")
if [[ $mode == warns ]]; then
  grep -Eq -- "$pattern" <<<"$warnings" || fail "no warning matches /$pattern/"
  echo "ok: $(grep -E -- "$pattern" <<<"$warnings" | head -n 1)"
else
  grep -Eq -- "$pattern" <<<"$warnings" && fail "a warning matches /$pattern/"
  echo "ok: no warning matches /$pattern/"
fi
exit 0
