"""Scripted fixtures for the end-to-end tests: models that torch.jit.script compiles, with the
control flow, lists, dicts, objects and in-place writes of scripted code. make_fixtures.py builds
and saves them; SCRIPTED_FIXTURES maps a case name in tests/e2e/cases.txt to its module."""
import math
from collections import OrderedDict
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn.functional as F
import torchvision
from torch import nn


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


class SubmoduleWrites(nn.Module):
    """A method called from forward that replaces a submodule's parameters: a conv's bias (typed
    Optional) in a branch on `is not None`, read through `self.proj` there as an inlined method
    does; the norm's weight at the top and its bias in a loop of fixed count. forward then runs
    the submodules with the new values."""

    def __init__(self):
        super().__init__()
        self.proj = nn.Conv1d(4, 4, 1)
        self.norm = nn.LayerNorm(4)

    def refresh(self, x: torch.Tensor):
        self.norm.weight = torch.ones(4) * 2.0
        if self.proj.bias is not None:
            b = self.proj.bias
            assert b is not None
            self.proj.bias = b + x.mean(0)
        for i in range(3):
            self.norm.bias = torch.full([4], float(i)) + x.sum()

    def forward(self, x):
        self.refresh(x)
        return self.norm(self.proj(x.unsqueeze(2)).squeeze(2))


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


class ScriptedEncoder(nn.Module):
    """nn.TransformerEncoder through torch.jit.script: its fast-path checks, `is None` tests on the
    padding mask and raise paths all stay in the scripted graph."""

    def __init__(self):
        super().__init__()
        layer = nn.TransformerEncoderLayer(16, 2, dim_feedforward=32, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)

    def forward(self, x, pad):
        return self.encoder(x, src_key_padding_mask=pad)


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


class ListSetRuntime(nn.Module):
    """Items of a list of tensors set at indices known at run time only (from the batch size,
    one counted from the end), read back by an index and stacked."""

    def forward(self, x):
        parts: List[torch.Tensor] = [x, x * 2.0, x + 1.0]
        i = x.size(0) % 3
        parts[i] = x * 10.0
        parts[i - 3] = parts[i - 3] + 0.5
        parts[(i + 1) % 3] = torch.relu(x - 0.2)
        return torch.stack(parts, dim=0), parts[i]


class BranchLists(nn.Module):
    """Lists of one length built by both branches of an if decided at run time (by the batch
    size), with items of other shapes per branch, read by cat and returned."""

    def forward(self, x) -> Tuple[torch.Tensor, List[torch.Tensor]]:
        if x.size(0) > 2:
            parts = [x * 2.0, x[:, :1]]
        else:
            parts = [x + 1.0, x[:, 1:3]]
        return torch.cat(parts, dim=1), parts


class OneHotRuntime(nn.Module):
    """one_hot with its class count read from an input (int(n.item())) and with num_classes=-1,
    where the largest label sets the count (so the output's last dim follows the data)."""

    def forward(self, labels, n):
        return F.one_hot(labels, int(n.item())), F.one_hot(labels * 2, -1)


class GpuScripted(nn.Module):
    """A scripted model that names its device (make_fixtures.py rewrites the archive to say cuda:0
    and x.cuda(), as if made on a GPU): a range on that device and the input moved there."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 3)

    def forward(self, x):
        device = torch.device("cpu")
        steps = torch.arange(3, device=device).float()
        return self.lin(x.cpu()) * steps


class DynamicSplits(nn.Module):
    """Splits whose number of parts follows the dynamic batch: split by 2 (a loop over the parts,
    and len), chunk into 3 (5 rows give 3 parts, 4 rows 2), and split by a size computed from the
    input; each list is an ONNX sequence."""

    def forward(self, x):
        parts = torch.split(x, 2, dim=0)
        sums = [p.sum(0) for p in parts]
        chunks = torch.chunk(x, 3, dim=0)
        scaled = [c * float(i + 1) for i, c in enumerate(chunks)]
        runtime = torch.split(x, x.size(0) // 2 + 1, dim=0)
        return torch.stack(sums), torch.tensor(len(parts)), torch.cat(scaled, 0), runtime[-1].mean(0)


class BatchedNms(nn.Module):
    """torchvision's batched NMS, scripted: it offsets the boxes of each class apart for up to 4000
    coordinates, and loops over the classes above that. The example (100 boxes) takes the first
    path, the second run (1100 boxes) the loop, which no example run recorded."""

    def forward(self, x):
        corner = x[:, :2].abs() * 60.0
        boxes = torch.cat([corner, corner + x[:, 2:].abs() * 20.0 + 1.0], dim=1)
        scores = x.sum(1)
        classes = (x[:, 0].abs() * 10.0).long() % 3
        keep = torchvision.ops.batched_nms(boxes, scores, classes, 0.5)
        return boxes[keep], keep


class EarlyReturn(nn.Module):
    """A return inside nested branches: the compiler joins the paths with an uninitialized value.
    The example (3x4) returns early, the converter's resized run (6x8) takes the outer else, and
    the second size (1x3) the inner branch that no run recorded (an int tensor plus a Python int)."""

    def forward(self, y):
        if y.shape[1] < 5:
            if y.size(0) == 1:
                y = y + 4
            else:
                return y * 2
        return y - 1


class StateInit(nn.Module):
    """A recurrent state made when the one given is empty, filled in place in a loop, or added to
    the one given: branches on the given state's size, decided at run time. The example passes an
    empty state, the converter's resized run a 2x2x2x2x2 one (no branch), the second size a real
    state (the branch no run recorded)."""

    def forward(self, x, prev):
        b, h, w = x.size(0), x.size(2), x.size(3)
        state = torch.zeros((2, b, 3, h, w))
        if prev.size(0) == 0:
            for i in range(2):
                state[:] = torch.ones(b, 3, h, w) * float(i + 1)
        elif prev.size(0) == 1:
            state[:] = prev + state[:]
        return state[0] + x[:, :3], state[1]


class DefaultDtype(nn.Module):
    """Code that follows torch's default dtype wherever it names none: true division of integer
    tensors and a factory without a dtype. Made for torch.set_default_dtype(torch.float64) (the case
    converts with --default-dtype float64): both outputs are float64."""

    def forward(self, x, y):
        return x / (y.abs() + 1), torch.ones(x.size(0)) * 0.5 + x.sum(1)


SCRIPTED_FIXTURES = {
    "scripted_control_flow": ScriptedFlow,
    "scripted_objects": ScriptedObjects,
    "arange_loop": ArangeLoop,
    "scale_sr": ScaleSR,
    "optional_given": OptionalArg,
    "optional_omitted": OptionalArg,
    "list_arg": ListArg,
    "tuple_dict_arg": TupleDictArg,
    "int_arg_input": IntArg,
    "int_arg_const": IntArg,
    "method_encode": MethodEncode,
    "block_writes": BlockWrites,
    "range_loops": RangeLoops,
    "list_index": ListIndex,
    "loop_stack": LoopStack,
    "scripted_encoder": ScriptedEncoder,
    "list_output": ListOutput,
    "dict_writes": DictWrites,
    "list_writes": ListWrites,
    "list_set_runtime": ListSetRuntime,
    "branch_lists": BranchLists,
    "loop_param_writes": LoopParamWrites,
    "untaken_branch_writes": UntakenBranchWrites,
    "scripted_arguments": ScriptedArguments,
    "optional_results": OptionalResults,
    "nested_list_loops": NestedListLoops,
    "interpolations": Interpolations,
    "split_runtime": SplitRuntime,
    "unbind_loop": UnbindLoop,
    "attribute_writes": AttributeWrites,
    "submodule_writes": SubmoduleWrites,
    "scripted_decoder": ScriptedDecoder,
    "one_hot_runtime": OneHotRuntime,
    "scripted_on_gpu": GpuScripted,
    "dynamic_splits": DynamicSplits,
    "batched_nms": BatchedNms,
    "early_return": EarlyReturn,
    "state_init": StateInit,
    "default_dtype": DefaultDtype,
}
