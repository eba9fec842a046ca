#!/usr/bin/env bash
# --json on conversion: one JSON object on stdout, on success (interface, counts, phase timings),
# on failure (the error with its exit code) and on flag-parse errors; warnings listed even under -q.
# Usage: json_summary.sh PT2ONNX SAMPLE.pt UNSUPPORTED.pt WORKDIR
set -uo pipefail
bin=$1 sample=$2 unsupported=$3 work=$4
rm -rf "$work"
mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }
check() {  # check JSON PYTHON-ASSERTIONS
  /usr/bin/python3 -c "import json, sys; r = json.loads(sys.argv[1]); $2" "$1" || { echo "$1"; fail "$2"; }
}

# The traced sample fixes its output batch, so declaring it dynamic gives a warning.
json=$("$bin" "$sample" -o "$work/s.onnx" --input input:1x3x64x64 --dynamic-axes input:0=batch \
  --dynamic-axes output:1=classes --json -q --test-data "$work/data")
rc=$?
[[ $rc -eq 0 ]] || fail "exit code $rc"
check "$json" 'assert r["ok"] and r["exit_code"] == 0 and r["opset"] == 17 and r["output"].endswith("s.onnx"), r'
check "$json" 'assert r["inputs"] == [{"name": "input", "dtype": "float32", "dims": ["batch", 3, 64, 64]}], r'
check "$json" 'assert r["outputs"][0]["name"] == "output" and r["outputs"][0]["dims"][0] == "batch", r'
check "$json" 'assert r["nodes"] > 0 and r["initializers"] > 0 and r["weight_bytes"] > 0, r'
check "$json" 'assert {"load", "example runs", "conversion", "write", "test data", "total"} <= set(r["seconds"]), r'
check "$json" 'assert r["test_data_sets"] == 2 and r["errors"] == [], r'
check "$json" 'assert any("output '"'"'output'"'"' axis 1 is declared dynamic" in w for w in r["warnings"]), r'

json=$("$bin" "$unsupported" -o "$work/u.onnx" --input x:2x3x3 --json 2>/dev/null)
rc=$?
[[ $rc -eq 5 ]] || fail "unsupported: exit code $rc, expected 5"
check "$json" 'assert not r["ok"] and r["exit_code"] == 5 and "output" not in r, r'
check "$json" 'assert r["errors"][0]["exit_code"] == 5 and "aten::linalg_inv" in r["errors"][0]["message"], r'
check "$json" 'assert "load" in r["seconds"] and "total" in r["seconds"], r'

json=$("$bin" "$sample" -o "$work/b.onnx" --input input:1xAx64 --json 2>/dev/null)
rc=$?
[[ $rc -eq 2 ]] || fail "bad --input: exit code $rc, expected 2"
check "$json" 'assert not r["ok"] and r["errors"][0]["exit_code"] == 2 and "1xAx64" in r["errors"][0]["message"], r'
# Flag-parse errors (CLI11's) give the summary too, wherever --json is on the command line, and
# still print the error line on stderr.
for args in "--json --frobnicate" "--frobnicate --json" "--opset eleven --json" "--json --input"; do
  json=$("$bin" "$sample" -o "$work/p.onnx" $args 2>"$work/parse.err")
  rc=$?
  [[ $rc -eq 2 ]] || fail "$args: exit code $rc, expected 2"
  check "$json" 'assert not r["ok"] and r["exit_code"] == 2 and len(r["errors"]) == 1, r'
  check "$json" 'assert r["errors"][0]["exit_code"] == 2 and "pt2onnx --help" in r["errors"][0]["message"], r'
  grep -q "^pt2onnx: error: .*(run pt2onnx --help)$" "$work/parse.err" || { cat "$work/parse.err"; fail "$args: no error line"; }
  [[ -e $work/p.onnx ]] && fail "$args: an output file was written"
done
json=$("$bin" --json 2>/dev/null)
rc=$?
[[ $rc -eq 2 ]] || fail "no MODEL: exit code $rc, expected 2"
check "$json" 'assert not r["ok"] and "no MODEL given" in r["errors"][0]["message"], r'
# Without --json a parse error prints nothing on stdout.
[[ -z $("$bin" "$sample" --frobnicate 2>/dev/null) ]] || fail "stdout output without --json"
echo "ok: --json on success and failure"
