// Converters: vector products and distances — outer, dot, mv, tensordot, cross, cdist, pdist, cosine_similarity.
#include <algorithm>

#include "ops/common.h"
#include "ops/typing.h"

namespace pt2onnx {
namespace {

// outer(a, b) / ger: a[:, None] * b[None, :] in the promoted dtype.
Status outer(Context& ctx, const Node& node) {
  DType dt = ctx.requireDType(ctx.output(node));
  std::string a = ctx.unsqueeze(ctx.tensor(ctx.input(node, 0), dt), {1});
  std::string b = ctx.unsqueeze(ctx.tensor(ctx.input(node, 1), dt), {0});
  ctx.bind(ctx.output(node), emitTyped(ctx, "Mul", {a, b}, dt));
  return Status::Ok();
}

// dot(a, b) / vdot on real tensors: MatMul of two 1-D tensors is their 0-d inner product.
Status dot(Context& ctx, const Node& node) {
  DType dt = ctx.requireDType(ctx.output(node));
  if (ctx.requireRank(ctx.input(node, 0)) != 1 || ctx.requireRank(ctx.input(node, 1)) != 1)
    return ctx.fail(node, "dot takes two 1-D tensors");
  std::string a = ctx.tensor(ctx.input(node, 0), dt), b = ctx.tensor(ctx.input(node, 1), dt);
  ctx.bind(ctx.output(node), emitTyped(ctx, "MatMul", {a, b}, dt));
  return Status::Ok();
}

// mv(mat, vec): MatMul of [n, m] and [m] is [n].
Status mv(Context& ctx, const Node& node) {
  DType dt = ctx.requireDType(ctx.output(node));
  if (ctx.requireRank(ctx.input(node, 0)) != 2 || ctx.requireRank(ctx.input(node, 1)) != 1)
    return ctx.fail(node, "mv takes a 2-D matrix and a 1-D vector");
  std::string a = ctx.tensor(ctx.input(node, 0), dt), b = ctx.tensor(ctx.input(node, 1), dt);
  ctx.bind(ctx.output(node), emitTyped(ctx, "MatMul", {a, b}, dt));
  return Status::Ok();
}

// Product of the dims `axes` of shape tensor `shape` as a 1-D INT64 of one element (1 for none).
std::string dimsProduct(Context& ctx, const std::string& shape, const std::vector<int64_t>& axes) {
  if (axes.empty()) return ctx.constI64({1});
  std::string picked = ctx.emit("Gather", {shape, ctx.constI64(axes)}, {{"axis", 0}});
  return ctx.reduce("ReduceProd", picked, {0}, true);
}

// tensordot(a, b, dims_a, dims_b): a's free dims then its contracted dims, flattened to a matrix;
// b's contracted dims (in the same pairing order) then its free dims; one MatMul; the free dims of
// both become the result's shape. All sizes come from the run-time shapes.
Status tensordot(Context& ctx, const Node& node) {
  const Value* va = ctx.input(node, 0);
  const Value* vb = ctx.input(node, 1);
  DType dt = ctx.requireDType(ctx.output(node));
  int64_t ra = ctx.requireRank(va), rb = ctx.requireRank(vb);
  auto da = normalizeAxes(ctx.constInts(ctx.input(node, 2)), ra);
  auto db = normalizeAxes(ctx.constInts(ctx.input(node, 3)), rb);
  if (da.size() != db.size()) return ctx.fail(node, "tensordot needs as many dims of a as of b");
  std::vector<int64_t> free_a, free_b;
  for (int64_t i = 0; i < ra; ++i)
    if (std::find(da.begin(), da.end(), i) == da.end()) free_a.push_back(i);
  for (int64_t i = 0; i < rb; ++i)
    if (std::find(db.begin(), db.end(), i) == db.end()) free_b.push_back(i);
  std::vector<int64_t> perm_a = free_a, perm_b = db;
  perm_a.insert(perm_a.end(), da.begin(), da.end());
  perm_b.insert(perm_b.end(), free_b.begin(), free_b.end());
  std::string a = ctx.tensor(va, dt), b = ctx.tensor(vb, dt);
  std::string sa = ctx.shapeOf(a), sb = ctx.shapeOf(b);
  a = ctx.emit("Transpose", {a}, {{"perm", perm_a}});
  b = ctx.emit("Transpose", {b}, {{"perm", perm_b}});
  std::string inner = dimsProduct(ctx, sa, da);
  a = ctx.emit("Reshape", {a, ctx.emit("Concat", {dimsProduct(ctx, sa, free_a), inner}, {{"axis", 0}})});
  b = ctx.emit("Reshape", {b, ctx.emit("Concat", {inner, dimsProduct(ctx, sb, free_b)}, {{"axis", 0}})});
  std::string y = emitTyped(ctx, "MatMul", {a, b}, dt);
  std::vector<std::string> dims;
  if (!free_a.empty()) dims.push_back(ctx.emit("Gather", {sa, ctx.constI64(free_a)}, {{"axis", 0}}));
  if (!free_b.empty()) dims.push_back(ctx.emit("Gather", {sb, ctx.constI64(free_b)}, {{"axis", 0}}));
  std::string shape = dims.empty()       ? ctx.constI64({})
                      : dims.size() == 1 ? dims[0]
                                         : ctx.emit("Concat", dims, {{"axis", 0}});
  ctx.bind(ctx.output(node), ctx.emit("Reshape", {y, shape}));
  return Status::Ok();
}

// cross(a, b, dim) / linalg_cross(a, b, dim): with a' = a[(1, 2, 0)] and a'' = a[(2, 0, 1)] on dim,
// a x b = a' * b'' - a'' * b'. cross without dim takes the first dim of size 3.
Status cross(Context& ctx, const Node& node) {
  const Value* out = ctx.output(node);
  DType dt = ctx.requireDType(out);
  int64_t rank = ctx.requireRank(out);
  auto shape = ctx.shape(out);
  const Value* dim = ctx.input(node, 2);
  int64_t axis = -1;
  if (ctx.isNone(dim)) {
    for (int64_t i = 0; i < rank && axis < 0; ++i)
      if (shape[i] == 3) axis = i;
    if (axis < 0) return ctx.fail(node, "cross without dim needs a dimension of size 3");
  } else {
    axis = normalizeAxis(ctx.constInt(dim), rank);
  }
  if (shape[axis] != 3) return ctx.fail(node, "cross needs size 3 on dimension " + std::to_string(axis));
  // Operands of lower rank broadcast from the right.
  auto at = [&](const Value* v, std::vector<int64_t> order) {
    int64_t a = axis - (rank - ctx.requireRank(v));
    return ctx.emit("Gather", {ctx.tensor(v, dt), ctx.constI64(order)}, {{"axis", a}});
  };
  const Value* a = ctx.input(node, 0);
  const Value* b = ctx.input(node, 1);
  std::string l = emitTyped(ctx, "Mul", {at(a, {1, 2, 0}), at(b, {2, 0, 1})}, dt);
  std::string r = emitTyped(ctx, "Mul", {at(a, {2, 0, 1}), at(b, {1, 2, 0})}, dt);
  ctx.bind(out, emitTyped(ctx, "Sub", {l, r}, dt));
  return Status::Ok();
}

// The p-norm over the last dim of absolute differences d (p = 0 counts the nonzero ones).
std::string pNormLast(Context& ctx, const std::string& d, double p, DType dt) {
  if (p == 0)
    return ctx.reduce("ReduceSum",
                      ctx.cast(ctx.emit("Not", {ctx.emit("Equal", {d, ctx.scalar(0, dt)})}), DType::kBool, dt), {-1},
                      false);
  if (p == 1) return ctx.reduce("ReduceSum", d, {-1}, false);
  if (p == 2) return ctx.emit("Sqrt", {ctx.reduce("ReduceSum", ctx.emit("Mul", {d, d}), {-1}, false)});
  if (std::isinf(p)) return ctx.reduce("ReduceMax", d, {-1}, false);
  std::string s = ctx.reduce("ReduceSum", ctx.emit("Pow", {d, ctx.scalar(p, dt)}), {-1}, false);
  return ctx.emit("Pow", {s, ctx.scalar(1.0 / p, dt)});
}

// cdist(x1 [.., P, M], x2 [.., R, M], p, compute_mode): the p-norm of every difference, [.., P, R].
// Differences are taken directly (PyTorch may use a matrix-product form for p = 2 on large inputs,
// which agrees up to rounding).
Status cdist(Context& ctx, const Node& node) {
  DType dt = ctx.requireDType(ctx.output(node));
  if (!isFloating(dt)) return ctx.fail(node, "cdist takes floating-point tensors");
  double p = ctx.constDouble(ctx.input(node, 2));
  if (p < 0) return ctx.fail(node, "cdist needs p >= 0");
  std::string a = ctx.unsqueeze(ctx.tensor(ctx.input(node, 0), dt), {-2});  // [.., P, 1, M]
  std::string b = ctx.unsqueeze(ctx.tensor(ctx.input(node, 1), dt), {-3});  // [.., 1, R, M]
  ctx.bind(ctx.output(node), pNormLast(ctx, ctx.emit("Abs", {ctx.emit("Sub", {a, b})}), p, dt));
  return Status::Ok();
}

// pdist(self [N, M], p): the p-norm distance of every pair of rows i < j, in row-major pair order
// (0,1), (0,2), ..., (N-2,N-1). NonZero of the i < j mask lists the pairs in that order.
Status pdist(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  DType dt = ctx.requireDType(self);
  if (!isFloating(dt)) return ctx.fail(node, "pdist takes floating-point tensors");
  if (ctx.requireRank(self) != 2) return ctx.fail(node, "pdist takes a 2-D tensor");
  double p = ctx.constDouble(ctx.input(node, 1));
  if (p < 0) return ctx.fail(node, "pdist needs p >= 0");
  std::string x = ctx.tensor(self);
  std::string d = ctx.emit("Abs", {ctx.emit("Sub", {ctx.unsqueeze(x, {1}), ctx.unsqueeze(x, {0})})});
  std::string all = ctx.emit("Reshape", {pNormLast(ctx, d, p, dt), ctx.constI64({-1})});  // [N * N]
  std::string n = ctx.dimOf(x, 0);
  std::string r = ctx.emit("Range", {ctx.scalarI64(0), n, ctx.scalarI64(1)});
  std::string pairs = ctx.emit("NonZero", {ctx.emit("Less", {ctx.unsqueeze(r, {1}), ctx.unsqueeze(r, {0})})});
  auto ij = ctx.split(pairs, 0, {1, 1});
  std::string flat = ctx.emit("Add", {ctx.emit("Mul", {ij[0], n}), ij[1]});
  ctx.bind(ctx.output(node), ctx.emit("Gather", {all, ctx.squeeze(flat, {0})}, {{"axis", 0}}));
  return Status::Ok();
}

// cosine_similarity(x1, x2, dim, eps): sum((x1 / max(|x1|, eps)) * (x2 / max(|x2|, eps))) over dim
// of the broadcast operands, each norm clamped on its own as PyTorch does.
Status cosineSimilarity(Context& ctx, const Node& node) {
  const Value* out = ctx.output(node);
  DType dt = ctx.requireDType(out);
  if (!isFloating(dt)) return ctx.fail(node, "cosine_similarity takes floating-point tensors");
  int64_t rank = std::max(ctx.requireRank(ctx.input(node, 0)), ctx.requireRank(ctx.input(node, 1)));
  int64_t axis = normalizeAxis(ctx.constInt(ctx.input(node, 2)), rank);
  double eps = ctx.constDouble(ctx.input(node, 3));
  // Both are broadcast to their common shape first: a norm over a broadcast dim counts every copy.
  std::string a = ctx.tensor(ctx.input(node, 0), dt), b = ctx.tensor(ctx.input(node, 1), dt);
  a = ctx.emit("Expand", {a, ctx.shapeOf(b)});
  b = ctx.emit("Expand", {b, ctx.shapeOf(a)});
  auto unit = [&](const std::string& x) {
    std::string n = ctx.emit("Max", {ctx.reduce("ReduceL2", x, {axis}, true), ctx.scalar(eps, dt)});
    return ctx.emit("Div", {x, n});
  };
  std::string prod = ctx.emit("Mul", {unit(a), unit(b)});
  ctx.bind(out, ctx.reduce("ReduceSum", prod, {axis}, false));
  return Status::Ok();
}

}  // namespace

void registerProductOps(Registry& r) {
  r.add("aten::outer", 9, outer);
  r.add("aten::ger", 9, outer);
  r.add("aten::dot", 9, dot);
  r.add("aten::vdot", 9, dot);
  r.add("aten::mv", 9, mv);
  r.add("aten::tensordot", 9, tensordot);
  r.add("aten::cross", 9, cross);
  r.add("aten::linalg_cross", 9, cross);
  r.add("aten::cdist", 9, cdist);
  r.add("aten::pdist", 9, pdist);
  r.add("aten::_pdist_forward", 9, pdist);
  r.add("aten::cosine_similarity", 9, cosineSimilarity);
}

}  // namespace pt2onnx
