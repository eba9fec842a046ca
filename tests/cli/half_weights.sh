#!/usr/bin/env bash
# A model saved with float16 weights: converted in float32, its weights stored as float16 behind a
# Cast (the file about the archive's size), or kept float32 with --float32-weights (twice that).
# (e2e.half_weights checks the numbers of such a model in ONNX Runtime.)
# Usage: half_weights.sh PT2ONNX DENSE_HALF.pt WORKDIR
set -euo pipefail
bin=$1 model=$2 work=$3
rm -rf "$work"
mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }
log=$("$bin" "$model" -o "$work/half.onnx" --input x:2x1024 2>&1)
echo "$log"
grep -q "2 weights stored as the archive held them (2 float16, 0 bfloat16; 2.1 MB smaller)" <<<"$log" ||
  fail "no line says the weight and bias were stored as float16"
"$bin" "$model" -o "$work/wide.onnx" --input x:2x1024 --float32-weights -q
half=$(stat -c %s "$work/half.onnx") wide=$(stat -c %s "$work/wide.onnx")
echo "float16 weights: $half bytes; --float32-weights: $wide bytes"
((half > 2000000 && half < 2200000)) || fail "the float16 file is $half bytes, not about 2.1 MB"
((wide > 4100000 && wide < 4300000)) || fail "the float32 file is $wide bytes, not about 4.2 MB"
inspect=$("$bin" inspect "$work/half.onnx")
grep -Eq "^ +2 +Cast$" <<<"$inspect" || { echo "$inspect"; fail "expected two Casts (weight and bias)"; }
echo "ok"
