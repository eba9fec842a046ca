"""Fixture models for the operator-breadth end-to-end cases, merged into make_fixtures.CUSTOM."""
import math

import torch
import torch.nn.functional as F
import torchvision
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


class QuantizedBody(nn.Module):
    """The float layers of QuantizedNet: conv+bn+relu (fused), a grouped conv, add_relu and cat
    through FloatFunctional, hardswish, leaky relu, group and layer norm, max pool, a transposed conv, a
    standalone batch norm, bilinear upsampling and sigmoid on quantized tensors, average pooling
    and a linear head."""

    def __init__(self):
        super().__init__()
        import torch.ao.nn.quantized as nnq
        import torch.ao.quantization as tq
        self.quant = tq.QuantStub()
        self.conv1, self.bn1, self.relu1 = nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU()
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1, groups=2)
        self.skip, self.join, self.scale = nnq.FloatFunctional(), nnq.FloatFunctional(), nnq.FloatFunctional()
        self.hswish, self.lrelu = nn.Hardswish(), nn.LeakyReLU(0.1)
        self.group_norm, self.norm = nn.GroupNorm(2, 8), nn.LayerNorm(16)
        # Debian 13's torch 2.6 computes quantized transposed convolutions under its default
        # engine (onednn) off the arithmetic the layer defines (qnnpack agrees with it): there the
        # upsampling is a nearest resize and a convolution.
        self.transposed = torch.__version__ < "2"
        self.up = nn.ConvTranspose2d(16, 4, 2, stride=2) if self.transposed else nn.Conv2d(16, 4, 1)
        self.bn2 = nn.BatchNorm2d(4)
        self.fc = nn.Linear(16, 5)
        self.dequant_map, self.dequant_logits = tq.DeQuantStub(), tq.DeQuantStub()

    def forward(self, x):
        x = self.quant(x)
        a = self.relu1(self.bn1(self.conv1(x)))
        s = self.skip.add_relu(a, self.conv2(a))
        c = self.hswish(self.join.cat([s, self.group_norm(a)], dim=1))
        c = self.scale.mul_scalar(self.lrelu(c), 0.5)
        m = F.max_pool2d(c, 2)
        u = self.bn2(self.up(m if self.transposed else F.interpolate(m, scale_factor=2.0, mode="nearest")))
        u = torch.sigmoid(F.interpolate(u, scale_factor=2.0, mode="bilinear", align_corners=False))
        logits = self.fc(self.norm(F.adaptive_avg_pool2d(c, 1).flatten(1)))
        return self.dequant_map(u), self.dequant_logits(logits)


def quantized_net(engine, batch_norm=True):
    """QuantizedBody quantized after training (post-training static quantization): `engine`'s
    qconfig (per-channel weights for onednn, per-tensor for qnnpack), calibrated on random images.
    Without `batch_norm` the standalone batch norm is left out: torch 1.13's scripted quantized
    BatchNorm2d does not run (it passes its scale tensor where a number is expected)."""
    import torch.ao.quantization as tq
    torch.backends.quantized.engine = engine
    model = QuantizedBody().eval()
    if not batch_norm:
        model.bn2 = nn.Identity()
    torch.manual_seed(1)
    for bn in (model.bn1, model.bn2) if batch_norm else (model.bn1,):
        bn.running_mean.uniform_(-0.2, 0.2)
        bn.running_var.uniform_(0.5, 1.5)
    tq.fuse_modules(model, [["conv1", "bn1", "relu1"]], inplace=True)
    model.qconfig = tq.get_default_qconfig(engine)
    if engine == "qnnpack":  # no quantized layer and group norm in qnnpack
        model.norm, model.group_norm = nn.Identity(), nn.Identity()
    model.up.qconfig = tq.get_default_qconfig("qnnpack")  # transposed convolutions: per-tensor weights only
    tq.prepare(model, inplace=True)
    for _ in range(4):
        model(torch.randn(2, 3, 16, 16))
    return tq.convert(model)


class DynamicQuantized(nn.Module):
    """Linear layers quantized dynamically (int8 weights, activations quantized per call over their
    own range), on a (batch, sequence, features) input, between float layers."""

    def __init__(self):
        super().__init__()
        import torch.ao.quantization as tq
        body = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 8))
        self.body = tq.quantize_dynamic(body.eval(), {nn.Linear}, dtype=torch.qint8)
        self.norm = nn.LayerNorm(8)

    def forward(self, x):
        return self.norm(self.body(x))


class DynamicQuantizedLstm(nn.Module):
    """quantize_dynamic's default for nn.LSTM (int8 weights; each step's input and hidden state
    quantized over their own range): two stacked layers on (seq, batch, features), a bidirectional
    batch-first one, and a quantized linear head."""

    def __init__(self):
        super().__init__()
        import torch.ao.quantization as tq
        body = nn.ModuleDict({"lstm": nn.LSTM(8, 16, num_layers=2), "bi": nn.LSTM(16, 12, bidirectional=True,
                                                                                   batch_first=True),
                              "head": nn.Linear(24, 4)})
        self.body = tq.quantize_dynamic(body.eval(), {nn.LSTM, nn.Linear}, dtype=torch.qint8)

    def forward(self, x):
        y, (h, c) = self.body["lstm"](x)
        z, (hb, cb) = self.body["bi"](y.transpose(0, 1))
        return self.body["head"](z), h, c, hb, cb


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


class FftOps(nn.Module):
    """FFTs of a length n (cut, and zero-padded by an amount the signal's length decides), inverse
    transforms back to the signal (ifft of an fft, irfft of an rfft at the default and an odd n, each
    norm), and angle() of a spectrum and of a real tensor. The signal is offset so that no bin's
    real part is negative where its imaginary part is zero up to rounding (angle jumps by 2 pi there),
    and the spectrum's angle is weighted by its magnitude (up to 1): the angle of a bin near zero
    follows the last float bits of the transform, in ONNX Runtime's DFT as in PyTorch's."""

    def forward(self, x):
        f = torch.fft.fft(x + 4.0, n=63, norm="ortho")
        g = torch.fft.rfft(x, n=300, norm="forward")
        back = torch.fft.ifft(torch.fft.fft(x[:, :128]))
        r = torch.fft.irfft(torch.fft.rfft(x[:, :128]))
        r2 = torch.fft.irfft(torch.fft.rfft(x[:, :100], norm="ortho"), n=99, norm="ortho")
        return f.real, f.imag, g.abs(), back.real, r, r2, torch.angle(f) * f.abs().clamp(max=1.0), torch.angle(x - 0.5)



class FftNd(nn.Module):
    """2-d and n-d FFTs of an image batch: fft2 and its inverse, rfft2 with an s that cuts and pads,
    irfft2 back to the image, fftn over chosen dims with the ortho norm, ifftn of an fftn with
    forward norm, and rfftn/irfftn over all dims."""

    def forward(self, x):
        f2 = torch.fft.fft2(x)
        back = torch.fft.ifft2(f2)
        r2 = torch.fft.rfft2(x, s=(6, 10))
        img = torch.fft.irfft2(torch.fft.rfft2(x), s=(8, 8))
        fn = torch.fft.fftn(x, dim=(1, 3), norm="ortho")
        bn = torch.fft.ifftn(torch.fft.fftn(x, norm="forward"), norm="forward")
        rn = torch.fft.irfftn(torch.fft.rfftn(x[:, :, :, :8]), s=(3, 7, 8))
        return f2.abs(), back.real, r2.abs(), img, fn.real, fn.imag, bn.real, rn


class LstmCellStep(nn.Module):
    """One nn.LSTMCell step, traced: LibTorch's lstm_cell splits the gates with unsafe_chunk and
    applies sigmoid_/tanh_ to the parts in place."""

    def __init__(self):
        super().__init__()
        self.cell = nn.LSTMCell(5, 3)

    def forward(self, x, h, c):
        return self.cell(x, (h, c))


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

class DeformConv(nn.Module):
    """torchvision's deformable convolution with offsets and a mask computed from the input, as in
    DCNv2: grouped weights, two offset groups, a mask and a bias; then without mask and bias,
    strided and dilated. Offsets reach a few pixels, past the border too."""

    def __init__(self):
        super().__init__()
        self.offset = nn.Conv2d(4, 2 * 2 * 9, 3, padding=1)
        self.mask = nn.Conv2d(4, 2 * 9, 3, padding=1)
        self.offset2 = nn.Conv2d(4, 2 * 9, 3, stride=2, padding=1)
        self.weight = nn.Parameter(torch.randn(6, 2, 3, 3))
        self.bias = nn.Parameter(torch.randn(6))
        self.weight2 = nn.Parameter(torch.randn(3, 4, 3, 3))

    def forward(self, x):
        a = torchvision.ops.deform_conv2d(x, 3.0 * self.offset(x), self.weight, self.bias, padding=(1, 1),
                                          mask=torch.sigmoid(self.mask(x)))
        b = torchvision.ops.deform_conv2d(x, 2.0 * self.offset2(x), self.weight2, stride=(2, 2), padding=(2, 2),
                                          dilation=(2, 2))
        return a, b


class CeilPools(nn.Module):
    """Average pooling in ceil mode, where the last window reaches past the input: PyTorch divides
    it by the cells inside the input (and its zero padding, when counted), in 2-D and 3-D."""

    def forward(self, x):
        a = F.avg_pool2d(x, 3, 2, 0, ceil_mode=True)
        b = F.avg_pool2d(x, 3, 2, 1, ceil_mode=True)
        c = F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False)
        d = F.avg_pool3d(x.unsqueeze(1), 3, 2, 0, ceil_mode=True)
        e = F.avg_pool1d(x.flatten(2), 4, 3, 2, ceil_mode=True)
        return a, b, c, d, e


class GpuTraced(nn.Module):
    """A model as traced on a GPU (make_fixtures.py rewrites its archive to name cuda:0): a
    positional table and a mask made with device=x.device, and a linear layer."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(6, 6)

    def forward(self, x):
        pos = torch.arange(x.size(1), device=x.device).float().unsqueeze(1) / 10.0
        mask = torch.ones(x.size(1), x.size(1), device=x.device).tril()
        return mask @ self.lin(x + pos)


class Folds(nn.Module):
    """nn.Fold: the unfold/fold round trip of 2x2 patches (stride 2), blocks that overlap (padding,
    dilation 2 along rows, stride 2 along columns) and an unbatched fold of the same blocks."""

    def forward(self, x, cols):
        back = F.fold(F.unfold(x, 2, stride=2) * 2.0, x.shape[-2:], 2, stride=2)
        overlap = F.fold(cols, (5, 6), (2, 3), dilation=(2, 1), padding=1, stride=(1, 2))
        return back, overlap, F.fold(cols[0], (5, 6), (2, 3), dilation=(2, 1), padding=1, stride=(1, 2))


class AntialiasResize(nn.Module):
    """Antialiased interpolation (Resize's antialias, opset 18): bilinear by a factor of 0.5 and
    bicubic to a fixed size, both shrinking, and bicubic growing (PIL's kernel there too)."""

    def forward(self, x):
        half = F.interpolate(x, scale_factor=0.5, mode="bilinear", antialias=True)
        fixed = F.interpolate(x, size=(5, 7), mode="bicubic", antialias=True)
        grown = F.interpolate(x, scale_factor=1.5, mode="bicubic", antialias=True)
        return half, fixed, grown


class HalfNet(nn.Module):
    """A small CNN head saved with float16 weights (make_fixtures.py, HALF): conv, batch norm, a
    tensor made in the input's dtype, layer norm, linear and softmax, none of which LibTorch's CPU
    kernels run in float16. The linear layers' weights are large enough (8 and 5 KB in float32) to
    be stored as float16 behind a Cast; the conv's, folded with the batch norm, stay float32."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.norm = nn.LayerNorm(8)
        self.fc = nn.Sequential(nn.Linear(8, 256), nn.ReLU(), nn.Linear(256, 5))

    def forward(self, x):
        y = torch.relu(self.bn(self.conv(x))).mean((2, 3))
        bias = torch.ones(y.shape[0], 8, dtype=x.dtype) * 0.5
        return torch.softmax(self.fc(self.norm(y + bias)), -1)


class Opset9More(nn.Module):
    """Converters whose forms opset 9 takes once Clip/Pad/Slice/TopK arguments are attributes, Equal
    on floats compares as neither less nor greater, Max/Min on integers pick with Where and negative
    axes count from the front: clamps, comparisons, pads, norms, shrinks, reductions, splits, sorts,
    distances and products, on x [B, 6] and ids [B, 7] (int64, 0-9)."""

    def __init__(self):
        super().__init__()
        self.group = nn.GroupNorm(2, 6)
        self.inorm = nn.InstanceNorm1d(6, affine=True)
        self.register_buffer("table", torch.linspace(-1.0, 1.0, 10))
        self.register_buffer("edges", torch.tensor([1.0, 3.0, 5.0, 7.0]))

    def forward(self, x, ids):
        b = x.shape[0]
        a = x.abs()
        x3 = x.reshape(b, 2, 3)
        clamps = (x.clamp(-0.5, 0.7), x.clamp(min=0.1), x.clamp(max=-0.1), F.hardtanh(x, -0.3, 0.3))
        compare = (x == torch.where(x > 0, x, x * 2.0), x != x.clamp(max=0.5), ids == 3, ids != ids.clamp(2, 6),
                   torch.max(ids, 5 - ids), torch.min(ids, 5 - ids))
        pads = (F.pad(x, (1, 2), value=1.5), F.pad(x3, (1, 1), mode="reflect"), F.pad(x3, (2, 0), mode="replicate"),
                F.pad(x3, (0, 1, 1, 0)))
        norms = (self.group(x.reshape(b, 6, 1)), self.inorm(x.reshape(b, 6, 1).expand(b, 6, 3)),
                 torch.linalg.vector_norm(x, 3.0, dim=1), torch.linalg.norm(x3, "fro", dim=(1, 2)), torch.norm(x, dim=-1),
                 F.normalize(x, dim=-1), F.cosine_similarity(x3[:, 0], x3[:, 1], dim=-1))
        elementwise = (torch.log1p(a), torch.log2(a + 1), torch.log10(a + 1), torch.expm1(x), torch.sinh(x),
                       torch.cosh(x), torch.asinh(x), torch.acosh(a + 1), torch.atanh(torch.tanh(x) * 0.9),
                       torch.addcmul(x, x, a, value=0.5), torch.addcdiv(x, x, a + 1, value=2.0),
                       torch.lerp(x, a, 0.3), F.hardshrink(x, 0.4), F.softshrink(x, 0.4), F.threshold(x, 0.2, -1.0),
                       F.selu(x), F.celu(x, 1.5), F.logsigmoid(x), torch.logaddexp(x, a), torch.xlogy(a, a + 1),
                       torch.atan2(x, a + 0.5), torch.heaviside(x, a))
        reduce = (x.std(1), x.var(-1, keepdim=True), torch.std_mean(x, 1)[1], torch.var_mean(x3, (1, 2))[0],
                  torch.logsumexp(x, -1), torch.aminmax(x, dim=1)[0], (x > 0).any(1), (x > -3).all(-1))
        rearrange = (x.repeat(1, 2), x.roll(2, 1), x3.squeeze(-1) if x3.shape[-1] == 1 else x3[:, :, :1].squeeze(-1),
                     torch.split(x, [2, 4], dim=1)[1], torch.tensor_split(x, 3, dim=1)[2], x.unflatten(1, (2, 3)),
                     torch.take(x, torch.tensor([0, 5, 3])), x3.mT, torch.broadcast_to(x[:, :1], (b, 4)))
        order = (torch.sort(x, 1)[0], torch.argsort(x, -1, descending=True), torch.topk(x, 2, 1)[1],
                 torch.bucketize(x * 4 + 4, self.edges), torch.searchsorted(self.edges, x.contiguous() * 4 + 4))
        products = (torch.cdist(x3, x3), torch.cross(x3[:, 0], x3[:, 1], dim=1), torch.outer(x[0], x[1]),
                    torch.mv(x, x[0]), torch.tensordot(x3, x3, ([1, 2], [1, 2])), torch.dot(x[0], x[1]))
        index = (self.table[ids], F.one_hot(ids, 10), x[:2].scatter(1, ids[:2, :6].clamp(0, 5), a[:2]), x[ids[:, 0].clamp(0, 3)])
        return clamps + compare + pads + norms + elementwise + reduce + rearrange + order + products + index


class Opset9Ranges(nn.Module):
    """Converters that need ranges, running sums or nearest resizing, which opsets 9 and 10 build
    without Range, CumSum and Resize-11: aranges and linspace of a dynamic length, cumsum and its
    relatives, triangles, diagonals, windows, slices of computed bounds and steps, flips, IsInf, integer remainders, pixel_shuffle and nearest upsampling (whole factors, a fraction, a
    size, nearest-exact) and class-index losses, on x [B, 6], img [B, 8, 5, 7] and ids [B, 7] (int64, 0-9)."""

    def __init__(self):
        super().__init__()
        self.register_buffer("class_weight", torch.tensor([0.5, 1.0, 2.0, 1.5, 0.25, 3.0]))

    def forward(self, x, img, ids):
        b = x.shape[0]
        x3 = x.reshape(b, 2, 3)
        t = ids[:, 0] % 6
        losses = (F.cross_entropy(x, t), F.cross_entropy(x, t, weight=self.class_weight, ignore_index=2, reduction="sum"),
                  F.nll_loss(F.log_softmax(x, 1), t, reduction="none"),
                  F.cross_entropy(x3, ids[:, :3] % 2, ignore_index=1),
                  F.nll_loss(F.log_softmax(x3, 1), ids[:, 1:4] % 2, weight=self.class_weight[:2], reduction="none"))
        ranges = (torch.arange(b), torch.arange(1, 2 * b + 1, 2), torch.arange(0.5, b, 0.75),
                  torch.linspace(-1.0, 2.0, b), x + torch.arange(6), ids.new_zeros(b, 2) + torch.arange(b)[:, None])
        sums = (x.cumsum(1), ids.cumsum(-1), x.cumsum(0), x3.cumsum(1), torch.logcumsumexp(x, 1),
                torch.cumulative_trapezoid(x, dim=1), torch.repeat_interleave(x, ids[:, 0] % 3, dim=0))
        triangles = (torch.tril(x), torch.triu(x, 1), torch.tril(img[:, :2], -1), torch.triu(x3, -1),
                     torch.diagonal(x3, 0, 1, 2), torch.diagonal(img, 1, 2, 3), torch.diagonal(ids.reshape(b, 7, 1), -1, 0, 1),
                     torch.diagonal(x * 1e39, 0))
        windows = (torch.hann_window(b, periodic=False), torch.blackman_window(b), torch.vander(x[0], 3),
                   torch.isposinf(x * 1e39), torch.isneginf(x * 1e39), torch.isinf(x * 1e39 * (x > 0)),
                   torch.isfinite(x * 1e39), torch.nan_to_num(x * 1e39 * (x > 0)), torch.nan_to_num(x * 1e39, 1.0, 2.0))
        slices = (torch.flip(x, [1]), torch.flip(img, [2, 3]), torch.fliplr(x), torch.flipud(x), torch.rot90(img, 1, (2, 3)),
                  torch.rot90(x3, 2, (1, 2)), x[:, 1:5:2], x[:, ::3], torch.chunk(x, 2, 0)[1],
                  x[: b // 2], torch.narrow(x, 0, 1, b - 2), img[:, :, 1:, : img.shape[3] - 1], x[-2:])
        remainders = (ids % 4 - 2, (ids - 5) % 3, (ids - 5) % -3, torch.fmod(ids - 5, 3), torch.fmod(ids - 5, -4),
                      (ids - 5) // 3, (ids - 5) // -4, torch.div(ids - 5, 3, rounding_mode="trunc"),
                      torch.div(x, 0.3, rounding_mode="floor"), torch.div(x, 0.3, rounding_mode="trunc"))
        pixels = (F.pixel_shuffle(img, 2), F.interpolate(img, scale_factor=2.0, mode="nearest"),
                  F.interpolate(img, scale_factor=(3.0, 1.0), mode="nearest"),
                  F.interpolate(img, scale_factor=1.5, mode="nearest"), F.interpolate(img, size=(7, 4), mode="nearest"),
                  F.interpolate(img, scale_factor=2.0, mode="nearest-exact"),
                  F.interpolate(x3, scale_factor=2.0, mode="nearest"),
                  F.interpolate(img[:, :2, None], scale_factor=(2.0, 1.0, 2.0), mode="nearest"))
        return ranges + sums + triangles + windows + slices + remainders + pixels + losses


class Opset9Interpolate(nn.Module):
    """Linear and cubic interpolation, which opsets 9 and 10 build as weighted Gathers along each
    axis: factors up and down, sizes, align_corners, 1-d/2-d/3-d, on img [B, 3, H, W] and seq [B, 2, L]."""

    def forward(self, img, seq):
        def up(x, **kw):
            return F.interpolate(x, **kw)

        bilinear = (up(img, scale_factor=2.0, mode="bilinear"), up(img, scale_factor=2.0, mode="bilinear", align_corners=True),
                    up(img, scale_factor=(1.5, 0.5), mode="bilinear"), up(img, size=(7, 4), mode="bilinear"),
                    up(img, size=(1, 9), mode="bilinear", align_corners=True))
        bicubic = (up(img, scale_factor=2.0, mode="bicubic"), up(img, scale_factor=2.0, mode="bicubic", align_corners=True),
                   up(img, size=(3, 9), mode="bicubic"), up(img, scale_factor=0.6, mode="bicubic"))
        others = (up(seq, scale_factor=3.0, mode="linear"), up(seq, size=5, mode="linear", align_corners=True),
                  up(img[:, :, None], scale_factor=(2.0, 1.0, 1.5), mode="trilinear"))
        return bilinear + bicubic + others


class ScalarPromotion(nn.Module):
    """Python numbers in traced arithmetic on integer and bool tensors: the archive keeps them as 0-d
    float64/int64 constants, and PyTorch promotes them as numbers (int64 * 1e-6 is float32); and 8- and
    16-bit integer arithmetic, comparisons and Max/Min, which ONNX Runtime computes only wider; on
    x [B, 3] and ids [B, 3] (int64, 0-9)."""

    def forward(self, x, ids):
        small = ids.to(torch.int32)
        byte, short = ids.to(torch.int8) - 4, ids.to(torch.int16)
        narrow = (byte < 2, byte == byte.flip(1), torch.maximum(byte, byte.flip(1)), byte * 3 - 1, -short,
                  torch.relu(short - 5), ids.to(torch.uint8) // 3, torch.minimum(short, short.flip(0)),
                  F.pad(small, (1, 2), value=-3))
        return (x + 1e-6 * ids, ids * 0.5, ids / 3, ids + 2, (ids > 3) * 1.5, small * 2.5, small + 7,
                ids.to(torch.uint8) * 2, x * 2.0, torch.where(ids > 4, ids * 0.25, x)) + narrow


class Opset9Gathers(nn.Module):
    """Gathers and scatters along an axis, and rounding, which opsets 9 and 10 build without
    GatherElements, GatherND, ScatterND and Round (opset 11): gather, multi-index reads with negative
    indices, masked_select/masked_scatter, index_copy/index_add/index_fill, slice and select writes,
    index_put, scatter_add, round (halfway cases), cummax/cummin/cumprod/mode, count_nonzero, isin,
    isclose, bitwise_xor, block_diag, embedding_bag, an RNN cell with ReLU, affine grids, fake
    quantization and einsum (products and sums before Einsum-12), on x [B, 6] and img [B, 3, H, W] (H >= 5, W >= 4). Indices are computed from the
    input they index, so each dynamic axis can change on its own."""

    def __init__(self):
        super().__init__()
        self.bag = nn.EmbeddingBag(10, 4, mode="mean")
        self.cell = nn.RNNCell(6, 5, nonlinearity="relu")
        self.register_buffer("scales", torch.tensor([0.05, 0.1, 0.2]))
        self.register_buffer("zeros", torch.tensor([0, 3, -2], dtype=torch.int32))

    def forward(self, x, img):
        b, h = x.shape[0], img.shape[2]
        ids = (x.abs() * 7).long() % 10  # [B, 6], 0-9
        cols = ids % 6
        rows = ids % b
        hw = (img[:, 0].abs() * 7).long()  # [B, H, W]
        gathers = (torch.gather(x, 1, cols), torch.gather(x, 0, rows), torch.gather(img, 3, hw[:, None, :, :3] % 4 + 0 * img[:, :, :, :3].long()),
                   x[rows[:, 0], cols[:, 1]], x[rows[:, 0] - b, cols[:, 1] - 6], img[:, hw[0, 0, :2] % 3, hw[0, 1, :2] % h],
                   img[hw[:, 0, 0] % img.shape[0], :, hw[:, 0, 1] % h, hw[:, 0, 2] % 4], torch.masked_select(x, x > 0.3), x[x > 0],
                   img[:, 0][img[:, 1] > 0.5])
        y = x.clone()
        y[:, 1:4] = x[:, :3] * 2.0
        y[:, -1] = 7.0
        z = img.clone()
        z[:, 1] = img[:, 2] + 1.0
        z[hw[0, 0, :2] % img.shape[0], hw[0, 0, 2:4] % 3] = 5.0
        w = x.clone()
        w[rows[:, :2], cols[:, 2:4]] = -1.0
        writes = (y, z, w, x.masked_scatter(x > 0, x.flip(1) * 10), x.index_copy(1, torch.tensor([5, 0, 2]), x[:, :3] * 3),
                  x.index_add(1, torch.tensor([1, 1, 4]), x[:, :3]), x.index_fill(1, torch.tensor([0, 3]), -2.0),
                  torch.zeros_like(x).scatter_add(1, cols, x), torch.zeros_like(x).scatter(1, cols[:, :3], x[:, :3]),
                  torch.select_scatter(x, x[:, 0] * 3, 1, 2), torch.slice_scatter(img, img[:, :, ::2] * 0, 2, 0, h, 2),
                  x.index_put((rows[:, 0],), x[:, :1] + 1, accumulate=True))
        halves = (ids.float() - 4.5) * torch.tensor([1.0, -1.0, 0.5, 1.0, 3.0, 1.0])
        rounding = (torch.round(halves), torch.round(x * 3.7), torch.round(x, decimals=1), torch.round(halves.double()))
        running = (torch.cummax(x, 1), torch.cummin(ids, 1), torch.cumprod(x, 1), torch.cumprod(ids, 1), torch.mode(ids[:, :5] % 3, 1))
        tests = (torch.count_nonzero(x > 0.2, dim=1), torch.count_nonzero(torch.relu(x)), torch.isin(ids, torch.tensor([1, 3, 5])),
                 torch.isin(torch.round(2 * x), torch.tensor([0.0, 1.0])), torch.isclose(x, x + 1e-6 * ids),
                 torch.bitwise_xor(ids, 5), torch.block_diag(x, x[:2, :3], x[0]))
        theta = x.reshape(b, 2, 3)
        others = (self.bag(ids % 10), self.cell(x), F.affine_grid(theta, [b, 3, 4, 5], align_corners=False),
                  F.affine_grid(theta, [b, 1, 2, 3], align_corners=True),
                  torch.fake_quantize_per_tensor_affine(x, 0.1, 3, 0, 255),
                  torch.fake_quantize_per_channel_affine(img[:, :, 0], self.scales, self.zeros, 1, -128, 127),
                  x.unfold(1, 2, 2), x.unfold(0, 2, 1))
        q = img[:, :2, :, :4]  # [B, 2, H, 4]
        sums = (torch.einsum("bi,bj->bij", x, x[:, :3]), torch.einsum("ij->j", x), torch.einsum("bi,ij->bj", x, self.cell.weight_ih.t()),
                torch.einsum("bhqd,bhkd->bhqk", q, q * 2), torch.einsum("bi->", x), torch.einsum("bi,bi->b", ids, ids))
        return gathers + writes + rounding + running + tests + others + sums


OP_FIXTURES = {
    "scalar_promotion": ScalarPromotion,
    "opset9_gathers": Opset9Gathers,
    "round_decimals": RoundDecimals,
    "special_ops9": SpecialOps9,
    "opset9_more": Opset9More,
    "opset9_ranges": Opset9Ranges,
    "opset9_interpolate": Opset9Interpolate,
    "special_ops11": SpecialOps11,
    "roi_ops": RoiOps,
    "order_stats": OrderStats,
    "as_strided": AsStrided,
    "as_strided_static": AsStrided,
    "unpool": Unpool,
    "spatial_transformer": SpatialTransformer,
    "distances": Distances,
    "qat_net": QatNet,
    "quantized_net": lambda: quantized_net("onednn"),
    "quantized_net_qnnpack": lambda: quantized_net("qnnpack"),
    "quantized_convnet": lambda: quantized_net("onednn", batch_norm=False),  # scripted
    "dynamic_quantized": DynamicQuantized,
    "dynamic_quantized_lstm": DynamicQuantizedLstm,
    "circular_pad": CircularPad,
    "spectrogram": Spectrogram,
    "fft_ops": FftOps,
    "deform_conv": DeformConv,
    "fft_nd": FftNd,
    "lstm_cell": LstmCellStep,
    "ceil_pools": CeilPools,
    "traced_on_gpu": GpuTraced,
    "half_weights": HalfNet,
    "fold_ops": Folds,
    "antialias_resize": AntialiasResize,
}
