// Converters: order statistics — median, nanmedian, kthvalue (through TopK), and cummax, cummin and
// mode (pairwise comparisons of the entries along the dim).
#include "ops/common.h"

namespace pt2onnx {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// The largest or the lowest value of a working dtype as a 0-d constant (ints stand in for
// infinities). int64's limits are not doubles, so they are made as integers.
std::string extreme(Context& ctx, DType dt, bool largest) {
  if (isFloating(dt)) return ctx.scalar(largest ? kInf : -kInf, dt);
  if (dt == DType::kInt64)
    return ctx.scalarI64(largest ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min());
  return ctx.scalar(largest ? std::numeric_limits<int32_t>::max() : std::numeric_limits<int32_t>::min(), dt);
}

// The size of `axis` as a 0-d INT64 tensor.
std::string axisLength(Context& ctx, const Value* self, const std::string& x, int64_t axis) {
  int64_t n = ctx.shape(self)[axis];
  return n >= 0 ? ctx.scalarI64(n) : ctx.dimOf(x, axis);
}

// Keeps or drops the reduced `axis` of a result computed with keepdims.
std::string keepOrSqueeze(Context& ctx, const std::string& x, int64_t axis, bool keepdim) {
  return keepdim ? x : ctx.squeeze(x, {axis});
}

struct Selected {
  std::string values;   // in self's dtype
  std::string indices;  // INT64
};

// The entry at sorted position `pos` (0-based; a 0-d INT64 tensor, the same for every slice) of
// each slice along `axis`, counting NaN as larger than every number as PyTorch's sort does. NaN
// sorts as +inf here, so positions that fall among the NaNs (pos >= count of numbers) take NaN.
Selected selectPosition(Context& ctx, const Value* self, int64_t axis, const std::string& pos, bool keepdim) {
  DType dt = ctx.requireDType(self), work = sortableType(dt);
  std::string x = ctx.tensor(self, work);
  std::string key = x, nan;
  if (isFloating(work)) {
    nan = ctx.emit("IsNaN", {x});
    key = ctx.emit("Where", {nan, ctx.scalar(kInf, work), x});
  }
  std::string k = ctx.unsqueeze(ctx.emit("Add", {pos, ctx.scalarI64(1)}), {0});
  auto top = sortedTopK(ctx, key, k, axis, false);
  std::string v = sliceConst(ctx, top[0], {-1}, {kInt64Max}, {axis});
  std::string i = sliceConst(ctx, top[1], {-1}, {kInt64Max}, {axis});
  if (!nan.empty()) {
    std::string numbers =
        ctx.reduce("ReduceSum", ctx.cast(ctx.emit("Not", {nan}), DType::kBool, DType::kInt64), {axis}, true);
    std::string past = ctx.emit("Less", {ctx.emit("Sub", {numbers, ctx.scalarI64(1)}), pos});
    v = ctx.emit("Where", {past, ctx.scalar(std::nan(""), work), v});
  }
  return {ctx.cast(keepOrSqueeze(ctx, v, axis, keepdim), work, dt), keepOrSqueeze(ctx, i, axis, keepdim)};
}

// A 0-d tensor is its own order statistic, at index 0.
bool bindZeroDim(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  if (ctx.requireRank(self) != 0) return false;
  ctx.bind(ctx.output(node, 0), ctx.tensor(self));
  if (ctx.outputCount(node) > 1) ctx.bind(ctx.output(node, 1), ctx.scalarI64(0));
  return true;
}

// The lower of the two middle positions, (n - 1) // 2, of a slice of n entries.
std::string lowerMiddle(Context& ctx, const std::string& n) {
  return ctx.emit("Div", {ctx.emit("Sub", {n, ctx.scalarI64(1)}), ctx.scalarI64(2)});
}

// median(self): the lower middle entry of the flattened tensor; NaN when any entry is NaN.
Status median(Context& ctx, const Node& node) {
  if (bindZeroDim(ctx, node)) return Status::Ok();
  const Value* self = ctx.input(node, 0);
  // Through a flattening Reshape, whose result has no recorded shape: the count is computed.
  std::string flat = ctx.emit("Reshape", {ctx.tensor(self), ctx.constI64({-1})});
  std::string n = ctx.dimOf(flat, 0);
  DType dt = ctx.requireDType(self), work = sortableType(dt);
  std::string key = ctx.cast(flat, dt, work), nan;
  if (isFloating(work)) {
    nan = ctx.emit("IsNaN", {key});
    key = ctx.emit("Where", {nan, ctx.scalar(kInf, work), key});
  }
  std::string k = ctx.unsqueeze(ctx.emit("Add", {lowerMiddle(ctx, n), ctx.scalarI64(1)}), {0});
  auto top = sortedTopK(ctx, key, k, 0, false);
  std::string v = ctx.emit("Reshape", {sliceConst(ctx, top[0], {-1}, {kInt64Max}, {0}), ctx.constI64({})});
  if (!nan.empty()) {
    std::string any = ctx.cast(ctx.reduce("ReduceMax", ctx.cast(nan, DType::kBool, DType::kFloat), {0}, false),
                               DType::kFloat, DType::kBool);
    v = ctx.emit("Where", {any, ctx.scalar(std::nan(""), work), v});
  }
  ctx.bind(ctx.output(node), ctx.cast(v, work, dt));
  return Status::Ok();
}

// median.dim(self, dim, keepdim) -> (values, indices): NaN, at a NaN's index, where a slice holds
// one. Among equal entries PyTorch leaves unspecified which index it returns; this gives one of
// them (the first, TopK's order).
Status medianDim(Context& ctx, const Node& node) {
  if (bindZeroDim(ctx, node)) return Status::Ok();
  const Value* self = ctx.input(node, 0);
  int64_t axis = normalizeAxis(ctx.constInt(ctx.input(node, 1)), ctx.requireRank(self));
  bool keepdim = ctx.constBool(ctx.input(node, 2));
  std::string x = ctx.tensor(self);
  Selected s = selectPosition(ctx, self, axis, lowerMiddle(ctx, axisLength(ctx, self, x, axis)), true);
  DType dt = ctx.requireDType(self);
  if (isFloating(dt)) {
    std::string nan = ctx.cast(ctx.emit("IsNaN", {ctx.tensor(self, sortableType(dt))}), DType::kBool, DType::kFloat);
    std::string any = ctx.cast(ctx.reduce("ReduceMax", nan, {axis}, true), DType::kFloat, DType::kBool);
    std::string first = ctx.emit("ArgMax", {nan}, {{"axis", axis}, {"keepdims", 1}});
    s.values = ctx.emit("Where", {any, ctx.scalar(std::nan(""), dt), s.values});
    s.indices = ctx.emit("Where", {any, first, s.indices});
  }
  ctx.bind(ctx.output(node, 0), keepOrSqueeze(ctx, s.values, axis, keepdim));
  ctx.bind(ctx.output(node, 1), keepOrSqueeze(ctx, s.indices, axis, keepdim));
  return Status::Ok();
}

// nanmedian(self) and nanmedian.dim(self, dim, keepdim): the median of the entries that are not
// NaN (NaN when all are). The position differs per slice, so the slice is sorted in full.
Status nanmedian(Context& ctx, const Node& node) {
  if (bindZeroDim(ctx, node)) return Status::Ok();
  const Value* self = ctx.input(node, 0);
  bool reduce_all = ctx.inputCount(node) == 1;
  int64_t axis = reduce_all ? 0 : normalizeAxis(ctx.constInt(ctx.input(node, 1)), ctx.requireRank(self));
  bool keepdim = !reduce_all && ctx.constBool(ctx.input(node, 2));
  DType dt = ctx.requireDType(self), work = sortableType(dt);
  if (!isFloating(work)) return reduce_all ? median(ctx, node) : medianDim(ctx, node);
  std::string x = ctx.tensor(self, work);
  if (reduce_all) x = ctx.emit("Reshape", {x, ctx.constI64({-1})});
  std::string n = ctx.unsqueeze(reduce_all ? ctx.dimOf(x, 0) : axisLength(ctx, self, x, axis), {0});
  std::string nan = ctx.emit("IsNaN", {x});
  std::string key = ctx.emit("Where", {nan, ctx.scalar(kInf, work), x});
  std::string numbers =
      ctx.reduce("ReduceSum", ctx.cast(ctx.emit("Not", {nan}), DType::kBool, DType::kInt64), {axis}, true);
  auto sorted = sortedTopK(ctx, key, n, axis, false);
  // Integer division truncates, so an all-NaN slice (no numbers) reads position 0.
  std::string pos = lowerMiddle(ctx, numbers);
  const int64_t rank = reduce_all ? 1 : ctx.requireRank(self);
  std::string v = ctx.gatherElements(sorted[0], pos, axis, rank);
  std::string i = ctx.gatherElements(sorted[1], pos, axis, rank);
  v = ctx.emit("Where", {ctx.emit("Equal", {numbers, ctx.scalarI64(0)}), ctx.scalar(std::nan(""), work), v});
  if (reduce_all) {
    ctx.bind(ctx.output(node), ctx.cast(ctx.emit("Reshape", {v, ctx.constI64({})}), work, dt));
    return Status::Ok();
  }
  ctx.bind(ctx.output(node, 0), ctx.cast(keepOrSqueeze(ctx, v, axis, keepdim), work, dt));
  ctx.bind(ctx.output(node, 1), keepOrSqueeze(ctx, i, axis, keepdim));
  return Status::Ok();
}

// kthvalue(self, k, dim=-1, keepdim=False) -> (values, indices): the k-th smallest (1-based).
Status kthvalue(Context& ctx, const Node& node) {
  if (bindZeroDim(ctx, node)) return Status::Ok();
  const Value* self = ctx.input(node, 0);
  int64_t axis = normalizeAxis(ctx.constInt(ctx.input(node, 2)), ctx.requireRank(self));
  bool keepdim = ctx.constBool(ctx.input(node, 3));
  const Value* k = ctx.input(node, 1);
  auto ck = ctx.maybeConstInt(k);
  std::string pos = ck ? ctx.scalarI64(*ck - 1) : ctx.emit("Sub", {ctx.tensor(k, DType::kInt64), ctx.scalarI64(1)});
  Selected s = selectPosition(ctx, self, axis, pos, keepdim);
  ctx.bind(ctx.output(node, 0), s.values);
  ctx.bind(ctx.output(node, 1), s.indices);
  return Status::Ok();
}

// Pairwise layout along `axis` (a) of a rank-r tensor: entry i stays on axis a, entry j moves to
// axis a+1. `upto` is the [n_i, n_j, 1...] mask j <= i, `jidx` the [n_j, 1...] index of j.
struct Pairs {
  std::string upto, jidx;
};

Pairs pairs(Context& ctx, const std::string& n, int64_t axis, int64_t rank, bool with_mask = true) {
  std::string r = ctx.emit("Range", {ctx.scalarI64(0), n, ctx.scalarI64(1)});
  std::vector<int64_t> trail_i, trail_j;
  for (int64_t t = 0; t < rank - 1 - axis; ++t) {
    trail_i.push_back(2 + t);
    trail_j.push_back(1 + t);
  }
  std::string jidx = trail_j.empty() ? r : ctx.unsqueeze(r, trail_j);
  if (!with_mask) return {"", jidx};
  std::string upto = ctx.emit("Not", {ctx.emit("Greater", {ctx.unsqueeze(r, {0}), ctx.unsqueeze(r, {1})})});
  if (!trail_i.empty()) upto = ctx.unsqueeze(upto, trail_i);
  return {upto, jidx};
}

// cummax / cummin(self, dim) -> (values, indices): the running extreme of entries 0..i and the
// last index where it occurs (PyTorch moves to an equal entry, and to every NaN, which sticks).
ConvertFn cumulativeExtreme(bool largest) {
  return [largest](Context& ctx, const Node& node) {
    if (bindZeroDim(ctx, node)) return Status::Ok();
    const Value* self = ctx.input(node, 0);
    int64_t rank = ctx.requireRank(self);
    int64_t axis = normalizeAxis(ctx.constInt(ctx.input(node, 1)), rank);
    DType dt = ctx.requireDType(self), work = sortableType(dt);
    if (dt == DType::kBool || dt == DType::kInt8 || dt == DType::kInt16 || dt == DType::kUInt8) work = DType::kInt64;
    std::string x = ctx.tensor(self, work);
    Pairs p = pairs(ctx, axisLength(ctx, self, x, axis), axis, rank);
    std::string fill = extreme(ctx, work, !largest);
    bool floating = isFloating(work);
    std::string nan = floating ? ctx.emit("IsNaN", {x}) : "";
    std::string xj = ctx.unsqueeze(floating ? ctx.emit("Where", {nan, fill, x}) : x, {axis});
    std::string window = ctx.emit("Where", {p.upto, xj, fill});
    std::string v = ctx.reduce(largest ? "ReduceMax" : "ReduceMin", window, {axis + 1}, false);
    std::string hit;
    if (floating) {
      std::string nan_j = ctx.emit("And", {p.upto, ctx.unsqueeze(nan, {axis})});
      std::string seen = ctx.reduce("ReduceMax", ctx.cast(nan_j, DType::kBool, DType::kFloat), {axis + 1}, false);
      std::string any = ctx.cast(seen, DType::kFloat, DType::kBool);
      v = ctx.emit("Where", {any, ctx.scalar(std::nan(""), work), v});
      // Entry j matches: equal to the running value, or NaN while the running value is NaN.
      hit = ctx.emit("Or", {ctx.emit("Equal", {ctx.unsqueeze(x, {axis}), ctx.unsqueeze(v, {axis + 1})}),
                            ctx.emit("And", {ctx.unsqueeze(nan, {axis}), ctx.unsqueeze(any, {axis + 1})})});
    } else {
      hit = ctx.emit("Equal", {ctx.unsqueeze(x, {axis}), ctx.unsqueeze(v, {axis + 1})});
    }
    hit = ctx.emit("And", {hit, p.upto});
    std::string idx = ctx.reduce("ReduceMax", ctx.emit("Where", {hit, p.jidx, ctx.scalarI64(-1)}), {axis + 1}, false);
    ctx.bind(ctx.output(node, 0), ctx.cast(v, work, dt));
    ctx.bind(ctx.output(node, 1), idx);
    return Status::Ok();
  };
}

// PyTorch finds the mode by sorting each slice with std::sort, which keeps equal entries in
// order only for slices of up to 16 entries (insertion sort); it returns the last entry of the
// mode's run, so its index is the last occurrence only there.
constexpr int64_t kModeOrderedLength = 16;

// mode(self, dim=-1, keepdim=False) -> (values, indices): the most frequent entry, the smallest of
// those equally frequent, and the last index where it occurs.
Status mode(Context& ctx, const Node& node) {
  if (bindZeroDim(ctx, node)) return Status::Ok();
  const Value* self = ctx.input(node, 0);
  int64_t rank = ctx.requireRank(self);
  int64_t axis = normalizeAxis(ctx.constInt(ctx.input(node, 1)), rank);
  bool keepdim = ctx.constBool(ctx.input(node, 2));
  int64_t n = ctx.shape(self)[axis];
  if (ctx.hasUses(ctx.output(node, 1)) && (n < 0 || n > kModeOrderedLength))
    return ctx.fail(node, "the index mode() returns for a dim longer than " + std::to_string(kModeOrderedLength) +
                              " (or of dynamic size) is an unspecified occurrence of the mode that ONNX cannot "
                              "reproduce; use only the values");
  DType dt = ctx.requireDType(self), work = sortableType(dt);
  std::string x = ctx.tensor(self, work);
  Pairs p = pairs(ctx, axisLength(ctx, self, x, axis), axis, rank, false);
  std::string same = ctx.emit("Equal", {ctx.unsqueeze(x, {axis + 1}), ctx.unsqueeze(x, {axis})});
  std::string count = ctx.reduce("ReduceSum", ctx.cast(same, DType::kBool, DType::kInt64), {axis + 1}, false);
  std::string most = ctx.emit("Equal", {count, ctx.reduce("ReduceMax", count, {axis}, true)});
  std::string v = ctx.emit("Where", {most, x, extreme(ctx, work, true)});
  v = ctx.reduce("ReduceMin", v, {axis}, true);
  std::string where = ctx.emit("Where", {ctx.emit("Equal", {x, v}), p.jidx, ctx.scalarI64(-1)});
  std::string idx = ctx.reduce("ReduceMax", where, {axis}, true);
  ctx.bind(ctx.output(node, 0), ctx.cast(keepOrSqueeze(ctx, v, axis, keepdim), work, dt));
  ctx.bind(ctx.output(node, 1), keepOrSqueeze(ctx, idx, axis, keepdim));
  return Status::Ok();
}

}  // namespace

void registerOrderStatOps(Registry& r) {
  r.add("aten::median", 10, [](Context& ctx, const Node& node) {
    return ctx.inputCount(node) == 1 ? median(ctx, node) : medianDim(ctx, node);
  });
  r.add("aten::nanmedian", 10, nanmedian);
  r.add("aten::kthvalue", 10, kthvalue);
  r.add("aten::cummax", 9, cumulativeExtreme(true));
  r.add("aten::cummin", 9, cumulativeExtreme(false));
  r.add("aten::mode", 9, mode);
}

}  // namespace pt2onnx
