#!/usr/bin/env bash
# Benchmark (on demand, not part of ctest): whole-process wall time and peak RSS of pt2onnx next to
# torch.onnx.export (Debian's python3-torch) on the same TorchScript files.
# Usage: tests/bench/bench.sh [MODEL ...]   (default: resnet50 vit_b_16 swin_t convnext_tiny efficientnet_b0)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${PT2ONNX_BUILD_DIR:-build}
fixtures=$build/fixtures
runs=${BENCH_RUNS:-3}
models=("$@")
((${#models[@]})) || models=(resnet50 vit_b_16 swin_t convnext_tiny efficientnet_b0)
/usr/bin/python3 models/make_fixtures.py "$fixtures" "${models[@]}" >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Best of $runs: "seconds<TAB>peak_MiB", or "fails: reason<TAB>-"
measure() {
  local best_s="" best_m=""
  for ((i = 0; i < runs; i++)); do
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

printf '| model | pt2onnx s | pt2onnx peak MiB | torch.onnx.export s | torch.onnx.export peak MiB |\n|---|---|---|---|---|\n'
for m in "${models[@]}"; do
  args=(--input input:1x3x224x224 --output-names output --dynamic-axes input:0=batch --dynamic-axes output:0=batch --opset 17)
  IFS=$'\t' read -r ps pm < <(measure "$build/pt2onnx" "$fixtures/$m.pt" -o "$work/$m.onnx" -q "${args[@]}")
  IFS=$'\t' read -r ts tm < <(measure /usr/bin/python3 tests/bench/torch_export.py "$fixtures/$m.pt" "$work/$m.torch.onnx" 1x3x224x224 17)
  printf '| %s | %s | %s | %s | %s |\n' "$m" "$ps" "$pm" "$ts" "$tm"
done
