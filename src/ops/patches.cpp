// Converters: sliding windows — Tensor.unfold, im2col (nn.Unfold), conv_tbc.
#include "ops/common.h"

namespace pt2onnx {
namespace {

// unfold(self, dimension, size, step): windows of `size` entries every `step` along dimension,
// which then counts (n - size) / step + 1 windows, with a new last dim of size `size`. One Gather
// with the window index [count, size] = i * step + j, then the window dim moves last.
Status unfold(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  int64_t rank = ctx.requireRank(self);
  if (rank == 0) return ctx.fail(node, "unfold of a 0-d tensor");
  int64_t axis = normalizeAxis(ctx.constInt(ctx.input(node, 1)), rank);
  const Value* size_v = ctx.input(node, 2);
  const Value* step_v = ctx.input(node, 3);
  auto cs = ctx.maybeConstInt(size_v), ct = ctx.maybeConstInt(step_v);
  if ((cs && *cs < 0) || (ct && *ct <= 0)) return ctx.fail(node, "unfold needs size >= 0 and step > 0");
  auto scalar = [&](const Value* v) {
    std::string s = ctx.tensor(v, DType::kInt64);
    return ctx.rank(v) == 0 ? s : ctx.emit("Reshape", {s, ctx.constI64({})});
  };
  std::string x = ctx.tensor(self);
  std::string size = scalar(size_v), step = scalar(step_v);
  std::string n = ctx.dimOf(x, axis);
  std::string count = ctx.emit("Add", {ctx.emit("Div", {ctx.emit("Sub", {n, size}), step}), ctx.scalarI64(1)});
  std::string starts = ctx.emit("Mul", {ctx.emit("Range", {ctx.scalarI64(0), count, ctx.scalarI64(1)}), step});
  std::string offsets = ctx.emit("Range", {ctx.scalarI64(0), size, ctx.scalarI64(1)});
  std::string idx = ctx.emit("Add", {ctx.unsqueeze(starts, {1}), ctx.unsqueeze(offsets, {0})});
  std::string windows = ctx.emit("Gather", {x, idx}, {{"axis", axis}});  // [.., count, size, rest..]
  std::vector<int64_t> perm;
  for (int64_t i = 0; i <= rank; ++i)
    if (i != axis + 1) perm.push_back(i);
  perm.push_back(axis + 1);
  ctx.bind(ctx.output(node), axis == rank - 1 ? windows : ctx.emit("Transpose", {windows}, {{"perm", perm}}));
  return Status::Ok();
}

// im2col(self [N, C, H, W] or [C, H, W], kernel_size, dilation, padding, stride): every kernel
// offset (ki, kj) is one strided Slice of the zero-padded input, [N, C, oh, ow]; stacked after C
// and flattened they give [N, C * kh * kw, oh * ow] in PyTorch's order (channel, then ki, then kj).
// Each Slice ends dilation * (k - 1 - ki) before the end, so the sizes follow dynamic H and W.
Status im2col(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  int64_t rank = ctx.requireRank(self);
  if (rank != 3 && rank != 4) return ctx.fail(node, "im2col takes a 3-D or 4-D input");
  auto kernel = expandInts(ctx.constInts(ctx.input(node, 1)), 2);
  auto dilation = expandInts(ctx.constInts(ctx.input(node, 2)), 2);
  auto padding = expandInts(ctx.constInts(ctx.input(node, 3)), 2);
  auto stride = expandInts(ctx.constInts(ctx.input(node, 4)), 2);
  std::string x = ctx.tensor(self);
  if (rank == 3) x = ctx.unsqueeze(x, {0});
  if (padding[0] || padding[1]) {
    std::string pads = ctx.constI64({0, 0, padding[0], padding[1], 0, 0, padding[0], padding[1]});
    x = ctx.emit("Pad", {x, pads});
  }
  std::vector<std::string> parts;
  for (int64_t ki = 0; ki < kernel[0]; ++ki) {
    for (int64_t kj = 0; kj < kernel[1]; ++kj) {
      int64_t rest_h = dilation[0] * (kernel[0] - 1 - ki), rest_w = dilation[1] * (kernel[1] - 1 - kj);
      std::string starts = ctx.constI64({ki * dilation[0], kj * dilation[1]});
      std::string ends = ctx.constI64({rest_h ? -rest_h : kInt64Max, rest_w ? -rest_w : kInt64Max});
      std::string part = ctx.emit("Slice", {x, starts, ends, ctx.constI64({2, 3}), ctx.constI64(stride)});
      parts.push_back(ctx.unsqueeze(part, {2}));
    }
  }
  std::string stacked = parts.size() == 1 ? parts[0] : ctx.emit("Concat", parts, {{"axis", 2}});
  std::string shape = ctx.shapeOf(x);
  std::string rows = ctx.emit(
      "Mul", {ctx.emit("Slice", {shape, ctx.constI64({1}), ctx.constI64({2})}), ctx.constI64({kernel[0] * kernel[1]})});
  std::string target =
      ctx.emit("Concat", {ctx.emit("Slice", {shape, ctx.constI64({0}), ctx.constI64({1})}), rows, ctx.constI64({-1})},
               {{"axis", 0}});
  std::string y = ctx.emit("Reshape", {stacked, target});
  ctx.bind(ctx.output(node), rank == 3 ? ctx.squeeze(y, {0}) : y);
  return Status::Ok();
}

// conv_tbc(self [T, B, Cin], weight [K, Cin, Cout], bias [Cout], pad): a 1-D convolution over time
// in time-batch-channel layout; transposed to [B, Cin, T] with the weight as [Cout, Cin, K].
Status convTbc(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  if (ctx.requireRank(self) != 3 || ctx.requireRank(ctx.input(node, 1)) != 3)
    return ctx.fail(node, "conv_tbc takes a 3-D input and a 3-D weight");
  DType dt = ctx.requireDType(self);
  int64_t pad = ctx.constInt(ctx.input(node, 3));
  std::string x = ctx.emit("Transpose", {ctx.tensor(self)}, {{"perm", {1, 2, 0}}});
  std::string w = ctx.emit("Transpose", {ctx.tensor(ctx.input(node, 1), dt)}, {{"perm", {2, 1, 0}}});
  std::vector<std::string> inputs = {x, w, ctx.tensor(ctx.input(node, 2), dt)};
  std::string y = ctx.emit("Conv", inputs, {{"pads", {pad, pad}}});
  ctx.bind(ctx.output(node), ctx.emit("Transpose", {y}, {{"perm", {2, 0, 1}}}));
  return Status::Ok();
}

}  // namespace

void registerPatchOps(Registry& r) {
  r.add("aten::unfold", 11, unfold);
  r.add("aten::im2col", 11, im2col);
  r.add("aten::conv_tbc", 11, convTbc);
}

}  // namespace pt2onnx
