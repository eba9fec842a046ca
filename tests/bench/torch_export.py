"""Baseline for the benchmark: torch.onnx.export on a TorchScript archive with pt2onnx's settings.

Usage: /usr/bin/python3 tests/bench/torch_export.py MODEL.pt OUT.onnx 1x3x224x224 OPSET
"""
import sys

import torch


def main():
    model_path, out_path, dims, opset = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    model = torch.jit.load(model_path).eval()
    example = torch.randn(*[int(d) for d in dims.split("x")])
    with torch.no_grad():
        torch.onnx.export(model, example, out_path, opset_version=opset, input_names=["input"],
                          output_names=["output"], dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})


if __name__ == "__main__":
    main()
