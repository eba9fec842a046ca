// Converters: max_unpool2d/3d (a scatter into zeros) and affine_grid_generator (the sampling grid
// of a spatial transformer, fed to grid_sampler).
#include "ops/common.h"

namespace pt2onnx {
namespace {

// The product of a 1-D INT64 tensor of `n` entries, as a 1-D tensor of one entry.
std::string product(Context& ctx, const Value* list, const std::string& sizes, int64_t n) {
  if (auto c = ctx.maybeConstInts(list)) {
    int64_t p = 1;
    for (auto v : *c) p *= v;
    return ctx.constI64({p});
  }
  std::string p = sliceConst(ctx, sizes, {0}, {1}, {0});
  for (int64_t i = 1; i < n; ++i) p = ctx.emit("Mul", {p, sliceConst(ctx, sizes, {i}, {i + 1}, {0})});
  return p;
}

// max_unpool{k}d(self, indices, output_size[, stride, padding]): PyTorch's indices are flat
// positions within each output plane (the spatial dims of one batch and channel entry), so every
// plane is scattered on its own: ScatterElements along the flattened spatial axis of a zero tensor.
// Scatter, its opset 9 form, has the same semantics.
ConvertFn maxUnpool(int64_t k) {
  return [k](Context& ctx, const Node& node) {
    const Value* self = ctx.input(node, 0);
    const Value* size = ctx.input(node, 2);
    int64_t rank = ctx.requireRank(self);
    if (rank != k + 1 && rank != k + 2)
      return ctx.fail(node, "max_unpool" + std::to_string(k) + "d takes a " + std::to_string(k + 1) + "-D or " +
                                std::to_string(k + 2) + "-D input");
    if (intListLength(ctx, size) != k)
      return ctx.fail(
          node, "max_unpool" + std::to_string(k) + "d needs an output_size of " + std::to_string(k) + " spatial sizes");
    DType dt = ctx.requireDType(self);
    std::string x = ctx.tensor(self), idx = ctx.tensor(ctx.input(node, 1), DType::kInt64);
    std::string lead = sliceConst(ctx, ctx.shapeOf(x), {0}, {rank - k}, {0});
    std::string sizes = ctx.intsTensor(size);
    std::string flat = ctx.emit("Concat", {lead, ctx.constI64({-1})}, {{"axis", 0}});
    std::string planes = ctx.emit("Concat", {lead, product(ctx, size, sizes, k)}, {{"axis", 0}});
    std::string zeros = ctx.emit("Expand", {ctx.scalar(0, dt), planes});
    std::string src = ctx.emit("Reshape", {x, flat});
    std::string at = ctx.emit("Reshape", {idx, flat});
    std::vector<Attr> axis = {{"axis", rank - k}};
    std::string out = ctx.emit(scatterElementsOp(ctx), {zeros, at, src}, axis);
    std::string shape = ctx.emit("Concat", {lead, sizes}, {{"axis", 0}});
    ctx.bind(ctx.output(node), ctx.emit("Reshape", {out, shape}));
    return Status::Ok();
  };
}

// The normalized coordinates of the L sample points along one dim, (2i + 1 - L) / L, or with
// align_corners (2i + 1 - L) / max(L - 1, 1), which is -1 .. 1 and 0 for L = 1 as in PyTorch.
std::string coordinates(Context& ctx, const std::string& length, bool align_corners, DType dt) {
  std::string r = ctx.emit("Range", {ctx.scalarI64(0), length, ctx.scalarI64(1)});
  std::string num =
      ctx.emit("Sub", {ctx.emit("Add", {ctx.emit("Mul", {r, ctx.scalarI64(2)}), ctx.scalarI64(1)}), length});
  std::string den = ctx.cast(length, DType::kInt64, dt);
  if (align_corners) den = ctx.emit("Max", {ctx.emit("Sub", {den, ctx.scalar(1, dt)}), ctx.scalar(1, dt)});
  return ctx.emit("Div", {ctx.cast(num, DType::kInt64, dt), den});
}

// affine_grid_generator(theta [N, k, k+1], size [N, C, (D,) H, W], align_corners): the base grid of
// (x, y[, z], 1) points over the output's spatial dims (x along W), times theta transposed:
// [N, (D,) H, W, k]. Sizes are read in the graph, so computed sizes hold.
Status affineGrid(Context& ctx, const Node& node) {
  const Value* theta = ctx.input(node, 0);
  const Value* size = ctx.input(node, 1);
  bool align = ctx.constBool(ctx.input(node, 2));
  int64_t n = intListLength(ctx, size);
  if (n != 4 && n != 5) return ctx.fail(node, "affine_grid takes a size of 4 (2-D) or 5 (3-D) entries");
  DType dt = ctx.requireDType(theta);
  if (!isFloating(dt)) return ctx.fail(node, "affine_grid takes a floating-point theta");
  int64_t k = n - 2;
  std::string sizes = ctx.intsTensor(size);
  std::string spatial = ctx.emit("Slice", {sizes, ctx.constI64({2}), ctx.constI64({n})});
  std::string full = ctx.emit("Concat", {spatial, ctx.constI64({1})}, {{"axis", 0}});  // [(D,) H, W, 1]
  std::vector<std::string> comps(k + 1);
  for (int64_t s = 0; s < k; ++s) {
    std::string length = ctx.emit("Gather", {sizes, ctx.scalarI64(2 + s)}, {{"axis", 0}});
    std::vector<int64_t> dims(k + 1, 1);
    dims[s] = -1;
    std::string c = ctx.emit("Reshape", {coordinates(ctx, length, align, dt), ctx.constI64(dims)});
    comps[k - 1 - s] = ctx.emit("Expand", {c, full});  // component 0 is x, along the last dim (W)
  }
  comps[k] = ctx.emit("Expand", {ctx.scalar(1, dt), full});
  std::string base = ctx.emit("Concat", comps, {{"axis", k}});  // [(D,) H, W, k+1]
  std::string t = ctx.emit("Transpose", {ctx.tensor(theta)}, {{"perm", std::vector<int64_t>{0, 2, 1}}});
  std::vector<int64_t> axes;
  for (int64_t a = 1; a < k; ++a) axes.push_back(a);
  t = ctx.unsqueeze(t, axes);  // [N, 1.., k+1, k], batched against base's leading spatial dims
  ctx.bind(ctx.output(node), ctx.emit("MatMul", {base, t}));
  return Status::Ok();
}

}  // namespace

void registerSpatialOps(Registry& r) {
  r.add("aten::max_unpool2d", 9, maxUnpool(2));
  r.add("aten::max_unpool3d", 9, maxUnpool(3));
  r.add("aten::affine_grid_generator", 9, affineGrid);
}

}  // namespace pt2onnx
