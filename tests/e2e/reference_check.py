#!/usr/bin/env python3
"""reference_check.py: runs an ONNX model in ONNX's own reference evaluator (onnx.reference, ONNX
1.13 or later) on a pt2onnx_reference case or on pt2onnx --test-data, and compares the outputs with
LibTorch's. For operators ONNX Runtime has no kernel for (DeformConv); same usage, tolerance rule and
exit codes as ort_check.js, except that a NaN fails here even where LibTorch has one too:

    reference_check.py MODEL.onnx CASEDIR [--rtol R] [--atol A]
    reference_check.py MODEL.onnx --test-data DIR [--rtol R] [--atol A]
"""
import argparse
import json
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper
from onnx.reference import ReferenceEvaluator


def case_sets(path, test_data):
    """[(inputs, outputs)] as lists of (name, array)."""
    if test_data:
        sets = []
        n = 0
        while os.path.isdir(os.path.join(path, f"test_data_set_{n}")):
            d = os.path.join(path, f"test_data_set_{n}")
            pair = []
            for kind in ("input", "output"):
                tensors, k = [], 0
                while os.path.exists(os.path.join(d, f"{kind}_{k}.pb")):
                    t = onnx.TensorProto()
                    with open(os.path.join(d, f"{kind}_{k}.pb"), "rb") as f:
                        t.ParseFromString(f.read())
                    tensors.append((t.name, numpy_helper.to_array(t)))
                    k += 1
                pair.append(tensors)
            sets.append(tuple(pair))
            n += 1
        if not sets:
            raise RuntimeError(f"{path}: no test_data_set_0")
        return sets
    with open(os.path.join(path, "meta.json")) as f:
        meta = json.load(f)
    dtypes = {"float32": np.float32, "float64": np.float64, "float16": np.float16, "int64": np.int64,
              "int32": np.int32, "int16": np.int16, "int8": np.int8, "uint8": np.uint8, "bool": np.bool_}

    def read(entry):
        data = np.fromfile(os.path.join(path, entry["file"]), dtype=dtypes[entry["dtype"]])
        return entry["name"], data.reshape(entry["dims"])

    return [([read(e) for e in meta["inputs"]], [read(e) for e in meta["outputs"]])]


def main():
    parser = argparse.ArgumentParser(usage=__doc__)
    parser.add_argument("model")
    parser.add_argument("case", nargs="?")
    parser.add_argument("--test-data")
    parser.add_argument("--rtol", type=float, default=1e-3)
    parser.add_argument("--atol", type=float, default=1e-4)
    args = parser.parse_args()
    if (args.case is None) == (args.test_data is None):
        parser.print_usage(sys.stderr)
        return 2
    try:
        evaluator = ReferenceEvaluator(args.model)
        sets = case_sets(args.test_data or args.case, args.test_data is not None)
    except Exception as e:  # the model or the data cannot be read
        print(f"reference_check.py: {e}", file=sys.stderr)
        return 2
    bad = 0
    for index, (inputs, outputs) in enumerate(sets):
        feeds = {name: value for name, (_, value) in zip(evaluator.input_names, inputs)}
        got = evaluator.run(None, feeds)
        for k, ((name, want), have) in enumerate(zip(outputs, got)):
            label = f"set {index} output {k} '{name}' {want.dtype} {list(want.shape)}"
            have = np.asarray(have)
            if have.dtype != want.dtype or have.shape != want.shape:
                print(f"MISMATCH: {label}: the reference evaluator gives {have.dtype} {list(have.shape)}")
                bad += 1
                continue
            if want.dtype.kind == "f":
                err = np.abs(have.astype(np.float64) - want.astype(np.float64))
                ok = (err <= args.atol + args.rtol * np.abs(want.astype(np.float64))) | (have == want)
                line = f"{label}: max abs err {np.nanmax(err) if err.size else 0:.3e}"
            else:
                ok = have == want
                line = f"{label}: equal"
            if ok.all():
                print(f"{line}, ok")
            else:
                print(f"MISMATCH: {line}, {int((~ok).sum())} of {ok.size} elements out of tolerance")
                bad += 1
        if len(got) != len(outputs):
            print(f"MISMATCH: set {index}: {len(got)} outputs, LibTorch gave {len(outputs)}")
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
