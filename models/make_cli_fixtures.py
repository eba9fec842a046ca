"""Makes the small TorchScript fixtures the CLI tests use:
/usr/bin/python3 models/make_cli_fixtures.py OUTDIR [OPS_LIBRARY]
OPS_LIBRARY is the tests' custom-operator library (tests/custom_ops, my_ops::*); with it, the
fixture that calls those operators is made too."""
import os
import sys

import numpy as np
import torch
import torchvision
from typing import Optional


class Unsupported(torch.nn.Module):
    """Three operators pt2onnx has no converter for, each on its own line."""

    def forward(self, x):
        a = torch.linalg.inv(x)
        b = torch.linalg.solve(x, x)
        c = torch.histc(x, bins=4)
        return a, b, c


class Tiny(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3, padding=1)

    def forward(self, x):
        return torch.relu(self.conv(x)).mean(dim=(2, 3))


class HelperMethod(torch.nn.Module):
    """forward() calls another method: freezing inlines it and removes it, which once left the
    frozen graph's call stacks pointing at a freed function (a failed run then crashed)."""

    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(4, 4)

    def forward(self, x):
        return self._impl(x)

    def _impl(self, x):
        return torch.relu(self.fc(x)) * 2.0


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


class OptionalOutput(torch.nn.Module):
    """A result that is None when the input has no columns (an ONNX optional), for its dim labels."""

    def forward(self, x):
        last: Optional[torch.Tensor] = None
        for i in range(x.size(1)):
            last = x[:, i] * 2.0
        return x + 1.0, last


class Dense(torch.nn.Module):
    """Linear layers with `width` x `width` weights: 4 MB at 1024 (more than a 1 MB file system
    holds), 128 MB at 4096 for two layers (a write long enough to interrupt)."""

    def __init__(self, width, layers):
        super().__init__()
        self.layers = torch.nn.Sequential(*[torch.nn.Linear(width, width) for _ in range(layers)])

    def forward(self, x):
        return self.layers(x)


class TrainingMode(torch.nn.Module):
    """A scripted model whose forward() depends on self.training."""

    def forward(self, x):
        if self.training:
            return x * 2.0
        return x + 1.0


class TrainingLayers(torch.nn.Module):
    """Batch norm and dropout, traced in training mode: the trace records their training form."""

    def __init__(self):
        super().__init__()
        self.norm = torch.nn.BatchNorm1d(4)
        self.drop = torch.nn.Dropout(0.5)

    def forward(self, x):
        return self.drop(self.norm(x))


class Detection(torch.nn.Module):
    """Calls torchvision::nms, an operator LibTorch alone does not have."""

    def forward(self, boxes, scores):
        return torchvision.ops.nms(boxes, scores, 0.5)


class ScalarArithmetic(torch.nn.Module):
    """Python numbers in traced arithmetic on integer and bool tensors (int64 * 0.5 is float32)."""

    def forward(self, x, ids):
        return x + 1e-6 * ids, ids * 0.5, (ids > 3) * 1.5, ids.to(torch.int32) * 2.5, ids.to(torch.uint8) * 2, ids + 2


class IntDivision(torch.nn.Module):
    """True division of integer tensors: float32 or float64 by torch's default dtype at run time."""

    def forward(self, x, y):
        return x / (y.abs() + 1)


def write_other_formats(out):
    """Files that are not TorchScript archives, one of each kind pt2onnx recognizes."""
    import zipfile

    model = Tiny().eval()
    torch.save(model.state_dict(), os.path.join(out, "state_dict.pt"))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": 3},
               os.path.join(out, "checkpoint.pt"))
    torch.save(model, os.path.join(out, "pickled_module.pt"))
    torch.save(model.state_dict(), os.path.join(out, "legacy_pickle.pt"), _use_new_zipfile_serialization=False)
    torch.onnx.export(model, torch.randn(1, 3, 8, 8), os.path.join(out, "onnx_model.onnx"), opset_version=13)
    scripted = torch.jit.script(model)
    scripted._save_for_lite_interpreter(os.path.join(out, "mobile.ptl"))
    scripted._save_for_lite_interpreter(os.path.join(out, "mobile_flatbuffer.ptl"), _use_flatbuffer=True)
    # A mobile file without the code/ folder: what the lite interpreter runs, and nothing else.
    with zipfile.ZipFile(os.path.join(out, "mobile.ptl")) as src, \
            zipfile.ZipFile(os.path.join(out, "bytecode_only.ptl"), "w") as dst:
        for name in src.namelist():
            if "/code/" not in name:
                dst.writestr(name, src.read(name))
    with zipfile.ZipFile(os.path.join(out, "zip_without_code.pt"), "w") as z:
        z.writestr("weights/readme.txt", "weights only")
        z.writestr("weights/w.bin", b"\0" * 64)
    with open(os.path.join(out, "tiny.pt"), "rb") as f:
        whole = f.read()
    with open(os.path.join(out, "truncated.pt"), "wb") as f:
        f.write(whole[: len(whole) // 2])
    open(os.path.join(out, "empty.pt"), "wb").close()
    # Archives damaged after saving (an entry's bytes changed, its CRC-32 left as it was): a renamed
    # class attribute in the (deflated) code, which makes LibTorch 1.13's TorchScript compiler
    # crash, and a changed weight in a stored entry.
    damage(os.path.join(out, "traced_training.pt"), "code/__torch__/torch/nn/modules/dropout.py",
           lambda b: b.replace(b"__parameters__", b"_fuarameters__", 1), os.path.join(out, "damaged_code.pt"))
    damage(os.path.join(out, "tiny.pt"), "data/0", lambda b: bytes([b[0] ^ 0xFF]) + b[1:],
           os.path.join(out, "damaged_weights.pt"))


def damage(src, entry, edit, dst):
    """Copies the archive src to dst with the entry ending in `entry` edited, keeping each entry's
    compression and the edited entry's old CRC-32 (in its local header and the central directory)."""
    import struct
    import zipfile

    with zipfile.ZipFile(src) as z, zipfile.ZipFile(dst, "w") as out:
        for info in z.infolist():
            data = z.read(info)
            if info.filename.endswith("/" + entry):
                target, crc, data = info.filename, info.CRC, edit(data)
            out.writestr(info, data)
    with open(dst, "rb") as f:
        whole = bytearray(f.read())
    with zipfile.ZipFile(dst) as z:
        struct.pack_into("<I", whole, z.getinfo(target).header_offset + 14, crc)
    at = whole.find(b"PK\x01\x02")
    while whole[at + 46:at + 46 + len(target)] != target.encode():
        at = whole.find(b"PK\x01\x02", at + 4)
    struct.pack_into("<I", whole, at + 16, crc)
    with open(dst, "wb") as f:
        f.write(whole)
class CustomOps(torch.nn.Module):
    """Calls the tests' custom operators between aten ones (needs the library loaded to script)."""

    def forward(self, x, y):
        z = torch.ops.my_ops.scale_add(torch.relu(x), y, 0.5)
        return torch.ops.my_ops.clip_to(z * 2.0, 1.5, "abs")


class TorchvisionRefused(torch.nn.Module):
    """torchvision operators with no ONNX counterpart up to opset 17, beside one that converts."""

    def __init__(self):
        super().__init__()
        self.register_buffer("boxes", torch.tensor([[0.0, 1.0, 1.0, 6.0, 7.0], [0.0, 2.0, 0.0, 7.5, 5.0]]))
        self.weight = torch.nn.Parameter(torch.randn(4, 8, 3, 3))

    def forward(self, x):
        offset = torch.zeros(1, 18, 8, 8)
        a = torchvision.ops.deform_conv2d(x, offset, self.weight, padding=(1, 1))
        b = torchvision.ops.ps_roi_align(x, self.boxes, 2)
        c = torchvision.ops.roi_align(x, self.boxes, 2)
        return a, b, c


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
        torch.jit.script(OptionalOutput()).save(os.path.join(out, "optional_output.pt"))
        torch.jit.script(IntDivision()).save(os.path.join(out, "int_division.pt"))
        torch.jit.script(HelperMethod().eval()).save(os.path.join(out, "helper_method.pt"))
        torch.jit.trace(UnusedInput(), (torch.randn(2, 3), torch.randn(2, 3))).save(os.path.join(out, "unused_input.pt"))
        torch.jit.trace(Dense(1024, 1).eval(), torch.randn(1, 1024)).save(os.path.join(out, "dense_4mb.pt"))
        # The same layer saved with float16 weights (2 MB), as model.half() on a GPU gives.
        torch.jit.trace(Dense(1024, 1).eval(), torch.randn(1, 1024)).half().save(os.path.join(out, "dense_half.pt"))
        torch.jit.trace(Dense(4096, 2).eval(), torch.randn(1, 4096)).save(os.path.join(out, "dense_128mb.pt"))
        torch.jit.script(TrainingMode().train()).save(os.path.join(out, "training_mode.pt"))
        torch.jit.trace(TrainingLayers().train(), torch.randn(3, 4), check_trace=False).save(
            os.path.join(out, "traced_training.pt"))
        torch.jit.script(Detection()).save(os.path.join(out, "detection_nms.pt"))
        # The dtypes PyTorch gives, one line each, for the converted outputs to match.
        example = (torch.randn(2, 3), torch.randint(0, 9, (2, 3)))
        torch.jit.trace(ScalarArithmetic(), example).save(os.path.join(out, "scalar_arithmetic.pt"))
        with open(os.path.join(out, "scalar_arithmetic.dtypes"), "w") as f:
            f.writelines(str(t.dtype).replace("torch.", "") + "\n" for t in ScalarArithmetic()(*example))
        torch.jit.trace(TorchvisionRefused(), torch.randn(1, 8, 8, 8)).save(os.path.join(out, "torchvision_refused.pt"))
        if len(sys.argv) > 2:
            torch.ops.load_library(sys.argv[2])
            torch.jit.script(CustomOps()).save(os.path.join(out, "custom_ops.pt"))
    write_other_formats(out)
    write_npy_files(out)


if __name__ == "__main__":
    main()
