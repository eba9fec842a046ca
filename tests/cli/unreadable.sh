#!/usr/bin/env bash
# A model file, or an --input-data file, that the user may not read: exit 3 (model) or 2 (data) with
# one line naming the file and its permissions. Root reads any file, so as root the run goes
# without the capabilities that let it (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), through setpriv.
# Usage: unreadable.sh PT2ONNX SAMPLE.pt WORK_DIR
set -euo pipefail
bin=$1 sample=$2 dir=$3
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$dir"
mkdir -p "$dir"
cp "$sample" "$dir/unreadable.pt"
chmod 000 "$dir/unreadable.pt"
printf '\x93NUMPY' >"$dir/unreadable.npy"
chmod 000 "$dir/unreadable.npy"
run=()
if [[ $(id -u) -eq 0 ]]; then
  command -v setpriv >/dev/null || { echo "FAIL: running as root needs setpriv (util-linux) to drop CAP_DAC_OVERRIDE"; exit 1; }
  run=(setpriv --bounding-set=-dac_override,-dac_read_search)
fi
"$here/expect_failure.sh" 3 "^pt2onnx: error: model file '.*/unreadable.pt' cannot be read \(check its permissions\)$" \
  "$dir/out.onnx" -- "${run[@]}" "$bin" "$dir/unreadable.pt" -o "$dir/out.onnx" --input input:1x3x64x64
"$here/expect_failure.sh" 2 "--input-data input=.*/unreadable.npy: cannot be read" \
  "$dir/out.onnx" -- "${run[@]}" "$bin" "$sample" -o "$dir/out.onnx" --input input --input-data "input=$dir/unreadable.npy"
