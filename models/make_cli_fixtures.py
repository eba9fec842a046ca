"""Makes the small TorchScript fixtures the CLI tests use: /usr/bin/python3 models/make_cli_fixtures.py OUTDIR"""
import os
import sys

import torch


class Unsupported(torch.nn.Module):
    """Three operators pt2onnx has no converter for, each on its own line."""

    def forward(self, x):
        a = torch.linalg.det(x)
        b = torch.bucketize(x, torch.tensor([0.0, 0.5]))
        c = torch.histc(x, bins=4)
        return a, b, c


class Tiny(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3, padding=1)

    def forward(self, x):
        return torch.relu(self.conv(x)).mean(dim=(2, 3))


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    with torch.no_grad():
        torch.jit.trace(Unsupported().eval(), torch.randn(2, 3, 3), check_trace=False).save(
            os.path.join(out, "unsupported.pt"))
        tiny = torch.jit.trace(Tiny().eval(), torch.randn(1, 3, 8, 8))
        # Example input shapes stored in the archive let pt2onnx run without --input.
        torch.jit.save(tiny, os.path.join(out, "stored_inputs.pt"), _extra_files={"pt2onnx_inputs": "image:1x3x8x8"})


if __name__ == "__main__":
    main()
