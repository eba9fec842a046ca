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
import zipfile
from collections import OrderedDict

import numpy as np
import torch
import torch.nn.functional as F
import torchvision
from torch import nn
from typing import Dict, List, Optional, Tuple

import op_fixtures
import scripted_fixtures

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


class IndexAccumulate(nn.Module):
    """index_put with accumulate=True where positions repeat (they must sum): one index with a
    negative entry, two indices, an index on dim 1, a mask with values, int64 values, and a mask
    with no true element."""

    def forward(self, x):
        rows = torch.tensor([1, 3, 1, -1, 1])
        a = x.index_put((rows,), x[:5] * 2.0, accumulate=True)
        b = x.index_put((torch.tensor([0, 2, 0]), torch.tensor([1, 1, 1])), torch.tensor([1.0, 2.0, 3.0]),
                        accumulate=True)
        c = torch.ops.aten.index_put(x, [None, torch.tensor([3, 0, 3, 3])], x[:, :4], True)
        mask = x > 0.5
        d = x.index_put((mask,), x[mask] * 3.0, accumulate=True)
        n = (x * 10.0).long()
        e = n.index_put((rows,), n[:5], accumulate=True)
        none = x > 5.0  # all false: no position at all
        f = x.index_put((none,), x[none] + 1.0, accumulate=True)
        return a, b, c, d, e, f


class ScatterAdd(nn.Module):
    """scatter_add with repeated indices (they sum): along dim 0 with an index smaller than x on
    dim 1, along dim 1, and of int64 values; scatter with reduce='add'."""

    def forward(self, x):
        rows = torch.tensor([[0, 2, 0], [2, 2, 1], [0, 0, 0]])
        a = x.scatter_add(0, rows, x[:3, :3] * 2.0)
        cols = torch.tensor([[3, 0, 3, 3]]).expand(x.size(0), 4)
        b = x.scatter_add(1, cols, x[:, :4])
        n = (x * 10.0).long()
        c = n.scatter_add(0, rows, n[:3, :3])
        d = x.scatter(1, cols, x[:, 1:5], reduce="add")
        return a, b, c, d


class LowOpsetOps(nn.Module):
    """What older runtimes ask for at opsets 9 and 10 (seed 004's QA flow exports at 9): slicing
    with a step, select with a negative index, narrow, flip, index_select, stack, unbind, chunk,
    expand, masked_fill, argmax/argmin, max/min along a dim, topk (largest and smallest), layer norm,
    an embedding into an LSTM and a bidirectional GRU, isnan and nonzero."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(10, 4)
        self.lstm = nn.LSTM(4, 5, batch_first=True)
        self.gru = nn.GRU(5, 3, bidirectional=True)
        self.norm = nn.LayerNorm(6)

    def forward(self, x, ids):
        a = x[:, 1:5:2]
        b = x.select(1, -1) + x.select(1, 2)
        c = torch.narrow(x, 1, 1, 3)
        d = x.flip(1)
        e = torch.index_select(x, 1, torch.tensor([0, 5, 2]))
        f = torch.stack([x, x * 2.0], dim=1)
        g0, g1, g2 = x.unbind(1)[:3]
        h = torch.cat(x.chunk(3, dim=1)[::-1], 1)
        i = x[:, :1].expand(-1, 4)
        j = x.masked_fill(x > 0.5, -1.0)
        top = torch.topk(x, 2, dim=1)
        low = torch.topk(x, 3, dim=0, largest=False)
        y, (hh, _) = self.lstm(self.embed(ids))
        z, hz = self.gru(y.transpose(0, 1))
        return (a, b, c, d, e, f, g0 + g1 + g2, h, i, j, x.argmax(1), x.argmin(-1, keepdim=True), x.max(1)[0],
                x.min(dim=1, keepdim=True)[1], top[0], top[1], self.norm(x), y, hh, z, hz, torch.isnan(x).sum(1),
                torch.nonzero(x > 0.5), low[0], low[1])


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


class LstmProj(nn.Module):
    """LSTMs with proj_size (each step's hidden state projected to a smaller size), which ONNX's
    LSTM operator cannot express: two stacked bidirectional batch-first layers, and one layer on
    packed sequences of unsorted lengths."""

    def __init__(self):
        super().__init__()
        self.stack = nn.LSTM(4, 8, num_layers=2, proj_size=3, bidirectional=True, batch_first=True)
        self.packed = nn.LSTM(4, 6, proj_size=2, batch_first=True)

    def forward(self, x, lengths):
        y, (h, c) = self.stack(x)
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        out, (hp, cp) = self.packed(packed)
        padded, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, padding_value=-1.0)
        return y, h, c, padded, hp, cp


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
    write_npy(outdir, "one_hot_runtime", "labels", np.array([[0, 3, 1], [2, 3, 3]], dtype=np.int64))
    write_npy(outdir, "one_hot_runtime", "labels2", np.array([[5, 0, 1], [2, 7, 6], [1, 1, 0]], dtype=np.int64))
    write_npy(outdir, "one_hot_runtime", "n", np.array(4, dtype=np.int64))
    write_npy(outdir, "one_hot_runtime", "n2", np.array(11, dtype=np.int64))
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
    write_npy(outdir, "lstm_proj", "lengths", np.array([3, 6], dtype=np.int64))
    write_npy(outdir, "lstm_proj", "lengths2", np.array([9, 5], dtype=np.int64))
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
        "scripted_encoder": scalar_data, "lstm_proj": scalar_data,
        "nested_encoder": scalar_data, "nested_encoder_scripted": scalar_data,
        "untaken_branch_writes": scalar_data, "one_hot_runtime": scalar_data}

CUSTOM = {
    "sample": SampleNet,
    "two_inputs": TwoInputs,
    "uint8_image": Uint8Image,
    "conv3d_autoencoder": Conv3dAutoencoder,
    "bicubic_upsample": BicubicUpsample,
    "bicubic_align_corners": BicubicAlignCorners,
    "mlp": Mlp,
    "size_arith": SizeArith,
    "lstm_tagger": LstmTagger,
    "indexing": Indexing,
    "gather_embed": GatherEmbed,
    "bert_encoder": BertEncoder,
    "zero_size": ZeroSize,
    "slice_assign": SliceAssign,
    "view_writes": ViewWrites,
    "view_aliases": ViewAliases,
    "inplace_input": InPlaceInput,
    "index_writes": IndexWrites,
    "index_accumulate": IndexAccumulate,
    "low_opset_ops": LowOpsetOps,
    "lstm_proj": LstmProj,
    "scatter_add": ScatterAdd,
    "elu_double": EluDouble,
    "packed_rnn": PackedRnn,
    "nested_encoder": NestedEncoder,
    "mask_writes": MaskWrites,
    "gpt_mini": GptMini,
    "loop_stack_long": scripted_fixtures.LoopStack,
    "unused_input": UnusedInput,
    "group_norm": GroupNormNet,
    "roi_ops_aligned": lambda: op_fixtures.RoiOps(aligned=True),
    **op_fixtures.OP_FIXTURES,
    **scripted_fixtures.SCRIPTED_FIXTURES,
}
# torch.jit.script for these and every NAME_scripted (torchvision NAME); every other fixture is traced
SCRIPTED = set(scripted_fixtures.SCRIPTED_FIXTURES)
TORCHVISION_KWARGS = {
    "googlenet": dict(aux_logits=False, init_weights=True),
    "inception_v3": dict(aux_logits=False, init_weights=True),
}
# A fixture is stale when any of these is newer.
MODULES = (__file__, op_fixtures.__file__, scripted_fixtures.__file__)
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
        # In float32 (the float16 fixtures are made in float32 too: see HALF).
        batch = (example_input(s, batch=4) for s in specs if not s.startswith("data:"))
        model(*(t.float() if t.is_floating_point() else t for t in batch))


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


# Fixtures made as if saved on a GPU (no GPU needed): the archive's code names cuda:0 where the CPU
# trace or script named the CPU (torch.device("cpu"), x.cpu()) and its weights are stored as on
# cuda:0. The model as made is kept as NAME.reference.pt, which tests/e2e/run_case.sh runs as the
# reference: this LibTorch cannot run the cuda one.
SAVED_ON_GPU = {"traced_on_gpu", "scripted_on_gpu"}


def as_saved_on_gpu(src, dst):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as zout:
        for info in zin.infolist():
            if info.filename.endswith(".debug_pkl"):
                continue  # source ranges into the code as it was; optional
            data = zin.read(info.filename)
            if info.filename.endswith(".py"):
                data = data.replace(b'torch.device("cpu")', b'torch.device("cuda:0")')
                data = data.replace(b"torch.cpu(", b"torch.cuda(")
            elif info.filename.endswith(".pkl"):  # storage locations, pickled as BINUNICODE strings
                data = data.replace(b"X\x03\x00\x00\x00cpu", b"X\x06\x00\x00\x00cuda:0")
            zout.writestr(info.filename, data)


# Fixtures saved with float16 weights, as after model.half() on a GPU: made in float32 with weights
# rounded to float16 values, then converted (a traced one's code naming float32 then names float16,
# as a trace in float16 would). Their reference, NAME.reference.pt, is the float32 model behind a
# .float() of its inputs: what pt2onnx's widened model computes.
HALF = {"half_weights", "half_weights_scripted"}


class Widened(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model(x.float())


def save_half(name, model, inputs, scripted, outdir, tmp):
    model.half().float()
    widened_inputs = tuple(t.float() if t.is_floating_point() else t for t in inputs)
    if scripted:
        torch.jit.script(Widened(model)).save(os.path.join(outdir, name + ".reference.pt"))
        torch.jit.script(model).half().save(tmp)
        return
    torch.jit.trace(Widened(model), inputs).save(os.path.join(outdir, name + ".reference.pt"))
    torch.jit.trace(model, widened_inputs).half().save(tmp + ".float")
    with zipfile.ZipFile(tmp + ".float") as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename.endswith(".py"):
                data = data.replace(b"dtype=6,", b"dtype=5,")
            if not info.filename.endswith(".debug_pkl"):
                zout.writestr(info.filename, data)
    os.remove(tmp + ".float")


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
    if (os.path.exists(path) and os.path.getmtime(path) > max(os.path.getmtime(f) for f in MODULES)
            and os.path.exists(stamp) and open(stamp).read() == spec_text):
        print(f"{name}: up to date")
        return
    start = time.time()
    model = build(name, specs)
    torch.manual_seed(0)
    inputs = trace_inputs(specs, outdir)
    scripted = name in SCRIPTED or name.endswith("_scripted")
    # Write under a temporary name so an interrupted run never leaves a fixture that looks fresh.
    tmp = os.path.join(outdir, name + ".tmp")
    with torch.no_grad():
        if name in HALF:
            save_half(name, model, inputs, scripted, outdir, tmp)
        elif scripted:
            torch.jit.script(model).save(tmp)
        else:  # strict=False lets segmentation models return a dict
            torch.jit.trace(model, inputs, check_trace=False, strict=False).save(tmp)
    if name in SAVED_ON_GPU:
        os.replace(tmp, os.path.join(outdir, name + ".reference.pt"))
        as_saved_on_gpu(os.path.join(outdir, name + ".reference.pt"), tmp)
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
