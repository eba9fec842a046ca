// Converters: nn.TransformerEncoderLayer's fused inference path (aten::_transformer_encoder_layer_fwd).
#include "ops/attention.h"
#include "ops/norms.h"

namespace pt2onnx {
namespace {

// Layer norm over the last axis: LayerNormalization from opset 17, the ReduceMean form before.
std::string layerNorm(Context& ctx, const std::string& x, const std::string& w, const std::string& b, double eps,
                      DType dt) {
  if (ctx.opset() >= 17) return ctx.emit("LayerNormalization", {x, w, b}, {{"axis", -1}, {"epsilon", eps}});
  return ctx.emit("Add", {ctx.emit("Mul", {normalize(ctx, x, {-1}, eps, dt).y, w}), b});
}

// _transformer_encoder_layer_fwd(src [B, L, E], embed_dim, num_heads, qkv_weight, qkv_bias,
// proj_weight, proj_bias, use_gelu, norm_first, eps, norm_weight_1, norm_bias_1, norm_weight_2,
// norm_bias_2, ffn_weight_1, ffn_bias_1, ffn_weight_2, ffn_bias_2, mask?, mask_type?):
//   post-norm: x = LN1(x + SA(x)); x = LN2(x + FF(x))   pre-norm: x = x + SA(LN1(x)); x = x + FF(LN2(x))
//   SA: softmax(q k^T / sqrt(D), masked keys -inf) v per head, projected; FF: W2 act(W1 x), act
//   gelu or relu. PyTorch 1.13 takes this path only without src_mask, so a mask is
//   src_key_padding_mask [B, L] (True: padding), mask_type 1.
Status transformerEncoderLayer(Context& ctx, const Node& node) {
  const Value* src = ctx.arg(node, "src");
  DType dt = ctx.requireDType(src);
  if (ctx.requireRank(src) != 3) return ctx.fail(node, "expected a batched [B, L, E] src");
  const int64_t embed = ctx.constInt(ctx.arg(node, "embed_dim"));
  const int64_t heads = ctx.constInt(ctx.arg(node, "num_heads"));
  if (heads <= 0 || embed % heads != 0) return ctx.fail(node, "embed_dim is not a multiple of num_heads");
  const double eps = ctx.constDouble(ctx.arg(node, "eps"));
  const bool norm_first = ctx.constBool(ctx.arg(node, "norm_first"));
  const bool gelu = ctx.constBool(ctx.arg(node, "use_gelu"));
  const Value* mask = ctx.arg(node, "mask");
  auto weight = [&](const char* name) { return ctx.tensor(ctx.arg(node, name), dt); };

  std::string m;
  if (!ctx.isNone(mask)) {
    if (ctx.requireRank(mask) != 2) return ctx.fail(node, "expected a [B, L] key padding mask");
    m = ctx.unsqueeze(ctx.tensor(mask, DType::kBool), {1, 2});
  }
  auto attention = [&](const std::string& x) {
    auto qkv = ctx.split(project(ctx, x, weight("qkv_weight"), weight("qkv_bias")), 2, {embed, embed, embed});
    Attended a = attendHeads(ctx, qkv[0], qkv[1], qkv[2], heads, embed, m, dt);
    return project(ctx, a.merged, weight("proj_weight"), weight("proj_bias"));
  };
  auto feedForward = [&](const std::string& x) {
    std::string h = project(ctx, x, weight("ffn_weight_1"), weight("ffn_bias_1"));
    if (gelu) {
      std::string erf = ctx.emit("Erf", {ctx.emit("Div", {h, ctx.scalar(std::sqrt(2.0), dt)})});
      h = ctx.emit("Mul", {ctx.emit("Mul", {h, ctx.scalar(0.5, dt)}), ctx.emit("Add", {erf, ctx.scalar(1.0, dt)})});
    } else {
      h = ctx.emit("Relu", {h});
    }
    return project(ctx, h, weight("ffn_weight_2"), weight("ffn_bias_2"));
  };
  auto norm = [&](const std::string& x, const char* w, const char* b) {
    return layerNorm(ctx, x, weight(w), weight(b), eps, dt);
  };

  std::string x = ctx.tensor(src);
  if (norm_first) {
    x = ctx.emit("Add", {x, attention(norm(x, "norm_weight_1", "norm_bias_1"))});
    x = ctx.emit("Add", {x, feedForward(norm(x, "norm_weight_2", "norm_bias_2"))});
  } else {
    x = norm(ctx.emit("Add", {x, attention(x)}), "norm_weight_1", "norm_bias_1");
    x = norm(ctx.emit("Add", {x, feedForward(x)}), "norm_weight_2", "norm_bias_2");
  }
  ctx.bind(ctx.output(node), x);
  return Status::Ok();
}

}  // namespace

void registerTransformerOps(Registry& r) { r.add("aten::_transformer_encoder_layer_fwd", 9, transformerEncoderLayer); }

}  // namespace pt2onnx
