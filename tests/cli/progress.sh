#!/usr/bin/env bash
# The progress line: on a terminal stderr shows the phases as they run and is cleared before the
# summary, and while writing the bytes written of the total; when stderr is not a terminal it holds
# only the summary line.
# Usage: progress.sh PT2ONNX SAMPLE.pt DENSE_4MB.pt WORKDIR
set -uo pipefail
bin=$1 sample=$2 dense=$3 work=$4
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
# The sample's 25 kB model is written at once: 0 of its size, then all of it.
size=$(stat -c %s "$work/s.onnx")
kb=$(/usr/bin/python3 -c "print(f'{$size / 1e3:.1f}')")
for written in "0.0" "$kb"; do
  grep -Fq "[7/7] writing the model: $written of $kb kB..." <<<"$tty" || { echo "$tty"; fail "no '$written of $kb kB' line"; }
done

# A 4 MB model: megabytes, counted up to its size on disk.
dense_cmd=("$bin" "$dense" -o "$work/d.onnx" --input x:1x1024)
script -qec "$(printf '%q ' "${dense_cmd[@]}")" "$work/dense.log" >/dev/null || fail "dense conversion on a terminal failed"
tty=$(cat "$work/dense.log")
mb=$(/usr/bin/python3 -c "print(f'{$(stat -c %s "$work/d.onnx") / 1e6:.1f}')")
[[ $mb == 4.* ]] || fail "the dense model is $mb MB, expected about 4"
for written in "0.0" "$mb"; do
  grep -Fq "[7/7] writing the model: $written of $mb MB..." <<<"$tty" || { echo "$tty"; fail "no '$written of $mb MB' line"; }
done
"${dense_cmd[@]}" 2>"$work/dense_stderr.log" || fail "dense conversion failed"
grep -q "writing the model" "$work/dense_stderr.log" && fail "write progress on a stderr that is not a terminal"

"${cmd[@]}" 2>"$work/stderr.log" || fail "conversion failed"
[[ $(wc -l <"$work/stderr.log") -eq 1 ]] || { cat "$work/stderr.log"; fail "stderr has more than the summary line"; }
grep -q $'\r' "$work/stderr.log" && fail "carriage returns on a stderr that is not a terminal"
grep -q "^pt2onnx: info: wrote " "$work/stderr.log" || fail "no summary line"
echo "ok: progress on a terminal only"
