"""Writes models/sample.pt: a tiny traced CNN classifier (input 1x3x64x64, 10 classes) for docs and smoke tests.

Usage: /usr/bin/python3 models/make_sample.py [OUT.pt]
The model is make_fixtures.py's `sample` case (SampleNet), so the e2e tests cover it too.
"""
import os
import sys

import torch

import make_fixtures

SPECS = ["input:1x3x64x64"]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(make_fixtures.HERE, "sample.pt")
    model = make_fixtures.build("sample", SPECS)
    torch.manual_seed(0)
    with torch.no_grad():
        traced = torch.jit.trace(model, tuple(make_fixtures.example_input(s) for s in SPECS))
    traced.save(out)
    print(f"wrote {out} ({os.path.getsize(out)} bytes)")


if __name__ == "__main__":
    main()
