// Converters: ordering and selection — topk, sort, argsort (all through TopK), nonzero.
#include "ops/common.h"

namespace pt2onnx {
namespace {

// TopK takes numeric tensors; ONNX Runtime implements it for float, double, int32 and int64.
// Narrower types are sorted in a wider one that holds every value exactly.
DType sortableType(DType dt) {
  switch (dt) {
    case DType::kHalf:
    case DType::kBFloat16:
      return DType::kFloat;
    case DType::kBool:
    case DType::kInt8:
    case DType::kInt16:
    case DType::kUInt8:
      return DType::kInt32;
    default:
      return dt;
  }
}

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
  std::string x = ctx.tensor(self, work);
  auto outs = ctx.emitN("TopK", {x, k}, {{"axis", axis}, {"largest", static_cast<int64_t>(largest)}, {"sorted", 1}}, 2);
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

}  // namespace

void registerSortOps(Registry& r) {
  r.add("aten::topk", 1, topk);
  r.add("aten::sort", 1, sort);
  r.add("aten::argsort", 1, argsort);
  r.add("aten::nonzero", 1, nonzero);
  r.add("aten::nonzero_numpy", 1, nonzeroNumpy);
}

}  // namespace pt2onnx
