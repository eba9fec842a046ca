#!/usr/bin/env bash
# Runs pt2onnx with bad input and checks: the exit code, a one-line "pt2onnx: error:" message on
# stderr (after any warnings) matching a pattern, no stack trace, and no output file left behind.
# Usage: expect_failure.sh CODE PATTERN OUTPUT_FILE -- pt2onnx ARGS...
set -uo pipefail
code=$1 pattern=$2 output=$3
shift 3
[[ $1 == -- ]] && shift
rm -f "$output"
stderr=$("$@" 2>&1 >/dev/null)
rc=$?
fail() { echo "FAIL: $*"; echo "--- stderr ---"; echo "$stderr"; exit 1; }
[[ $rc -eq $code ]] || fail "exit code $rc, expected $code"
first=$(grep -v '^pt2onnx: warning: ' <<<"$stderr" | head -n 1)  # warnings may come before the error
[[ $first == "pt2onnx: error: "* ]] || fail "first line is not 'pt2onnx: error: ...'"
grep -Eq -- "$pattern" <<<"$stderr" || fail "stderr does not match /$pattern/"
if grep -Eq "terminate called|Exception raised from|frame #[0-9]|Traceback" <<<"$stderr"; then fail "stack trace on stderr"; fi
[[ ! -e $output ]] || fail "output file $output was written"
# Only this output's own temporary (OUTPUT.tmpPID): other tests write beside it at the same time.
ls "$(dirname "$output")" 2>/dev/null | grep -Eq "^$(basename "$output" | sed 's/[.]/[.]/g')[.]tmp[0-9]+$" &&
  fail "temporary file left beside $output"
echo "ok: exit $rc: $first"
