// Op tests: embedding bags and embedding_renorm (embedding_bag.cpp).
#include <gtest/gtest.h>

#include "op_test_util.h"

namespace pt2onnx::test {
namespace {

using Dims = std::vector<int64_t>;

// embedding_bag(weight, indices, offsets, scale_grad, mode, sparse, per_sample_weights,
// include_last_offset, padding_idx) with offsets [0, 3, 6]; the mode is substituted into the text.
std::string bagIR(int mode, bool weighted) {
  return std::string(R"IR(
graph(%w : Tensor, %i : Tensor, %psw : Tensor):
  %f : bool = prim::Constant[value=0]()
  %none : NoneType = prim::Constant()
  %0 : int = prim::Constant[value=0]()
  %3 : int = prim::Constant[value=3]()
  %8 : int = prim::Constant[value=8]()
  %long : int = prim::Constant[value=4]()
  %o : Tensor = aten::arange(%0, %8, %3, %long, %none, %none, %none)
  %pad : int = prim::Constant[value=-1]()
  %mode : int = prim::Constant[value=)IR") +
         std::to_string(mode) +
         "]()\n  %y : Tensor, %a : Tensor, %b : Tensor, %c : Tensor = aten::embedding_bag(%w, %i, %o, %f, %mode, %f, " +
         (weighted ? "%psw" : "%none") + ", %f, %pad)\n  return (%y)";
}

const std::vector<std::string> kInputs = {"w:10x4", "i:8:int64", "psw:8"};

TEST(EmbeddingBag, SumOpset11) {
  auto model = convertIR(bagIR(0, false), kInputs, 11);
  EXPECT_EQ(countOps(model, "MatMul"), 1);
  EXPECT_EQ(outputDims(model), (Dims{3, 4}));
}

TEST(EmbeddingBag, WeightedSumOpset17) {
  auto model = convertIR(bagIR(0, true), kInputs, 17, {"i:0=n", "psw:0=n"});
  EXPECT_EQ(countOps(model, "MatMul"), 1);
  EXPECT_EQ(outputDims(model), (Dims{3, 4}));
}

TEST(EmbeddingBag, MeanOpset11) {
  auto model = convertIR(bagIR(1, false), kInputs, 11);
  EXPECT_EQ(countOps(model, "Div"), 1);
}

// Max masks the rows of other bags with -inf; empty bags become 0.
TEST(EmbeddingBag, MaxOpset17) {
  auto model = convertIR(bagIR(2, false), kInputs, 17);
  EXPECT_EQ(countOps(model, "ReduceMax"), 1);
  EXPECT_EQ(countOps(model, "MatMul"), 0);
}

TEST(EmbeddingBag, WeightedMaxIsRefused) { EXPECT_THROW(convertIR(bagIR(2, true), kInputs, 17), std::exception); }

const char* kRenorm = R"IR(
graph(%w : Tensor, %i : Tensor):
  %max : float = prim::Constant[value=1.]()
  %p : float = prim::Constant[value=2.]()
  %y : Tensor = aten::embedding_renorm(%w, %i, %max, %p)
  return (%y))IR";

TEST(EmbeddingBag, RenormOpset9) {
  auto model = convertIR(kRenorm, {"w:10x4", "i:3:int64"}, 9);
  EXPECT_EQ(outputDims(model), (Dims{10, 4}));
}

TEST(EmbeddingBag, RenormOpset11) {
  auto model = convertIR(kRenorm, {"w:10x4", "i:3:int64"}, 11);
  EXPECT_EQ(countOps(model, "ReduceL2"), 1);
  EXPECT_EQ(outputDims(model), (Dims{10, 4}));
}

TEST(EmbeddingBag, RenormOpset17) {
  auto model = convertIR(kRenorm, {"w:10x4", "i:2x3:int64"}, 17);
  EXPECT_EQ(countOps(model, "Where"), 1);
}

}  // namespace
}  // namespace pt2onnx::test
