#!/usr/bin/env bash
# --test-data: converts the sample model with a dynamic batch and checks the model-zoo layout with
# the onnx Python package: names, dtypes and dims of both sets (the second at batch 2), and that
# each output_0.pb holds what LibTorch (torch.jit.load in Python) computes from input_0.pb.
# Usage: test_data.sh PT2ONNX SAMPLE.pt WORKDIR
set -euo pipefail
bin=$1 sample=$2 work=$3
rm -rf "$work"
mkdir -p "$work/data/test_data_set_5"  # a stale set of an earlier run must go
"$bin" "$sample" -o "$work/sample.onnx" --input input:1x3x64x64 --dynamic-axes input:0=batch --test-data "$work/data" -q
/usr/bin/python3 - "$sample" "$work/data" <<'PY'
import os, sys
import numpy as np, onnx, torch
from onnx import numpy_helper

sample, data = sys.argv[1:]
sets = sorted(d for d in os.listdir(data))
assert sets == ["test_data_set_0", "test_data_set_1"], sets
model = torch.jit.load(sample).eval()
for n, batch in ((0, 1), (1, 2)):
    d = os.path.join(data, "test_data_set_%d" % n)
    assert sorted(os.listdir(d)) == ["input_0.pb", "output_0.pb"], os.listdir(d)
    tensors = {}
    for f in ("input_0", "output_0"):
        t = onnx.TensorProto()
        with open(os.path.join(d, f + ".pb"), "rb") as fh:
            t.ParseFromString(fh.read())
        tensors[f] = (t.name, numpy_helper.to_array(t))
    (in_name, x), (out_name, y) = tensors["input_0"], tensors["output_0"]
    assert in_name == "input" and out_name == "output", (in_name, out_name)
    assert x.dtype == np.float32 and x.shape == (batch, 3, 64, 64), (x.dtype, x.shape)
    with torch.no_grad():
        want = model(torch.from_numpy(x.copy())).numpy()
    assert y.dtype == want.dtype and y.shape == want.shape, (y.dtype, y.shape, want.shape)
    assert np.allclose(y, want, rtol=1e-5, atol=1e-6), np.abs(y - want).max()
    print("test_data_set_%d: input %s output %s, matches LibTorch" % (n, x.shape, y.shape))
PY
