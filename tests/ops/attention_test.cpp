// Op tests: aten::_native_multi_head_attention (nn.MultiheadAttention's fast path) and
// aten::scaled_dot_product_attention (torch 2.x schema, through the shim on LibTorch 1.13) at their
// lowest and highest opsets.
#include <gtest/gtest.h>

#include "frontend/compat_schemas.h"
#include "op_test_util.h"

namespace pt2onnx::test {
namespace {

const char* kMhaTemplate = R"IR(
graph(INPUTS):
  %none : NoneType = prim::Constant()
  %embed : int = prim::Constant[value=8]()
  %heads : int = prim::Constant[value=2]()
  %need : bool = prim::Constant[value=NEED]()
  %avg : bool = prim::Constant[value=AVERAGE]()
  %mtype : int = prim::Constant[value=1]()
  %out : Tensor, %weights : Tensor = aten::_native_multi_head_attention(QKV, %embed, %heads, %w, %b, %wo, %bo, MASK, %need, %avg, %mtype)
  return (OUTPUTS))IR";

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  text.replace(text.find(from), from.size(), to);
  return text;
}

// One _native_multi_head_attention call with embed_dim 8, 2 heads and mask_type 1; `q`, `k`, `v`
// and `mask` name graph inputs (mask may be "%none"). The graph also returns the attention weights
// when need_weights (otherwise PyTorch leaves them undefined).
std::string mhaIR(const std::string& q, const std::string& k, const std::string& v, const std::string& mask,
                  bool need_weights, bool average) {
  std::string inputs = "%x : Tensor, %w : Tensor, %b : Tensor, %wo : Tensor, %bo : Tensor";
  if (k == "%y") inputs += ", %y : Tensor";
  if (mask != "%none") inputs += ", %m : Tensor";
  std::string ir = replaced(kMhaTemplate, "INPUTS", inputs);
  ir = replaced(ir, "NEED", need_weights ? "1" : "0");
  ir = replaced(ir, "AVERAGE", average ? "1" : "0");
  ir = replaced(ir, "QKV", q + ", " + k + ", " + v);
  ir = replaced(ir, "MASK", mask);
  return replaced(ir, "OUTPUTS", need_weights ? "%out, %weights" : "%out");
}

std::string selfAttentionIR(bool need_weights, bool average) {
  return mhaIR("%x", "%x", "%x", "%none", need_weights, average);
}

const std::vector<std::string> kWeights = {"w:24x8", "b:24", "wo:8x8", "bo:8"};

// Graph inputs in order: x, weights, then extras.
std::vector<std::string> specs(const std::string& x, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> all = {x};
  all.insert(all.end(), kWeights.begin(), kWeights.end());
  all.insert(all.end(), extra.begin(), extra.end());
  return all;
}

TEST(MultiHeadAttention, SelfAttentionOpset11) {
  auto model = convertIR(selfAttentionIR(false, true), specs("x:2x5x8"), 11);
  EXPECT_EQ(countOps(model, "Split"), 1);
  EXPECT_EQ(countOps(model, "MatMul"), 4);  // in projection, q k^T, attn v, out projection
  EXPECT_EQ(countOps(model, "Softmax"), 1);
  EXPECT_EQ(countOps(model, "Where"), 0);
  EXPECT_EQ(outputDims(model, 0), (std::vector<int64_t>{2, 5, 8}));
}

TEST(MultiHeadAttention, SelfAttentionOpset17) {
  auto model = convertIR(selfAttentionIR(false, true), specs("x:2x5x8"), 17);
  EXPECT_EQ(countOps(model, "Split"), 1);
  EXPECT_EQ(countOps(model, "MatMul"), 4);
  EXPECT_EQ(countOps(model, "Softmax"), 1);
  EXPECT_EQ(outputDims(model, 0), (std::vector<int64_t>{2, 5, 8}));
}

TEST(MultiHeadAttention, DynamicBatchAndLengthOpset17) {
  auto model = convertIR(selfAttentionIR(false, true), specs("x:2x5x8"), 17, {"x:0=batch,1=len"});
  EXPECT_EQ(outputDims(model, 0), (std::vector<int64_t>{-1, -1, 8}));
}

TEST(MultiHeadAttention, AveragedWeightsOpset11) {
  auto model = convertIR(selfAttentionIR(true, true), specs("x:2x5x8"), 11);
  EXPECT_EQ(countOps(model, "ReduceMean"), 1);
  EXPECT_EQ(outputDims(model, 1), (std::vector<int64_t>{2, 5, 5}));
}

TEST(MultiHeadAttention, PerHeadWeightsOpset17) {
  auto model = convertIR(selfAttentionIR(true, false), specs("x:2x5x8"), 17);
  EXPECT_EQ(countOps(model, "ReduceMean"), 0);
  EXPECT_EQ(outputDims(model, 1), (std::vector<int64_t>{2, 2, 5, 5}));
}

TEST(MultiHeadAttention, KeyPaddingMaskOpset11) {
  auto model = convertIR(mhaIR("%x", "%x", "%x", "%m", true, false), specs("x:2x5x8", {"m:2x5:bool"}), 11);
  EXPECT_EQ(countOps(model, "Where"), 1);
  EXPECT_EQ(countOps(model, "Unsqueeze"), 1);
  EXPECT_EQ(outputDims(model, 0), (std::vector<int64_t>{2, 5, 8}));
  EXPECT_EQ(outputDims(model, 1), (std::vector<int64_t>{2, 2, 5, 5}));
}

TEST(MultiHeadAttention, FloatKeyPaddingMaskOpset17CastsToBool) {
  auto model = convertIR(mhaIR("%x", "%x", "%x", "%m", false, true), specs("x:2x5x8", {"m:2x5"}), 17);
  EXPECT_EQ(countOps(model, "Cast"), 1);
  EXPECT_EQ(countOps(model, "Where"), 1);
  EXPECT_EQ(outputDims(model, 0), (std::vector<int64_t>{2, 5, 8}));
}

TEST(MultiHeadAttention, CrossAttentionOpset17SplitsWeights) {
  auto model = convertIR(mhaIR("%x", "%y", "%y", "%none", true, true), specs("x:2x5x8", {"y:2x5x8"}), 17);
  EXPECT_EQ(countOps(model, "Split"), 2);  // qkv_weight and qkv_bias rows
  EXPECT_EQ(countOps(model, "MatMul"), 6);
  EXPECT_EQ(outputDims(model, 0), (std::vector<int64_t>{2, 5, 8}));
  EXPECT_EQ(outputDims(model, 1), (std::vector<int64_t>{2, 5, 5}));
}

TEST(MultiHeadAttention, CrossAttentionOpset11SplitsWeights) {
  auto model = convertIR(mhaIR("%x", "%y", "%y", "%none", false, true), specs("x:2x5x8", {"y:2x5x8"}), 11);
  EXPECT_EQ(countOps(model, "Split"), 2);
  EXPECT_EQ(outputDims(model, 0), (std::vector<int64_t>{2, 5, 8}));
}

// One scaled_dot_product_attention call with torch 2.x's full argument list, as the TorchScript
// compiler writes it; `mask` is "%m" (a graph input) or "%none", `scale` a float or "None".
std::string sdpaIR(const std::string& mask, bool causal, const std::string& scale, bool gqa) {
  registerCompatSchemas();  // parseIR needs the schema; LibTorch 2.x has it natively
  std::string ir = "graph(%q : Tensor, %k : Tensor, %v : Tensor" + std::string(mask == "%m" ? ", %m : Tensor" : "") +
                   "):\n"
                   "  %none : NoneType = prim::Constant()\n"
                   "  %p : float = prim::Constant[value=0.]()\n"
                   "  %causal : bool = prim::Constant[value=" +
                   (causal ? "1" : "0") + "]()\n";
  std::string scale_value = "%none";
  if (scale != "None") {
    ir += "  %scale : float = prim::Constant[value=" + scale + "]()\n";
    scale_value = "%scale";
  }
  ir += "  %gqa : bool = prim::Constant[value=" + std::string(gqa ? "1" : "0") + "]()\n";
  ir += "  %out : Tensor = aten::scaled_dot_product_attention(%q, %k, %v, " + mask + ", %p, %causal, " + scale_value +
        ", %gqa)\n  return (%out)";
  return ir;
}

const std::vector<std::string> kQkv4 = {"q:2x2x6x8", "k:2x2x7x8", "v:2x2x7x4"};

TEST(ScaledDotProductAttention, Rank4CausalOpset9) {
  auto model = convertIR(sdpaIR("%none", true, "None", false), kQkv4, 9);
  EXPECT_EQ(countOps(model, "Softmax"), 1);
  EXPECT_EQ(countOps(model, "Range"), 0);
  EXPECT_EQ(outputDims(model, 0), (std::vector<int64_t>{2, 2, 6, 4}));
}

TEST(ScaledDotProductAttention, Rank4DefaultScaleOpset11) {
  auto model = convertIR(sdpaIR("%none", false, "None", false), kQkv4, 11);
  EXPECT_EQ(countOps(model, "MatMul"), 2);
  EXPECT_EQ(countOps(model, "Softmax"), 1);
  EXPECT_EQ(countOps(model, "Where"), 0);
  EXPECT_EQ(outputDims(model, 0), (std::vector<int64_t>{2, 2, 6, 4}));
}

TEST(ScaledDotProductAttention, Rank4ScaleArgumentOpset17) {
  auto model = convertIR(sdpaIR("%none", false, "0.25", false), kQkv4, 17);
  EXPECT_EQ(countOps(model, "Mul"), 1);
  EXPECT_EQ(countOps(model, "MatMul"), 2);
  EXPECT_EQ(outputDims(model, 0), (std::vector<int64_t>{2, 2, 6, 4}));
}

TEST(ScaledDotProductAttention, Rank3Opset11) {
  auto model = convertIR(sdpaIR("%none", false, "0.5", false), {"q:4x5x8", "k:4x7x8", "v:4x7x3"}, 11);
  EXPECT_EQ(outputDims(model, 0), (std::vector<int64_t>{4, 5, 3}));
}

TEST(ScaledDotProductAttention, Rank3Opset17) {
  auto model = convertIR(sdpaIR("%none", false, "None", false), {"q:4x5x8", "k:4x7x8", "v:4x7x3"}, 17);
  EXPECT_EQ(outputDims(model, 0), (std::vector<int64_t>{4, 5, 3}));
}

TEST(ScaledDotProductAttention, BoolMaskOpset11) {
  auto model = convertIR(sdpaIR("%m", false, "None", false), {"q:2x2x6x8", "k:2x2x7x8", "v:2x2x7x4", "m:6x7:bool"}, 11);
  EXPECT_EQ(countOps(model, "Where"), 1);
  EXPECT_EQ(countOps(model, "Add"), 0);
  EXPECT_EQ(outputDims(model, 0), (std::vector<int64_t>{2, 2, 6, 4}));
}

TEST(ScaledDotProductAttention, FloatMaskOpset17) {
  auto model = convertIR(sdpaIR("%m", false, "None", false), {"q:2x2x6x8", "k:2x2x7x8", "v:2x2x7x4", "m:2x1x1x7"}, 17);
  EXPECT_EQ(countOps(model, "Where"), 0);
  EXPECT_EQ(countOps(model, "Add"), 1);
  EXPECT_EQ(outputDims(model, 0), (std::vector<int64_t>{2, 2, 6, 4}));
}

const std::vector<std::string> kDynamicQkv = {"q:0=batch,2=len", "k:0=batch,2=len", "v:0=batch,2=len"};

TEST(ScaledDotProductAttention, CausalDynamicLengthOpset11) {
  auto model =
      convertIR(sdpaIR("%none", true, "None", false), {"q:1x2x6x8", "k:1x2x6x8", "v:1x2x6x8"}, 11, kDynamicQkv);
  EXPECT_EQ(countOps(model, "Range"), 2);  // the causal mask follows the dynamic lengths
  EXPECT_EQ(countOps(model, "Where"), 1);
  EXPECT_EQ(outputDims(model, 0), (std::vector<int64_t>{-1, 2, -1, 8}));
}

TEST(ScaledDotProductAttention, CausalDynamicLengthOpset17) {
  auto model =
      convertIR(sdpaIR("%none", true, "0.125", false), {"q:1x2x6x8", "k:1x2x6x8", "v:1x2x6x8"}, 17, kDynamicQkv);
  EXPECT_EQ(countOps(model, "Range"), 2);
  EXPECT_EQ(outputDims(model, 0), (std::vector<int64_t>{-1, 2, -1, 8}));
}

TEST(ScaledDotProductAttention, GroupedQueryOpset11) {
  auto model = convertIR(sdpaIR("%none", false, "None", true), {"q:1x4x6x8", "k:1x2x6x8", "v:1x2x6x8"}, 11);
  EXPECT_EQ(countOps(model, "Expand"), 2);  // each key/value head serves 2 query heads
  EXPECT_EQ(outputDims(model, 0), (std::vector<int64_t>{1, 4, 6, 8}));
}

TEST(ScaledDotProductAttention, GroupedQueryDynamicBatchOpset17) {
  auto model = convertIR(sdpaIR("%none", true, "None", true), {"q:1x4x6x8", "k:1x2x6x8", "v:1x2x6x8"}, 17, kDynamicQkv);
  EXPECT_EQ(countOps(model, "Expand"), 2);
  EXPECT_EQ(outputDims(model, 0), (std::vector<int64_t>{-1, 4, -1, 8}));
}

TEST(ScaledDotProductAttention, GqaFlagWithEqualHeadsOpset17IsPlainAttention) {
  auto model = convertIR(sdpaIR("%none", false, "None", true), kQkv4, 17);
  EXPECT_EQ(countOps(model, "Expand"), 0);
  EXPECT_EQ(outputDims(model, 0), (std::vector<int64_t>{2, 2, 6, 4}));
}

}  // namespace
}  // namespace pt2onnx::test
