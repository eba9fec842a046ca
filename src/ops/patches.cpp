// Converters: sliding windows — Tensor.unfold, im2col (nn.Unfold), col2im (nn.Fold), conv_tbc.
#include <optional>

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

// col2im's arguments: (self, output_size, kernel_size, dilation, padding, stride), each pair
// checked against the input ([N, C * kh * kw, L] or [C * kh * kw, L], L = oh * ow).
struct Fold {
  std::vector<int64_t> size, kernel, dilation, padding, stride;
  int64_t oh = 0, ow = 0;
};

std::optional<Fold> foldArgs(Context& ctx, const Node& node, int64_t rank) {
  if (rank != 2 && rank != 3) return std::nullopt;
  Fold f;
  f.size = expandInts(ctx.constInts(ctx.input(node, 1)), 2);
  f.kernel = expandInts(ctx.constInts(ctx.input(node, 2)), 2);
  f.dilation = expandInts(ctx.constInts(ctx.input(node, 3)), 2);
  f.padding = expandInts(ctx.constInts(ctx.input(node, 4)), 2);
  f.stride = expandInts(ctx.constInts(ctx.input(node, 5)), 2);
  for (int i = 0; i < 2; ++i)
    if (f.kernel[i] <= 0 || f.dilation[i] <= 0 || f.stride[i] <= 0 || f.padding[i] < 0) return std::nullopt;
  f.oh = (f.size[0] + 2 * f.padding[0] - f.dilation[0] * (f.kernel[0] - 1) - 1) / f.stride[0] + 1;
  f.ow = (f.size[1] + 2 * f.padding[1] - f.dilation[1] * (f.kernel[1] - 1) - 1) / f.stride[1] + 1;
  if (f.oh <= 0 || f.ow <= 0) return std::nullopt;
  return f;
}

// col2im (nn.Fold) before opset 18: the inverse of im2col's slices. Each kernel offset's block
// [N, C, oh, ow] is spread to every stride-th row and column (zeros between), padded into place
// in the zero-padded image, and the blocks are summed; the padding is cut off at the end.
std::string sumOfBlocks(Context& ctx, const std::string& input, const Fold& f) {
  const int64_t hp = f.size[0] + 2 * f.padding[0], wp = f.size[1] + 2 * f.padding[1];
  // [N, C, kh * kw, oh, ow]
  std::string x = ctx.emit("Reshape", {input, ctx.constI64({0, -1, f.kernel[0] * f.kernel[1], f.oh, f.ow})});
  const int64_t rows = (f.oh - 1) * f.stride[0] + 1, cols = (f.ow - 1) * f.stride[1] + 1;
  std::vector<std::string> parts;
  for (int64_t ki = 0; ki < f.kernel[0]; ++ki) {
    for (int64_t kj = 0; kj < f.kernel[1]; ++kj) {
      std::string part = ctx.emit("Gather", {x, ctx.scalarI64(ki * f.kernel[1] + kj)}, {{"axis", 2}});
      if (f.stride[0] > 1 || f.stride[1] > 1) {
        // [N, C, oh, 1, ow, 1] padded to [N, C, oh, s0, ow, s1]: each entry then its s - 1 zeros.
        std::string spread = ctx.unsqueeze(part, {3, 5});
        spread =
            ctx.emit("Pad", {spread, ctx.constI64({0, 0, 0, 0, 0, 0, 0, 0, 0, f.stride[0] - 1, 0, f.stride[1] - 1})});
        spread = ctx.emit("Reshape", {spread, ctx.constI64({0, 0, f.oh * f.stride[0], f.ow * f.stride[1]})});
        part = ctx.emit("Slice", {spread, ctx.constI64({0, 0}), ctx.constI64({rows, cols}), ctx.constI64({2, 3})});
      }
      const int64_t top = ki * f.dilation[0], left = kj * f.dilation[1];
      parts.push_back(
          ctx.emit("Pad", {part, ctx.constI64({0, 0, top, left, 0, 0, hp - top - rows, wp - left - cols})}));
    }
  }
  std::string sum = parts.size() == 1 ? parts[0] : ctx.emit("Sum", parts);
  if (f.padding[0] == 0 && f.padding[1] == 0) return sum;
  return ctx.emit("Slice", {sum, ctx.constI64({f.padding[0], f.padding[1]}),
                            ctx.constI64({f.padding[0] + f.size[0], f.padding[1] + f.size[1]}), ctx.constI64({2, 3})});
}

// col2im from opset 18: ONNX's Col2Im, which takes the same [N, C * kh * kw, L] layout.
std::string col2imOp(Context& ctx, const std::string& x, const Fold& f) {
  return ctx.emit("Col2Im", {x, ctx.constI64(f.size), ctx.constI64(f.kernel)},
                  {{"dilations", f.dilation},
                   {"pads", {f.padding[0], f.padding[1], f.padding[0], f.padding[1]}},
                   {"strides", f.stride}});
}

// col2im(self [N, C * kh * kw, L] or unbatched, output_size, kernel_size, dilation, padding,
// stride) with `body` making [N, C, H, W] from the batched input.
ConvertFn col2im(std::string (*body)(Context&, const std::string&, const Fold&)) {
  return [body](Context& ctx, const Node& node) {
    const Value* self = ctx.input(node, 0);
    const int64_t rank = ctx.requireRank(self);
    auto f = foldArgs(ctx, node, rank);
    if (!f)
      return ctx.fail(node,
                      "col2im takes a 2-D or 3-D input, positive kernel, dilation and stride and an output "
                      "size the kernel fits in");
    std::string x = ctx.tensor(self);
    std::string y = body(ctx, rank == 2 ? ctx.unsqueeze(x, {0}) : x, *f);
    ctx.bind(ctx.output(node), rank == 2 ? ctx.squeeze(y, {0}) : y);
    return Status::Ok();
  };
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
  r.add("aten::unfold", 9, unfold);
  r.add("aten::im2col", 9, im2col);
  r.add("aten::col2im", 9, col2im(sumOfBlocks));
  r.add("aten::col2im", 18, col2im(col2imOp));
  r.add("aten::conv_tbc", 9, convTbc);
}

}  // namespace pt2onnx
