// Converters: stft, fft_rfft/fft_fft/fft_ifft/fft_irfft (ONNX STFT and DFT, opset 17), and the
// consumers of their complex results — abs, angle, real, imag, view_as_real. ONNX has no complex dtype: a
// complex result is carried as its real form [..., 2] (view_as_real's layout), which only these
// consumers read.
#include <set>

#include "ops/common.h"
#include "ops/typing.h"

namespace pt2onnx {
namespace {

// Kinds whose (complex) result is carried as a real [..., 2] pair.
bool complexPair(Context& ctx, const Value* v) {
  const Node* p = ctx.producer(v);
  if (!p) return false;
  std::string kind = ctx.kind(*p);
  if (kind == "aten::fft_rfft" || kind == "aten::fft_fft" || kind == "aten::fft_ifft") return true;
  if (kind != "aten::stft") return false;
  const Value* rc = ctx.input(*p, 7);
  return !ctx.isNone(rc) && ctx.constBool(rc);
}

// Every reader of a complex result must be one that reads the pair form; anything else (a graph
// output, arithmetic on complex numbers) would need a complex dtype.
Status checkComplexUsers(Context& ctx, const Node& node) {
  for (const Node* user : ctx.users(ctx.output(node))) {
    std::string kind = ctx.kind(*user);
    static const std::set<std::string> readers = {"aten::abs",       "aten::real",        "aten::imag",
                                                  "aten::angle",     "aten::fft_fft",     "aten::fft_ifft",
                                                  "aten::fft_irfft", "aten::view_as_real"};
    if (readers.count(kind)) continue;
    return ctx.fail(node, "its complex result is read by " + kind +
                              "; ONNX has no complex dtype, so only abs(), angle(), .real, .imag, view_as_real() "
                              "and FFTs of it convert");
  }
  return Status::Ok();
}

// A real float32 signal as the [batch, length, 1] input of STFT/DFT.
std::string realSignal(Context& ctx, const Value* x, bool add_batch) {
  std::string s = ctx.unsqueeze(ctx.tensor(x), {-1});
  return add_batch ? ctx.unsqueeze(s, {0}) : s;
}

// stft(self, n_fft, hop_length=None, win_length=None, window=None, normalized=False,
// onesided=None, return_complex=None) of a real [L] or [B, L] signal (torch.stft has padded it for
// center=True before this call): [B, n_fft/2+1, frames] complex. The window (rectangular when
// None) is centred in n_fft as PyTorch does; ONNX STFT gives [B, frames, bins, 2].
Status stft(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  int64_t rank = ctx.requireRank(self);
  if (rank != 1 && rank != 2) return ctx.fail(node, "stft takes a 1-D or 2-D real signal");
  if (ctx.requireDType(self) != DType::kFloat) return ctx.fail(node, "stft takes a real float32 signal");
  int64_t n_fft = ctx.constInt(ctx.input(node, 1));
  int64_t hop = ctx.isNone(ctx.input(node, 2)) ? n_fft / 4 : ctx.constInt(ctx.input(node, 2));
  int64_t win = ctx.isNone(ctx.input(node, 3)) ? n_fft : ctx.constInt(ctx.input(node, 3));
  if (win > n_fft || win <= 0) return ctx.fail(node, "stft needs 0 < win_length <= n_fft");
  bool normalized = ctx.constBool(ctx.input(node, 5));
  bool onesided = ctx.isNone(ctx.input(node, 6)) || ctx.constBool(ctx.input(node, 6));
  const Value* rc = ctx.input(node, 7);
  bool complex = !ctx.isNone(rc) && ctx.constBool(rc);
  if (complex) {
    Status users = checkComplexUsers(ctx, node);
    if (!users.ok) return users;
  }
  const Value* window = ctx.input(node, 4);
  int64_t left = (n_fft - win) / 2;
  std::string w;
  if (ctx.isNone(window)) {
    std::vector<double> ones(n_fft, 0.0);
    for (int64_t i = left; i < left + win; ++i) ones[i] = 1.0;
    w = ctx.constTensor(ones, {n_fft}, DType::kFloat);
  } else {
    w = ctx.tensor(window, DType::kFloat);
    if (win < n_fft)
      w = ctx.emit("Pad", {w, ctx.constI64({left, n_fft - win - left}), ctx.scalar(0, DType::kFloat)},
                   {{"mode", "constant"}});
  }
  // ONNX 1.12's shape inference of STFT counts (L - n_fft) / hop + 2 frames, one too many, when it
  // can read the step; given as a node's output (not an initializer) the frame count stays open.
  std::string step = ctx.emit("Reshape", {ctx.constI64({hop}), ctx.constI64({})});
  std::string y = ctx.emit("STFT", {realSignal(ctx, self, rank == 1), step, w, ctx.scalarI64(n_fft)},
                           {{"onesided", static_cast<int64_t>(onesided)}});
  y = ctx.emit("Transpose", {y}, {{"perm", std::vector<int64_t>{0, 2, 1, 3}}});  // [B, bins, frames, 2]
  if (rank == 1) y = ctx.squeeze(y, {0});
  if (normalized) y = ctx.emit("Mul", {y, ctx.scalar(1.0 / std::sqrt(static_cast<double>(n_fft)), DType::kFloat)});
  ctx.bind(ctx.output(node), y);
  return Status::Ok();
}

// The signal along `axis` cut or zero-padded to n points (torch.fft's n), in real or pair form.
std::string fitLength(Context& ctx, const std::string& x, int64_t axis, int64_t rank, int64_t dim, int64_t n) {
  if (dim == n) return x;
  std::string y = dim > n || dim < 0 ? sliceConst(ctx, x, {0}, {n}, {axis}) : x;
  if (dim >= 0 && dim >= n) return y;
  std::string extra =
      dim >= 0 ? ctx.constI64({n - dim})
               : ctx.emit("Max", {ctx.emit("Sub", {ctx.constI64({n}), ctx.unsqueeze(ctx.dimOf(y, axis), {0})}),
                                  ctx.constI64({0})});
  std::string pads = ctx.emit("Concat",
                              {ctx.constI64(std::vector<int64_t>(rank + axis, 0)), extra,
                               ctx.constI64(std::vector<int64_t>(rank - axis - 1, 0))},
                              {{"axis", int64_t{0}}});
  return ctx.emit("Pad", {y, pads}, {{"mode", "constant"}});
}

// torch.fft's norm as a factor on the transform ONNX computes (its inverse already divides by n):
// "backward" scales the inverse by 1/n, "forward" the forward transform, "ortho" both by 1/sqrt(n).
Status scaleByNorm(Context& ctx, const Node& node, const Value* norm_arg, bool inverse, const std::string& len,
                   std::string& y) {
  std::string norm = ctx.isNone(norm_arg) ? "backward" : ctx.constString(norm_arg);
  if (norm != "backward" && norm != "ortho" && norm != "forward")
    return ctx.fail(node, "FFT norm '" + norm + "' is not one of backward, ortho, forward");
  if (norm == "backward") return Status::Ok();
  std::string n = ctx.cast(len, DType::kInt64, DType::kFloat);
  std::string scale = norm == "ortho" ? ctx.emit("Sqrt", {n}) : n;
  y = ctx.emit(inverse ? "Mul" : "Div", {y, scale});
  return Status::Ok();
}

// fft_fft / fft_ifft / fft_rfft(self, n=None, dim=-1, norm=None): DFT along dim of a real float32
// tensor ([..., 1] real form) or of a complex result in the graph ([..., 2] pair form); n cuts
// or zero-pads the signal first.
ConvertFn fft(bool onesided, bool inverse) {
  return [onesided, inverse](Context& ctx, const Node& node) {
    const Value* self = ctx.input(node, 0);
    const bool pair = complexPair(ctx, self);
    if (onesided && pair) return ctx.fail(node, "rfft takes a real signal, not a complex one");
    if (!pair && ctx.requireDType(self) != DType::kFloat)
      return ctx.fail(node, std::string("the FFT of a ") + dtypeName(ctx.requireDType(self)) +
                                " tensor: only real float32 signals and complex results of FFTs in the graph convert");
    const int64_t rank = ctx.requireRank(self);  // of a complex result: without the pair dim
    if (rank == 0) return ctx.fail(node, "the FFT of a 0-d tensor");
    const int64_t axis = normalizeAxis(ctx.constInt(ctx.input(node, 2)), rank);
    Status users = checkComplexUsers(ctx, node);
    if (!users.ok) return users;
    std::string x = pair ? ctx.tensor(self) : ctx.unsqueeze(ctx.tensor(self), {-1});
    if (!ctx.isNone(ctx.input(node, 1)))
      x = fitLength(ctx, x, axis, rank + 1, ctx.shape(self)[axis], ctx.constInt(ctx.input(node, 1)));
    // DFT's first dim is a batch dim, never transformed: one is put in front.
    std::string y = ctx.emit(
        "DFT", {ctx.unsqueeze(x, {0})},
        {{"axis", axis + 1}, {"onesided", static_cast<int64_t>(onesided)}, {"inverse", static_cast<int64_t>(inverse)}});
    y = ctx.squeeze(y, {0});
    Status scaled = scaleByNorm(ctx, node, ctx.input(node, 3), inverse, ctx.dimOf(x, axis), y);
    if (!scaled.ok) return scaled;
    ctx.bind(ctx.output(node), y);
    return Status::Ok();
  };
}

// fft_irfft(self, n=None, dim=-1, norm=None) of a one-sided spectrum X of a complex result in the
// graph: the full spectrum of n = 2 (m - 1) points (m the size of dim, or n given, when X is cut or
// padded to n / 2 + 1) has X[n - k]* at k > n / 2; its inverse DFT's real part is the signal.
Status irfft(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  if (!complexPair(ctx, self))
    return ctx.fail(node, "irfft of a tensor that is not the complex result of an FFT or stft in the graph");
  const int64_t rank = ctx.requireRank(self);  // the complex tensor's, without the pair dim
  const int64_t axis = normalizeAxis(ctx.constInt(ctx.input(node, 2)), rank);
  std::string x = ctx.tensor(self);
  std::string mirrored;
  if (ctx.isNone(ctx.input(node, 1))) {
    // X[m-2], ..., X[1], whatever m is.
    mirrored = ctx.emit("Slice", {x, ctx.constI64({-2}), ctx.constI64({0}), ctx.constI64({axis}), ctx.constI64({-1})});
  } else {
    const int64_t n = ctx.constInt(ctx.input(node, 1));
    if (n < 1) return ctx.fail(node, "irfft needs n >= 1");
    x = fitLength(ctx, x, axis, rank + 1, ctx.shape(self)[axis], n / 2 + 1);
    const int64_t first = n - (n / 2 + 1);  // X[first], ..., X[1]
    mirrored = first < 1 ? ""
                         : ctx.emit("Slice", {x, ctx.constI64({first}), ctx.constI64({0}), ctx.constI64({axis}),
                                              ctx.constI64({-1})});
  }
  std::string full = x;
  if (!mirrored.empty()) {
    std::string conj = ctx.emit("Mul", {mirrored, ctx.constTensor({1.0, -1.0}, {2}, DType::kFloat)});
    full = ctx.emit("Concat", {x, conj}, {{"axis", axis}});
  }
  std::string y = ctx.emit("DFT", {ctx.unsqueeze(full, {0})}, {{"axis", axis + 1}, {"inverse", int64_t{1}}});
  y = ctx.emit("Gather", {ctx.squeeze(y, {0}), ctx.scalarI64(0)}, {{"axis", int64_t{-1}}});  // the real part
  Status scaled = scaleByNorm(ctx, node, ctx.input(node, 3), true, ctx.dimOf(full, axis), y);
  if (!scaled.ok) return scaled;
  ctx.bind(ctx.output(node), y);
  return Status::Ok();
}

// angle: atan2(imag, real) of a complex result; of a real tensor pi where it is negative, 0
// elsewhere, NaN kept (float results for integer inputs).
Status angle(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  if (complexPair(ctx, self)) {
    std::string x = ctx.tensor(self);
    std::string re = ctx.emit("Gather", {x, ctx.scalarI64(0)}, {{"axis", int64_t{-1}}});
    std::string im = ctx.emit("Gather", {x, ctx.scalarI64(1)}, {{"axis", int64_t{-1}}});
    ctx.bind(ctx.output(node), atan2Of(ctx, im, re, DType::kFloat));
    return Status::Ok();
  }
  DType dt = ctx.requireDType(ctx.output(node));
  std::string x = ctx.tensor(self, dt);
  std::string zero = ctx.scalar(0, dt);
  std::string a = ctx.emit("Where", {ctx.emit("Less", {x, zero}), ctx.scalar(kPi, dt), zero});
  ctx.bind(ctx.output(node), ctx.emit("Where", {ctx.emit("IsNaN", {x}), x, a}));
  return Status::Ok();
}

// abs of a complex result: the magnitude sqrt(re^2 + im^2); of a real tensor, Abs.
Status absolute(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  if (complexPair(ctx, self)) {
    ctx.bind(ctx.output(node), ctx.reduce("ReduceL2", ctx.tensor(self), {-1}, false));
    return Status::Ok();
  }
  ctx.bind(ctx.output(node), emitTyped(ctx, "Abs", {ctx.tensor(self)}, ctx.requireDType(self)));
  return Status::Ok();
}

// .real / .imag: one half of the pair; .real of a real tensor is itself.
ConvertFn part(int64_t index) {
  return [index](Context& ctx, const Node& node) {
    const Value* self = ctx.input(node, 0);
    if (complexPair(ctx, self)) {
      ctx.bind(ctx.output(node), ctx.emit("Gather", {ctx.tensor(self), ctx.scalarI64(index)}, {{"axis", -1}}));
      return Status::Ok();
    }
    if (index == 0) return passThrough(ctx, node);
    return ctx.fail(node, "imag of a real tensor");
  };
}

// view_as_real: the pair form itself.
Status viewAsReal(Context& ctx, const Node& node) {
  if (!complexPair(ctx, ctx.input(node, 0)))
    return ctx.fail(node, "view_as_real of a complex tensor not computed by stft or an FFT in the graph");
  return passThrough(ctx, node);
}

}  // namespace

void registerSpectralOps(Registry& r) {
  r.add("aten::stft", 17, stft);
  r.add("aten::fft_rfft", 17, fft(true, false));
  r.add("aten::fft_fft", 17, fft(false, false));
  r.add("aten::fft_ifft", 17, fft(false, true));
  r.add("aten::fft_irfft", 17, irfft);
  r.add("aten::angle", 9, angle);  // complex inputs exist from opset 17 only
  // From opset 17 abs also reads the complex results above (below it none can exist).
  r.add("aten::abs", 17, absolute);
  r.add("aten::real", 9, part(0));
  r.add("aten::imag", 9, part(1));
  r.add("aten::view_as_real", 9, viewAsReal);
}

}  // namespace pt2onnx
