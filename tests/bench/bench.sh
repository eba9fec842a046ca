#!/usr/bin/env bash
# Benchmark (on demand, not part of ctest): whole-process wall time, peak RSS, output size and node
# count of pt2onnx next to torch.onnx.export (Debian's python3-torch) on the same TorchScript files,
# and the bound for pt2onnx: LibTorch's start-up (pt2onnx --version) plus reading the archive
# (cat > /dev/null) plus writing the output's size (dd, fsync), measured in the same run.
# Usage: tests/bench/bench.sh [MODEL ...]   (default: resnet50 vit_b_16 gpt_350m gpt_700m; any
# image model of tests/e2e/cases.txt works too). gpt_* are made by models/make_bench_models.py
# (1.6 and 3.3 GB) into the fixtures directory on first use; BENCH_CLEAN=1 removes them after.
# BENCH_RUNS (default 3): best of that many runs, so a machine busy with other work shows less.
# BENCH_TORCH=0 skips torch.onnx.export.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${PT2ONNX_BUILD_DIR:-build}
bin=${PT2ONNX_BIN:-$build/pt2onnx}
fixtures=$build/fixtures
runs=${BENCH_RUNS:-3}
models=("$@")
((${#models[@]})) || models=(resnet50 vit_b_16 gpt_350m gpt_700m)
image=() gpt=()
for m in "${models[@]}"; do
  if [[ $m == gpt_* ]]; then gpt+=("$m"); else image+=("$m"); fi
done
((${#image[@]} == 0)) || /usr/bin/python3 models/make_fixtures.py "$fixtures" "${image[@]}" >/dev/null
((${#gpt[@]} == 0)) || /usr/bin/python3 models/make_bench_models.py "$fixtures" "${gpt[@]}" >/dev/null
work=$(mktemp -d "${BENCH_TMP:-${TMPDIR:-/tmp}}/pt2onnx_bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Best of $runs: "seconds<TAB>peak_MiB", or "fails: reason<TAB>-". $out (a directory) is emptied
# before each run and holds the last run's output after.
measure() {
  local best_s="" best_m=""
  for ((i = 0; i < runs; i++)); do
    rm -rf "$out" && mkdir -p "$out"
    if ! /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null 2>"$work/err"; then
      # A converter that fails is reported with its last error line instead of figures.
      printf 'fails: %s\t-\n' "$(grep -v '^Command exited' "$work/err" | tail -n 1 | cut -c1-100)"
      return 0
    fi
    read -r s kib <"$work/time"
    if [[ -z $best_s ]] || awk "BEGIN{exit !($s < $best_s)}"; then best_s=$s; fi
    local mib=$((kib / 1024))
    if [[ -z $best_m ]] || ((mib < best_m)); then best_m=$mib; fi
  done
  printf '%s\t%s\n' "$best_s" "$best_m"
}

# Best of $runs wall seconds of a shell command.
seconds() {
  local best=""
  for ((i = 0; i < runs; i++)); do
    /usr/bin/time -f "%e" -o "$work/time" bash -c "$1" >/dev/null 2>&1
    local s
    s=$(cat "$work/time")
    if [[ -z $best ]] || awk "BEGIN{exit !($s < $best)}"; then best=$s; fi
  done
  echo "$best"
}

# "MiB<TAB>nodes" of the ONNX model in $out (every file counts: external data too).
describe() {
  [[ -n $(ls "$out") ]] || { printf -- '-\t-\n'; return; }
  local bytes onnx
  bytes=$(du -cb "$out" | tail -n 1 | cut -f1)
  onnx=$(ls "$out"/*.onnx)
  printf '%s\t%s\n' "$((bytes >> 20))" "$(/usr/bin/python3 -c "import onnx, sys
print(len(onnx.load(sys.argv[1], load_external_data=False).graph.node))" "$onnx")"
}

startup=$(seconds "'$bin' --version")
printf '| model | weights MiB | bound s | pt2onnx s | pt2onnx peak MiB | pt2onnx MiB out | pt2onnx nodes | torch.onnx.export s | torch.onnx.export peak MiB | torch.onnx.export MiB out | torch.onnx.export nodes |\n'
printf '|---|---|---|---|---|---|---|---|---|---|---|\n'
for m in "${models[@]}"; do
  pt=$fixtures/$m.pt
  if [[ $m == gpt_* ]]; then
    spec=ids:1x16:int64 torch_spec=1x16:int64 axes=0,1
    args=(--input "$spec" --output-names logits --dynamic-axes ids:0=batch,1=seq --dynamic-axes logits:0=batch,1=seq)
  else
    spec=input:1x3x224x224 torch_spec=1x3x224x224 axes=0
    args=(--input "$spec" --output-names output --dynamic-axes input:0=batch --dynamic-axes output:0=batch)
  fi
  out=$work/pt2onnx
  IFS=$'\t' read -r ps pm < <(measure "$bin" "$pt" -o "$out/$m.onnx" -q --opset 17 "${args[@]}")
  psize=- pnodes=-
  [[ $ps == fails* ]] || IFS=$'\t' read -r psize pnodes < <(describe)
  [[ $psize != - ]] || psize=$(($(stat -c %s "$pt") >> 20))  # no output: count the weights
  # The bound: start-up, reading the archive, writing as many bytes as pt2onnx wrote (with fsync,
  # as pt2onnx does).
  read_s=$(seconds "cat '$pt' > /dev/null")
  write_s=$(seconds "dd if=/dev/zero of='$work/dd' bs=1M count=$((psize + 1)) conv=fsync status=none; rm -f '$work/dd'")
  bound=$(awk "BEGIN{printf \"%.2f\", $startup + $read_s + $write_s}")
  rm -rf "$out"
  ts=- tm=- tsize=- tnodes=-
  if [[ ${BENCH_TORCH:-1} != 0 ]]; then
    out=$work/torch
    IFS=$'\t' read -r ts tm < <(measure /usr/bin/python3 tests/bench/torch_export.py "$pt" "$out/$m.onnx" "$torch_spec" 17 "$axes")
    [[ $ts == fails* ]] || IFS=$'\t' read -r tsize tnodes < <(describe)
    rm -rf "$out"
  fi
  weights=$(($(stat -c %s "$pt") >> 20))
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$m" "$weights" "$bound" "$ps" "$pm" "$psize" "$pnodes" "$ts" "$tm" "$tsize" "$tnodes"
done
if [[ ${BENCH_CLEAN:-0} != 0 ]]; then for m in "${gpt[@]}"; do rm -f "$fixtures/$m.pt"; done; fi
