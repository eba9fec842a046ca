#!/usr/bin/env bash
# inspect: text and --json reports of a .pt (converted with --input) and of the .onnx it gives, and
# --dot output that Graphviz's dot renders to SVG.
# Usage: inspect_check.sh PT2ONNX SAMPLE.pt WORKDIR
set -euo pipefail
bin=$1 sample=$2 work=$3
rm -rf "$work"
mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }
expect() {  # expect TEXT PATTERN
  grep -Eq -- "$2" <<<"$1" || { echo "$1"; fail "output does not match /$2/"; }
}
flags=(--input input:1x3x64x64 --dynamic-axes input:0=batch --opset 13)
"$bin" "$sample" -o "$work/sample.onnx" "${flags[@]}" -q

pt=$("$bin" inspect "$sample" "${flags[@]}" --dot "$work/sample_pt.dot")
echo "$pt"
expect "$pt" "TorchScript archive, method forward\(\)"
expect "$pt" "x: Tensor \[1,3,64,64\]"
expect "$pt" "aten::_convolution|aten::conv2d"
expect "$pt" "parameters: [0-9]+ in [0-9]+ tensors"
expect "$pt" "every operator has a converter at opset 13"
expect "$pt" "opset 13 "
expect "$pt" "input +float32 \[batch,3,64,64\]"
expect "$pt" "^ +[0-9]+ +Conv$"

onnx=$("$bin" inspect "$work/sample.onnx" --dot "$work/sample.dot")
echo "$onnx"
expect "$onnx" "ONNX model, opset 13 \(IR version [0-9]+, producer pt2onnx"
expect "$onnx" "input +float32 \[batch,3,64,64\]"
expect "$onnx" "output +float32 \[batch,"
# The .pt's converted graph and the written .onnx have the same operators and parameters.
[[ "$(grep -A100 "converted to ONNX" <<<"$pt" | tail -n +2)" == "$(tail -n +2 <<<"$onnx")" ]] ||
  fail "inspect of the .pt (converted) and of the .onnx differ"

json=$("$bin" inspect "$work/sample.onnx" --json)
/usr/bin/python3 - "$json" <<'PY' || fail "--json is not what was expected"
import json, sys
r = json.loads(sys.argv[1])
o = r["onnx"]
assert r["format"] == "onnx" and o["opsets"] == {"ai.onnx": 13}, r
assert o["inputs"] == [{"name": "input", "dtype": "float32", "dims": ["batch", 3, 64, 64]}], o["inputs"]
assert o["operators"]["Conv"] >= 1 and o["nodes"] == sum(o["operators"].values()), o
assert o["parameters"] > 0 and o["parameter_bytes"] >= 4 * o["parameters"] - 64, o
PY
json=$("$bin" inspect "$sample" "${flags[@]}" --json)
/usr/bin/python3 - "$json" <<'PY' || fail "--json of the .pt is not what was expected"
import json, sys
r = json.loads(sys.argv[1])
assert r["format"] == "torchscript" and r["method"] == "forward" and r["unsupported"] == [], r
assert r["arguments"] == [{"name": "x", "type": "Tensor", "dims": [1, 3, 64, 64]}], r["arguments"]
assert r["onnx"]["outputs"][0]["dims"][0] == "batch", r["onnx"]
PY

for dot in "$work/sample.dot" "$work/sample_pt.dot"; do
  dot -Tsvg "$dot" -o "$dot.svg" || fail "dot rejects $dot"
  grep -q "<svg" "$dot.svg" || fail "$dot.svg is not SVG"
  grep -q ">Conv<" "$dot.svg" || fail "$dot.svg has no Conv node"
done
cmp -s "$work/sample.dot" "$work/sample_pt.dot" || fail "--dot of the .pt and of the .onnx differ"
echo "ok: inspect text, --json and --dot"
