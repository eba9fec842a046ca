// Converters: functional index updates — index_add, index_copy, index_fill along one dim, masked_scatter.
#include "ops/common.h"
#include "ops/indexing.h"
#include "ops/typing.h"

namespace pt2onnx {
namespace {

// The index (a 1-D or 0-d int tensor along dim) as 1-D INT64 with negative entries wrapped.
std::string wrappedIndex(Context& ctx, const Value* index, const std::string& dim_size) {
  std::string idx = ctx.tensor(index, DType::kInt64);
  if (ctx.requireRank(index) == 0) idx = ctx.unsqueeze(idx, {0});
  return fromEnd(ctx, idx, dim_size);
}

// The index laid along `axis` of a rank-`rank` tensor and expanded to `like`'s shape, as
// ScatterElements wants one index per update.
std::string indexLike(Context& ctx, const std::string& idx, int64_t axis, int64_t rank, const std::string& like) {
  std::vector<int64_t> shape(rank, 1);
  shape[axis] = -1;
  std::string laid = ctx.emit("Reshape", {idx, ctx.constI64(shape)});
  return ctx.emit("Expand", {laid, ctx.shapeOf(like)});
}

// The source as a tensor of self's shape with `index`'s length on dim. PyTorch adds (copies) each
// source slice source.select(dim, k) into a self slice, broadcasting it the usual way (aligned on
// the last dims), so a source of size 1 or of fewer dims spreads over self's slice.
std::string sourceOf(Context& ctx, const Value* source, DType dt, int64_t axis, int64_t rank, const std::string& self,
                     const std::string& idx) {
  std::string s = ctx.tensor(source, dt);
  int64_t r = ctx.requireRank(source);
  std::string shape = ctx.shapeOf(self);
  std::string before = ctx.emit("Slice", {shape, ctx.constI64({0}), ctx.constI64({axis})});
  std::string after = ctx.emit("Slice", {shape, ctx.constI64({axis + 1}), ctx.constI64({kInt64Max})});
  if (r == rank || r == 0)
    return ctx.emit("Expand", {s, ctx.emit("Concat", {before, ctx.shapeOf(idx), after}, {{"axis", 0}})});
  // Fewer dims: the source's index dim goes first, its slice is aligned on the right of self's
  // slice, and the index dim then returns to its place.
  std::vector<int64_t> front = {axis};
  for (int64_t i = 0; i < r; ++i)
    if (i != axis) front.push_back(i);
  s = ctx.emit("Transpose", {s}, {{"perm", front}});
  std::vector<int64_t> extra;
  for (int64_t i = 1; i <= rank - r; ++i) extra.push_back(i);
  s = ctx.unsqueeze(s, extra);
  s = ctx.emit("Expand", {s, ctx.emit("Concat", {ctx.shapeOf(idx), before, after}, {{"axis", 0}})});
  std::vector<int64_t> back;
  for (int64_t i = 1; i <= axis; ++i) back.push_back(i);
  back.push_back(0);
  for (int64_t i = axis + 1; i < rank; ++i) back.push_back(i);
  return ctx.emit("Transpose", {s}, {{"perm", back}});
}

// Source ranks PyTorch accepts here: up to self's, with the index dim among them (or 0-d).
bool sourceRankFits(Context& ctx, const Value* source, int64_t rank, int64_t axis) {
  int64_t r = ctx.requireRank(source);
  return r == 0 || (r <= rank && axis < r);
}

struct Target {
  const Value* self;
  DType dtype;
  int64_t rank;
  int64_t axis;
  std::string x;
  std::string dim_size;  // 0-d INT64
};

std::optional<Target> target(Context& ctx, const Node& node, std::string* why) {
  Target t;
  t.self = ctx.input(node, 0);
  t.dtype = ctx.requireDType(t.self);  // the result keeps self's dtype (also in branches never recorded)
  t.rank = ctx.requireRank(t.self);
  if (t.rank == 0) {
    *why = "index updates of a 0-d tensor are not supported";
    return std::nullopt;
  }
  t.axis = normalizeAxis(ctx.constInt(ctx.input(node, 1)), t.rank);
  t.x = ctx.tensor(t.self, t.dtype);
  t.dim_size = ctx.dimOf(t.x, t.axis);
  return t;
}

// index_add(self, dim, index, source, alpha): self[.., index[k], ..] += alpha * source[.., k, ..],
// repeated indices adding up. From opset 16 that is ScatterElements with reduction add; before,
// a one-hot [K, N] matrix of the index sums the source rows with one MatMul (exact for 0/1
// weights, in the output dtype).
Status indexAdd(Context& ctx, const Node& node) {
  std::string why;
  auto t = target(ctx, node, &why);
  if (!t) return ctx.fail(node, why);
  if (t->dtype == DType::kBool) return ctx.fail(node, "index_add of a bool tensor");
  if (!sourceRankFits(ctx, ctx.input(node, 3), t->rank, t->axis))
    return ctx.fail(node, "the source has more dims than self, or lacks the index dim");
  std::string idx = wrappedIndex(ctx, ctx.input(node, 2), t->dim_size);
  std::string src = sourceOf(ctx, ctx.input(node, 3), t->dtype, t->axis, t->rank, t->x, idx);
  if (ctx.inputCount(node) > 4) {
    const Value* alpha = ctx.input(node, 4);
    if (!ctx.isNone(alpha) && !(ctx.isConstant(alpha) && ctx.constDouble(alpha) == 1.0))
      src = emitTyped(ctx, "Mul", {src, ctx.tensor(alpha, t->dtype)}, t->dtype);
  }
  if (ctx.opset() >= 16) {
    std::string full = indexLike(ctx, idx, t->axis, t->rank, src);
    ctx.bind(ctx.output(node),
             ctx.emit("ScatterElements", {t->x, full, src}, {{"axis", t->axis}, {"reduction", "add"}}));
    return Status::Ok();
  }
  std::string positions = ctx.emit("Range", {ctx.scalarI64(0), t->dim_size, ctx.scalarI64(1)});
  std::string hot = ctx.emit("Equal", {ctx.unsqueeze(idx, {1}), ctx.unsqueeze(positions, {0})});  // [K, N]
  hot = ctx.cast(hot, DType::kBool, t->dtype);
  std::vector<int64_t> perm;  // dim last
  for (int64_t i = 0; i < t->rank; ++i)
    if (i != t->axis) perm.push_back(i);
  perm.push_back(t->axis);
  std::vector<int64_t> back(t->rank);
  for (int64_t i = 0; i < t->rank; ++i) back[perm[i]] = i;
  std::string moved = t->axis == t->rank - 1 ? src : ctx.emit("Transpose", {src}, {{"perm", perm}});
  std::string sums = emitTyped(ctx, "MatMul", {moved, hot}, t->dtype);  // [..., N]
  if (t->axis != t->rank - 1) sums = ctx.emit("Transpose", {sums}, {{"perm", back}});
  ctx.bind(ctx.output(node), emitTyped(ctx, "Add", {t->x, sums}, t->dtype));
  return Status::Ok();
}

// index_copy(self, dim, index, source): self[.., index[k], ..] = source[.., k, ..] (ScatterElements).
Status indexCopy(Context& ctx, const Node& node) {
  std::string why;
  auto t = target(ctx, node, &why);
  if (!t) return ctx.fail(node, why);
  if (!sourceRankFits(ctx, ctx.input(node, 3), t->rank, t->axis))
    return ctx.fail(node, "the source has more dims than self, or lacks the index dim");
  std::string idx = wrappedIndex(ctx, ctx.input(node, 2), t->dim_size);
  std::string src = sourceOf(ctx, ctx.input(node, 3), t->dtype, t->axis, t->rank, t->x, idx);
  std::string full = indexLike(ctx, idx, t->axis, t->rank, src);
  ctx.bind(ctx.output(node), ctx.emit(scatterElementsOp(ctx), {t->x, full, src}, {{"axis", t->axis}}));
  return Status::Ok();
}

// index_fill(self, dim, index, value): every position along dim named by index takes value (a
// number or a 0-d tensor). A mask along dim (any index equal to the position) selects with Where.
Status indexFill(Context& ctx, const Node& node) {
  std::string why;
  auto t = target(ctx, node, &why);
  if (!t) return ctx.fail(node, why);
  const Value* value = ctx.input(node, 3);
  if (ctx.isTensor(value) && ctx.requireRank(value) != 0)
    return ctx.fail(node, "index_fill takes a number or a 0-d tensor as the value");
  std::string idx = wrappedIndex(ctx, ctx.input(node, 2), t->dim_size);
  std::string positions = ctx.emit("Range", {ctx.scalarI64(0), t->dim_size, ctx.scalarI64(1)});
  std::string hits = ctx.emit("Equal", {ctx.unsqueeze(positions, {1}), ctx.unsqueeze(idx, {0})});  // [N, K]
  std::string mask = ctx.reduce("ReduceMax", ctx.cast(hits, DType::kBool, DType::kInt32), {1}, false);
  std::vector<int64_t> shape(t->rank, 1);
  shape[t->axis] = -1;
  mask = ctx.cast(ctx.emit("Reshape", {mask, ctx.constI64(shape)}), DType::kInt32, DType::kBool);
  std::string fill = ctx.tensor(value, t->dtype);
  if (t->dtype == DType::kBool) {  // no bool Where kernel in ONNX Runtime
    std::string y = ctx.emit(
        "Where", {mask, ctx.cast(fill, DType::kBool, DType::kUInt8), ctx.cast(t->x, DType::kBool, DType::kUInt8)});
    ctx.bind(ctx.output(node), ctx.cast(y, DType::kUInt8, DType::kBool));
    return Status::Ok();
  }
  ctx.bind(ctx.output(node), ctx.emit("Where", {mask, fill, t->x}));
  return Status::Ok();
}

// masked_scatter(self, mask, source): the positions where mask (broadcast to self) is true, in
// row-major order, take source's leading elements one after another. Rows scattered on the flattened
// tensors, at the true positions NonZero lists, with as many source elements as there are.
Status maskedScatter(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  DType dt = ctx.requireDType(self);
  std::string x = ctx.tensor(self);
  std::string shape = ctx.shapeOf(x);
  std::string mask = ctx.emit("Expand", {ctx.tensor(ctx.input(node, 1)), shape});
  std::string where = ctx.emit("NonZero", {ctx.emit("Reshape", {mask, ctx.constI64({-1})})});  // [1, N]
  std::string positions = ctx.squeeze(where, {0});
  std::string count = ctx.emit("Slice", {ctx.shapeOf(where), ctx.constI64({1}), ctx.constI64({2})});
  std::string source = ctx.emit("Reshape", {ctx.tensor(ctx.input(node, 2), dt), ctx.constI64({-1})});
  std::string updates = ctx.emit("Slice", {source, ctx.constI64({0}), count});
  std::string flat = ctx.emit("Reshape", {x, ctx.constI64({-1})});
  ctx.bind(ctx.output(node), ctx.emit("Reshape", {ctx.scatterRows(flat, positions, updates, 1), shape}));
  return Status::Ok();
}

}  // namespace

void registerIndexUpdateOps(Registry& r) {
  r.add("aten::masked_scatter", 9, maskedScatter);
  r.add("aten::index_add", 9, indexAdd);
  r.add("aten::index_copy", 9, indexCopy);
  r.add("aten::index_fill", 9, indexFill);
}

}  // namespace pt2onnx
