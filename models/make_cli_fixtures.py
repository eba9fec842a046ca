"""Makes the small TorchScript fixtures the CLI tests use: /usr/bin/python3 models/make_cli_fixtures.py OUTDIR"""
import os
import sys

import numpy as np
import torch
from typing import Optional


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


class UnusedInput(torch.nn.Module):
    """forward(x, y) whose result does not read y."""

    def forward(self, x, y):
        return x * 2.0


class ScriptedArgs(torch.nn.Module):
    """A Python int and an optional tensor after the tensor input, for argument-binding errors."""

    def forward(self, x, n: int, bias: Optional[torch.Tensor] = None):
        y = x * n
        if bias is not None:
            y = y + bias
        return y


def npy_header(dict_text, version=1):
    header = dict_text
    while (10 + len(header) + 1) % 64:
        header += " "
    header += "\n"
    return b"\x93NUMPY" + bytes([version, 0]) + len(header).to_bytes(2, "little") + header.encode()


def write_npy_files(out):
    """Example-value files for --input-data: one good, and one for each way a file can be wrong."""
    np.save(os.path.join(out, "image.npy"), np.random.default_rng(0).standard_normal((1, 3, 8, 8)).astype(np.float32))
    bad = {
        "bad_magic.npy": b"PK\x03\x04 this is a zip, not a .npy file",
        "truncated.npy": npy_header("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 8, 8), }") + b"\0" * 40,
        "header_dims.npy": npy_header("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 8, 9), }")
        + b"\0" * (4 * 192),
        "complex.npy": npy_header("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }") + b"\0" * 16,
        "fortran.npy": npy_header("{'descr': '<f4', 'fortran_order': True, 'shape': (1, 3, 8, 8), }")
        + b"\0" * (4 * 192),
    }
    for name, data in bad.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


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
        tiny.save(os.path.join(out, "tiny.pt"))
        torch.jit.script(ScriptedArgs()).save(os.path.join(out, "scripted_args.pt"))
        torch.jit.trace(UnusedInput(), (torch.randn(2, 3), torch.randn(2, 3))).save(os.path.join(out, "unused_input.pt"))
    write_npy_files(out)


if __name__ == "__main__":
    main()
