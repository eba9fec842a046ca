// Converters: repetition — repeat (Tile) and repeat_interleave with int or tensor repeats.
#include <algorithm>

#include "ops/common.h"

namespace pt2onnx {
namespace {

// repeat(self, repeats): Tile, after adding leading dims when repeats is longer than the rank.
// Repeats may be computed at run time.
Status repeat(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  int64_t rank = ctx.requireRank(self);
  const Value* repeats = ctx.input(node, 1);
  int64_t n = intListLength(ctx, repeats);
  if (n < 0) return ctx.fail(node, "the number of repeats is known only at run time");
  std::string x = ctx.tensor(self);
  int64_t extra = n - rank;
  if (extra < 0) return ctx.fail(node, "repeat needs at least as many repeats as the tensor has dims");
  if (extra > 0) {
    std::vector<int64_t> axes;
    for (int64_t i = 0; i < extra; ++i) axes.push_back(i);
    x = ctx.unsqueeze(x, axes);
  }
  ctx.bind(ctx.output(node), ctx.emit("Tile", {x, ctx.intsTensor(repeats)}));
  return Status::Ok();
}

// Positions j of the result map to source indices i where cum[i - 1] <= j < cum[i], cum being the
// running sum of the repeats: i = #{i : cum[i] <= j}.
std::string interleavedIndex(Context& ctx, const std::string& repeats) {
  std::string cum = ctx.cumsum(repeats, 0, 1, DType::kInt64);
  std::string total = ctx.reduce("ReduceSum", repeats, {0}, false);
  std::string j = ctx.emit("Range", {ctx.scalarI64(0), total, ctx.scalarI64(1)});
  std::string passed = ctx.emit("Not", {ctx.emit("Greater", {ctx.unsqueeze(cum, {0}), ctx.unsqueeze(j, {1})})});
  return ctx.reduce("ReduceSum", ctx.cast(passed, DType::kBool, DType::kInt64), {1}, false);
}

// repeat_interleave(repeats): each index i repeated repeats[i] times.
// repeat_interleave(self, repeats, dim): self's entries along dim (self flattened without dim),
// each repeated an int or per-entry tensor number of times.
Status repeatInterleave(Context& ctx, const Node& node) {
  const Value* out = ctx.output(node);
  if (ctx.inputCount(node) == 2) {
    std::string idx = interleavedIndex(ctx, ctx.tensor(ctx.input(node, 0), DType::kInt64));
    ctx.bind(out, ctx.cast(idx, DType::kInt64, ctx.requireDType(out)));
    return Status::Ok();
  }
  const Value* self = ctx.input(node, 0);
  const Value* repeats = ctx.input(node, 1);
  const Value* dim = ctx.input(node, 2);
  std::string x = ctx.tensor(self);
  int64_t rank = ctx.requireRank(self);
  int64_t axis = 0;
  if (ctx.isNone(dim) || rank == 0) {
    x = ctx.emit("Reshape", {x, ctx.constI64({-1})});
    rank = 1;
  } else {
    axis = normalizeAxis(ctx.constInt(dim), rank);
  }
  auto dims = ctx.isNone(dim) || ctx.requireRank(self) == 0 ? std::vector<int64_t>{-1} : ctx.shape(self);
  bool fixed = std::all_of(dims.begin(), dims.end(), [](int64_t d) { return d >= 0; });
  std::string shape = fixed ? ctx.constI64(dims) : ctx.shapeOf(x);  // constants let shape inference see sizes
  std::string n = ctx.emit("Slice", {shape, ctx.constI64({axis}), ctx.constI64({axis + 1})});  // [1]
  if (ctx.isTensor(repeats) && ctx.requireRank(repeats) == 1) {
    // A single count applies to every entry: Expand broadcasts [1] to [n] and leaves [n] alone.
    std::string counts = ctx.emit("Expand", {ctx.tensor(repeats, DType::kInt64), n});
    ctx.bind(out, ctx.emit("Gather", {x, interleavedIndex(ctx, counts)}, {{"axis", axis}}));
    return Status::Ok();
  }
  // One repeat count for every entry: a new axis after dim, expanded and merged into dim.
  auto count = ctx.maybeConstInt(repeats);
  if (fixed && count) {
    std::vector<int64_t> wide = dims, merged = dims;
    wide.insert(wide.begin() + axis + 1, *count);
    merged[axis] *= *count;
    std::string y = ctx.emit("Expand", {ctx.unsqueeze(x, {axis + 1}), ctx.constI64(wide)});
    ctx.bind(out, ctx.emit("Reshape", {y, ctx.constI64(merged)}));
    return Status::Ok();
  }
  std::string r = ctx.tensor(repeats, DType::kInt64);
  r = ctx.emit("Reshape", {r, ctx.constI64({1})});
  std::string head = ctx.emit("Slice", {shape, ctx.constI64({0}), ctx.constI64({axis + 1})});
  std::string tail = ctx.emit("Slice", {shape, ctx.constI64({axis + 1}), ctx.constI64({kInt64Max})});
  std::string wide =
      ctx.emit("Expand", {ctx.unsqueeze(x, {axis + 1}), ctx.emit("Concat", {head, r, tail}, {{"axis", 0}})});
  std::string before = ctx.emit("Slice", {shape, ctx.constI64({0}), ctx.constI64({axis})});
  std::string merged = ctx.emit("Concat", {before, ctx.emit("Mul", {n, r}), tail}, {{"axis", 0}});
  ctx.bind(out, ctx.emit("Reshape", {wide, merged}));
  return Status::Ok();
}

}  // namespace

void registerRepeatOps(Registry& r) {
  r.add("aten::repeat", 9, repeat);
  r.add("aten::repeat_interleave", 9, repeatInterleave);
}

}  // namespace pt2onnx
