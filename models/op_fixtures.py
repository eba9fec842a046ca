"""Fixture models for the operator-breadth end-to-end cases, merged into make_fixtures.CUSTOM."""
import torch
import torch.nn.functional as F
from torch import nn


class OrderStats(nn.Module):
    """median of the whole tensor and along a dim (the lower middle), with NaN entries (median
    gives NaN, nanmedian skips them), kthvalue, cummax/cummin (ties move to the last index; NaN
    sticks), and mode of small integers (the last occurrence, in a dim of 6)."""

    def forward(self, x):
        nan = torch.where(x > 1.0, torch.full_like(x, float("nan")), x)
        ties = (x * 1.5).round()
        m, mi = torch.median(x, 1)
        k, ki = torch.kthvalue(x, 2, 0, keepdim=True)
        nm, nmi = torch.nanmedian(nan, 1)
        cmax, cmaxi = torch.cummax(ties, 1)
        cmin, cmini = torch.cummin(nan, 0)
        imax, imaxi = torch.cummax(ties.long(), 0)
        mo, moi = torch.mode(ties, 1)
        return (torch.median(x), m, mi, k, ki, torch.median(nan, 1)[0], nm, nmi, torch.nanmedian(nan), cmax, cmaxi,
                cmin, cmini, imax, imaxi, mo, moi, torch.mode(ties.int(), 0, True)[0])


class AsStrided(nn.Module):
    """as_strided views of a contiguous input: overlapping windows, a contiguous window at an
    offset (a Slice), sizes computed from the input's batch size, and an elementwise result."""

    def forward(self, x):
        win = x.as_strided((3, 3, 3), (1, 4, 2), 2)
        flat = x.as_strided((2, 7), (7, 1), 7)
        dyn = x.as_strided((x.size(0), x.size(1) * 2 - 1, x.size(2)), (56, 3, 1))
        diag = (x * 2.0).as_strided((x.size(0), 7), (56, 8))
        return win, flat, dyn, diag


class Unpool(nn.Module):
    """max_pool with indices and max_unpool back, 2-D (with padding, to the input's size) and
    3-D, plus the indices themselves (within each plane, as PyTorch counts them)."""

    def forward(self, x):
        y, i = F.max_pool2d(x, 3, 2, 1, return_indices=True)
        up = F.max_unpool2d(y, i, 3, 2, 1, output_size=x.shape[-2:])
        v, j = F.max_pool3d(x.unsqueeze(1), (1, 2, 2), return_indices=True)
        up3 = F.max_unpool3d(v, j, (1, 2, 2))
        return up, i, up3


class SpatialTransformer(nn.Module):
    """A spatial transformer: theta from a linear layer, affine_grid at the input's size (and a
    3-D grid of a fixed size with align_corners), grid_sample."""

    def __init__(self):
        super().__init__()
        self.loc = nn.Linear(3 * 8 * 6, 6)

    def forward(self, x):
        theta = self.loc(x.flatten(1)).view(-1, 2, 3) * 0.5 + torch.tensor([[1.0, 0, 0], [0, 1.0, 0]])
        grid = F.affine_grid(theta, list(x.size()), align_corners=False)
        theta3 = torch.cat([theta, theta[:, :1]], 1).repeat(1, 1, 2)[:, :, :4]
        grid3 = F.affine_grid(theta3, [x.size(0), 1, 2, 3, 4], align_corners=True)
        return F.grid_sample(x, grid, align_corners=False), grid, grid3


class Distances(nn.Module):
    """pdist (p = 2, 1 and inf) over a dynamic number of rows, and block_diag of a matrix, a
    slice, a row and a scalar of another dtype."""

    def forward(self, x):
        b = torch.block_diag(x, x[:2, :3], x[0], torch.tensor(3, dtype=torch.int64))
        return torch.pdist(x), torch.pdist(x, 1.0), torch.pdist(x, float("inf")), b


class QatNet(nn.Module):
    """A quantization-aware-trained conv net (fbgemm fake quantization of activations per tensor and
    weights per channel), traced with its observers off: every fused_moving_avg_obs_fake_quant is a
    QuantizeLinear/DequantizeLinear pair. Also explicit quantize/dequantize at 8 bits (per tensor
    and per channel) and a 7-bit fake quantization (not a QDQ range)."""

    def __init__(self):
        super().__init__()
        import torch.ao.quantization as tq
        self.body = nn.Sequential(tq.QuantStub(), nn.Conv2d(3, 4, 3), nn.ReLU(), tq.DeQuantStub())
        self.body.qconfig = tq.get_default_qat_qconfig("fbgemm")
        self.body.train()
        tq.prepare_qat(self.body, inplace=True)
        torch.manual_seed(1)
        for _ in range(3):
            self.body(torch.randn(2, 3, 8, 8))
        self.body.apply(tq.disable_observer)

    def forward(self, x):
        q = torch.quantize_per_tensor(x, 0.05, 10, torch.quint8).dequantize()
        scales, zeros = torch.tensor([0.1, 0.2, 0.05]), torch.tensor([0, 3, -2])
        qc = torch.quantize_per_channel(x, scales, zeros, 1, torch.qint8).dequantize()
        f7 = torch.fake_quantize_per_tensor_affine(x, 0.03, 5, 0, 127)
        return self.body(x), q, qc, f7


class CircularPad(nn.Module):
    """Circular padding by amounts computed from the input's sizes (and a crop by a negative one)."""

    def forward(self, x):
        return F.pad(x, (x.size(3) // 3, 1, -1, x.size(2) // 2), mode="circular")


class Spectrogram(nn.Module):
    """An audio front end: a power spectrogram (torch.stft, centred with reflect padding, a Hann
    window shorter than n_fft, then abs().pow(2)), an unnormalized magnitude without a window, and
    FFTs of the signal read through view_as_real, .real and .imag."""

    def __init__(self):
        super().__init__()
        self.register_buffer("window", torch.hann_window(24))

    def forward(self, x):
        spec = torch.stft(x, 32, 8, 24, self.window, return_complex=True).abs().pow(2)
        mag = torch.stft(x, 16, 4, normalized=True, center=False, return_complex=True).abs()
        f = torch.fft.rfft(x, norm="ortho")
        g = torch.fft.fft(x[:, :128])  # a power of two: ONNX Runtime's DFT of other lengths rounds more
        return spec, mag, torch.view_as_real(f), g.real, g.imag, torch.fft.rfft(x[0, :64]).abs()


OP_FIXTURES = {
    "order_stats": OrderStats,
    "as_strided": AsStrided,
    "as_strided_static": AsStrided,
    "unpool": Unpool,
    "spatial_transformer": SpatialTransformer,
    "distances": Distances,
    "qat_net": QatNet,
    "circular_pad": CircularPad,
    "spectrogram": Spectrogram,
}
