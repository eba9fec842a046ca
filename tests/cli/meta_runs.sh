#!/usr/bin/env bash
# The example runs go on meta tensors where the model allows it (with a run of just what folding
# needs), and the ONNX model is the one real runs give (--test-data keeps them real): tiny (a
# convolution and a relu: a meta kernel of pt2onnx's and the shape-only fallback) runs on meta
# tensors; detection_nms (nms: sizes from data) on real values.
# Usage: meta_runs.sh PT2ONNX FIXTURE_DIR WORK_DIR
set -uo pipefail
bin=$1 fx=$2 work=$3
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
fail() {
  echo "FAIL: $*"
  exit 1
}
# check NAME meta|real ARGS...
check() {
  local name=$1 expect=$2 got=meta
  shift 2
  rm -rf td ./*.onnx
  "$bin" "$fx/$name.pt" -o meta.onnx "$@" -v 2>log.txt || fail "$name: conversion failed: $(tail -n 1 log.txt)"
  grep -q "run on meta tensors stopped" log.txt && got=real
  [[ $got == "$expect" ]] || fail "$name: example runs on $got values, expected $expect: $(grep 'meta tensors' log.txt)"
  "$bin" "$fx/$name.pt" -o real.onnx "$@" --test-data td -q || fail "$name: conversion with --test-data failed"
  [[ -d td/test_data_set_1 ]] || fail "$name: no test data of the resized run"
  cmp -s meta.onnx real.onnx || fail "$name: the model differs from the one real runs give"
  echo "ok: $name: example runs on $got values, the same model"
}
check tiny meta --input x:1x3x8x8 --dynamic-axes x:0=batch,2=height,3=width
check detection_nms real --input boxes:6x4 --input scores:6 --dynamic-axes boxes:0=n --dynamic-axes scores:0=n
