// Converters: tensors rearranged or built from others (movedim, fliplr/flipud, rot90, tile, diff,
// trace, kron, cartesian_prod, vander, msort) and index/identity constructors (eye, tril_indices,
// triu_indices).
#include <algorithm>

#include "onnx/dtype.h"
#include "ops/common.h"
#include "ops/typing.h"

namespace pt2onnx {
namespace {

std::vector<int64_t> identityPerm(int64_t rank) {
  std::vector<int64_t> perm;
  for (int64_t i = 0; i < rank; ++i) perm.push_back(i);
  return perm;
}

// movedim(self, source, destination): the source dims go to the destination places, the other
// dims keep their order in the places left.
Status movedim(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  int64_t rank = ctx.requireRank(self);
  auto src = normalizeAxes(ctx.constInts(ctx.input(node, 1)), std::max<int64_t>(rank, 1));
  auto dst = normalizeAxes(ctx.constInts(ctx.input(node, 2)), std::max<int64_t>(rank, 1));
  if (src.size() != dst.size()) return ctx.fail(node, "movedim needs as many source as destination dims");
  if (rank < 2) return passThrough(ctx, node);
  std::vector<int64_t> perm(rank, -1);
  std::vector<bool> used(rank, false);
  for (size_t i = 0; i < src.size(); ++i) {
    perm[dst[i]] = src[i];
    used[src[i]] = true;
  }
  int64_t next = 0;
  for (auto& p : perm) {
    if (p >= 0) continue;
    while (used[next]) ++next;
    p = next++;
  }
  ctx.bind(ctx.output(node), ctx.emit("Transpose", {ctx.tensor(self)}, {{"perm", perm}}));
  return Status::Ok();
}

// x reversed along `dims` (Slice with step -1, opset 10).
std::string reversed(Context& ctx, const std::string& x, const std::vector<int64_t>& dims) {
  std::vector<int64_t> starts(dims.size(), -1), ends(dims.size(), std::numeric_limits<int64_t>::min()),
      steps(dims.size(), -1);
  return ctx.emit("Slice", {x, ctx.constI64(starts), ctx.constI64(ends), ctx.constI64(dims), ctx.constI64(steps)});
}

ConvertFn flipAxis(int64_t axis) {
  return [axis](Context& ctx, const Node& node) {
    const Value* self = ctx.input(node, 0);
    if (ctx.requireRank(self) <= axis)
      return ctx.fail(node, "the input needs rank " + std::to_string(axis + 1) + " or more");
    ctx.bind(ctx.output(node), reversed(ctx, ctx.tensor(self), {axis}));
    return Status::Ok();
  };
}

// rot90(self, k, dims): k = 1 flips dims[1] then swaps the dims, k = 2 flips both, k = 3 flips
// dims[0] then swaps (k taken mod 4).
Status rot90(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  int64_t rank = ctx.requireRank(self);
  int64_t k = ((ctx.constInt(ctx.input(node, 1)) % 4) + 4) % 4;
  auto dims = normalizeAxes(ctx.constInts(ctx.input(node, 2)), std::max<int64_t>(rank, 1));
  if (dims.size() != 2 || dims[0] == dims[1]) return ctx.fail(node, "rot90 needs two different dims");
  std::string x = ctx.tensor(self);
  if (k == 0) return passThrough(ctx, node);
  if (k == 2) {
    ctx.bind(ctx.output(node), reversed(ctx, x, dims));
    return Status::Ok();
  }
  x = reversed(ctx, x, {k == 1 ? dims[1] : dims[0]});
  auto perm = identityPerm(rank);
  std::swap(perm[dims[0]], perm[dims[1]]);
  ctx.bind(ctx.output(node), ctx.emit("Transpose", {x}, {{"perm", perm}}));
  return Status::Ok();
}

// tile(self, dims): Tile with the repeats padded by leading ones to the input's rank, or the input
// given leading unit dims when dims is longer. Repeats may be computed at run time.
Status tile(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  int64_t rank = ctx.requireRank(self);
  const Value* dims = ctx.input(node, 1);
  int64_t count = -1;
  if (auto c = ctx.maybeConstInts(dims)) count = static_cast<int64_t>(c->size());
  if (count < 0 && ctx.kind(*ctx.producer(dims)) == "prim::ListConstruct")
    count = static_cast<int64_t>(ctx.inputCount(*ctx.producer(dims)));
  if (count < 0) return ctx.fail(node, "tile needs a list of repeats of known length");
  std::string x = ctx.tensor(self);
  std::string repeats = ctx.intsTensor(dims);
  if (count < rank) {
    repeats = ctx.emit("Concat", {ctx.constI64(std::vector<int64_t>(rank - count, 1)), repeats}, {{"axis", 0}});
  } else if (count > rank) {
    std::vector<int64_t> lead = identityPerm(count - rank);
    x = ctx.unsqueeze(x, lead);
  }
  if (std::max(rank, count) == 0) return passThrough(ctx, node);
  ctx.bind(ctx.output(node), ctx.emit("Tile", {x, repeats}));
  return Status::Ok();
}

// diff(self, n, dim, prepend?, append?): x[1:] - x[:-1] along dim, n times, after prepend and
// append are concatenated; on bools the difference is "not equal" (xor).
Status diff(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  int64_t rank = ctx.requireRank(self);
  if (rank == 0) return ctx.fail(node, "diff needs a tensor of rank 1 or more");
  int64_t n = ctx.constInt(ctx.input(node, 1));
  int64_t axis = normalizeAxis(ctx.constInt(ctx.input(node, 2)), rank);
  DType dt = ctx.requireDType(ctx.output(node));
  std::vector<std::string> parts;
  for (size_t i : {size_t{3}, size_t{0}, size_t{4}}) {
    const Value* v = ctx.input(node, i);
    if (ctx.isNone(v)) continue;
    if (ctx.requireRank(v) != rank) return ctx.fail(node, "diff's prepend and append need the input's rank");
    parts.push_back(ctx.tensor(v, dt));
  }
  std::string x = parts.size() == 1 ? parts[0] : ctx.emit("Concat", parts, {{"axis", axis}});
  for (int64_t i = 0; i < n; ++i) {
    std::string hi = sliceConst(ctx, x, {1}, {kInt64Max}, {axis});
    std::string lo = sliceConst(ctx, x, {0}, {-1}, {axis});
    x = dt == DType::kBool ? ctx.emit("Xor", {hi, lo}) : emitTyped(ctx, "Sub", {hi, lo}, dt);
  }
  ctx.bind(ctx.output(node), x);
  return Status::Ok();
}

// EyeLike's element type for an identity of `dt`: ONNX Runtime implements EyeLike for float,
// double, int32 and int64 only, so other types are made in one of them and cast.
DType eyeType(DType dt) {
  if (dt == DType::kFloat || dt == DType::kDouble || dt == DType::kInt32 || dt == DType::kInt64) return dt;
  return isFloating(dt) ? DType::kFloat : DType::kInt32;
}

// trace(self) of a 2-D tensor: the sum of its main diagonal (an EyeLike mask picks it out), int64
// for integer inputs.
Status trace(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  if (ctx.requireRank(self) != 2) return ctx.fail(node, "trace takes a 2-D tensor");
  DType dt = ctx.requireDType(ctx.output(node));
  DType ct = computeDType("ReduceSum", ctx.opset(), dt);
  if (ct == DType::kUndefined) return ctx.fail(node, std::string("trace of ") + dtypeName(dt) + " tensors");
  std::string x = ctx.tensor(self, ct);
  std::string zeros = ctx.emit("ConstantOfShape", {ctx.shapeOf(x)});  // float: a type EyeLike reads everywhere
  std::string eye = ctx.emit("EyeLike", {zeros}, {{"dtype", static_cast<int64_t>(toOnnx(DType::kInt32))}});
  std::string diag = ctx.cast(eye, DType::kInt32, DType::kBool);
  std::string kept = ctx.emit("Where", {diag, x, ctx.scalar(0, ct)});
  ctx.bind(ctx.output(node), ctx.cast(ctx.reduce("ReduceSum", kept, {0, 1}, false), ct, dt));
  return Status::Ok();
}

// A 1-D int64 [n, m] from two int arguments, constant or computed.
std::string sizePair(Context& ctx, const Value* n, const Value* m) {
  auto a = ctx.maybeConstInt(n), b = ctx.maybeConstInt(m);
  if (a && b) return ctx.constI64({*a, *b});
  auto part = [&](const Value* v) { return ctx.unsqueeze(ctx.tensor(v, DType::kInt64), {0}); };
  return ctx.emit("Concat", {part(n), part(m)}, {{"axis", 0}});
}

// eye(n, [m,] dtype, ...): EyeLike of an n x m block of zeros; n and m may be computed.
Status eye(Context& ctx, const Node& node) {
  const Value* n = ctx.input(node, 0);
  const Value* m = ctx.inputCount(node) >= 6 ? ctx.input(node, 1) : n;
  DType dt = ctx.requireDType(ctx.output(node));
  DType ct = eyeType(dt);
  std::string zeros = ctx.emit("ConstantOfShape", {sizePair(ctx, n, m)});
  std::string y = ctx.emit("EyeLike", {zeros}, {{"dtype", static_cast<int64_t>(toOnnx(ct))}});
  ctx.bind(ctx.output(node), ctx.cast(y, ct, dt));
  return Status::Ok();
}

// tril_indices / triu_indices(row, col, offset, dtype, ...): the [2, K] coordinates of the lower
// (upper) triangle in row-major order. Constant sizes give a constant; computed sizes take the
// NonZero of the triangle's mask over a row x col grid (Range: opset 11).
ConvertFn triangleIndices(bool upper) {
  return [upper](Context& ctx, const Node& node) {
    auto row = ctx.maybeConstInt(ctx.input(node, 0)), col = ctx.maybeConstInt(ctx.input(node, 1));
    int64_t offset = ctx.constInt(ctx.input(node, 2));
    DType dt = ctx.requireDType(ctx.output(node));
    if (row && col) {
      std::vector<double> rs, cs;
      for (int64_t r = 0; r < *row; ++r)
        for (int64_t c = 0; c < *col; ++c)
          if (upper ? c - r >= offset : c - r <= offset) {
            rs.push_back(static_cast<double>(r));
            cs.push_back(static_cast<double>(c));
          }
      int64_t k = static_cast<int64_t>(rs.size());
      rs.insert(rs.end(), cs.begin(), cs.end());
      ctx.bind(ctx.output(node), ctx.constTensor(rs, {2, k}, dt));
      return Status::Ok();
    }
    auto range = [&](const Value* v) {
      return ctx.emit("Range", {ctx.scalarI64(0), ctx.tensor(v, DType::kInt64), ctx.scalarI64(1)});
    };
    std::string r = ctx.unsqueeze(range(ctx.input(node, 0)), {1}), c = ctx.unsqueeze(range(ctx.input(node, 1)), {0});
    std::string d = ctx.emit("Sub", {c, r});
    std::string mask = upper ? ctx.emit("Not", {ctx.emit("Less", {d, ctx.scalarI64(offset)})})
                             : ctx.emit("Not", {ctx.emit("Greater", {d, ctx.scalarI64(offset)})});
    ctx.bind(ctx.output(node), ctx.cast(ctx.emit("NonZero", {mask}), DType::kInt64, dt));
    return Status::Ok();
  };
}

// kron(a, b): with both at the same rank r (leading unit dims added), a's dims interleaved with
// b's by unsqueezing, multiplied, and reshaped to shape(a) * shape(b).
Status kron(Context& ctx, const Node& node) {
  const Value* av = ctx.input(node, 0);
  const Value* bv = ctx.input(node, 1);
  DType dt = ctx.requireDType(ctx.output(node));
  int64_t ra = ctx.requireRank(av), rb = ctx.requireRank(bv), r = std::max(ra, rb);
  std::string a = ctx.tensor(av, dt), b = ctx.tensor(bv, dt);
  if (r == 0) {
    ctx.bind(ctx.output(node), emitTyped(ctx, "Mul", {a, b}, dt));
    return Status::Ok();
  }
  if (ra < r) a = ctx.unsqueeze(a, identityPerm(r - ra));
  if (rb < r) b = ctx.unsqueeze(b, identityPerm(r - rb));
  std::vector<int64_t> odd, even;
  for (int64_t i = 0; i < r; ++i) {
    odd.push_back(2 * i + 1);
    even.push_back(2 * i);
  }
  std::string shape = ctx.emit("Mul", {ctx.shapeOf(a), ctx.shapeOf(b)});
  std::string prod = dt == DType::kBool ? ctx.emit("And", {ctx.unsqueeze(a, odd), ctx.unsqueeze(b, even)})
                                        : emitTyped(ctx, "Mul", {ctx.unsqueeze(a, odd), ctx.unsqueeze(b, even)}, dt);
  ctx.bind(ctx.output(node), ctx.emit("Reshape", {prod, shape}));
  return Status::Ok();
}

// cartesian_prod(tensors): every combination of one element of each 1-D tensor, in row-major
// order, as the columns of an [N, k] tensor (a lone tensor is returned as is).
Status cartesianProd(Context& ctx, const Node& node) {
  auto parts = ctx.tensorList(ctx.input(node, 0));
  if (parts.size() == 1) {
    ctx.bind(ctx.output(node), parts[0]);
    return Status::Ok();
  }
  const int64_t k = static_cast<int64_t>(parts.size());
  std::vector<std::string> sizes;
  for (const auto& p : parts) sizes.push_back(ctx.shapeOf(p));
  std::string full = ctx.emit("Concat", sizes, {{"axis", 0}});
  std::vector<std::string> cols;
  for (int64_t i = 0; i < k; ++i) {
    std::vector<int64_t> others;
    for (int64_t j = 0; j < k; ++j)
      if (j != i) others.push_back(j);
    std::string grid = ctx.emit("Expand", {ctx.unsqueeze(parts[i], others), full});
    cols.push_back(ctx.unsqueeze(ctx.emit("Reshape", {grid, ctx.constI64({-1})}), {1}));
  }
  ctx.bind(ctx.output(node), ctx.emit("Concat", cols, {{"axis", 1}}));
  return Status::Ok();
}

// vander(x, N?, increasing): the powers x^(N-1) .. x^0 (increasing: x^0 .. x^(N-1)) as columns;
// N defaults to len(x).
Status vander(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  if (ctx.requireRank(self) != 1) return ctx.fail(node, "vander takes a 1-D tensor");
  DType dt = ctx.requireDType(ctx.output(node));
  std::string x = ctx.unsqueeze(ctx.tensor(self, dt), {1});
  const Value* nv = ctx.input(node, 1);
  std::string n = ctx.isNone(nv) ? ctx.dimOf(x, 0) : ctx.tensor(nv, DType::kInt64);
  bool increasing = ctx.constBool(ctx.input(node, 2));
  std::string one = ctx.scalarI64(1);
  std::string powers = increasing
                           ? ctx.emit("Range", {ctx.scalarI64(0), n, one})
                           : ctx.emit("Range", {ctx.emit("Sub", {n, one}), ctx.scalarI64(-1), ctx.scalarI64(-1)});
  // Integer powers are exact running products in PyTorch; Pow in floating point could round them.
  if (!isFloating(dt)) return ctx.fail(node, "vander of an integer tensor is not supported; cast it to float first");
  std::string y = ctx.emit("Pow", {x, ctx.cast(powers, DType::kInt64, dt)});
  ctx.bind(ctx.output(node), y);
  return Status::Ok();
}

// msort(self): self sorted ascending along dim 0 (TopK over the whole dim, opset 10).
Status msort(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  if (ctx.requireRank(self) == 0) return passThrough(ctx, node);
  DType dt = ctx.requireDType(self);
  DType ct = computeDType("TopK", ctx.opset(), dt);
  if (ct == DType::kUndefined) return ctx.fail(node, std::string("msort of ") + dtypeName(dt) + " tensors");
  std::string x = ctx.tensor(self, ct);
  std::string k = ctx.unsqueeze(ctx.dimOf(x, 0), {0});
  auto sorted = sortedTopK(ctx, x, k, 0, false);
  ctx.bind(ctx.output(node), ctx.cast(sorted[0], ct, dt));
  return Status::Ok();
}

// take(self, index): self read as 1-D at the indices (negative ones count from the end).
Status take(Context& ctx, const Node& node) {
  std::string flat = ctx.emit("Reshape", {ctx.tensor(ctx.input(node, 0)), ctx.constI64({-1})});
  std::string index = ctx.tensor(ctx.input(node, 1), DType::kInt64);
  ctx.bind(ctx.output(node), ctx.emit("Gather", {flat, index}, {{"axis", 0}}));
  return Status::Ok();
}

// argwhere(self): the [N, rank] coordinates of the non-zero elements, in row-major order.
Status argwhere(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  if (ctx.requireRank(self) == 0) return ctx.fail(node, "argwhere of a 0-d tensor");
  ctx.bind(ctx.output(node), ctx.emit("Transpose", {ctx.emit("NonZero", {ctx.tensor(self)})}, {{"perm", {1, 0}}}));
  return Status::Ok();
}

}  // namespace

void registerRearrangeOps(Registry& r) {
  r.add("aten::take", 9, take);
  r.add("aten::argwhere", 9, argwhere);
  r.add("aten::movedim", 9, movedim);
  r.add("aten::fliplr", 9, flipAxis(1));
  r.add("aten::flipud", 9, flipAxis(0));
  r.add("aten::rot90", 9, rot90);
  r.add("aten::tile", 9, tile);
  r.add("aten::diff", 9, diff);
  r.add("aten::trace", 9, trace);
  r.add("aten::eye", 9, eye);
  r.add("aten::tril_indices", 9, triangleIndices(false));
  r.add("aten::triu_indices", 9, triangleIndices(true));
  r.add("aten::kron", 9, kron);
  r.add("aten::cartesian_prod", 9, cartesianProd);
  r.add("aten::vander", 9, vander);
  r.add("aten::msort", 10, msort);
}

}  // namespace pt2onnx
