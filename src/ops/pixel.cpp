// Converters: pixel_shuffle, pixel_unshuffle and channel_shuffle (DepthToSpace, SpaceToDepth, channel Gather).
#include "ops/common.h"

namespace pt2onnx {
namespace {

// Runs `op` on x viewed as 4-d [N, C, H, W]: PyTorch accepts (*, C, H, W), so a 3-d input gains a
// batch dim and extra leading dims are folded into one, then restored from x's own shape.
template <typename Op>
std::string on4d(Context& ctx, const std::string& x, int64_t rank, Op op) {
  if (rank == 4) return op(x);
  if (rank == 3) return ctx.squeeze(op(ctx.unsqueeze(x, {0})), {0});
  std::string tail = ctx.emit("Slice", {ctx.shapeOf(x), ctx.constI64({-3}), ctx.constI64({kInt64Max})});
  std::string folded = ctx.emit("Reshape", {x, ctx.emit("Concat", {ctx.constI64({-1}), tail}, {{"axis", 0}})});
  std::string y = op(folded);
  std::string lead = ctx.emit("Slice", {ctx.shapeOf(x), ctx.constI64({0}), ctx.constI64({-3})});
  std::string y_tail = ctx.emit("Slice", {ctx.shapeOf(y), ctx.constI64({-3}), ctx.constI64({kInt64Max})});
  return ctx.emit("Reshape", {y, ctx.emit("Concat", {lead, y_tail}, {{"axis", 0}})});
}

// A fixed channel count, needed to build a channel permutation.
int64_t channels(Context& ctx, const Value* v, int64_t axis) {
  int64_t c = ctx.shape(v)[axis];
  if (c < 0) throw ConvertError("the channel count must be fixed (it is on a dynamic axis)");
  return c;
}

// pixel_shuffle(self, upscale_factor): [N, C*r*r, H, W] -> [N, C, H*r, W*r] with input channel
// c*r*r + i*r + j landing at (c, h*r + i, w*r + j): exactly DepthToSpace's CRD mode, from opset 11.
// Before it: [N, C*r*r, H, W] viewed as [N, C, r, r, H, W], the two r dims moved after H and W, and
// merged into them, with the sizes from x's shape.
Status pixelShuffle(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  int64_t rank = ctx.requireRank(self);
  if (rank < 3) return ctx.fail(node, "pixel_shuffle needs an input of rank 3 or more");
  int64_t r = ctx.constInt(ctx.input(node, 1));
  if (r == 1) return passThrough(ctx, node);
  auto op = [&](const std::string& x) {
    if (ctx.opset() >= 11) return ctx.emit("DepthToSpace", {x}, {{"blocksize", r}, {"mode", "CRD"}});
    std::string shape = ctx.shapeOf(x);
    auto dim = [&](int64_t i) { return sliceConst(ctx, shape, {i}, {i + 1}, {0}); };
    std::string rr = ctx.constI64({r});
    std::string c = ctx.emit("Div", {dim(1), ctx.constI64({r * r})});
    std::string split = ctx.emit("Concat", {dim(0), c, rr, rr, dim(2), dim(3)}, {{"axis", 0}});
    std::string t = ctx.emit("Transpose", {ctx.emit("Reshape", {x, split})}, {{"perm", {0, 1, 4, 2, 5, 3}}});
    std::string merged =
        ctx.emit("Concat", {dim(0), c, ctx.emit("Mul", {dim(2), rr}), ctx.emit("Mul", {dim(3), rr})}, {{"axis", 0}});
    return ctx.emit("Reshape", {t, merged});
  };
  ctx.bind(ctx.output(node), on4d(ctx, ctx.tensor(self), rank, op));
  return Status::Ok();
}

// pixel_unshuffle(self, downscale_factor): the inverse, with output channel c*r*r + i*r + j.
// SpaceToDepth orders its output channels (i*r + j)*C + c instead, so a Gather reorders them.
Status pixelUnshuffle(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  int64_t rank = ctx.requireRank(self);
  if (rank < 3) return ctx.fail(node, "pixel_unshuffle needs an input of rank 3 or more");
  int64_t r = ctx.constInt(ctx.input(node, 1));
  if (r == 1) return passThrough(ctx, node);
  if (ctx.shape(self)[rank - 3] < 0) {
    // A channel count known only at run time: [N, C, H, W] viewed as [N, C, H/r, r, W/r, r],
    // the two r dims moved after C, and merged into C*r*r; the sizes come from x's shape.
    auto op = [&](const std::string& x) {
      std::string shape = ctx.shapeOf(x);
      auto dim = [&](int64_t i) { return sliceConst(ctx, shape, {i}, {i + 1}, {0}); };
      std::string rr = ctx.constI64({r});
      std::string h = ctx.emit("Div", {dim(2), rr}), w = ctx.emit("Div", {dim(3), rr});
      std::string split = ctx.emit("Concat", {dim(0), dim(1), h, rr, w, rr}, {{"axis", 0}});
      std::string t = ctx.emit("Transpose", {ctx.emit("Reshape", {x, split})}, {{"perm", {0, 1, 3, 5, 2, 4}}});
      std::string merged =
          ctx.emit("Concat", {dim(0), ctx.emit("Mul", {dim(1), ctx.constI64({r * r})}), h, w}, {{"axis", 0}});
      return ctx.emit("Reshape", {t, merged});
    };
    ctx.bind(ctx.output(node), on4d(ctx, ctx.tensor(self), rank, op));
    return Status::Ok();
  }
  int64_t c = channels(ctx, self, rank - 3);
  std::vector<int64_t> perm;
  for (int64_t ch = 0; ch < c; ++ch)
    for (int64_t k = 0; k < r * r; ++k) perm.push_back(k * c + ch);
  auto op = [&](const std::string& x) {
    std::string y = ctx.emit("SpaceToDepth", {x}, {{"blocksize", r}});
    return c == 1 ? y : ctx.emit("Gather", {y, ctx.constI64(perm)}, {{"axis", 1}});
  };
  ctx.bind(ctx.output(node), on4d(ctx, ctx.tensor(self), rank, op));
  return Status::Ok();
}

// channel_shuffle(self, groups): channels viewed as [groups, C/groups], transposed; output
// channel k*groups + g comes from input channel g*(C/groups) + k.
Status channelShuffle(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  if (ctx.requireRank(self) < 2) return ctx.fail(node, "channel_shuffle needs an input of rank 2 or more");
  int64_t groups = ctx.constInt(ctx.input(node, 1));
  int64_t c = channels(ctx, self, 1);
  if (groups <= 0 || c % groups) return ctx.fail(node, "the channel count must be divisible by groups");
  if (groups == 1 || groups == c) return passThrough(ctx, node);
  int64_t per_group = c / groups;
  std::vector<int64_t> perm;
  for (int64_t k = 0; k < per_group; ++k)
    for (int64_t g = 0; g < groups; ++g) perm.push_back(g * per_group + k);
  ctx.bind(ctx.output(node), ctx.emit("Gather", {ctx.tensor(self), ctx.constI64(perm)}, {{"axis", 1}}));
  return Status::Ok();
}

}  // namespace

void registerPixelOps(Registry& r) {
  r.add("aten::pixel_shuffle", 9, pixelShuffle);
  r.add("aten::pixel_unshuffle", 9, pixelUnshuffle);
  r.add("aten::channel_shuffle", 9, channelShuffle);
  r.add("aten::native_channel_shuffle", 9, channelShuffle);
}

}  // namespace pt2onnx
