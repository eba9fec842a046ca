// Converters: stft, fft_rfft and fft_fft of real signals (ONNX STFT and DFT, opset 17), and the
// consumers of their complex results — abs, real, imag, view_as_real. ONNX has no complex dtype: a
// complex result is carried as its real form [..., 2] (view_as_real's layout), which only these
// consumers read.
#include "ops/common.h"
#include "ops/typing.h"

namespace pt2onnx {
namespace {

// Kinds whose (complex) result is carried as a real [..., 2] pair.
bool complexPair(Context& ctx, const Value* v) {
  const Node* p = ctx.producer(v);
  if (!p) return false;
  std::string kind = ctx.kind(*p);
  if (kind == "aten::fft_rfft" || kind == "aten::fft_fft") return true;
  if (kind != "aten::stft") return false;
  const Value* rc = ctx.input(*p, 7);
  return !ctx.isNone(rc) && ctx.constBool(rc);
}

// Every reader of a complex result must be one that reads the pair form; anything else (a graph
// output, arithmetic on complex numbers) would need a complex dtype.
Status checkComplexUsers(Context& ctx, const Node& node) {
  for (const Node* user : ctx.users(ctx.output(node))) {
    std::string kind = ctx.kind(*user);
    if (kind == "aten::abs" || kind == "aten::real" || kind == "aten::imag" || kind == "aten::view_as_real") continue;
    return ctx.fail(node, "its complex result is read by " + kind +
                              "; ONNX has no complex dtype, so only abs(), .real, .imag and view_as_real() of it "
                              "convert");
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

// fft_rfft / fft_fft(self, n=None, dim=-1, norm=None) of a real tensor: DFT along dim of the
// [..., 1] real form; norm "ortho" scales by 1/sqrt(n), "forward" by 1/n.
ConvertFn realFft(bool onesided) {
  return [onesided](Context& ctx, const Node& node) {
    const Value* self = ctx.input(node, 0);
    if (complexPair(ctx, self) || ctx.requireDType(self) != DType::kFloat)
      return ctx.fail(node, "the FFT of a tensor other than a real float32 one is not supported");
    int64_t rank = ctx.requireRank(self);
    if (rank == 0) return ctx.fail(node, "the FFT of a 0-d tensor");
    int64_t axis = normalizeAxis(ctx.constInt(ctx.input(node, 2)), rank);
    int64_t n = ctx.shape(self)[axis];
    if (!ctx.isNone(ctx.input(node, 1)) && ctx.constInt(ctx.input(node, 1)) != n)
      return ctx.fail(node, "an FFT length n other than the size of the dim (padding or trimming) is not supported");
    Status users = checkComplexUsers(ctx, node);
    if (!users.ok) return users;
    // DFT's first dim is a batch dim, never transformed: one is put in front.
    std::string y = ctx.emit("DFT", {realSignal(ctx, self, true)},
                             {{"axis", axis + 1}, {"onesided", static_cast<int64_t>(onesided)}});
    y = ctx.squeeze(y, {0});
    std::string norm = ctx.isNone(ctx.input(node, 3)) ? "backward" : ctx.constString(ctx.input(node, 3));
    if (norm == "ortho" || norm == "forward") {
      std::string len = ctx.cast(ctx.dimOf(ctx.tensor(self), axis), DType::kInt64, DType::kFloat);
      std::string scale = norm == "ortho" ? ctx.emit("Sqrt", {len}) : len;
      y = ctx.emit("Div", {y, scale});
    } else if (norm != "backward") {
      return ctx.fail(node, "FFT norm '" + norm + "' is not one of backward, ortho, forward");
    }
    ctx.bind(ctx.output(node), y);
    return Status::Ok();
  };
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
  r.add("aten::fft_rfft", 17, realFft(true));
  r.add("aten::fft_fft", 17, realFft(false));
  // From opset 17 abs also reads the complex results above (below it none can exist).
  r.add("aten::abs", 17, absolute);
  r.add("aten::real", 9, part(0));
  r.add("aten::imag", 9, part(1));
  r.add("aten::view_as_real", 9, viewAsReal);
}

}  // namespace pt2onnx
