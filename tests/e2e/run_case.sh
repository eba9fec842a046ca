#!/usr/bin/env bash
# Runs one e2e case at one opset: convert with pt2onnx, then compare ONNX Runtime with LibTorch at two sizes.
#
# Usage: run_case.sh [--pt2onnx BIN] [--reference BIN] [--node BIN] [--ort-dir DIR]
#                    [--fixtures DIR] [--work DIR] NAME OPSET
# The case line is read from cases.txt next to this script. --ort-dir holds ort_check.js and its
# node_modules (default: this directory, after `npm ci --ignore-scripts` here).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
pt2onnx=pt2onnx reference=pt2onnx_reference node=node ort_dir=$here fixtures=fixtures work=
while [[ $# -gt 0 && $1 == --* ]]; do
  [[ $# -ge 2 ]] || { echo "run_case.sh: $1 needs a value" >&2; exit 2; }
  case $1 in
    --pt2onnx) pt2onnx=$2 ;;
    --reference) reference=$2 ;;
    --node) node=$2 ;;
    --ort-dir) ort_dir=$2 ;;
    --fixtures) fixtures=$2 ;;
    --work) work=$2 ;;
    *) echo "run_case.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
[[ $# -eq 2 ]] || { sed -n 4,5p "$0" >&2; exit 2; }
name=$1 opset=$2
work=${work:-e2e-work/$name.opset$opset}

trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; printf '%s' "${s%"${s##*[![:space:]]}"}"; }

found=
while IFS= read -r line || [[ -n $line ]]; do
  line=${line%%#*}
  IFS="|" read -r f_name _ f_args f_dims f_tol f_labels <<<"$line"
  if [[ $(trim "$f_name") == "$name" ]]; then found=1; break; fi
done <"$here/cases.txt"
[[ -n $found ]] || { echo "run_case.sh: no case '$name' in $here/cases.txt" >&2; exit 2; }

# `@/` in the arguments stands for the fixtures directory (data files made with the fixtures).
read -ra args <<<"${f_args//@\//$fixtures/}"
tol=$(trim "${f_tol:-}")
tol=${tol:-1e-3,1e-4}
rtol=${tol%,*} atol=${tol#*,}

# Reference inputs: the case's input flags as given, and for the second run either the same specs
# with the second-run dims, or (when the field starts with --) the flags written there. --const,
# --method and --default-dtype apply to both runs.
dims_field=$(trim "$f_dims")
example=() second=() common=() dims2=() n=0
for ((i = 0; i < ${#args[@]}; i++)); do
  case ${args[i]} in
    --input | --input-data) example+=("${args[i]}" "${args[i + 1]}") ;;
    --const | --method | --default-dtype) common+=("${args[i]}" "${args[i + 1]}") ;;
  esac
done
if [[ $dims_field == --* ]]; then
  read -ra second <<<"${dims_field//@\//$fixtures/}"
else
  IFS=';' read -ra dims2 <<<"$dims_field"
  for ((i = 0; i < ${#args[@]}; i++)); do
    [[ ${args[i]} == --input ]] || continue
    spec=${args[i + 1]}
    IFS=":" read -r in_name _ in_dtype <<<"$spec"
    second+=(--input "$in_name:$(trim "${dims2[n]:-}")${in_dtype:+:$in_dtype}")
    n=$((n + 1))
  done
  if [[ $n -ne ${#dims2[@]} ]]; then
    echo "run_case.sh: case $name has $n inputs but ${#dims2[@]} second-run dims" >&2
    exit 2
  fi
fi
example+=("${common[@]}")
second+=("${common[@]}")

step() {
  local what=$1
  shift
  echo "== $name opset $opset: $what"
  echo "   $*"
  "$@" || { local rc=$?; echo "FAILED: $name opset $opset: $what (exit code $rc)"; exit 1; }
}

fixture=$fixtures/${name%%.*}.pt  # a variant NAME.VARIANT converts NAME's fixture
[[ -f $fixture ]] || { echo "FAILED: no fixture $fixture; run models/make_fixtures.py $fixtures ${name%%.*}"; exit 1; }
# A fixture saved as on a GPU has its CPU twin beside it (NAME.reference.pt), which LibTorch runs.
reference_model=$fixtures/${name%%.*}.reference.pt
[[ -f $reference_model ]] || reference_model=$fixture
rm -rf "$work"
mkdir -p "$work"
onnx=$work/$name.onnx
step "convert" "$pt2onnx" "$fixture" -o "$onnx" "${args[@]}" --opset "$opset" --test-data "$work/test_data"
check=("$node" "$ort_dir/ort_check.js" "$onnx") runtime="ONNX Runtime"
# Label onnx-reference: operators ONNX Runtime has no kernel for run in ONNX's reference evaluator.
if [[ " ${f_labels:-} " == *" onnx-reference "* ]]; then
  check=("${PT2ONNX_REFERENCE_PYTHON:-/usr/bin/python3}" "$here/reference_check.py" "$onnx")
  runtime="ONNX reference evaluator"
fi
# The test data pt2onnx wrote (LibTorch's outputs on its own example inputs), read back independently,
# and through pt2onnx verify with the same ONNX Runtime.
step "$runtime, --test-data" "${check[@]}" --test-data "$work/test_data" --rtol "$rtol" --atol "$atol"
if [[ " ${f_labels:-} " != *" onnx-reference "* ]]; then
  step "pt2onnx verify" env PT2ONNX_ORT_RUNTIME=node PT2ONNX_NODE="$node" PT2ONNX_ORT_DIR="$ort_dir" \
    "$pt2onnx" verify "$onnx" "$work/test_data" --rtol "$rtol" --atol "$atol"
fi
step "LibTorch, example dims" "$reference" "$reference_model" "$work/example" "${example[@]}" --seed 0
step "$runtime, example dims" "${check[@]}" "$work/example" --rtol "$rtol" --atol "$atol"
step "LibTorch, second-run dims" "$reference" "$reference_model" "$work/second" "${second[@]}" --seed 1
step "$runtime, second-run dims" "${check[@]}" "$work/second" --rtol "$rtol" --atol "$atol"
# A passing case's files go (a full run wrote about 5 GB of them); a failing case keeps its files to
# look at. PT2ONNX_KEEP_WORK=1 keeps them always.
[ "${PT2ONNX_KEEP_WORK:-0}" = 1 ] || rm -rf "$work"
echo "PASSED: $name opset $opset"
