"""Baseline for the benchmark: torch.onnx.export on a TorchScript archive with pt2onnx's settings.

Usage: /usr/bin/python3 tests/bench/torch_export.py MODEL.pt OUT.onnx DIMS[:DTYPE] OPSET AXES
DIMS like 1x3x224x224, DTYPE float32 (default) or int64; AXES the dynamic axes of the input and
the output, like 0 or 0,1. Models past protobuf's 2 GiB limit are written with external data
beside OUT.onnx.
"""
import sys

import torch


def main():
    model_path, out_path, spec, opset, axes = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
    dims, _, dtype = spec.partition(":")
    shape = [int(d) for d in dims.split("x")]
    model = torch.jit.load(model_path).eval()
    example = torch.randint(0, 10, shape) if dtype == "int64" else torch.randn(*shape)
    dynamic = {int(a): f"dim{a}" for a in axes.split(",")}
    with torch.no_grad():
        torch.onnx.export(model, example, out_path, opset_version=opset, input_names=["input"],
                          output_names=["output"], dynamic_axes={"input": dynamic, "output": dynamic})


if __name__ == "__main__":
    main()
