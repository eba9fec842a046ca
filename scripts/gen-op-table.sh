#!/usr/bin/env bash
# Regenerates the README's operator table from the converter registry (pt2onnx --list-ops).
# Usage: scripts/gen-op-table.sh [--check]   (--check: exit 1 when the README is out of date)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${PT2ONNX_BIN:-${PT2ONNX_BUILD_DIR:-build}/pt2onnx}
# Opsets up to the default 17: the same table from a build against ONNX 1.12 or 1.17 (the README
# says which kinds the opsets above 17 add).
table=$("$bin" --list-ops --opset 17)
# One count per namespace above the table (aten, prim, torchvision, quantized).
count() { grep -c "^| \`$1::" <<<"$table" || true; }
total=$(grep -c '^| `' <<<"$table" || true)
summary="$total TorchScript operators: $(count aten) aten, $(count prim) prim, $(count torchvision) torchvision, $(count quantized) quantized."
table=$(printf '%s\n\n%s' "$summary" "$table")
new=$(awk -v table="$table" '
  /<!-- ops:begin -->/ { print; print table; skip = 1; next }
  /<!-- ops:end -->/ { skip = 0 }
  !skip { print }' README.md)
if [[ ${1:-} == --check ]]; then
  [[ $new == "$(cat README.md)" ]] && exit 0
  echo "README.md operator table is out of date: run scripts/gen-op-table.sh" >&2
  exit 1
fi
printf '%s\n' "$new" >README.md
