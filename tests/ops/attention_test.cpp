// Op tests: aten::_native_multi_head_attention (nn.MultiheadAttention's fast path) at its lowest and highest opsets.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace pt2onnx::test
