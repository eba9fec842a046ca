// Converters: views and shape queries — numpy_T/mT, view_as, set_, diagonal, broadcast_tensors,
// _dim_arange, is_floating_point.
#include <algorithm>

#include "ops/common.h"

namespace pt2onnx {
namespace {

std::string permuted(Context& ctx, const std::string& x, const std::vector<int64_t>& perm) {
  bool identity = true;
  for (size_t i = 0; i < perm.size(); ++i) identity = identity && perm[i] == static_cast<int64_t>(i);
  if (identity) return x;
  return ctx.emit("Transpose", {x}, {{"perm", perm}});
}

// numpy_T (x.T): every dim reversed.
Status numpyT(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  int64_t rank = ctx.requireRank(self);
  std::vector<int64_t> perm;
  for (int64_t i = rank - 1; i >= 0; --i) perm.push_back(i);
  ctx.bind(ctx.output(node), permuted(ctx, ctx.tensor(self), perm));
  return Status::Ok();
}

// mT / mH / adjoint (x.mT): the last two dims swapped; real tensors need no conjugation.
Status matrixT(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  int64_t rank = ctx.requireRank(self);
  if (rank < 2) return ctx.fail(node, "a matrix transpose needs a tensor of at least 2 dims");
  std::vector<int64_t> perm;
  for (int64_t i = 0; i < rank; ++i) perm.push_back(i);
  std::swap(perm[rank - 1], perm[rank - 2]);
  ctx.bind(ctx.output(node), permuted(ctx, ctx.tensor(self), perm));
  return Status::Ok();
}

// view_as(self, other) / reshape_as: self with other's shape.
Status viewAs(Context& ctx, const Node& node) {
  std::string other = ctx.tensor(ctx.input(node, 1));
  ctx.bind(ctx.output(node), ctx.emit("Reshape", {ctx.tensor(ctx.input(node, 0)), ctx.shapeOf(other)}));
  return Status::Ok();
}

// set_(self, source): self becomes a view of source's storage, so reads of it are source itself;
// a Storage source (set_(self, storage, offset, size, stride)) is not a tensor in the graph.
Status setSource(Context& ctx, const Node& node) {
  if (ctx.inputCount(node) != 2 || !ctx.isTensor(ctx.input(node, 1)))
    return ctx.fail(node, "set_ converts with a tensor source only (x.set_(y)); a storage source has no graph value");
  ctx.bind(ctx.output(node), ctx.tensor(ctx.input(node, 1)));
  return Status::Ok();
}

// diagonal(self, offset, dim1, dim2): dim1 and dim2 are removed and the diagonal appended as the last
// dim. Entry i is x[i + r0, i + c0] with r0 = max(-offset, 0), c0 = max(offset, 0), and the length
// is max(0, min(n1 - r0, n2 - c0)). Rows are gathered first, then one column per row.
Status diagonal(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  int64_t rank = ctx.requireRank(self);
  if (rank < 2) return ctx.fail(node, "diagonal needs a tensor of at least 2 dims");
  int64_t offset = ctx.constInt(ctx.input(node, 1));
  int64_t d1 = normalizeAxis(ctx.constInt(ctx.input(node, 2)), rank);
  int64_t d2 = normalizeAxis(ctx.constInt(ctx.input(node, 3)), rank);
  if (d1 == d2) return ctx.fail(node, "diagonal dims must differ");
  std::vector<int64_t> perm;
  for (int64_t i = 0; i < rank; ++i)
    if (i != d1 && i != d2) perm.push_back(i);
  perm.push_back(d1);
  perm.push_back(d2);
  std::string x = permuted(ctx, ctx.tensor(self), perm);
  const int64_t r0 = std::max<int64_t>(-offset, 0), c0 = std::max<int64_t>(offset, 0);
  auto shape = ctx.shape(self);
  std::string rows, cols;
  if (shape[d1] >= 0 && shape[d2] >= 0) {
    int64_t len = std::max<int64_t>(0, std::min(shape[d1] - r0, shape[d2] - c0));
    std::vector<int64_t> r, c;
    for (int64_t i = 0; i < len; ++i) r.push_back(i + r0), c.push_back(i + c0);
    rows = ctx.constI64(r);
    cols = ctx.constI64(c);
  } else {
    std::string n1 = ctx.dimOf(x, rank - 2), n2 = ctx.dimOf(x, rank - 1);
    // Min and Max take int64 only from opset 12: Where picks instead.
    auto smaller = [&](const std::string& a, const std::string& b) {
      return ctx.emit("Where", {ctx.emit("Less", {a, b}), a, b});
    };
    std::string len = smaller(ctx.emit("Sub", {n1, ctx.scalarI64(r0)}), ctx.emit("Sub", {n2, ctx.scalarI64(c0)}));
    len = ctx.emit("Where", {ctx.emit("Less", {len, ctx.scalarI64(0)}), ctx.scalarI64(0), len});
    rows = ctx.emit("Range", {ctx.scalarI64(r0), ctx.emit("Add", {len, ctx.scalarI64(r0)}), ctx.scalarI64(1)});
    cols = ctx.emit("Add", {ctx.emit("Sub", {rows, ctx.scalarI64(r0)}), ctx.scalarI64(c0)});
  }
  std::string picked = ctx.emit("Gather", {x, rows}, {{"axis", rank - 2}});  // [..., len, n2]
  if (ctx.opset() < 11) {
    // No GatherElements: the one column of each row kept by a mask [len, n2] (Where, so other
    // columns' NaNs and infinities stay out), then summed away.
    std::string all = ctx.emit("Range", {ctx.scalarI64(0), ctx.dimOf(x, rank - 1), ctx.scalarI64(1)});
    std::string mask = ctx.emit("Equal", {ctx.unsqueeze(cols, {1}), ctx.unsqueeze(all, {0})});
    DType dt = ctx.requireDType(self);
    DType sum_type =
        dt == DType::kBool || dt == DType::kInt8 || dt == DType::kUInt8 || dt == DType::kInt16 ? DType::kInt32 : dt;
    std::string kept = ctx.emit("Where", {mask, ctx.cast(picked, dt, sum_type), ctx.scalar(0, sum_type)});
    ctx.bind(ctx.output(node), ctx.cast(ctx.reduce("ReduceSum", kept, {rank - 1}, false), sum_type, dt));
    return Status::Ok();
  }
  // One column per row: GatherElements with index [..., len, 1].
  std::string batch = ctx.emit("Slice", {ctx.shapeOf(picked), ctx.constI64({0}), ctx.constI64({rank - 2})});
  std::string idx_shape = ctx.emit("Concat", {batch, ctx.shapeOf(rows), ctx.constI64({1})}, {{"axis", 0}});
  std::string idx = ctx.emit("Expand", {ctx.unsqueeze(cols, {1}), idx_shape});
  std::string diag = ctx.emit("GatherElements", {picked, idx}, {{"axis", rank - 1}});
  ctx.bind(ctx.output(node), ctx.squeeze(diag, {rank - 1}));
  return Status::Ok();
}

// broadcast_tensors(tensors): each expanded to the broadcast of all shapes (Expand broadcasts both ways).
Status broadcastTensors(Context& ctx, const Node& node) {
  auto items = ctx.tensorList(ctx.input(node, 0));
  if (items.empty()) return ctx.fail(node, "broadcast_tensors of an empty list");
  std::string all = items[0];
  for (size_t i = 1; i < items.size(); ++i) all = ctx.emit("Expand", {all, ctx.shapeOf(items[i])});
  std::string shape = ctx.shapeOf(all);
  std::vector<std::string> out;
  for (const auto& t : items) out.push_back(ctx.emit("Expand", {t, shape}));
  ctx.bindList(ctx.output(node), out);
  return Status::Ok();
}

// _dim_arange(like, dim): arange(like.size(dim)) as int64.
Status dimArange(Context& ctx, const Node& node) {
  const Value* like = ctx.input(node, 0);
  int64_t axis = normalizeAxis(ctx.constInt(ctx.input(node, 1)), ctx.requireRank(like));
  std::string n = ctx.dimOf(ctx.tensor(like), axis);
  std::string r = ctx.emit("Range", {ctx.scalarI64(0), n, ctx.scalarI64(1)});
  ctx.bind(ctx.output(node), ctx.cast(r, DType::kInt64, ctx.requireDType(ctx.output(node))));
  return Status::Ok();
}

// is_floating_point(self): known from the recorded dtype.
Status isFloatingPoint(Context& ctx, const Node& node) {
  bool floating = isFloating(ctx.requireDType(ctx.input(node, 0)));
  ctx.bind(ctx.output(node), ctx.scalar(floating ? 1 : 0, DType::kBool));
  return Status::Ok();
}

}  // namespace

void registerViewOps(Registry& r) {
  r.add("aten::numpy_T", 9, numpyT);
  r.add("aten::mT", 9, matrixT);
  r.add("aten::mH", 9, matrixT);
  r.add("aten::adjoint", 9, matrixT);
  r.add("aten::view_as", 9, viewAs);
  r.add("aten::reshape_as", 9, viewAs);
  r.add("aten::set", 9, setSource);
  r.add("aten::diagonal", 9, diagonal);
  r.add("aten::broadcast_tensors", 9, broadcastTensors);
  r.add("aten::_dim_arange", 9, dimArange);
  r.add("aten::is_floating_point", 9, isFloatingPoint);
}

}  // namespace pt2onnx
