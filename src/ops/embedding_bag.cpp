// Converters: embedding bags (sum/mean/max over bags given by offsets) and embedding_renorm.
#include "ops/common.h"

namespace pt2onnx {
namespace {

// A 1-D slice [from, to) of a 1-D tensor.
std::string part(Context& ctx, const std::string& x, int64_t from, int64_t to) {
  return ctx.emit("Slice", {x, ctx.constI64({from}), ctx.constI64({to}), ctx.constI64({0})});
}

// embedding_bag(weight, indices, offsets, scale_grad_by_freq, mode, sparse, per_sample_weights,
// include_last_offset[, padding_idx]) -> (output, offset2bag, bag_size, max_indices). Bag b holds
// the indices j with offsets[b] <= j < offsets[b + 1] (the last bag runs to the end unless
// include_last_offset), minus those equal to padding_idx. A [B, N] membership matrix sums the
// rows with one MatMul (sum, mean) or masks them for a max; empty bags give zeros, as in PyTorch.
// Only the output is converted: offset2bag, bag_size and max_indices serve the backward pass.
Status embeddingBag(Context& ctx, const Node& node) {
  const Value* weight = ctx.input(node, 0);
  const Value* indices = ctx.input(node, 1);
  const Value* offsets = ctx.input(node, 2);
  DType dt = ctx.requireDType(ctx.output(node, 0));
  if (!isFloating(dt)) return ctx.fail(node, "embedding_bag takes a floating-point weight");
  if (ctx.requireRank(indices) != 1 || ctx.isNone(offsets))
    return ctx.fail(node, "embedding_bag takes 1-D indices with offsets (2-D input is flattened by the caller)");
  int64_t mode = ctx.constInt(ctx.input(node, 4));
  if (mode < 0 || mode > 2) return ctx.fail(node, "embedding_bag mode " + std::to_string(mode) + " is unknown");
  const Value* psw = ctx.input(node, 6);
  bool weighted = !ctx.isNone(psw);
  if (weighted && mode != 0) return ctx.fail(node, "per_sample_weights are only defined for mode 'sum'");
  bool include_last = ctx.constBool(ctx.input(node, 7));
  std::optional<int64_t> padding_idx;
  if (ctx.inputCount(node) > 8 && !ctx.isNone(ctx.input(node, 8))) {
    int64_t p = ctx.constInt(ctx.input(node, 8));
    if (p >= 0) padding_idx = p;  // -1: none
  }
  std::string idx = ctx.tensor(indices, DType::kInt64);
  std::string offs = ctx.tensor(offsets, DType::kInt64);
  std::string n = ctx.emit("Shape", {idx});  // [1]
  std::string starts = include_last ? part(ctx, offs, 0, -1) : offs;
  std::string ends = include_last ? part(ctx, offs, 1, kInt64Max)
                                  : ctx.emit("Concat", {part(ctx, offs, 1, kInt64Max), n}, {{"axis", 0}});
  std::string j = ctx.unsqueeze(ctx.emit("Range", {ctx.scalarI64(0), ctx.squeeze(n, {0}), ctx.scalarI64(1)}), {0});
  std::string member = ctx.emit("And", {ctx.emit("Not", {ctx.emit("Less", {j, ctx.unsqueeze(starts, {1})})}),
                                        ctx.emit("Less", {j, ctx.unsqueeze(ends, {1})})});  // [B, N]
  if (padding_idx)
    member = ctx.emit(
        "And", {member, ctx.emit("Not", {ctx.emit("Equal", {ctx.unsqueeze(idx, {0}), ctx.scalarI64(*padding_idx)})})});
  std::string rows = ctx.emit("Gather", {ctx.tensor(weight, dt), idx}, {{"axis", 0}});  // [N, D]
  if (weighted) rows = ctx.emit("Mul", {rows, ctx.unsqueeze(ctx.tensor(psw, dt), {1})});
  std::string m = ctx.cast(member, DType::kBool, dt);
  std::string count = ctx.reduce("ReduceSum", m, {1}, true);  // [B, 1]
  std::string y;
  if (mode == 2) {
    std::string masked = ctx.emit("Where", {ctx.unsqueeze(member, {2}), ctx.unsqueeze(rows, {0}),
                                            ctx.scalar(-std::numeric_limits<double>::infinity(), dt)});
    y = ctx.reduce("ReduceMax", masked, {1}, false);
    y = ctx.emit("Where", {ctx.emit("Equal", {count, ctx.scalar(0, dt)}), ctx.scalar(0, dt), y});
  } else {
    y = ctx.emit("MatMul", {m, rows});
    if (mode == 1) y = ctx.emit("Div", {y, ctx.emit("Max", {count, ctx.scalar(1, dt)})});
  }
  ctx.bind(ctx.output(node, 0), y);
  return Status::Ok();
}

// embedding_renorm(weight, indices, max_norm, norm_type): rows named by indices whose p-norm
// exceeds max_norm are scaled by max_norm / (norm + 1e-7); other rows stay.
Status embeddingRenorm(Context& ctx, const Node& node) {
  const Value* weight = ctx.input(node, 0);
  DType dt = ctx.requireDType(weight);
  if (!isFloating(dt) || ctx.requireRank(weight) != 2)
    return ctx.fail(node, "embedding_renorm takes a 2-D float weight");
  double max_norm = ctx.constDouble(ctx.input(node, 2));
  double p = ctx.constDouble(ctx.input(node, 3));
  std::string w = ctx.tensor(weight);
  std::string norm;
  if (p == 2) {
    norm = ctx.reduce("ReduceL2", w, {1}, true);
  } else if (p == 1) {
    norm = ctx.reduce("ReduceL1", w, {1}, true);
  } else if (std::isinf(p) && p > 0) {
    norm = ctx.reduce("ReduceMax", ctx.emit("Abs", {w}), {1}, true);
  } else if (p > 0) {
    norm = ctx.reduce("ReduceSum", ctx.emit("Pow", {ctx.emit("Abs", {w}), ctx.scalar(p, dt)}), {1}, true);
    norm = ctx.emit("Pow", {norm, ctx.scalar(1.0 / p, dt)});
  } else {
    return ctx.fail(node, "embedding_renorm needs norm_type > 0");
  }
  std::string idx = ctx.emit("Reshape", {ctx.tensor(ctx.input(node, 1), DType::kInt64), ctx.constI64({1, -1})});
  std::string rows = ctx.emit("Range", {ctx.scalarI64(0), ctx.dimOf(w, 0), ctx.scalarI64(1)});
  std::string hit = ctx.emit("Equal", {ctx.unsqueeze(rows, {1}), idx});  // [V, N]
  hit = ctx.cast(ctx.reduce("ReduceMax", ctx.cast(hit, DType::kBool, DType::kInt32), {1}, true), DType::kInt32,
                 DType::kBool);
  std::string over = ctx.emit("And", {hit, ctx.emit("Greater", {norm, ctx.scalar(max_norm, dt)})});
  std::string scale = ctx.emit("Div", {ctx.scalar(max_norm, dt), ctx.emit("Add", {norm, ctx.scalar(1e-7, dt)})});
  ctx.bind(ctx.output(node), ctx.emit("Where", {over, ctx.emit("Mul", {w, scale}), w}));
  return Status::Ok();
}

}  // namespace

void registerEmbeddingBagOps(Registry& r) {
  r.add("aten::embedding_bag", 9, embeddingBag);
  r.add("aten::_embedding_bag", 9, embeddingBag);
  r.add("aten::embedding_renorm", 9, embeddingRenorm);
}

}  // namespace pt2onnx
