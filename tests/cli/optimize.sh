#!/usr/bin/env bash
# The optimize stage from the command line: --json counts before and after it, --no-optimize
# writes the graph as converted (batch norms and all), -v names the passes, and two runs write the
# same bytes.
# Usage: optimize.sh PT2ONNX SAMPLE.pt WORKDIR
set -uo pipefail
bin=$1 sample=$2 work=$3
rm -rf "$work"
mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }
args=(--input input:1x3x64x64 --dynamic-axes input:0=batch --dynamic-axes output:0=batch)

on=$("$bin" "$sample" -o "$work/a.onnx" "${args[@]}" --json -q) || fail "conversion failed"
off=$("$bin" "$sample" -o "$work/off.onnx" "${args[@]}" --json -q --no-optimize) || fail "--no-optimize failed"
/usr/bin/python3 - "$on" "$off" <<'PY' || fail "node counts"
import json, sys
on, off = json.loads(sys.argv[1]), json.loads(sys.argv[2])
assert off["nodes"] == off["nodes_before_optimize"], off
assert on["nodes_before_optimize"] == off["nodes"] and on["nodes"] <= on["nodes_before_optimize"], (on, off)
assert on["outputs"] == off["outputs"] and on["inputs"] == off["inputs"], (on, off)
PY
# The sample's two Conv+BatchNorm pairs: batch norms as converted, folded into the convolutions
# (the larger weight is multiplied as it is written) once optimized.
/usr/bin/python3 - "$work/a.onnx" "$work/off.onnx" <<'PY' || fail "batch norm folding"
import onnx, sys
def ops(path):
    return [n.op_type for n in onnx.load(path).graph.node]
on, off = ops(sys.argv[1]), ops(sys.argv[2])
assert off.count("BatchNormalization") == 2 and off.count("Conv") == 2, off
assert "BatchNormalization" not in on and on.count("Conv") == 2, on
PY
"$bin" "$sample" -o "$work/b.onnx" "${args[@]}" -q || fail "second conversion failed"
cmp -s "$work/a.onnx" "$work/b.onnx" || fail "two runs wrote different files"
log=$("$bin" "$sample" -o "$work/v.onnx" "${args[@]}" -v 2>&1) || fail "-v conversion failed"
grep -Eq "optimize: [0-9]+ nodes before, [0-9]+ after" <<<"$log" || fail "-v does not report the node counts: $log"
grep -q "optimize: constant folding: " <<<"$log" || fail "-v does not report the passes"
echo "ok"
