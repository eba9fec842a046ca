#!/usr/bin/env bash
# --int32 from the command line: --json's int32 counts, the model's input and output types kept,
# no INT64 value left but those the counts name, the checker passing (the run succeeds), the same
# bytes on two runs, and --int32 with --no-optimize.
# Usage: int32.sh PT2ONNX SAMPLE.pt WORKDIR
set -uo pipefail
bin=$1 sample=$2 work=$3
rm -rf "$work"
mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }
args=(--input input:1x3x64x64 --dynamic-axes input:0=batch --dynamic-axes output:0=batch)

plain=$("$bin" "$sample" -o "$work/plain.onnx" "${args[@]}" --json -q) || fail "conversion failed"
on=$("$bin" "$sample" -o "$work/a.onnx" "${args[@]}" --int32 --json -q) || fail "--int32 failed"
raw=$("$bin" "$sample" -o "$work/raw.onnx" "${args[@]}" --int32 --no-optimize --json -q) || fail "--int32 --no-optimize failed"
"$bin" "$sample" -o "$work/b.onnx" "${args[@]}" --int32 -q || fail "second --int32 conversion failed"
cmp -s "$work/a.onnx" "$work/b.onnx" || fail "two --int32 runs wrote different files"
/usr/bin/python3 - "$plain" "$on" "$raw" "$work" <<'PY' || fail "int32 summary"
import json, sys
import onnx
plain, on, raw = (json.loads(a) for a in sys.argv[1:4])
assert "int32" not in plain, plain
assert on["inputs"] == plain["inputs"] and on["outputs"] == plain["outputs"], (on, plain)
for j in (on, raw):
    r = j["int32"]
    assert set(r) == {"values_retyped", "casts_to_int32", "casts_to_int64", "stay_int64"}, r
    assert all(isinstance(n, int) and n >= 0 for n in r["stay_int64"].values()), r
# Every INT64 value left in the written graph is one the summary counts.
m = onnx.shape_inference.infer_shapes(onnx.load(sys.argv[4] + "/a.onnx"))
int64 = [v.name for v in m.graph.value_info if v.type.tensor_type.elem_type == onnx.TensorProto.INT64]
int64 += [i.name for i in m.graph.initializer if i.data_type == onnx.TensorProto.INT64]
left = sum(on["int32"]["stay_int64"].values())
assert len(int64) <= left, (int64, on["int32"])
PY
echo "ok"
