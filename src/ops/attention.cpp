// Converters: attention (nn.MultiheadAttention's fused fast path, scaled_dot_product_attention).
#include "ops/attention.h"

namespace pt2onnx {
namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
}  // namespace

std::string project(Context& ctx, const std::string& x, const std::string& w, const std::string& b) {
  std::string y = ctx.emit("MatMul", {x, ctx.emit("Transpose", {w}, {{"perm", {1, 0}}})});
  return ctx.emit("Add", {y, b});
}

Attended attendHeads(Context& ctx, const std::string& q, const std::string& k, const std::string& v, int64_t heads,
                     int64_t embed, const std::string& mask, DType dt) {
  const int64_t head_dim = embed / heads;
  // [B, L, E] -> [B, L, H, D] (Reshape's 0 copies B and L, so both may be dynamic), then `perm`.
  auto split_heads = [&](const std::string& x, const std::vector<int64_t>& perm) {
    std::string r = ctx.emit("Reshape", {x, ctx.constI64({0, 0, heads, head_dim})});
    return ctx.emit("Transpose", {r}, {{"perm", perm}});
  };
  std::string scaled = ctx.emit("Mul", {q, ctx.scalar(1.0 / std::sqrt(static_cast<double>(head_dim)), dt)});
  // q [B, H, L, D] @ k^T [B, H, D, S] -> scores [B, H, L, S]; v [B, H, S, D].
  std::string scores = ctx.emit("MatMul", {split_heads(scaled, {0, 2, 1, 3}), split_heads(k, {0, 2, 3, 1})});
  if (!mask.empty()) scores = ctx.emit("Where", {mask, ctx.scalar(-kInf, dt), scores});
  // Before opset 13 Softmax flattened the dims from `axis` on; on the last axis that is the same.
  std::string attn = ctx.emit("Softmax", {scores}, {{"axis", 3}});
  std::string merged =
      ctx.emit("Transpose", {ctx.emit("MatMul", {attn, split_heads(v, {0, 2, 1, 3})})}, {{"perm", {0, 2, 1, 3}}});
  return {ctx.emit("Reshape", {merged, ctx.constI64({0, 0, embed})}), attn};
}

namespace {

// _native_multi_head_attention(query, key, value, embed_dim, num_head, qkv_weight, qkv_bias,
// proj_weight, proj_bias, mask?, need_weights, average_attn_weights, mask_type?) on batch-first
// [B, L, E] inputs:
//   q, k, v = x @ W[0:E]^T + b[0:E], ... (rows E:2E and 2E:3E), split into H heads of D = E / H
//   attn = softmax(q / sqrt(D) @ k^T, masked positions -inf) ; out = (attn @ v) @ Wo^T + bo
// PyTorch 1.13 turns a non-bool mask into bool (nonzero = masked); a [B, S] mask (mask_type 1,
// key padding) covers every head and query, a [B, H, L, S] mask is used as is.
Status nativeMultiHeadAttention(Context& ctx, const Node& node) {
  const Value* query = ctx.arg(node, "query");
  const Value* key = ctx.arg(node, "key");
  const Value* value = ctx.arg(node, "value");
  const Value* mask = ctx.arg(node, "mask");
  DType dt = ctx.requireDType(query);
  if (ctx.requireRank(query) != 3) return ctx.fail(node, "expected batched [B, L, E] query, key and value");
  int64_t embed = ctx.constInt(ctx.arg(node, "embed_dim"));
  int64_t heads = ctx.constInt(ctx.arg(node, "num_head"));
  if (heads <= 0 || embed % heads != 0) return ctx.fail(node, "embed_dim is not a multiple of num_head");

  std::string w = ctx.tensor(ctx.arg(node, "qkv_weight"), dt);
  std::string b = ctx.tensor(ctx.arg(node, "qkv_bias"), dt);
  std::vector<std::string> qkv;
  if (query == key && key == value) {  // self-attention: one projection to [B, L, 3E], then split
    qkv = ctx.split(project(ctx, ctx.tensor(query), w, b), 2, {embed, embed, embed});
  } else {
    auto ws = ctx.split(w, 0, {embed, embed, embed});
    auto bs = ctx.split(b, 0, {embed, embed, embed});
    const Value* ins[] = {query, key, value};
    for (int i = 0; i < 3; ++i) qkv.push_back(project(ctx, ctx.tensor(ins[i], dt), ws[i], bs[i]));
  }
  std::string m;
  if (!ctx.isNone(mask)) {
    int64_t mask_rank = ctx.requireRank(mask);
    if (mask_rank != 2 && mask_rank != 4) return ctx.fail(node, "expected a [B, S] or [B, H, L, S] mask");
    m = ctx.tensor(mask, DType::kBool);
    // mask_type 0 (an [L, S] source mask, CUDA only in 1.13) broadcasts as is.
    bool source_mask = ctx.maybeConstInt(ctx.arg(node, "mask_type")) == std::optional<int64_t>(0);
    if (mask_rank == 2 && !source_mask) m = ctx.unsqueeze(m, {1, 2});
  }
  Attended a = attendHeads(ctx, qkv[0], qkv[1], qkv[2], heads, embed, m, dt);
  std::string attn = a.weights;
  ctx.bind(ctx.output(node), project(ctx, a.merged, ctx.tensor(ctx.arg(node, "proj_weight"), dt),
                                     ctx.tensor(ctx.arg(node, "proj_bias"), dt)));

  // Weights: [B, H, L, S], or their mean over heads; without need_weights PyTorch returns an
  // undefined tensor, stood in for by an empty one.
  if (!ctx.constBool(ctx.arg(node, "need_weights"))) {
    ctx.bind(ctx.output(node, 1), ctx.constTensor({}, {0}, dt));
    return Status::Ok();
  }
  if (ctx.constBool(ctx.arg(node, "average_attn_weights"))) attn = ctx.reduce("ReduceMean", attn, {1}, false);
  ctx.bind(ctx.output(node, 1), attn);
  return Status::Ok();
}

// Repeats each of the Hk heads (axis rank-3) of x [..., Hk, S, E] `groups` times in a row, as
// torch.repeat_interleave(x, groups, -3): [..., Hk, 1, S, E] expanded to [..., Hk, G, S, E], then
// merged to [..., Hk * G, S, E]. Leading dims and S may be dynamic.
std::string repeatHeads(Context& ctx, const std::string& x, int64_t rank, int64_t heads, int64_t groups) {
  std::vector<int64_t> expand(rank + 1, 1);
  expand[rank - 2] = groups;
  std::string grown = ctx.emit("Expand", {ctx.unsqueeze(x, {rank - 2}), ctx.constI64(expand)});
  std::string shape = ctx.shapeOf(x);
  auto slice = [&](int64_t from, int64_t to) {
    return ctx.emit("Slice", {shape, ctx.constI64({from}), ctx.constI64({to}), ctx.constI64({0})});
  };
  std::string merged =
      ctx.emit("Concat", {slice(0, rank - 3), ctx.constI64({heads * groups}), slice(rank - 2, rank)}, {{"axis", 0}});
  return ctx.emit("Reshape", {grown, merged});
}

// scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False,
// *, scale=None, enable_gqa=False) on [..., Hq, L, E] / [..., Hk, S, E] / [..., Hk, S, Ev]:
//   softmax(q @ k^T * scale + bias) @ v, scale defaulting to 1/sqrt(E).
// A bool mask (or the causal mask j <= i, top-left aligned) keeps the True positions; a float mask
// is added; both broadcast against [..., L, S]. enable_gqa repeats each key/value head Hq / Hk
// times. Arguments are read by schema name: the schema is torch 2.x's, from LibTorch itself or from
// the shim in src/frontend/compat_schemas.cpp.
Status scaledDotProductAttention(Context& ctx, const Node& node) {
  const Value* query = ctx.arg(node, "query");
  const Value* key = ctx.arg(node, "key");
  const Value* value = ctx.arg(node, "value");
  const Value* mask = ctx.arg(node, "attn_mask");
  const Value* scale_arg = ctx.arg(node, "scale");
  DType dt = ctx.requireDType(query);
  int64_t rank = ctx.requireRank(query);
  if (rank < 2 || ctx.requireRank(key) != rank || ctx.requireRank(value) != rank)
    return ctx.fail(node, "query, key and value need the same rank, 2 or more");
  if (ctx.constDouble(ctx.arg(node, "dropout_p")) != 0.0)
    return ctx.fail(node, "dropout_p is not 0: the dropout would be random at every call");
  bool causal = ctx.constBool(ctx.arg(node, "is_causal"));
  if (causal && !ctx.isNone(mask)) return ctx.fail(node, "attn_mask and is_causal=True together");
  double scale;
  if (!ctx.isNone(scale_arg)) {
    scale = ctx.constDouble(scale_arg);
  } else {
    int64_t e = ctx.shape(query)[rank - 1];
    if (e <= 0) return ctx.fail(node, "the default scale needs a fixed last dimension of query");
    scale = 1.0 / std::sqrt(static_cast<double>(e));
  }

  std::string k = ctx.tensor(key, dt);
  std::string v = ctx.tensor(value, dt);
  if (ctx.constBool(ctx.arg(node, "enable_gqa")) && rank >= 3) {
    int64_t hq = ctx.shape(query)[rank - 3], hk = ctx.shape(key)[rank - 3], hv = ctx.shape(value)[rank - 3];
    if (hq <= 0 || hk <= 0 || hv != hk) return ctx.fail(node, "enable_gqa=True needs fixed head counts");
    if (hq % hk != 0) return ctx.fail(node, "enable_gqa=True: query heads are not a multiple of key/value heads");
    if (hq != hk) {
      k = repeatHeads(ctx, k, rank, hk, hq / hk);
      v = repeatHeads(ctx, v, rank, hk, hq / hk);
    }
  }

  std::vector<int64_t> perm;
  for (int64_t i = 0; i < rank; ++i) perm.push_back(i);
  std::swap(perm[rank - 2], perm[rank - 1]);
  std::string q = ctx.emit("Mul", {ctx.tensor(query), ctx.scalar(scale, dt)});
  std::string kt = ctx.emit("Transpose", {k}, {{"perm", perm}});
  std::string scores = ctx.emit("MatMul", {q, kt});  // [..., L, S]
  std::string neg_inf = ctx.scalar(-kInf, dt);
  if (causal) {
    std::string zero = ctx.scalarI64(0), one = ctx.scalarI64(1);
    std::string rows = ctx.unsqueeze(ctx.emit("Range", {zero, ctx.dimOf(q, rank - 2), one}), {1});  // [L, 1]
    std::string cols = ctx.emit("Range", {zero, ctx.dimOf(kt, rank - 1), one});                     // [S]
    std::string keep = ctx.emit("Not", {ctx.emit("Greater", {cols, rows})});
    scores = ctx.emit("Where", {keep, scores, neg_inf});
  } else if (!ctx.isNone(mask) && ctx.requireDType(mask) == DType::kBool) {
    scores = ctx.emit("Where", {ctx.tensor(mask), scores, neg_inf});
  } else if (!ctx.isNone(mask)) {
    scores = ctx.emit("Add", {scores, ctx.tensor(mask, dt)});
  }
  // Before opset 13 Softmax flattened the dims from `axis` on; on the last axis that is the same.
  std::string attn = ctx.emit("Softmax", {scores}, {{"axis", rank - 1}});
  ctx.bind(ctx.output(node), ctx.emit("MatMul", {attn, v}));
  return Status::Ok();
}

}  // namespace

void registerAttentionOps(Registry& r) {
  r.add("aten::_native_multi_head_attention", 9, nativeMultiHeadAttention);
  r.add("aten::scaled_dot_product_attention", 9, scaledDotProductAttention);
}

}  // namespace pt2onnx
