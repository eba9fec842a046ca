// Converters: slice_scatter and select_scatter, the functional forms of writes into slices
// (made by src/frontend/view_writes.cpp from `x[:, 1:3] = y`, `x[0] += 1`, ...).
#include "ops/common.h"

namespace pt2onnx {
namespace {

// A start/end/step argument as a 1-element INT64 tensor.
std::string oneElement(Context& ctx, const Value* v, int64_t if_none) {
  if (ctx.isNone(v)) return ctx.constI64({if_none});
  if (auto c = ctx.maybeConstInt(v)) return ctx.constI64({*c});
  return ctx.unsqueeze(ctx.tensor(v, DType::kInt64), {0});
}

// self with the slices of `axis` at `positions` (1-D INT64) replaced by those of src: rows scattered on
// both moved so that `axis` leads, then moved back.
std::string scatterAlong(Context& ctx, const std::string& self, const std::string& src, int64_t rank, int64_t axis,
                         const std::string& positions) {
  std::vector<int64_t> perm = {axis}, inverse(rank);
  for (int64_t i = 0; i < rank; ++i)
    if (i != axis) perm.push_back(i);
  for (int64_t i = 0; i < rank; ++i) inverse[perm[i]] = i;
  auto move = [&](const std::string& x, const std::vector<int64_t>& p) {
    return axis == 0 ? x : ctx.emit("Transpose", {x}, {{"perm", p}});
  };
  std::string out = ctx.scatterRows(move(self, perm), positions, move(src, perm), rank);
  return move(out, inverse);
}

// Positions 0..D-1 along `axis` of x, D computed in the graph.
std::string positionsOf(Context& ctx, const std::string& x, int64_t axis) {
  return ctx.emit("Range", {ctx.scalarI64(0), ctx.dimOf(x, axis), ctx.scalarI64(1)});
}

// slice_scatter(self, src, dim=0, start=None, end=None, step=1): the positions are those Slice
// picks from 0..D-1, so negative and out-of-range bounds clamp exactly as PyTorch's slicing.
Status sliceScatter(Context& ctx, const Node& node) {
  const Value* self = ctx.arg(node, "self");
  DType dt = ctx.requireDType(self);
  int64_t rank = ctx.requireRank(self);
  int64_t axis = normalizeAxis(ctx.constInt(ctx.arg(node, "dim")), rank);
  auto step = ctx.maybeConstInt(ctx.arg(node, "step"));
  if (step && *step <= 0) return ctx.fail(node, "slice step must be positive");
  std::string x = ctx.tensor(self);
  std::string positions = ctx.emit("Slice", {positionsOf(ctx, x, axis), oneElement(ctx, ctx.arg(node, "start"), 0),
                                             oneElement(ctx, ctx.arg(node, "end"), kInt64Max), ctx.constI64({0}),
                                             oneElement(ctx, ctx.arg(node, "step"), 1)});
  ctx.bind(ctx.output(node), scatterAlong(ctx, x, ctx.tensor(ctx.arg(node, "src"), dt), rank, axis, positions));
  return Status::Ok();
}

// select_scatter(self, src, dim, index): src lacks `dim`; index may be negative.
Status selectScatter(Context& ctx, const Node& node) {
  const Value* self = ctx.arg(node, "self");
  DType dt = ctx.requireDType(self);
  int64_t rank = ctx.requireRank(self);
  int64_t axis = normalizeAxis(ctx.constInt(ctx.arg(node, "dim")), rank);
  std::string x = ctx.tensor(self);
  std::string index = oneElement(ctx, ctx.arg(node, "index"), 0);
  std::string positions = ctx.emit("Gather", {positionsOf(ctx, x, axis), index}, {{"axis", 0}});
  std::string src = ctx.unsqueeze(ctx.tensor(ctx.arg(node, "src"), dt), {axis});
  ctx.bind(ctx.output(node), scatterAlong(ctx, x, src, rank, axis, positions));
  return Status::Ok();
}

}  // namespace

void registerViewScatterOps(Registry& r) {
  r.add("aten::slice_scatter", 9, sliceScatter);
  r.add("aten::select_scatter", 9, selectScatter);
}

}  // namespace pt2onnx
