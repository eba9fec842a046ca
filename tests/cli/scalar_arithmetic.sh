#!/usr/bin/env bash
# Python numbers in traced arithmetic: the converted outputs have the dtypes PyTorch gave in eager
# mode (make_cli_fixtures.py writes them beside the archive), at opsets 9 and 17.
# Usage: scalar_arithmetic.sh PT2ONNX SCALAR_ARITHMETIC.pt WORKDIR
set -euo pipefail
bin=$1 model=$2 work=$3
rm -rf "$work"
mkdir -p "$work"
expected=$(cat "${model%.pt}.dtypes")
for opset in 9 17; do
  "$bin" "$model" -o "$work/model.onnx" --input x:2x3 --input ids:2x3:int64 --opset "$opset" -q
  got=$("$bin" inspect "$work/model.onnx" | awk '/^outputs:/ { on = 1; next } /^[a-z]/ { on = 0 } on { print $2 }')
  if [[ $got != "$expected" ]]; then
    echo "FAIL at opset $opset: output dtypes"
    paste <(echo "$expected") <(echo "$got")
    exit 1
  fi
done
echo "ok: $(wc -l <<<"$expected") outputs with PyTorch's dtypes"
