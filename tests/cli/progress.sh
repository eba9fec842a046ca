#!/usr/bin/env bash
# The progress line: on a terminal stderr shows the phases as they run and is cleared before the
# summary; when stderr is not a terminal it holds only the summary line.
# Usage: progress.sh PT2ONNX SAMPLE.pt WORKDIR
set -uo pipefail
bin=$1 sample=$2 work=$3
rm -rf "$work"
mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }
cmd=("$bin" "$sample" -o "$work/s.onnx" --input input:1x3x64x64 --test-data "$work/data")

# `script` runs the command on a pseudo-terminal and records what it printed.
script -qec "$(printf '%q ' "${cmd[@]}")" "$work/tty.log" >/dev/null || fail "conversion on a terminal failed"
tty=$(cat "$work/tty.log")
for phase in "\[2/7\] freezing and cleaning up the graph" "\[3/7\] running the model on the example inputs" \
  "\[7/7\] writing the model"; do
  grep -Eq "$phase\.\.\. \([0-9.]+ s\)" <<<"$tty" || { echo "$tty"; fail "no progress for /$phase/"; }
done
grep -Eq $'\r\033\\[Kpt2onnx: info: wrote ' <<<"$tty" || { echo "$tty"; fail "the line is not cleared before the summary"; }

"${cmd[@]}" 2>"$work/stderr.log" || fail "conversion failed"
[[ $(wc -l <"$work/stderr.log") -eq 1 ]] || { cat "$work/stderr.log"; fail "stderr has more than the summary line"; }
grep -q $'\r' "$work/stderr.log" && fail "carriage returns on a stderr that is not a terminal"
grep -q "^pt2onnx: info: wrote " "$work/stderr.log" || fail "no summary line"
echo "ok: progress on a terminal only"
