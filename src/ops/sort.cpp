// Converters: ordering and selection — topk, sort, argsort (all through TopK), nonzero, bucketize, unique.
#include <algorithm>

#include "ops/common.h"

namespace pt2onnx {
namespace {

// TopK's k: a 1-D INT64 tensor of one element.
std::string kTensor(Context& ctx, const Value* k) {
  if (auto c = ctx.maybeConstInt(k)) return ctx.constI64({*c});
  std::string s = ctx.tensor(k, DType::kInt64);
  return ctx.rank(k) == 1 ? s : ctx.unsqueeze(s, {0});
}

// The size of `axis` as a 1-D INT64 tensor (k for a full sort).
std::string axisSize(Context& ctx, const Value* self, const std::string& x, int64_t axis) {
  int64_t n = ctx.shape(self)[axis];
  if (n >= 0) return ctx.constI64({n});
  return ctx.emit("Slice", {ctx.shapeOf(x), ctx.constI64({axis}), ctx.constI64({axis + 1})});
}

struct TopKResult {
  std::string values;   // in self's dtype; empty when not asked for
  std::string indices;  // INT64
};

// TopK on `axis` with sorted output. Among equal elements ONNX puts the lower index first, which
// is also what a stable sort gives, ascending or descending.
TopKResult topK(Context& ctx, const Value* self, int64_t axis, const std::string& k, bool largest, bool values = true) {
  DType dt = ctx.requireDType(self);
  DType work = sortableType(dt);
  auto outs = sortedTopK(ctx, ctx.tensor(self, work), k, axis, largest);
  return {values ? ctx.cast(outs[0], work, dt) : "", outs[1]};
}

// topk(self, k, dim=-1, largest=True, sorted=True). sorted=False leaves the order unspecified in
// PyTorch, so the sorted order is a valid answer too.
Status topk(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  int64_t rank = ctx.requireRank(self);
  if (rank == 0) return ctx.fail(node, "topk of a 0-d tensor is not supported");
  int64_t axis = normalizeAxis(ctx.constInt(ctx.input(node, 2)), rank);
  bool largest = ctx.constBool(ctx.input(node, 3));
  auto r = topK(ctx, self, axis, kTensor(ctx, ctx.input(node, 1)), largest);
  ctx.bind(ctx.output(node, 0), r.values);
  ctx.bind(ctx.output(node, 1), r.indices);
  return Status::Ok();
}

// sort(self, dim=-1, descending=False) and sort.stable(self, *, stable, dim, descending): TopK
// with k = the size of dim. Arguments are read by name since the overloads order them differently.
TopKResult fullSort(Context& ctx, const Node& node, bool values) {
  const Value* self = ctx.input(node, 0);
  int64_t axis = normalizeAxis(ctx.constInt(ctx.arg(node, "dim")), ctx.requireRank(self));
  bool descending = ctx.constBool(ctx.arg(node, "descending"));
  return topK(ctx, self, axis, axisSize(ctx, self, ctx.tensor(self), axis), descending, values);
}

Status sort(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  if (!ctx.isTensor(self)) return ctx.fail(node, "sorting a list in place is not supported");
  if (ctx.requireRank(self) == 0) {  // a 0-d tensor sorts to itself, at index 0
    ctx.bind(ctx.output(node, 0), ctx.tensor(self));
    ctx.bind(ctx.output(node, 1), ctx.scalarI64(0));
    return Status::Ok();
  }
  auto r = fullSort(ctx, node, true);
  ctx.bind(ctx.output(node, 0), r.values);
  ctx.bind(ctx.output(node, 1), r.indices);
  return Status::Ok();
}

Status argsort(Context& ctx, const Node& node) {
  if (ctx.requireRank(ctx.input(node, 0)) == 0) {
    ctx.bind(ctx.output(node), ctx.scalarI64(0));
    return Status::Ok();
  }
  ctx.bind(ctx.output(node), fullSort(ctx, node, false).indices);
  return Status::Ok();
}

// NonZero's input, in a type ONNX Runtime implements it for; other types go through bool, which
// keeps exactly the nonzero test (NaN counts as nonzero in both).
std::string nonZeroInput(Context& ctx, const Value* self) {
  DType dt = ctx.requireDType(self);
  bool native = dt == DType::kBool || dt == DType::kFloat || dt == DType::kDouble || dt == DType::kInt32 ||
                dt == DType::kInt64 || dt == DType::kUInt8;
  return native ? ctx.tensor(self) : ctx.tensor(self, DType::kBool);
}

// nonzero(self): ONNX NonZero gives the coordinates as [rank, n]; PyTorch as [n, rank].
Status nonzero(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  if (ctx.requireRank(self) == 0) return ctx.fail(node, "nonzero of a 0-d tensor is not supported");
  std::string nz = ctx.emit("NonZero", {nonZeroInput(ctx, self)});
  ctx.bind(ctx.output(node), ctx.emit("Transpose", {nz}, {{"perm", std::vector<int64_t>{1, 0}}}));
  return Status::Ok();
}

// nonzero_numpy(self) (nonzero(as_tuple=True)): one 1-D INT64 tensor per dim, the rows of NonZero.
Status nonzeroNumpy(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  int64_t rank = ctx.requireRank(self);
  if (rank == 0) return ctx.fail(node, "nonzero of a 0-d tensor is not supported");
  std::string nz = ctx.emit("NonZero", {nonZeroInput(ctx, self)});
  std::vector<std::string> rows;
  for (int64_t d = 0; d < rank; ++d) rows.push_back(ctx.emit("Gather", {nz, ctx.scalarI64(d)}, {{"axis", 0}}));
  ctx.bindList(ctx.output(node), rows);
  return Status::Ok();
}

// The number of entries b of `bounds` (1-D, or [..., K] against x's [..., M]) with b < x (right:
// b <= x), written as "not b >= x" (right: "not b > x") so that a NaN x lands past the last
// boundary, as PyTorch's binary search puts it.
std::string countBelow(Context& ctx, const Node& node, const Value* self, const Value* bounds, bool right) {
  DType a = ctx.requireDType(self), b = ctx.requireDType(bounds);
  DType ct = isFloating(a) || isFloating(b)
                 ? (a == DType::kDouble || b == DType::kDouble ? DType::kDouble : DType::kFloat)
                 : DType::kInt64;
  std::string x = ctx.unsqueeze(ctx.tensor(self, ct), {-1});  // [..., 1] against [B] or [..., 1, K]
  std::string bd = ctx.tensor(bounds, ct);
  if (ctx.requireRank(bounds) > 1) bd = ctx.unsqueeze(bd, {-2});
  std::string past = ctx.emit("Greater", {bd, x});
  if (!right) past = ctx.emit("Or", {past, ctx.emit("Equal", {bd, x})});
  std::string count = ctx.cast(ctx.emit("Not", {past}), DType::kBool, DType::kInt64);
  count = ctx.reduce("ReduceSum", count, {-1}, false);
  return ctx.cast(count, DType::kInt64, ctx.requireDType(ctx.output(node)));
}

// bucketize(self, boundaries, out_int32, right)
Status bucketize(Context& ctx, const Node& node) {
  const Value* bounds = ctx.input(node, 1);
  if (ctx.requireRank(bounds) != 1) return ctx.fail(node, "bucketize takes 1-D boundaries");
  ctx.bind(ctx.output(node), countBelow(ctx, node, ctx.input(node, 0), bounds, ctx.constBool(ctx.input(node, 3))));
  return Status::Ok();
}

// searchsorted(sorted_sequence, self, out_int32, right, side?, sorter?): bucketize with the
// sequence as boundaries; an N-d sequence searches each of its rows for the matching row of self.
Status searchsorted(Context& ctx, const Node& node) {
  const Value* seq = ctx.input(node, 0);
  const Value* self = ctx.input(node, 1);
  if (!ctx.isNone(ctx.input(node, 5))) return ctx.fail(node, "searchsorted with a sorter; sort the sequence first");
  bool right = ctx.constBool(ctx.input(node, 3));
  if (!ctx.isNone(ctx.input(node, 4))) right = ctx.constString(ctx.input(node, 4)) == "right";
  int64_t rs = ctx.requireRank(seq);
  if (rs > 1 && ctx.requireRank(self) != rs)
    return ctx.fail(node, "an N-d sorted sequence needs self of the same rank");
  if (rs == 0) return ctx.fail(node, "searchsorted needs a sequence of rank 1 or more");
  ctx.bind(ctx.output(node), countBelow(ctx, node, self, seq, right));
  return Status::Ok();
}

// Binds the (values, inverse, counts) outputs of unique_dim / _unique2 from ONNX Unique's
// (Y, indices, inverse_indices, counts); the inverse takes `inverse_shape` when given.
void bindUnique(Context& ctx, const Node& node, const std::vector<std::string>& u, const std::string& inverse_shape,
                DType from, DType to) {
  ctx.bind(ctx.output(node, 0), ctx.cast(u[0], from, to));
  std::string inverse = inverse_shape.empty() ? u[2] : ctx.emit("Reshape", {u[2], inverse_shape});
  ctx.bind(ctx.output(node, 1), inverse);
  ctx.bind(ctx.output(node, 2), u[3]);
}

// ONNX Runtime's Unique runs on float, double, int64 and int8; other types go through one of them.
DType uniqueType(DType dt) {
  if (dt == DType::kFloat || dt == DType::kDouble || dt == DType::kInt64 || dt == DType::kInt8) return dt;
  return isFloating(dt) ? DType::kFloat : DType::kInt64;
}

// unique_dim(self, dim, sorted, return_inverse, return_counts): unique slices along dim, sorted
// lexicographically as PyTorch always does.
Status uniqueDim(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  int64_t axis = normalizeAxis(ctx.constInt(ctx.input(node, 1)), ctx.requireRank(self));
  DType dt = ctx.requireDType(self), ct = uniqueType(dt);
  auto u = ctx.emitN("Unique", {ctx.tensor(self, ct)}, {{"axis", axis}, {"sorted", 1}}, 4);
  bindUnique(ctx, node, u, "", ct, dt);
  return Status::Ok();
}

// _unique2(self, sorted, return_inverse, return_counts): unique elements of the flattened tensor;
// the inverse has self's shape. Unsorted, PyTorch returns them in hash-table order, which ONNX
// Unique (first occurrence) does not reproduce.
Status unique2(Context& ctx, const Node& node) {
  if (!ctx.constBool(ctx.input(node, 1)))
    return ctx.fail(node,
                    "unique(sorted=False) returns elements in an order of PyTorch's hash table that ONNX "
                    "cannot reproduce; use sorted=True");
  DType dt = ctx.requireDType(ctx.input(node, 0)), ct = uniqueType(dt);
  std::string x = ctx.tensor(ctx.input(node, 0), ct);
  auto u = ctx.emitN("Unique", {x}, {{"sorted", 1}}, 4);
  auto shape = ctx.shape(ctx.input(node, 0));
  bool fixed = std::all_of(shape.begin(), shape.end(), [](int64_t d) { return d >= 0; });
  bindUnique(ctx, node, u, fixed ? ctx.constI64(shape) : ctx.shapeOf(x), ct, dt);
  return Status::Ok();
}

}  // namespace

std::vector<std::string> sortedTopK(Context& ctx, const std::string& x, const std::string& k, int64_t axis,
                                    bool largest) {
  if (ctx.opset() >= 11)
    return ctx.emitN("TopK", {x, k}, {{"axis", axis}, {"largest", static_cast<int64_t>(largest)}, {"sorted", 1}}, 2);
  // TopK-10: the largest, sorted; the smallest are the largest of -x
  auto outs = ctx.emitN("TopK", {largest ? x : ctx.emit("Neg", {x}), k}, {{"axis", axis}}, 2);
  return {largest ? outs[0] : ctx.emit("Neg", {outs[0]}), outs[1]};
}

void registerSortOps(Registry& r) {
  r.add("aten::topk", 9, topk);
  r.add("aten::sort", 9, sort);
  r.add("aten::argsort", 9, argsort);
  r.add("aten::nonzero", 9, nonzero);
  r.add("aten::bucketize", 9, bucketize);
  r.add("aten::searchsorted", 9, searchsorted);
  r.add("aten::unique_dim", 11, uniqueDim);
  r.add("aten::_unique2", 11, unique2);
  r.add("aten::nonzero_numpy", 9, nonzeroNumpy);
}

}  // namespace pt2onnx
