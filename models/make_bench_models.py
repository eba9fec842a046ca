"""Builds the GPT-style benchmark models (random weights, traced) for tests/bench/bench.sh.

Usage: /usr/bin/python3 models/make_bench_models.py OUTDIR gpt_350m|gpt_700m ...
They are large (1.6 GB and 3.3 GB) and made only on demand by the benchmark, never by the tests.
A model is kept when it is newer than this script.
"""
import math
import os
import sys
import time

import torch
from torch import nn

# name: (width, layers, heads); vocabulary 50257, 1024 positions, separate output projection
SIZES = {"gpt_350m": (1024, 24, 16), "gpt_700m": (1280, 36, 20)}
VOCAB, POSITIONS = 50257, 1024


class Block(nn.Module):
    """Pre-norm transformer decoder block: causal self-attention and a GELU MLP."""

    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.scale = 1.0 / math.sqrt(d // heads)
        self.ln1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d)
        self.fc = nn.Linear(d, 4 * d)
        self.out = nn.Linear(4 * d, d)

    def forward(self, x, mask):
        b, t, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=2)
        q = q.view(b, t, self.heads, d // self.heads).transpose(1, 2)
        k = k.view(b, t, self.heads, d // self.heads).transpose(1, 2)
        v = v.view(b, t, self.heads, d // self.heads).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * self.scale
        att = att.masked_fill(mask[:t, :t], float("-inf")).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).reshape(b, t, d)
        x = x + self.proj(y)
        return x + self.out(nn.functional.gelu(self.fc(self.ln2(x))))


class Gpt(nn.Module):
    def __init__(self, d, layers, heads):
        super().__init__()
        self.wte = nn.Embedding(VOCAB, d)
        self.wpe = nn.Embedding(POSITIONS, d)
        self.blocks = nn.ModuleList([Block(d, heads) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(d)
        self.head = nn.Linear(d, VOCAB, bias=False)
        self.register_buffer("mask", torch.ones(POSITIONS, POSITIONS).triu(1).bool(), persistent=False)
        with torch.no_grad():
            for p in self.parameters():
                if p.dim() > 1:
                    p.normal_(0.0, 0.02)

    def forward(self, ids):
        positions = torch.arange(ids.shape[1], device=ids.device)
        x = self.wte(ids) + self.wpe(positions)
        for block in self.blocks:
            x = block(x, self.mask)
        return self.head(self.ln_f(x))


def make(name, outdir):
    path = os.path.join(outdir, name + ".pt")
    if os.path.exists(path) and os.path.getmtime(path) > os.path.getmtime(__file__):
        print(f"{name}: up to date")
        return
    start = time.time()
    torch.manual_seed(0)
    model = Gpt(*SIZES[name]).eval()
    ids = torch.randint(0, VOCAB, (1, 16))
    with torch.no_grad():
        traced = torch.jit.trace(model, (ids,), check_trace=False)
    del model
    tmp = os.path.join(outdir, name + ".tmp")
    traced.save(tmp)
    os.replace(tmp, path)
    print(f"{name}: wrote {path} ({os.path.getsize(path) / 1e6:.1f} MB, {time.time() - start:.1f} s)")


def main():
    if len(sys.argv) < 3 or any(n not in SIZES for n in sys.argv[2:]):
        sys.exit(f"usage: make_bench_models.py OUTDIR {'|'.join(SIZES)} ...")
    os.makedirs(sys.argv[1], exist_ok=True)
    for name in sys.argv[2:]:
        make(name, sys.argv[1])


if __name__ == "__main__":
    main()
