#!/usr/bin/env bash
# pt2onnx verify and --verify with ONNX Runtime present: the sample's test data passes, an edited
# output_0.pb fails with exit code 10, and --verify during conversion reports both sets.
# Usage: verify_check.sh PT2ONNX node NODE ORT_DIR SAMPLE.pt WORKDIR     (onnxruntime-node)
#        verify_check.sh PT2ONNX python PYTHON - SAMPLE.pt WORKDIR      (the onnxruntime package)
#        verify_check.sh PT2ONNX inprocess - - SAMPLE.pt WORKDIR        (ONNX Runtime linked in)
set -uo pipefail
bin=$1 runtime=$2 interpreter=$3 ort_dir=$4 sample=$5 work=$6
rm -rf "$work"
mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }
export PT2ONNX_ORT_RUNTIME=$runtime
if [[ $runtime == node ]]; then
  export PT2ONNX_NODE=$interpreter PT2ONNX_ORT_DIR=$ort_dir
  runtime_name=onnxruntime-node
elif [[ $runtime == inprocess ]]; then
  runtime_name="ONNX Runtime"
else
  export PT2ONNX_PYTHON=$interpreter
  runtime_name="onnxruntime"
fi
flags=(--input input:1x3x64x64 --dynamic-axes input:0=batch)

"$bin" "$sample" -o "$work/sample.onnx" "${flags[@]}" --test-data "$work/data" -q || fail "conversion failed"
out=$("$bin" verify "$work/sample.onnx" "$work/data" 2>&1)
rc=$?
echo "$out"
[[ $rc -eq 0 ]] || fail "verify exit code $rc, expected 0"
if [[ $runtime == inprocess ]]; then
  grep -Eq "in ONNX Runtime [0-9.]+ \(in process\)" <<<"$out" || fail "the runtime is not named"
else
  grep -Eq "in $runtime_name [0-9.]+ .*\($interpreter\)" <<<"$out" || fail "the runtime is not named"
fi
for n in 0 1; do
  grep -Eq "test_data_set_$n output float32 \[[12],10\]: max abs error [0-9.e-]+, mean abs error [0-9.e-]+: ok" \
    <<<"$out" || fail "no line for test_data_set_$n"
done
grep -q "all 2 outputs are within the tolerance" <<<"$out" || fail "no verdict"

# Shift one element of the expected output by 0.5: far beyond atol 1e-4 + rtol 1e-3.
/usr/bin/python3 - "$work/data/test_data_set_1/output_0.pb" <<'PY' || fail "cannot edit output_0.pb"
import sys
import onnx
from onnx import numpy_helper
t = onnx.TensorProto()
with open(sys.argv[1], "rb") as f:
    t.ParseFromString(f.read())
a = numpy_helper.to_array(t).copy()
a.flat[3] += 0.5
with open(sys.argv[1], "wb") as f:
    f.write(numpy_helper.from_array(a, t.name).SerializeToString())
PY
out=$("$bin" verify "$work/sample.onnx" "$work/data" 2>&1)
rc=$?
echo "$out"
[[ $rc -eq 10 ]] || fail "verify of edited test data: exit code $rc, expected 10"
grep -Eq "test_data_set_1 output .*: max abs error 0\.5[0-9]*, .*MISMATCH, 1 of 20 elements out of tolerance" <<<"$out" ||
  fail "the mismatching output is not reported"
grep -Eq "test_data_set_0 output .*: ok" <<<"$out" || fail "the untouched set is not ok"
grep -q "1 of 2 outputs differ from the test data beyond the tolerance" <<<"$out" || fail "no verdict"
# A tolerance that covers the change passes.
"$bin" verify "$work/sample.onnx" "$work/data" --atol 0.6 >/dev/null || fail "--atol 0.6 should pass"

# --verify during conversion, without --test-data: a temporary directory, removed afterwards.
export TMPDIR=$work/tmp
mkdir -p "$TMPDIR"
out=$("$bin" "$sample" -o "$work/v.onnx" "${flags[@]}" --verify 2>&1)
rc=$?
echo "$out"
[[ $rc -eq 0 ]] || fail "--verify exit code $rc, expected 0"
grep -q "all 2 outputs are within the tolerance" <<<"$out" || fail "--verify printed no verdict"
[[ -z $(ls -A "$TMPDIR") ]] || fail "--verify left files in TMPDIR: $(ls -A "$TMPDIR")"
json=$("$bin" "$sample" -o "$work/v.onnx" "${flags[@]}" --verify --json -q)
/usr/bin/python3 - "$json" <<'PY' || fail "--verify --json is not what was expected"
import json, sys
r = json.loads(sys.argv[1])
v = r["verify"]
assert r["ok"] and v["ok"] and v["sets"] == 2 and len(v["outputs"]) == 2, r
assert all(o["max_abs_error"] < 1e-3 and o["dims"][1] == 10 for o in v["outputs"]), v
PY
echo "ok: verify passes, fails on edited data, --verify works"
