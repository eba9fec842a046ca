// Converters: stft, fft_rfft/fft_fft/fft_ifft/fft_irfft and their 2-d and n-d forms (ONNX STFT and
// DFT, opset 17), and the consumers of their complex results — abs, angle, real, imag,
// view_as_real. ONNX has no complex dtype: a complex result is carried as its real form [..., 2]
// (view_as_real's layout), which only these consumers read.
#include <optional>
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
  static const std::set<std::string> transforms = {"aten::fft_rfft",  "aten::fft_fft",  "aten::fft_ifft",
                                                   "aten::fft_rfft2", "aten::fft_fft2", "aten::fft_ifft2",
                                                   "aten::fft_rfftn", "aten::fft_fftn", "aten::fft_ifftn"};
  if (transforms.count(kind)) return true;
  if (kind != "aten::stft") return false;
  const Value* rc = ctx.input(*p, 7);
  return !ctx.isNone(rc) && ctx.constBool(rc);
}

// Every reader of a complex result must be one that reads the pair form; anything else (a graph
// output, arithmetic on complex numbers) would need a complex dtype.
Status checkComplexUsers(Context& ctx, const Node& node) {
  for (const Node* user : ctx.users(ctx.output(node))) {
    std::string kind = ctx.kind(*user);
    static const std::set<std::string> readers = {
        "aten::abs",      "aten::real",      "aten::imag",       "aten::angle",       "aten::fft_fft",
        "aten::fft_ifft", "aten::fft_irfft", "aten::fft_fft2",   "aten::fft_ifft2",   "aten::fft_irfft2",
        "aten::fft_fftn", "aten::fft_ifftn", "aten::fft_irfftn", "aten::view_as_real"};
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

// torch.fft's norm argument: "backward" (the default), "ortho" or "forward".
std::string normOf(Context& ctx, const Value* norm_arg) {
  std::string norm = ctx.isNone(norm_arg) ? "backward" : ctx.constString(norm_arg);
  if (norm != "backward" && norm != "ortho" && norm != "forward")
    throw ConvertError("FFT norm '" + norm + "' is not one of backward, ortho, forward");
  return norm;
}

// The norm as a factor on the transform ONNX computes (its inverse already divides by n):
// "backward" scales the inverse by 1/n, "forward" the forward transform, "ortho" both by
// 1/sqrt(n). For a transform over several dims, n is their product: each dim's scale applies.
std::string scaleByNorm(Context& ctx, const std::string& norm, bool inverse, const std::string& len, std::string y) {
  if (norm == "backward") return y;
  std::string n = ctx.cast(len, DType::kInt64, DType::kFloat);
  std::string scale = norm == "ortho" ? ctx.emit("Sqrt", {n}) : n;
  return ctx.emit(inverse ? "Mul" : "Div", {y, scale});
}

// One DFT along `axis` of x, in pair form [..., 2] or real form [..., 1] (`rank` counts that last
// dim), its length `dim` (-1: not fixed) first cut or zero-padded to n when given; the result is
// in pair form.
std::string dftAlong(Context& ctx, std::string x, int64_t rank, int64_t axis, int64_t dim, std::optional<int64_t> n,
                     bool onesided, bool inverse, const std::string& norm) {
  if (n) {
    if (*n < 1) throw ConvertError("an FFT length must be positive");
    x = fitLength(ctx, x, axis, rank, dim, *n);
  }
  // DFT's first dim is a batch dim, never transformed: one is put in front.
  std::string y = ctx.emit(
      "DFT", {ctx.unsqueeze(x, {0})},
      {{"axis", axis + 1}, {"onesided", static_cast<int64_t>(onesided)}, {"inverse", static_cast<int64_t>(inverse)}});
  return scaleByNorm(ctx, norm, inverse, ctx.dimOf(x, axis), ctx.squeeze(y, {0}));
}

// The inverse of a one-sided spectrum X along `axis` (pair form; `rank` counts the pair dim): the
// full spectrum of n = 2 (m - 1) points (m the size of the dim, or n given, when X is cut or padded
// to n / 2 + 1) has X[n - k]* at k > n / 2; its inverse DFT's real part is the signal.
std::string inverseOneSided(Context& ctx, std::string x, int64_t rank, int64_t axis, int64_t dim,
                            std::optional<int64_t> n, const std::string& norm) {
  std::string mirrored;
  if (!n) {  // X[m-2], ..., X[1], whatever m is
    mirrored = ctx.emit("Slice", {x, ctx.constI64({-2}), ctx.constI64({0}), ctx.constI64({axis}), ctx.constI64({-1})});
  } else {
    if (*n < 1) throw ConvertError("irfft needs n >= 1");
    x = fitLength(ctx, x, axis, rank, dim, *n / 2 + 1);
    const int64_t first = *n - (*n / 2 + 1);  // X[first], ..., X[1]
    if (first >= 1)
      mirrored =
          ctx.emit("Slice", {x, ctx.constI64({first}), ctx.constI64({0}), ctx.constI64({axis}), ctx.constI64({-1})});
  }
  std::string full = x;
  if (!mirrored.empty()) {
    std::string conj = ctx.emit("Mul", {mirrored, ctx.constTensor({1.0, -1.0}, {2}, DType::kFloat)});
    full = ctx.emit("Concat", {x, conj}, {{"axis", axis}});
  }
  std::string y = ctx.emit("DFT", {ctx.unsqueeze(full, {0})}, {{"axis", axis + 1}, {"inverse", int64_t{1}}});
  y = ctx.emit("Gather", {ctx.squeeze(y, {0}), ctx.scalarI64(0)}, {{"axis", int64_t{-1}}});  // the real part
  return scaleByNorm(ctx, norm, true, ctx.dimOf(full, axis), y);
}

// The signal of an FFT node: a complex result in the graph (pair form) or a real float32 tensor
// (as [..., 1]); `rank` is the tensor's rank without that last dim.
struct Signal {
  std::string x;
  bool pair = false;
  int64_t rank = 0;
};

Signal signalOf(Context& ctx, const Node& node, bool real_only) {
  const Value* self = ctx.input(node, 0);
  Signal s;
  s.pair = complexPair(ctx, self);
  if (real_only && s.pair) throw ConvertError("rfft takes a real signal, not a complex one");
  if (!s.pair && ctx.requireDType(self) != DType::kFloat)
    throw ConvertError(std::string("the FFT of a ") + dtypeName(ctx.requireDType(self)) +
                       " tensor: only real float32 signals and complex results of FFTs in the graph convert");
  s.rank = ctx.requireRank(self);
  if (s.rank == 0) throw ConvertError("the FFT of a 0-d tensor");
  s.x = s.pair ? ctx.tensor(self) : ctx.unsqueeze(ctx.tensor(self), {-1});
  return s;
}

// fft_fft / fft_ifft / fft_rfft(self, n=None, dim=-1, norm=None): DFT along dim of a real float32
// tensor or of a complex result in the graph; n cuts or zero-pads the signal first.
ConvertFn fft(bool onesided, bool inverse) {
  return [onesided, inverse](Context& ctx, const Node& node) {
    Signal s = signalOf(ctx, node, onesided);
    const int64_t axis = normalizeAxis(ctx.constInt(ctx.input(node, 2)), s.rank);
    Status users = checkComplexUsers(ctx, node);
    if (!users.ok) return users;
    std::optional<int64_t> n;
    if (!ctx.isNone(ctx.input(node, 1))) n = ctx.constInt(ctx.input(node, 1));
    ctx.bind(ctx.output(node), dftAlong(ctx, s.x, s.rank + 1, axis, ctx.shape(ctx.input(node, 0))[axis], n, onesided,
                                        inverse, normOf(ctx, ctx.input(node, 3))));
    return Status::Ok();
  };
}

// fft_irfft(self, n=None, dim=-1, norm=None) of a one-sided spectrum of a complex result in the graph.
Status irfft(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  if (!complexPair(ctx, self))
    return ctx.fail(node, "irfft of a tensor that is not the complex result of an FFT or stft in the graph");
  const int64_t rank = ctx.requireRank(self);  // the complex tensor's, without the pair dim
  const int64_t axis = normalizeAxis(ctx.constInt(ctx.input(node, 2)), rank);
  std::optional<int64_t> n;
  if (!ctx.isNone(ctx.input(node, 1))) n = ctx.constInt(ctx.input(node, 1));
  ctx.bind(ctx.output(node), inverseOneSided(ctx, ctx.tensor(self), rank + 1, axis, ctx.shape(self)[axis], n,
                                             normOf(ctx, ctx.input(node, 3))));
  return Status::Ok();
}

// The dims and lengths of an n-dim FFT (self, s=None, dim=None|[-2,-1], norm=None): dim given, or
// the last len(s) dims when s is, or every dim; s, when given, one length per dim.
std::pair<std::vector<int64_t>, std::vector<std::optional<int64_t>>> fftDims(Context& ctx, const Node& node,
                                                                             int64_t rank) {
  std::optional<std::vector<int64_t>> s;
  if (!ctx.isNone(ctx.input(node, 1))) s = ctx.constInts(ctx.input(node, 1));
  std::vector<int64_t> dims;
  if (!ctx.isNone(ctx.input(node, 2))) {
    dims = ctx.constInts(ctx.input(node, 2));
  } else {
    const int64_t count = s ? static_cast<int64_t>(s->size()) : rank;
    for (int64_t d = rank - count; d < rank; ++d) dims.push_back(d);
  }
  for (auto& d : dims) d = normalizeAxis(d, rank);
  if (s && s->size() != dims.size()) throw ConvertError("an FFT's s and dim must have the same length");
  if (dims.empty()) throw ConvertError("an FFT over no dims");
  std::vector<std::optional<int64_t>> lengths(dims.size());
  for (size_t i = 0; s && i < dims.size(); ++i)
    if ((*s)[i] != -1) lengths[i] = (*s)[i];
  return {dims, lengths};
}

// fft_fft2/fft_fftn/fft_ifft2/fft_ifftn and fft_rfft2/fft_rfftn: one DFT per dim (the one-sided
// one on the last dim for rfft), each scaled by its share of the norm.
ConvertFn fftN(bool onesided, bool inverse) {
  return [onesided, inverse](Context& ctx, const Node& node) {
    Signal s = signalOf(ctx, node, onesided);
    auto [dims, lengths] = fftDims(ctx, node, s.rank);
    Status users = checkComplexUsers(ctx, node);
    if (!users.ok) return users;
    const std::string norm = normOf(ctx, ctx.input(node, 3));
    const auto shape = ctx.shape(ctx.input(node, 0));
    std::string y = s.x;
    for (size_t k = dims.size(); k-- > 0;)  // the last dim first: rfft's one-sided transform
      y = dftAlong(ctx, y, s.rank + 1, dims[k], shape[dims[k]], lengths[k], onesided && k + 1 == dims.size(), inverse,
                   norm);
    ctx.bind(ctx.output(node), y);
    return Status::Ok();
  };
}

// fft_irfft2/fft_irfftn of a complex result: the inverse DFT on every dim but the last, then the
// inverse of the one-sided spectrum on the last.
Status irfftN(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  if (!complexPair(ctx, self))
    return ctx.fail(node, "irfft of a tensor that is not the complex result of an FFT or stft in the graph");
  const int64_t rank = ctx.requireRank(self);
  auto [dims, lengths] = fftDims(ctx, node, rank);
  const std::string norm = normOf(ctx, ctx.input(node, 3));
  const auto shape = ctx.shape(self);
  std::string y = ctx.tensor(self);
  for (size_t k = 0; k + 1 < dims.size(); ++k)
    y = dftAlong(ctx, y, rank + 1, dims[k], shape[dims[k]], lengths[k], false, true, norm);
  ctx.bind(ctx.output(node), inverseOneSided(ctx, y, rank + 1, dims.back(), shape[dims.back()], lengths.back(), norm));
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
  for (const char* kind : {"aten::fft_fft2", "aten::fft_fftn"}) r.add(kind, 17, fftN(false, false));
  for (const char* kind : {"aten::fft_ifft2", "aten::fft_ifftn"}) r.add(kind, 17, fftN(false, true));
  for (const char* kind : {"aten::fft_rfft2", "aten::fft_rfftn"}) r.add(kind, 17, fftN(true, false));
  for (const char* kind : {"aten::fft_irfft2", "aten::fft_irfftn"}) r.add(kind, 17, irfftN);
  r.add("aten::angle", 9, angle);  // complex inputs exist from opset 17 only
  // From opset 17 abs also reads the complex results above (below it none can exist).
  r.add("aten::abs", 17, absolute);
  r.add("aten::real", 9, part(0));
  r.add("aten::imag", 9, part(1));
  r.add("aten::view_as_real", 9, viewAsReal);
}

}  // namespace pt2onnx
