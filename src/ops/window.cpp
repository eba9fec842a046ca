// Converters: window functions — hann_window, hamming_window, blackman_window.
#include "ops/common.h"

namespace pt2onnx {
namespace {

// The cosine sum a0 - a1 cos(2 pi n / (M - 1)) + a2 cos(4 pi n / (M - 1)) for n < N, computed in
// double, where M = N + 1 for a periodic window (the symmetric window of N + 1 points without its
// last one). A window of one point is [1]; of zero points, empty. N may be computed at run time.
// The cosines are taken in float32: ONNX Runtime has no double Cos (PyTorch's float32 windows take
// them in float32 too).
std::string cosineWindow(Context& ctx, const Value* length, bool periodic, double a0, double a1, double a2) {
  const DType d = DType::kDouble;
  auto cos = [&](const std::string& v) {
    return ctx.cast(ctx.emit("Cos", {ctx.cast(v, d, DType::kFloat)}), DType::kFloat, d);
  };
  std::string n = ctx.tensor(length, d);
  if (ctx.requireRank(length) != 0) n = ctx.emit("Reshape", {n, ctx.constI64({})});
  std::string m = periodic ? ctx.emit("Add", {n, ctx.scalar(1, d)}) : n;
  std::string step = ctx.emit(
      "Div", {ctx.scalar(2 * kPi, d), ctx.emit("Max", {ctx.emit("Sub", {m, ctx.scalar(1, d)}), ctx.scalar(1, d)})});
  std::string w = ctx.emit("Mul", {ctx.emit("Range", {ctx.scalar(0, d), n, ctx.scalar(1, d)}), step});
  std::string y = ctx.emit("Sub", {ctx.scalar(a0, d), ctx.emit("Mul", {ctx.scalar(a1, d), cos(w)})});
  if (a2 != 0) {
    std::string w2 = ctx.emit("Mul", {w, ctx.scalar(2, d)});
    y = ctx.emit("Add", {y, ctx.emit("Mul", {ctx.scalar(a2, d), cos(w2)})});
  }
  return ctx.emit("Where", {ctx.emit("Equal", {n, ctx.scalar(1, d)}), ctx.scalar(1, d), y});
}

// Overloads: (window_length, dtype, layout, device, pin_memory) and (window_length, periodic, ...);
// hamming_window adds alpha, then beta, after periodic. The default is periodic.
Status window(Context& ctx, const Node& node, const std::string& which) {
  const Value* out = ctx.output(node);
  DType dt = ctx.requireDType(out);
  if (!isFloating(dt)) return ctx.fail(node, which + "_window needs a floating-point dtype");
  const size_t args = ctx.inputCount(node) - 4;  // before dtype, layout, device, pin_memory
  bool periodic = args < 2 || ctx.constBool(ctx.input(node, 1));
  double a0 = 0.5, a1 = 0.5, a2 = 0;
  if (which == "hamming") {
    a0 = args >= 3 ? ctx.constDouble(ctx.input(node, 2)) : 0.54;
    a1 = args >= 4 ? ctx.constDouble(ctx.input(node, 3)) : 0.46;
  } else if (which == "blackman") {
    a0 = 0.42, a2 = 0.08;
  }
  std::string y = cosineWindow(ctx, ctx.input(node, 0), periodic, a0, a1, a2);
  ctx.bind(out, ctx.cast(y, DType::kDouble, dt));
  return Status::Ok();
}

}  // namespace

void registerWindowOps(Registry& r) {
  for (std::string which : {"hann", "hamming", "blackman"})
    r.add("aten::" + which + "_window", 9,
          [which](Context& ctx, const Node& node) { return window(ctx, node, which); });
}

}  // namespace pt2onnx
