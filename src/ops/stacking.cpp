// Converters: atleast_1d/2d/3d, hstack/vstack/dstack/column_stack, ravel (reshapes and
// concatenations over dims the stacking rule picks) and block_diag.
#include "ops/common.h"

namespace pt2onnx {
namespace {

// x raised to rank `n` as atleast_{n}d does: 0-d -> [1]*n, [N] -> [1, N] (n >= 2) or [1, N, 1]
// (n = 3), [M, N] -> [M, N, 1] (n = 3).
std::string atLeast(Context& ctx, const std::string& x, int64_t rank, int64_t n) {
  if (rank >= n) return x;
  if (rank == 0) return ctx.emit("Reshape", {x, ctx.constI64(std::vector<int64_t>(n, 1))});
  if (rank == 1 && n == 2) return ctx.unsqueeze(x, {0});
  if (rank == 1) return ctx.unsqueeze(x, {0, 2});
  return ctx.unsqueeze(x, {2});
}

// atleast_{n}d(self) or atleast_{n}d(Tensor[] tensors) -> Tensor[]
ConvertFn atLeastOp(int64_t n) {
  return [n](Context& ctx, const Node& node) {
    const Value* in = ctx.input(node, 0);
    if (ctx.isTensorList(in)) {
      const Node* list = ctx.producer(in);
      if (ctx.kind(*list) != "prim::ListConstruct") return ctx.fail(node, "a list this converter cannot follow");
      std::vector<std::string> out;
      for (size_t i = 0; i < ctx.inputCount(*list); ++i) {
        const Value* t = ctx.input(*list, i);
        out.push_back(atLeast(ctx, ctx.tensor(t), ctx.requireRank(t), n));
      }
      ctx.bindList(ctx.output(node), out);
      return Status::Ok();
    }
    ctx.bind(ctx.output(node), atLeast(ctx, ctx.tensor(in), ctx.requireRank(in), n));
    return Status::Ok();
  };
}

// The list's tensors in the output's dtype, each raised by `raise` (rank -> new name), and
// concatenated on `axis` (which may depend on the first raised rank).
enum class Stack { kH, kV, kD, kColumn };

Status stackOp(Context& ctx, const Node& node, Stack how) {
  const Node* list = ctx.producer(ctx.input(node, 0));
  if (ctx.kind(*list) != "prim::ListConstruct") return ctx.fail(node, "a list this converter cannot follow");
  if (ctx.inputCount(*list) == 0) return ctx.fail(node, "stacking an empty list");
  DType dt = ctx.requireDType(ctx.output(node));
  std::vector<std::string> parts;
  int64_t first_rank = -1;
  for (size_t i = 0; i < ctx.inputCount(*list); ++i) {
    const Value* t = ctx.input(*list, i);
    int64_t rank = ctx.requireRank(t);
    std::string x = ctx.tensor(t, dt);
    switch (how) {
      case Stack::kH:
        x = atLeast(ctx, x, rank, 1);
        rank = std::max<int64_t>(rank, 1);
        break;
      case Stack::kV:
        x = atLeast(ctx, x, rank, 2);
        break;
      case Stack::kD:
        x = atLeast(ctx, x, rank, 3);
        break;
      case Stack::kColumn:  // 0-d and 1-d tensors become columns
        if (rank <= 1) x = ctx.emit("Reshape", {x, ctx.constI64({-1, 1})});
        break;
    }
    if (first_rank < 0) first_rank = rank;
    parts.push_back(x);
  }
  int64_t axis = how == Stack::kV ? 0 : how == Stack::kD ? 2 : how == Stack::kColumn ? 1 : first_rank == 1 ? 0 : 1;
  ctx.bind(ctx.output(node), parts.size() == 1 ? parts[0] : ctx.emit("Concat", parts, {{"axis", axis}}));
  return Status::Ok();
}

Status ravel(Context& ctx, const Node& node) {
  ctx.bind(ctx.output(node), ctx.emit("Reshape", {ctx.tensor(ctx.input(node, 0)), ctx.constI64({-1})}));
  return Status::Ok();
}

// block_diag(tensors): each tensor (0-d as [1, 1], 1-D as one row) on the diagonal of a zero
// matrix. Widths are read from the shapes, so dynamic sizes hold.
Status blockDiag(Context& ctx, const Node& node) {
  DType dt = ctx.requireDType(ctx.output(node));
  if (dt == DType::kBool && ctx.opset() < 13) return ctx.fail(node, "block_diag of bool tensors needs opset 13");
  auto items = ctx.optionalTensorList(ctx.input(node, 0));
  if (items.empty()) return ctx.fail(node, "block_diag of no tensors");
  std::vector<std::string> mats, widths;
  for (const auto& e : items) {
    if (e.none || e.rank < 0 || e.rank > 2) return ctx.fail(node, "block_diag takes tensors of at most 2 dims");
    std::string m = ctx.cast(e.name, e.dtype, dt);
    if (e.rank == 0) m = ctx.emit("Reshape", {m, ctx.constI64({1, 1})});
    if (e.rank == 1) m = ctx.unsqueeze(m, {0});
    mats.push_back(m);
    widths.push_back(ctx.emit("Slice", {ctx.shapeOf(m), ctx.constI64({1}), ctx.constI64({2})}));
  }
  std::string total = widths[0];
  for (size_t i = 1; i < widths.size(); ++i) total = ctx.emit("Add", {total, widths[i]});
  std::string before = ctx.constI64({0}), zero = ctx.constI64({0});
  std::vector<std::string> rows;
  for (size_t i = 0; i < mats.size(); ++i) {
    std::string after = ctx.emit("Sub", {ctx.emit("Sub", {total, before}), widths[i]});
    std::string pads = ctx.emit("Concat", {zero, before, zero, after}, {{"axis", 0}});
    rows.push_back(ctx.padWithZeros(mats[i], pads, 2, dt));
    before = ctx.emit("Add", {before, widths[i]});
  }
  ctx.bind(ctx.output(node), rows.size() == 1 ? rows[0] : ctx.emit("Concat", rows, {{"axis", 0}}));
  return Status::Ok();
}

}  // namespace

void registerStackingOps(Registry& r) {
  r.add("aten::atleast_1d", 9, atLeastOp(1));
  r.add("aten::atleast_2d", 9, atLeastOp(2));
  r.add("aten::atleast_3d", 9, atLeastOp(3));
  r.add("aten::hstack", 9, [](Context& ctx, const Node& node) { return stackOp(ctx, node, Stack::kH); });
  r.add("aten::vstack", 9, [](Context& ctx, const Node& node) { return stackOp(ctx, node, Stack::kV); });
  r.add("aten::dstack", 9, [](Context& ctx, const Node& node) { return stackOp(ctx, node, Stack::kD); });
  r.add("aten::column_stack", 9, [](Context& ctx, const Node& node) { return stackOp(ctx, node, Stack::kColumn); });
  r.add("aten::ravel", 9, ravel);
  r.add("aten::block_diag", 9, blockDiag);
}

}  // namespace pt2onnx
