#!/usr/bin/env bash
# An output that is None on some paths (an ONNX optional): its element's dims carry the input axis
# label they follow, and a --dynamic-axes label given for the output.
# Usage: optional_labels.sh PT2ONNX OPTIONAL_OUTPUT.pt WORKDIR
set -euo pipefail
bin=$1 model=$2 work=$3
rm -rf "$work"
mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }
"$bin" "$model" -o "$work/auto.onnx" --input x:3x4 --dynamic-axes x:0=batch,1=cols --opset 16 -q
out=$("$bin" inspect "$work/auto.onnx")
echo "$out"
grep -Eq "^  output_1  optional float32 \[batch\]$" <<<"$out" || fail "the optional output's dim is not labelled batch"
"$bin" "$model" -o "$work/given.onnx" --input x:3x4 --dynamic-axes x:0=batch,1=cols \
  --dynamic-axes output_1:0=rows --opset 16 -q
out=$("$bin" inspect "$work/given.onnx")
echo "$out"
grep -Eq "^  output_1  optional float32 \[rows\]$" <<<"$out" || fail "the optional output's dim is not labelled rows"
echo ok
