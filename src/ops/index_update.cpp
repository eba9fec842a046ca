// Converters: functional index updates along one dim — index_add, index_copy, index_fill.
#include "ops/common.h"
#include "ops/typing.h"

namespace pt2onnx {
namespace {

// The index (a 1-D or 0-d int tensor along dim) as 1-D INT64 with negative entries wrapped.
std::string wrappedIndex(Context& ctx, const Value* index, const std::string& dim_size) {
  std::string idx = ctx.tensor(index, DType::kInt64);
  if (ctx.requireRank(index) == 0) idx = ctx.unsqueeze(idx, {0});
  std::string negative = ctx.emit("Less", {idx, ctx.scalarI64(0)});
  return ctx.emit("Where", {negative, ctx.emit("Add", {idx, dim_size}), idx});
}

// The index laid along `axis` of a rank-`rank` tensor and expanded to `like`'s shape, as
// ScatterElements wants one index per update.
std::string indexLike(Context& ctx, const std::string& idx, int64_t axis, int64_t rank, const std::string& like) {
  std::vector<int64_t> shape(rank, 1);
  shape[axis] = -1;
  std::string laid = ctx.emit("Reshape", {idx, ctx.constI64(shape)});
  return ctx.emit("Expand", {laid, ctx.shapeOf(like)});
}

// A source given for a 0-d self, or a 0-d source, is treated as 1-D along dim.
std::string sourceOf(Context& ctx, const Value* source, DType dt, int64_t rank) {
  std::string s = ctx.tensor(source, dt);
  if (ctx.requireRank(source) == 0 && rank == 1) s = ctx.unsqueeze(s, {0});
  return s;
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
  t.dtype = ctx.requireDType(ctx.output(node));
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
  std::string src = sourceOf(ctx, ctx.input(node, 3), t->dtype, t->rank);
  if (ctx.inputCount(node) > 4) {
    const Value* alpha = ctx.input(node, 4);
    if (!ctx.isNone(alpha) && !(ctx.isConstant(alpha) && ctx.constDouble(alpha) == 1.0))
      src = emitTyped(ctx, "Mul", {src, ctx.tensor(alpha, t->dtype)}, t->dtype);
  }
  std::string idx = wrappedIndex(ctx, ctx.input(node, 2), t->dim_size);
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
  std::string src = sourceOf(ctx, ctx.input(node, 3), t->dtype, t->rank);
  std::string idx = wrappedIndex(ctx, ctx.input(node, 2), t->dim_size);
  std::string full = indexLike(ctx, idx, t->axis, t->rank, src);
  ctx.bind(ctx.output(node), ctx.emit("ScatterElements", {t->x, full, src}, {{"axis", t->axis}}));
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

}  // namespace

void registerIndexUpdateOps(Registry& r) {
  r.add("aten::index_add", 1, indexAdd);
  r.add("aten::index_copy", 1, indexCopy);
  r.add("aten::index_fill", 1, indexFill);
}

}  // namespace pt2onnx
