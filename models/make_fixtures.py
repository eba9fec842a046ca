"""Builds, traces and saves the end-to-end fixture models listed in tests/e2e/cases.txt.

Usage: /usr/bin/python3 models/make_fixtures.py OUTDIR [name ...]   (no names: every case)
Each model gets torch.manual_seed(0) and random weights, is conditioned (see condition()), traced
in eval mode under no_grad with the example inputs of its case's `--input` arguments, and written to
OUTDIR/<name>.pt. A fixture is kept when it is newer than this script and was traced with the same
inputs (OUTDIR/<name>.inputs).
"""
import math
import os
import re
import sys
import time
from collections import OrderedDict

import numpy as np
import torch
import torch.nn.functional as F
import torchvision
from torch import nn
from typing import Dict, List, Optional, Tuple

import op_fixtures

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(HERE, "..", "tests", "e2e", "cases.txt")


class SampleNet(nn.Module):
    """The committed models/sample.pt: two conv blocks, global average pooling, a linear head."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(16, num_classes)

    def forward(self, x):
        return self.head(torch.flatten(self.pool(self.features(x)), 1))


class TwoInputs(nn.Module):
    """An image and a feature vector in; (logits, embedding) out."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3, stride=2, padding=1)
        self.proj = nn.Linear(8, 16)
        self.head = nn.Linear(16, 10)

    def forward(self, image, features):
        embedding = F.relu(self.conv(image)).mean(dim=(2, 3)) + torch.tanh(self.proj(features))
        return self.head(embedding), embedding


class Uint8Image(nn.Module):
    """Casts a uint8 NCHW image to float, scales to [0, 1] and normalizes per channel."""

    def __init__(self):
        super().__init__()
        self.register_buffer("mean", torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1))
        self.conv = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.head = nn.Linear(8, 5)

    def forward(self, image):
        x = (image.float() / 255.0 - self.mean) / self.std
        return self.head(torch.flatten(F.adaptive_avg_pool2d(F.relu(self.conv(x)), 1), 1))


class Conv3dAutoencoder(nn.Module):
    """Two strided Conv3d down, ConvTranspose3d and nearest upsampling back to the input size."""

    def __init__(self):
        super().__init__()
        self.down1 = nn.Conv3d(2, 8, 3, stride=2, padding=1)
        self.down2 = nn.Conv3d(8, 16, 3, stride=2, padding=1)
        self.up1 = nn.ConvTranspose3d(16, 8, 2, stride=2)
        self.out = nn.Conv3d(8, 2, 3, padding=1)

    def forward(self, volume):
        x = F.relu(self.up1(F.relu(self.down2(F.relu(self.down1(volume))))))
        return self.out(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class BicubicUpsample(nn.Module):
    """2x bicubic upsampling (align_corners=False) then a conv; batch, height and width are dynamic."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="bicubic", align_corners=False))


class BicubicAlignCorners(nn.Module):
    """Bicubic resizing with align_corners=True: 2x (dynamic height and width) then a conv, and to a
    fixed 13x7 (shrinking, odd ratios)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)

    def forward(self, x):
        up = F.interpolate(x, scale_factor=2.0, mode="bicubic", align_corners=True)
        return self.conv(up), F.interpolate(x, size=(13, 7), mode="bicubic", align_corners=True)


class GroupNormNet(nn.Module):
    """Conv, GroupNorm (affine, then without weights), Mish and tanh-GELU: the operators that ONNX
    opsets 18-21 added (GroupNormalization 21, Mish 18, Gelu 20)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3, padding=1)
        self.norm = nn.GroupNorm(4, 16)
        self.plain = nn.GroupNorm(8, 16, affine=False)
        with torch.no_grad():  # not the initial ones/zeros, so that the affine part is checked
            self.norm.weight.uniform_(0.5, 1.5)
            self.norm.bias.uniform_(-0.5, 0.5)

    def forward(self, x):
        y = F.mish(self.norm(self.conv(x)))
        return F.gelu(self.plain(y * 3.0), approximate="tanh")


class Mlp(nn.Module):
    """Linear, GELU, LayerNorm, Linear, softmax."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(32, 64)
        self.norm = nn.LayerNorm(64)
        self.fc2 = nn.Linear(64, 16)

    def forward(self, x):
        return torch.softmax(self.fc2(self.norm(F.gelu(self.fc1(x)))), dim=-1)


class SizeArith(nn.Module):
    """Shapes computed from x.size()/numel() at run time, so they must follow a dynamic batch."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4 * 6 * 6, 8)
        self.token = nn.Parameter(torch.randn(1, 8))

    def forward(self, x):
        batch = x.size(0)
        flat = x.view(batch, -1)
        per_sample = x.numel() // batch
        rows = x.reshape(-1, x.size(2) * x.size(3))
        row_mean = rows.mean(dim=1).view(batch, x.size(1))
        y = self.fc(flat / per_sample) + self.token.expand(batch, -1)
        return torch.cat([y, row_mean], dim=1) * (x.size(1) * x.size(2))


class ScriptedFlow(nn.Module):
    """Scripted control flow: a branch on the data, a for loop over a dynamic size, a while loop,
    and a branch on the rank that conversion resolves."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)

    def forward(self, x):
        if x.dim() == 4:
            x = self.conv(x)
        y = torch.relu(x)
        if bool(y.mean() > 0.2):
            y = y * 2.0
        else:
            y = y - 1.0
        acc = torch.zeros_like(y[:, :, :1, :])
        for k in range(y.size(2)):
            acc = acc + y[:, :, k:k + 1, :]
        n = 0
        while n < y.size(0) + 2:
            acc = acc * 0.5
            n += 1
        return y, acc


class LstmTagger(nn.Module):
    """Token ids -> embedding -> 2-layer bidirectional LSTM -> per-token scores."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(10, 16)
        self.lstm = nn.LSTM(16, 24, num_layers=2, bidirectional=True, batch_first=True)
        self.head = nn.Linear(48, 5)

    def forward(self, tokens):
        out, (h, c) = self.lstm(self.embed(tokens))
        return self.head(out), h


class Indexing(nn.Module):
    """Negative indices, gathers, masks, sorting and running sums."""

    def forward(self, x):
        last = x[:, -1]
        picked = x[:, torch.tensor([2, -1, 0])]
        masked = x.masked_fill(x < 0, -1.0)
        order = torch.argsort(x, dim=1, descending=True)
        top = torch.topk(x, 2, dim=1).values
        running = torch.cumsum(x, dim=1)
        ramp = torch.arange(x.size(1), dtype=x.dtype) * x[:, :1]
        return last, picked, masked + ramp, order, top, running



# ---- Real example inputs and every kind of forward() argument (README: --input-data, --const) ----

class GatherEmbed(nn.Module):
    """Row lookups that need real indices: a gather into a table of 8 rows (indices up to 7) and an
    embedding of a 10-word vocabulary (ids up to 9); made-up values 0-9 would run off the table."""

    def __init__(self):
        super().__init__()
        self.register_buffer("table", torch.randn(8, 6))
        self.embed = nn.Embedding(10, 6)

    def forward(self, idx, ids):
        return self.table[idx].sum(1) + self.embed(ids).mean(1)


class ArangeLoop(nn.Module):
    """A range and a loop bounded by a value read from a tensor input (n.item())."""

    def forward(self, x, n):
        steps = int(n.item())
        ramp = torch.arange(steps).to(x.dtype)
        acc = torch.zeros_like(x)
        for i in range(steps):
            acc = acc + x * float(i + 1)
        return acc, ramp * 2.0


class ScaleSR(nn.Module):
    """Super-resolution whose upscale factor is a tensor input: interpolate, then a conv."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 3, padding=1)

    def forward(self, x, factor):
        up = F.interpolate(x, scale_factor=float(factor.item()), mode="nearest")
        return self.conv(up)


class BertEncoder(nn.Module):
    """BERT-style: token and position embeddings, a 2-layer transformer encoder that ignores padded
    positions (src_key_padding_mask), then a pooled projection."""

    def __init__(self, vocab=50, d=32):
        super().__init__()
        self.tokens = nn.Embedding(vocab, d)
        self.positions = nn.Embedding(64, d)
        layer = nn.TransformerEncoderLayer(d, 4, dim_feedforward=64, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        self.head = nn.Linear(d, 8)

    def forward(self, ids, pad):
        pos = torch.arange(ids.size(1)).unsqueeze(0)
        h = self.encoder(self.tokens(ids) + self.positions(pos), src_key_padding_mask=pad)
        keep = (~pad).unsqueeze(-1).to(h.dtype)
        return self.head((h * keep).sum(1) / keep.sum(1)), h


class ZeroSize(nn.Module):
    """Takes an input with a zero-size dimension (no extra rows), concatenated to the other."""

    def forward(self, x, extra):
        rows = torch.cat([x, extra * 2.0], 0)
        return rows.sum(0, keepdim=True) + rows.size(0), extra.sum(0)


class OptionalArg(nn.Module):
    """forward(x, bias=None): the `bias is None` branch, given or left out."""

    def forward(self, x, bias: Optional[torch.Tensor] = None):
        if bias is None:
            return x * 2.0
        return x + bias


class ListArg(nn.Module):
    """A list of tensors: summed in a loop, concatenated, and its length used."""

    def forward(self, xs: List[torch.Tensor]):
        acc = torch.zeros_like(xs[0])
        for t in xs:
            acc = acc + t
        return acc * len(xs), torch.cat(xs, 1)


class TupleDictArg(nn.Module):
    """A (tensor, tensor) tuple and a str -> tensor dict."""

    def forward(self, pair: Tuple[torch.Tensor, torch.Tensor], feats: Dict[str, torch.Tensor]):
        a, b = pair
        return a * b + feats["scale"], feats["shift"] - a


class IntArg(nn.Module):
    """A Python int argument: a loop count and a multiplier."""

    def forward(self, x, n: int):
        y = x
        for _ in range(n):
            y = y * 0.5 + 1.0
        return y * n


class MethodEncode(nn.Module):
    """Converted through --method encode (forward() is something else)."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 4)

    def forward(self, x):
        return x

    @torch.jit.export
    def encode(self, x):
        return torch.tanh(self.fc(x))


# ---- In-place writes through views (src/frontend/view_writes.cpp) ----

class SliceAssign(nn.Module):
    """Slice assignment into a copy: columns 1:3 replaced, then a later read of the whole."""

    def forward(self, x, y):
        x = x.clone()
        x[:, 1:3] = y
        return x * 2.0


class ViewWrites(nn.Module):
    """`x[0] += 1`, an in-place multiply of a column, a fill of a block, a negative-index row."""

    def forward(self, x):
        x = x.clone()
        x[0] += 1.0
        x[:, 1].mul_(3.0)
        x[1:, :2].fill_(7.0)
        x[-1] = x[-1] - 5.0
        return x, x.sum(1)


class ViewAliases(nn.Module):
    """Writes seen through every alias: views of a view taken before the write, a transposed view
    of the base, two writes through one link, and the returned result of an in-place op."""

    def forward(self, x):
        x = x.clone()
        a = x[1:]
        b = a[:, 0]
        c = a[0]
        t = x.t()
        b.add_(10.0)
        c.mul_(2.0)
        y = x[0].fill_(3.0)
        return x, a, b, c, t, y * 1.0


class InPlaceInput(nn.Module):
    """In-place writes to the inputs themselves: a multiply, a row through a view, and an add of a
    float64 tensor that keeps x float32 (an in-place result keeps self's dtype)."""

    def forward(self, x, y, d):
        x.mul_(2.0)
        x[0].add_(y[0])
        x.add_(d)
        return x, y.sub_(1.0) * 1.0


class BlockWrites(nn.Module):
    """Writes inside branches and a loop with a dynamic trip count to tensors made outside them,
    through views and not. The first branch follows the batch size (the two runs take one side
    each); the second is data-dependent and never taken, so no run records its values."""

    def forward(self, x):
        state = torch.zeros(2, x.size(0), x.size(1))
        acc = torch.zeros_like(x)
        row = state[1]
        if x.size(0) > 4:
            state[0] = x * 2.0
            acc += x
        else:
            row.copy_(x - 1.0)
        if bool(x.abs().sum() > 1e6):
            acc[0] = acc[1] * 3.0
            acc.add_(1.0)
        for i in range(x.size(0)):
            acc[i] += x[i] * float(i)
            state[:, i].mul_(0.5)
        return state, acc, row + 0.0


class RangeLoops(nn.Module):
    """range() with a start and step, and counting down: trip counts and loop values computed
    from the batch size."""

    def forward(self, x):
        out = torch.zeros_like(x[0])
        n = x.size(0)
        for i in range(1, n, 2):
            out = out + x[i] * float(i)
        for j in range(n - 1, -1, -3):
            out = out - x[j] * float(j)
        return out


class ListIndex(nn.Module):
    """A list of tensors indexed by a value computed from the batch size and by a negative index,
    with a print() that the converted model drops."""

    def forward(self, x):
        parts = [x * 1.0, x * 2.0, x - 3.0]
        k = x.size(0) % 3
        print("batch", x.size(0))
        return parts[k] + parts[-1]


class IndexWrites(nn.Module):
    """Writes with several index tensors: adjacent rank-2 and negative indices with a value
    broadcast to the indexed shape, non-adjacent ones (x[i, :, j] = v), and a read with negative
    rank-2 indices."""

    def forward(self, x, v):
        x = x.clone()
        i = torch.tensor([[0, 1], [2, -1]])
        j = torch.tensor([1, -2])
        x[i, j] = v
        x[torch.tensor([0, 2]), :, torch.tensor([1, -1])] = 5.0
        read = x[torch.tensor([[1, 2], [2, -3]]), torch.tensor([-2, 0])]
        return x, read


class LoopStack(nn.Module):
    """A loop over the batch that appends to a list, which is stacked, concatenated, measured and
    indexed after it: the list's length is known only at run time."""

    def forward(self, x):
        outs: List[torch.Tensor] = []
        acc = torch.zeros_like(x[0])
        for i in range(x.size(0)):
            acc = acc + x[i]
            outs.append(acc * float(i + 1))
        n = len(outs)
        return torch.stack(outs, 1), torch.cat(outs, 0), outs[n - 1] + outs[0]


class GptMini(nn.Module):
    """A GPT-style decoder: token and position embeddings, two pre-norm blocks with causal self-
    attention written out (fused qkv split by the width, heads by view/transpose, a causal mask
    sliced from a buffer to the sequence length), a tied language-model head."""

    def __init__(self, vocab=50, width=16, heads=2, layers=2, context=32):
        super().__init__()
        self.heads = heads
        self.wte = nn.Embedding(vocab, width)
        self.wpe = nn.Embedding(context, width)
        self.blocks = nn.ModuleList([GptBlock(width, heads, context) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(width)

    def forward(self, idx):
        t = idx.size(1)
        pos = torch.arange(0, t, dtype=torch.long, device=idx.device)
        x = self.wte(idx) + self.wpe(pos)
        for block in self.blocks:
            x = block(x)
        return F.linear(self.ln_f(x), self.wte.weight)


class GptBlock(nn.Module):
    def __init__(self, width, heads, context):
        super().__init__()
        self.heads = heads
        self.ln_1 = nn.LayerNorm(width)
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)
        self.ln_2 = nn.LayerNorm(width)
        self.fc = nn.Linear(width, 4 * width)
        self.out = nn.Linear(4 * width, width)
        self.register_buffer("bias", torch.tril(torch.ones(context, context)).view(1, 1, context, context))

    def forward(self, x):
        b, t, c = x.size()
        q, k, v = self.qkv(self.ln_1(x)).split(c, dim=2)
        hs = c // self.heads
        q = q.view(b, t, self.heads, hs).transpose(1, 2)
        k = k.view(b, t, self.heads, hs).transpose(1, 2)
        v = v.view(b, t, self.heads, hs).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.bias[:, :, :t, :t] == 0, float("-inf"))
        y = F.softmax(att, dim=-1) @ v
        y = y.transpose(1, 2).contiguous().view(b, t, c)
        x = x + self.proj(y)
        return x + self.out(F.gelu(self.fc(self.ln_2(x)), approximate="tanh"))


class SplitRuntime(nn.Module):
    """split by a size computed from a dynamic dim, unpacked into three parts."""

    def forward(self, x):
        n = x.size(1) // 3
        a, b, c = x.split(n, dim=1)
        return a * 2.0 + c, b


class AttributeWrites(nn.Module):
    """A scripted method that writes module attributes (a float and a tensor, on itself and on a
    submodule) and reads them back in the same call."""

    def __init__(self):
        super().__init__()
        self.scale = 1.0
        self.table = torch.zeros(4)
        self.inner = nn.Linear(4, 4)
        self.inner.gain = 1.0

    def forward(self, x):
        self.scale = float(x.size(0)) * 0.5
        self.table = torch.arange(4.0) * self.scale
        self.inner.gain = self.scale + 1.0
        return self.inner(x) * self.inner.gain + self.table


class UnbindLoop(nn.Module):
    """unbind of a dynamic dim iterated by a scripted loop, and stacked back along another dim."""

    def forward(self, x):
        acc = torch.zeros_like(x[0])
        for t in x.unbind(0):
            acc = acc * 0.5 + t
        return acc, torch.stack(x.unbind(0), 1)


class Interpolations(nn.Module):
    """F.interpolate with a size computed from the input's, with a scale factor, and nn.Upsample."""

    def __init__(self):
        super().__init__()
        self.up = nn.Upsample(scale_factor=2.0, mode="bilinear", align_corners=True)

    def forward(self, x):
        a = F.interpolate(x, size=(x.size(2) * 2, x.size(3) + 3), mode="bilinear", align_corners=False)
        b = F.interpolate(x, scale_factor=1.5, mode="nearest")
        c = F.interpolate(x, size=[7, 5], mode="bicubic", align_corners=False)
        return a, b, c, self.up(x)


class EluDouble(nn.Module):
    """elu and celu on float64 input, which ONNX Runtime has no Elu kernel for."""

    def forward(self, x):
        return F.elu(x, alpha=0.5), F.celu(x, alpha=2.0)


class PackedRnn(nn.Module):
    """Variable-length sequences: pack_padded_sequence (unsorted lengths), a bidirectional LSTM and
    a GRU on the packed data, pad_packed_sequence back to a batch-first tensor."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(4, 5, batch_first=True, bidirectional=True)
        self.gru = nn.GRU(10, 3, batch_first=True)

    def forward(self, x, lengths):
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        out, (h, _) = self.lstm(packed)
        out2, h2 = self.gru(out)
        padded, _ = nn.utils.rnn.pad_packed_sequence(out2, batch_first=True, padding_value=-1.0)
        return padded, h, h2


class ScriptedEncoder(nn.Module):
    """nn.TransformerEncoder through torch.jit.script: its fast-path checks, `is None` tests on the
    padding mask and raise paths all stay in the scripted graph."""

    def __init__(self):
        super().__init__()
        layer = nn.TransformerEncoderLayer(16, 2, dim_feedforward=32, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)

    def forward(self, x, pad):
        return self.encoder(x, src_key_padding_mask=pad)


class NestedEncoder(nn.Module):
    """nn.TransformerEncoder with a padding mask in eval mode, traced: LibTorch's fast path cuts the
    batch into a nested tensor of the unpadded sequences and pads the result again with zeros.
    Scripted (nested_encoder_scripted), that path is taken when the padding mask is left-aligned."""

    def __init__(self):
        super().__init__()
        layer = nn.TransformerEncoderLayer(16, 2, dim_feedforward=32, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, 2)

    def forward(self, x, pad):
        return self.encoder(x, src_key_padding_mask=pad)


class UnusedInput(nn.Module):
    """forward(x, y) that never reads y: y stays an ONNX input so callers can feed it by name."""

    def forward(self, x, y):
        return x * 2.0


class ScriptedDecoder(nn.Module):
    """nn.TransformerDecoder through torch.jit.script with a causal mask built from the target length."""

    def __init__(self):
        super().__init__()
        layer = nn.TransformerDecoderLayer(16, 2, dim_feedforward=32, dropout=0.0, batch_first=True)
        self.decoder = nn.TransformerDecoder(layer, 2)

    def forward(self, tgt, memory):
        n = tgt.size(1)
        causal = torch.triu(torch.full((n, n), float("-inf")), diagonal=1)
        return self.decoder(tgt, memory, tgt_mask=causal)


class ListOutput(nn.Module):
    """Returns a List[Tensor] (scripted split): one ONNX output per element, each with its type."""

    def forward(self, x):
        return torch.split(x * 2.0, 2, dim=1)


class DictWrites(nn.Module):
    """Scripted dicts filled by assignment (as torchvision's feature extractors and segmentation
    heads do): a dict written in a module loop under a key test, overwritten, read back, returned
    next to a fresh dict and an Optional that is None (not an ONNX output)."""

    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleDict({"a": nn.Linear(4, 4), "b": nn.Linear(4, 4)})
        self.keep = {"a": "first"}

    def forward(self, x) -> Tuple[Dict[str, torch.Tensor], Dict[str, torch.Tensor], Optional[torch.Tensor]]:
        feats = OrderedDict()
        for name, layer in self.layers.items():
            x = layer(x)
            if name in self.keep:
                feats[self.keep[name]] = x
        feats["last"] = x
        feats["first"] = feats["first"] * 2.0
        out: Dict[str, torch.Tensor] = {}
        out["sum"] = feats["first"] + feats["last"]
        aux: Optional[torch.Tensor] = None
        return out, feats, aux


@torch.jit.script
class Boxed:
    """A TorchScript class built in forward() (as torchvision's ImageList)."""

    def __init__(self, tensors: torch.Tensor, sizes: List[Tuple[int, int]]):
        self.tensors = tensors
        self.sizes = sizes


class ScriptedObjects(nn.Module):
    """What scripted torchvision detectors do between their layers: a class object made and read,
    a dict built from (key, value) pairs in a loop and read with values(), keys(), items() and
    len(), dicts kept in a list and written after, Python min()/max() of sizes, and a flag
    written for the next call in a branch."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self._has_warned = False

    def forward(self, x) -> List[Dict[str, torch.Tensor]]:
        box = Boxed(x, [(x.shape[-2], x.shape[-1])])
        feats = [self.conv(box.tensors), x]
        named = OrderedDict([(str(i), f) for i, f in enumerate(feats)])
        levels = list(named.values())
        width = max([v.shape[1] + len(k) for k, v in named.items()])
        results: List[Dict[str, torch.Tensor]] = []
        for i in range(min(len(levels), 2)):
            results.append({"out": levels[i].sum(1)})
        for i in range(len(results)):
            results[i]["out"] = results[i]["out"] * float(width) + float(len(named.keys()))
            if "extra" in results[i]:
                results[i]["extra"] = x
        h, w = box.sizes[0]
        top = min(h, w, x.shape[0] * 100)
        results[0]["top"] = x[:, :, :top].amax((1, 2))
        if not self._has_warned:
            self._has_warned = True
        return results


class ListWrites(nn.Module):
    """Scripted lists written in straight-line code: append, insert (also at a negative index),
    pop (by index and the last), extend, +=, item assignment and reverse, read between the writes
    by cat, stack, len and indexing, and a written list returned."""

    def forward(self, x) -> Tuple[torch.Tensor, List[torch.Tensor]]:
        parts: List[torch.Tensor] = [x]
        parts.append(x * 2.0)
        first = torch.cat(parts, dim=1)
        parts.insert(0, x - 1.0)
        parts.insert(-1, torch.relu(x))
        dropped = parts.pop(1)
        parts.extend([x * 3.0, x + 1.0])
        parts += [dropped * 0.5]
        parts[2] = parts[2] + first[:, : x.size(1)]
        last = parts.pop()
        parts.reverse()
        stacked = torch.stack(parts, dim=0).sum(0) * len(parts)
        return torch.cat([stacked, last, parts[-1]], dim=1), parts


class NestedListLoops(nn.Module):
    """Scripted: a list filled by nested loops over fixed sizes (unrolled level by level once
    each level's trip count is folded), popped from and deleted from, then read by another loop
    and returned as a list of fixed length; the batch stays dynamic."""

    def forward(self, x) -> List[torch.Tensor]:
        items: List[torch.Tensor] = []
        for i in range(x.size(1)):
            for j in range(x.size(2)):
                items.append(x[:, i, j] * float(i + 2 * j))
        last = items.pop()
        del items[1]
        out: List[torch.Tensor] = []
        for k in range(len(items)):
            out.append(items[k] - last)
        return out


class OptionalResults(nn.Module):
    """Scripted: results that are None on some paths, known only at run time: an if/else that
    gives None for short inputs (tested with `is not None` before it is read), and a loop that
    replaces a None with each column in turn (returned as an ONNX optional)."""

    def forward(self, x) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
        shifted: Optional[torch.Tensor] = None
        if x.size(0) > 2:
            shifted = x + 1.0
        if shifted is not None:
            out = shifted * 3.0
        else:
            out = x * 2.0
        last: Optional[torch.Tensor] = None
        for i in range(x.size(1)):
            last = x[:, i] * float(i + 1)
        return out, last


class ScriptedArguments(nn.Module):
    """Scripted code whose arguments are values of the run: baddbmm coefficients from a 0-d input,
    batch norm without running statistics (batch statistics in eval mode too), arange into an
    out= tensor, and stack along x.dim() inside a loop over the batch."""

    def __init__(self):
        super().__init__()
        self.norm = nn.BatchNorm1d(4, track_running_stats=False)
        self.norm2d = nn.BatchNorm2d(4, affine=False, track_running_stats=False)
        self.register_buffer("w", torch.randn(3, 3, generator=torch.Generator().manual_seed(3)))

    def forward(self, x, a):
        b = x.size(0)
        y = torch.baddbmm(x, x, self.w.expand(b, 3, 3), beta=float(a), alpha=float(a) * 2.0)
        y = self.norm(y) + self.norm2d(y.unsqueeze(-1)).squeeze(-1)
        out_t = torch.tensor([1], dtype=torch.float)
        steps = torch.arange(x.size(2), out=out_t)
        parts: List[torch.Tensor] = []
        for i in range(b):
            row = y[i]
            parts.append(torch.stack([row, row * 2.0], dim=row.dim()))
        return torch.stack(parts, 0).sum(-1) + steps


class UntakenBranchWrites(nn.Module):
    """In-place writes in both branches of a data-dependent If; the example run takes the first,
    so the second is typed without a record (index_add_, ones * 4 written into a slice, a nested
    If). The second run (flag False) checks the branch no example took."""

    def __init__(self):
        super().__init__()
        self.register_buffer("index", torch.tensor([2, 0, 1]))

    def forward(self, x, flag):
        state = torch.zeros(x.size(0), 3, x.size(1))
        if bool(flag):
            state[:, 0] = x + 1.0
        else:
            state.index_add_(1, self.index, x.unsqueeze(1).expand(-1, 3, -1) * 2.0)
            if x.size(0) > 1:
                state[1:] = torch.ones(x.size(0) - 1, 3, x.size(1)) * 4
        return state * 2.0


class MaskWrites(nn.Module):
    """Writes through boolean masks: two masks in one index_put (a data-dependent row mask with a
    fixed one-column mask), and masked_scatter taking source elements in row-major order."""

    def __init__(self):
        super().__init__()
        self.register_buffer("column", torch.tensor([False, False, True, False]))

    def forward(self, x):
        y = x.clone()
        y[x[:, 0] > 0, self.column] = -5.0
        z = x.masked_scatter(x > 0.5, x.flip(0) * 10.0)
        return y, z


class LoopParamWrites(nn.Module):
    """Scripted: a loop-carried tensor written in place in the loop body (add_, mul_ on what the
    previous iteration handed over), and a size list built by adding two int lists."""

    def forward(self, x, y):
        acc = torch.zeros_like(x[0])
        for i in range(x.size(0)):
            acc += x[i]
            acc.mul_(0.5)
        z = x.new_zeros(x.shape[2:] + y.shape[1:])
        return acc, z + 1.0


class RoundDecimals(nn.Module):
    """round() to 2 and to -1 decimals next to a plain round: ONNX has Round only."""

    def forward(self, x):
        return torch.round(x * 4.0) + torch.round(x, decimals=2) + torch.round(x * 100.0, decimals=-1)


class SpecialOps9(nn.Module):
    """Special math, elementwise losses, rearranging ops and matrix products that opset 9 can
    express, on a [B, 6] input (NaNs made where x > 1 for the NaN-aware ops)."""

    def __init__(self):
        super().__init__()
        g = torch.Generator().manual_seed(7)
        self.bilinear = nn.Bilinear(6, 6, 3)
        self.norm_linear = nn.utils.weight_norm(nn.Linear(6, 4))
        self.register_buffer("w66", torch.randn(6, 6, generator=g))
        self.register_buffer("m46", torch.randn(4, 6, generator=g))
        self.register_buffer("v4", torch.randn(4, generator=g))
        self.register_buffer("c22", torch.randn(2, 2, generator=g))
        self.register_buffer("k21", torch.randn(2, 1, generator=g))
        self.register_buffer("points", torch.tensor([0.0, 0.5, 1.5, 2.0, 3.5, 4.0]))

    def forward(self, x):
        b = x.shape[0]
        y = torch.cos(x) * 2.0
        t, p = torch.sigmoid(x), torch.sigmoid(y)
        mask = (x > 1.0).float()
        xn = x + (mask * 0.0) / (1.0 - mask)
        sign = torch.sign(y)
        m = x.reshape(b, 2, 3) @ y.reshape(b, 3, 2)
        math = (torch.erfc(x), torch.logit(t * 1.2 - 0.1, 1e-3), torch.trunc(3 * x), torch.frac(3 * x),
                torch.deg2rad(x), torch.rad2deg(x), torch.hypot(x, y), torch.copysign(x, y), torch.signbit(y),
                torch.exp2(x), torch.float_power(t, 2.5), torch.fmin(xn, y), torch.fmax(xn, y), torch.sgn(x),
                torch.nansum(xn, 1), torch.nanmean(xn, 1, keepdim=True), torch.positive(x))
        losses = (F.mse_loss(x, y), F.l1_loss(x, y, reduction="sum"), F.smooth_l1_loss(x, y, beta=0.5),
                  F.huber_loss(x, y, reduction="none", delta=0.7), F.soft_margin_loss(x, sign),
                  F.binary_cross_entropy(t, p), F.poisson_nll_loss(x, p * 3, full=True),
                  F.poisson_nll_loss(t, p * 3, log_input=False), F.margin_ranking_loss(x.sum(1), y.sum(1), sign.sum(1).sign(), 0.1),
                  F.pairwise_distance(x, y), F.pairwise_distance(x, y, p=3.0, keepdim=True),
                  F.triplet_margin_loss(x, y, x * 0.5, swap=True))
        shapes = (torch.movedim(x.reshape(b, 2, 3), 0, 2), torch.tile(x, (2,)), torch.tile(x, (2, 1, 1)),
                  torch.diff(x, n=2, dim=1), torch.trace(x), x + torch.eye(b, 6), torch.kron(x, self.k21),
                  torch.cartesian_prod(x.sum(1), y.sum(0)), F.glu(x, -1))
        products = (torch.addmv(self.v4, self.m46, x.sum(0)), torch.addr(x, x.sum(1), y.sum(0), beta=0.5, alpha=2),
                    torch.addbmm(self.c22, x.reshape(b, 2, 3), y.reshape(b, 3, 2)), torch.inner(x, y),
                    torch.chain_matmul(x, self.w66, y.t()), torch.linalg.matrix_power(m, 3),
                    torch.linalg.matrix_power(m, 0), self.bilinear(x, y), self.norm_linear(x))
        more = (torch.special.ndtr(x), torch.ldexp(x, sign), torch.trapz(x, dx=0.5),
                torch.trapezoid(x, self.points, dim=1), torch.dist(x, y, 3.0), torch.renorm(x, 2, 0, 1.0),
                torch.linalg.multi_dot([x.sum(0), self.w66, self.w66]), torch.linalg.vecdot(x, y),
                torch.argwhere(mask), torch.atleast_3d(x), torch.hstack([x, y]), torch.vstack([x, y]),
                torch.dstack([x, y]), torch.column_stack([x.sum(1), x]), torch.ravel(x),
                x + torch.rand_like(x) * 0.0, x + torch.randn_like(x) * 0.0)
        return math + losses + shapes + products + more


class SpecialOps11(nn.Module):
    """Special math, losses and rearranging ops that need opset 10 or 11 (Equal on floats, IsInf,
    Slice steps, Range, CumSum, TopK, Det), on a [B, 6] input."""

    def __init__(self):
        super().__init__()
        self.register_buffer("bounds", torch.tensor([-1.0, -0.25, 0.0, 0.5, 1.5]))
        self.register_buffer("rows", torch.tensor([[-1.0, 0.0, 1.0], [-0.5, 0.5, 2.0]]))
        self.register_buffer("picks", torch.tensor([[0, 5], [-1, 7]]))

    def forward(self, x):
        b = x.shape[0]
        y = torch.cos(x) * 2.0
        t, p = torch.sigmoid(x), torch.sigmoid(y)
        r = torch.relu(x)
        sign = torch.sign(y)
        m = x.reshape(b, 2, 3) @ y.reshape(b, 3, 2)
        inf = x / (x - x)
        return (torch.xlogy(t, p), torch.xlogy(r, p), torch.sinc(x), torch.sinc(r), torch.logaddexp(x, y),
                torch.logaddexp2(x, y), torch.heaviside(r, y), torch.count_nonzero(r, dim=1), torch.logcumsumexp(x, 1),
                F.hinge_embedding_loss(x, sign), F.cosine_embedding_loss(x, y, sign[:, 0], margin=0.1),
                torch.vander(x.sum(1), N=3), torch.vander(x.sum(1), increasing=True), torch.msort(x),
                torch.searchsorted(self.bounds, x), torch.searchsorted(self.bounds, x, right=True),
                torch.searchsorted(self.rows, x.reshape(b, 2, 3)[0]), torch.triu_indices(b, b, 1),
                torch.tril_indices(b, 6, -1), torch.linalg.det(m), torch.logdet(m @ m.transpose(1, 2) + torch.eye(2)),
                torch.isneginf(inf), torch.isposinf(inf), torch.fliplr(x), torch.flipud(x), torch.rot90(x),
                torch.rot90(x, -1, [1, 0]), torch.broadcast_to(x.sum(0), (b, 6)), torch.narrow_copy(x, 1, 1, 3),
                torch.special.xlog1py(r, p), torch.special.entr(r), torch.isclose(x, x + 1e-6 * y),
                torch.isclose(x, y, rtol=0.5, atol=0.1), torch.isin(torch.round(3 * x), self.bounds * 2),
                torch.cumulative_trapezoid(x, dim=1), torch.take(x, self.picks), torch.roll(x, 40),
                torch.roll(x, -2, 0), torch.roll(x, (9, -1), (0, 1)),
                F.pixel_unshuffle(torch.cat([x, x], 1).reshape(1, b, 2, 6), 2))


class RoiOps(nn.Module):
    """torchvision's RoI operators and nms on fixed boxes: features from a conv, per-box scores
    from RoI-aligned features, nms on them (the kept indices and boxes are outputs), roi_pool."""

    def __init__(self, aligned=False):
        super().__init__()
        self.aligned = aligned
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.score = nn.Linear(8 * 4, 1)
        # Overlapping boxes (x1, y1, x2, y2) on a 16x16 image, one smaller than a pixel.
        self.register_buffer("boxes", torch.tensor([
            [1.0, 1.0, 9.0, 9.0], [2.0, 2.0, 10.0, 10.0], [1.5, 0.5, 9.5, 8.0], [8.0, 8.0, 15.0, 15.0],
            [9.0, 7.0, 15.5, 14.0], [0.0, 10.0, 6.0, 15.0], [4.2, 4.1, 4.6, 4.5], [3.0, 3.0, 12.0, 6.0]]))

    def forward(self, image):
        f = F.relu(self.conv(image))
        rois = torch.cat([torch.zeros(self.boxes.shape[0], 1), self.boxes], dim=1)
        pooled = torchvision.ops.roi_align(f, rois, 2, spatial_scale=0.5, sampling_ratio=2, aligned=self.aligned)
        adaptive = torchvision.ops.roi_align(f, rois, (3, 2), spatial_scale=1.0, sampling_ratio=-1,
                                             aligned=self.aligned)
        scores = torch.sigmoid(self.score(pooled.flatten(1))).squeeze(1)
        keep = torchvision.ops.nms(self.boxes, scores, 0.5)
        maxed = torchvision.ops.roi_pool(f, rois, (2, 3), spatial_scale=0.5)
        return keep, self.boxes[keep], scores[keep], pooled, adaptive, maxed


class Detection(nn.Module):
    """A torchvision detector on one image; returns its boxes, scores and labels."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, image):
        out = self.model([image])
        # Scripted, a detector returns (losses, detections); traced, the detections.
        detections = out[1][0] if torch.jit.is_scripting() else out[0]
        boxes, scores, labels = detections["boxes"], detections["scores"], detections["labels"]
        # Detections whose scores differ by float rounding (1e-6 here) have no defined order, so
        # they are listed by label, then corners (boxes clipped to the border tie on that edge).
        key = labels.double() * 1e9 + boxes[:, 0].double() * 1e6 + boxes[:, 1].double() * 1e3 + boxes[:, 2].double()
        order = torch.argsort(key)
        return boxes[order], scores[order], labels[order]


# Random-weight detectors score every class near 1/num_classes, below the default 0.05 threshold:
# keep every box, and small images.
DETECTION_KWARGS = {
    "ssdlite320_mobilenet_v3_large": dict(),
    "fasterrcnn_mobilenet_v3_large_320_fpn": dict(box_score_thresh=0.0),
    "retinanet_resnet50_fpn": dict(min_size=256, max_size=256, score_thresh=0.0),
}


def spread_scores(detector, factor=8.0):
    """Random-weight class logits are small, so scores bunch within 1e-7 of each other and float
    rounding alone reorders them: larger class logits spread the scores out."""
    head = getattr(detector, "head", None)
    if hasattr(head, "classification_head"):
        cls = head.classification_head
        layers = [block[-1] for block in cls.module_list] if hasattr(cls, "module_list") else [cls.cls_logits]
    else:
        layers = [detector.roi_heads.box_predictor.cls_score]
    for layer in layers:  # the bias stays: retinanet's is the -4.6 prior of a rare class
        layer.weight.mul_(factor)


def write_npy(outdir, name, key, array):
    np.save(os.path.join(outdir, f"{name}.{key}.npy"), array)


def gather_embed_data(outdir):
    write_npy(outdir, "gather_embed", "idx", np.array([[0, 7, 3], [7, 7, 1]], dtype=np.int64))
    write_npy(outdir, "gather_embed", "ids", np.array([[9, 0, 5, 9, 2], [1, 9, 9, 3, 4]], dtype=np.int64))
    write_npy(outdir, "gather_embed", "idx2", np.array([[7, 6, 0], [2, 7, 7], [5, 4, 7]], dtype=np.int64))
    write_npy(outdir, "gather_embed", "ids2", np.array([[9, 8, 7, 6, 5], [0, 1, 9, 2, 3], [9, 9, 9, 0, 0]],
                                                       dtype=np.int64))


def bert_data(outdir):
    rng = np.random.default_rng(0)
    for key, (batch, length) in {"": (2, 7), "2": (3, 11)}.items():
        ids = rng.integers(0, 50, size=(batch, length)).astype(np.int64)
        ids[:, 0] = 49  # the last id in the vocabulary
        pad = np.zeros((batch, length), dtype=bool)
        pad[0, length - 3:] = True  # the first sequence is padded at its end
        ids[pad] = 0
        write_npy(outdir, "bert_encoder", "ids" + key, ids)
        write_npy(outdir, "bert_encoder", "pad" + key, pad)


def scalar_data(outdir):
    for name, key, value in [("arange_loop", "n", 4), ("arange_loop", "n2", 6), ("scale_sr", "f", 2.0),
                             ("scale_sr", "f2", 3.0)]:
        write_npy(outdir, name, key, np.array(value, dtype=np.int64 if isinstance(value, int) else np.float32))
    write_npy(outdir, "untaken_branch_writes", "flag", np.array(True))
    write_npy(outdir, "untaken_branch_writes", "flag2", np.array(False))
    write_npy(outdir, "zero_size", "extra", np.zeros((0, 4), dtype=np.float32))
    write_npy(outdir, "packed_rnn", "lengths", np.array([6, 3], dtype=np.int64))
    pad = np.zeros((2, 5), dtype=bool)
    pad[1, 3:] = True
    write_npy(outdir, "scripted_encoder", "pad", pad)
    pad2 = np.zeros((3, 8), dtype=bool)
    pad2[0, 6:] = True
    pad2[2, 1:] = True
    write_npy(outdir, "scripted_encoder", "pad2", pad2)
    write_npy(outdir, "packed_rnn", "lengths2", np.array([4, 9], dtype=np.int64))
    # Padding at the end of each sequence (the fast path's condition); in the second set every
    # sequence is padded, so the result is cut to the longest, 7 of 8.
    write_npy(outdir, "nested_encoder", "pad", pad)
    pad3 = np.zeros((3, 8), dtype=bool)
    pad3[0, 6:] = True
    pad3[1, 7:] = True
    pad3[2, 2:] = True
    write_npy(outdir, "nested_encoder", "pad2", pad3)
    # Scripted, the fast path is chosen at run time: the second set has a sequence with padding
    # inside it (not left-aligned), so there the layers run on the whole padded batch.
    pad4 = pad3.copy()
    pad4[1, 2] = True
    write_npy(outdir, "nested_encoder", "pad4", pad4)


# Cases whose example inputs are data files (written to OUTDIR by these functions) instead of
# random values; the trace uses the files named by the case's --input-data flags.
DATA = {"gather_embed": gather_embed_data, "bert_encoder": bert_data, "arange_loop": scalar_data,
        "scale_sr": scalar_data, "zero_size": scalar_data, "packed_rnn": scalar_data,
        "scripted_encoder": scalar_data, "nested_encoder": scalar_data, "nested_encoder_scripted": scalar_data,
        "untaken_branch_writes": scalar_data}

CUSTOM = {
    "sample": SampleNet,
    "two_inputs": TwoInputs,
    "uint8_image": Uint8Image,
    "conv3d_autoencoder": Conv3dAutoencoder,
    "bicubic_upsample": BicubicUpsample,
    "bicubic_align_corners": BicubicAlignCorners,
    "mlp": Mlp,
    "size_arith": SizeArith,
    "scripted_control_flow": ScriptedFlow,
    "scripted_objects": ScriptedObjects,
    "lstm_tagger": LstmTagger,
    "indexing": Indexing,
    "gather_embed": GatherEmbed,
    "arange_loop": ArangeLoop,
    "scale_sr": ScaleSR,
    "bert_encoder": BertEncoder,
    "zero_size": ZeroSize,
    "optional_given": OptionalArg,
    "optional_omitted": OptionalArg,
    "list_arg": ListArg,
    "tuple_dict_arg": TupleDictArg,
    "int_arg_input": IntArg,
    "int_arg_const": IntArg,
    "method_encode": MethodEncode,
    "slice_assign": SliceAssign,
    "view_writes": ViewWrites,
    "view_aliases": ViewAliases,
    "inplace_input": InPlaceInput,
    "block_writes": BlockWrites,
    "range_loops": RangeLoops,
    "list_index": ListIndex,
    "index_writes": IndexWrites,
    "loop_stack": LoopStack,
    "elu_double": EluDouble,
    "packed_rnn": PackedRnn,
    "scripted_encoder": ScriptedEncoder,
    "nested_encoder": NestedEncoder,
    "list_output": ListOutput,
    "dict_writes": DictWrites,
    "list_writes": ListWrites,
    "loop_param_writes": LoopParamWrites,
    "mask_writes": MaskWrites,
    "untaken_branch_writes": UntakenBranchWrites,
    "scripted_arguments": ScriptedArguments,
    "optional_results": OptionalResults,
    "nested_list_loops": NestedListLoops,
    "gpt_mini": GptMini,
    "interpolations": Interpolations,
    "split_runtime": SplitRuntime,
    "unbind_loop": UnbindLoop,
    "attribute_writes": AttributeWrites,
    "loop_stack_long": LoopStack,
    "unused_input": UnusedInput,
    "scripted_decoder": ScriptedDecoder,
    "group_norm": GroupNormNet,
    "round_decimals": RoundDecimals,
    "special_ops9": SpecialOps9,
    "special_ops11": SpecialOps11,


    "roi_ops": RoiOps,
    "roi_ops_aligned": lambda: RoiOps(aligned=True),
    **op_fixtures.OP_FIXTURES,
}
# torch.jit.script for these and every NAME_scripted (torchvision NAME); every other fixture is traced
SCRIPTED = {"scripted_control_flow", "scripted_objects", "block_writes", "range_loops", "list_index", "loop_stack", "scripted_encoder", "scripted_decoder", "list_output", "dict_writes", "list_writes", "loop_param_writes", "scripted_arguments", "optional_results", "nested_list_loops", "untaken_branch_writes", "interpolations", "split_runtime", "unbind_loop", "attribute_writes", "arange_loop", "scale_sr", "optional_given", "optional_omitted", "list_arg",
            "tuple_dict_arg", "int_arg_input", "int_arg_const", "method_encode"}
TORCHVISION_KWARGS = {
    "googlenet": dict(aux_logits=False, init_weights=True),
    "inception_v3": dict(aux_logits=False, init_weights=True),
}
DTYPES = {"float32": torch.float32, "float16": torch.float16, "float64": torch.float64,
          "int64": torch.int64, "int32": torch.int32, "int8": torch.int8, "uint8": torch.uint8,
          "bool": torch.bool}


def read_cases():
    """Returns {name: [input spec 'NAME:DIMS[:DTYPE]', ...]} from cases.txt."""
    cases = {}
    with open(CASES) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            fields = [x.strip() for x in line.split("|")]
            if "." in fields[0]:
                continue  # a variant NAME.VARIANT: other flags on NAME's fixture
            cases[fields[0]] = re.findall(r"--input\s+(\S+)", fields[2]) + [
                "data:" + f for f in re.findall(r"--input-data\s+(\S+=@/\S+)", fields[2])]
    return cases


def example_input(spec, batch=None):
    parts = spec.split(":")
    dims = [] if parts[1] == "scalar" else [int(d) for d in parts[1].split("x")]
    if batch and dims:
        dims[0] = batch
    dtype = DTYPES[parts[2] if len(parts) > 2 else "float32"]
    if dtype.is_floating_point:
        return torch.randn(dims).to(dtype)
    if dtype == torch.bool:
        return torch.rand(dims) < 0.5
    return torch.randint(0, 256 if dtype == torch.uint8 else 10, dims, dtype=dtype)


def trace_inputs(specs, outdir):
    """The example inputs in --input order: the case's data file where it names one, else random."""
    files = dict(s[len("data:"):].split("=@/", 1) for s in specs if s.startswith("data:"))
    inputs = []
    for spec in specs:
        if spec.startswith("data:"):
            continue
        name = spec.split(":")[0]
        if name in files:
            inputs.append(torch.from_numpy(np.load(os.path.join(outdir, files[name]))))
        else:
            inputs.append(example_input(spec))
    return tuple(inputs)


def condition(model, specs):
    """Makes random-weight outputs a fair test: with default BatchNorm statistics activations
    vanish or explode with depth (mobilenet_v2 gives 1e-9, inception_v3 1e12), and zero or 1e-6
    weights (vit head, convnext layer_scale) hide every error upstream. So near-zero weights are
    redrawn from N(0, 1/fan_in), and BatchNorm statistics are measured on one random batch."""
    with torch.no_grad():
        for key, p in model.named_parameters():
            if p.dim() > 1 and not key.endswith("bias") and p.abs().max() < 1e-4:
                p.normal_(0.0, (p.numel() // p.shape[0]) ** -0.5)
        norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
        if not norms:
            return
        for m in norms:
            m.reset_running_stats()
            m.momentum = None  # cumulative average: one batch sets the statistics
        if isinstance(model, Detection):
            # Detectors in train mode want targets: only the BatchNorm layers learn, from 4 images.
            model.eval()
            for m in norms:
                m.train()
            model.model([example_input(specs[0]) for _ in range(4)])
            spread_scores(model.model)
            return
        model.train()
        model(*(example_input(s, batch=4) for s in specs if not s.startswith("data:")))


def build(name, specs):
    torch.manual_seed(0)
    name = name.removesuffix("_scripted")
    if name in CUSTOM:
        model = CUSTOM[name]()
    elif name in DETECTION_KWARGS:
        model = Detection(getattr(torchvision.models.detection, name)(
            weights=None, weights_backbone=None, **DETECTION_KWARGS[name]))
    elif hasattr(torchvision.models.segmentation, name):
        model = getattr(torchvision.models.segmentation, name)(weights=None, weights_backbone=None)
    else:
        model = getattr(torchvision.models, name)(weights=None, **TORCHVISION_KWARGS.get(name, {}))
    condition(model, specs)
    return model.eval()


def make(name, specs, outdir):
    path = os.path.join(outdir, name + ".pt")
    if os.path.exists(os.path.join(HERE, "..", "tests", "fixtures", "torch26", name + ".pt")):
        # Saved by torch 2.6 and committed; tests/e2e/CMakeLists.txt copies it into OUTDIR.
        print(f"{name}: committed" + ("" if os.path.exists(path) else f", but not in {outdir}: re-run cmake"))
        return
    if name in DATA:
        DATA[name](outdir)
    stamp = os.path.join(outdir, name + ".inputs")
    spec_text = " ".join(specs) + "\n"
    if (os.path.exists(path) and os.path.getmtime(path) > max(os.path.getmtime(__file__), os.path.getmtime(op_fixtures.__file__))
            and os.path.exists(stamp) and open(stamp).read() == spec_text):
        print(f"{name}: up to date")
        return
    start = time.time()
    model = build(name, specs)
    torch.manual_seed(0)
    inputs = trace_inputs(specs, outdir)
    with torch.no_grad():
        if name in SCRIPTED or name.endswith("_scripted"):
            traced = torch.jit.script(model)
        else:  # strict=False lets segmentation models return a dict
            traced = torch.jit.trace(model, inputs, check_trace=False, strict=False)
    # Write under a temporary name so an interrupted run never leaves a fixture that looks fresh.
    tmp = os.path.join(outdir, name + ".tmp")
    traced.save(tmp)
    os.replace(tmp, path)
    with open(stamp, "w") as f:
        f.write(spec_text)
    print(f"{name}: wrote {path} ({os.path.getsize(path) / 1e6:.1f} MB, {time.time() - start:.1f} s)")


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: make_fixtures.py OUTDIR [name ...]")
    outdir, names = sys.argv[1], sys.argv[2:]
    cases = read_cases()
    unknown = [n for n in names if n not in cases]
    if unknown:
        sys.exit(f"not in {CASES}: {', '.join(unknown)}")
    os.makedirs(outdir, exist_ok=True)
    for name in names or list(cases):
        make(name, cases[name], outdir)


if __name__ == "__main__":
    main()
