// Op tests: products and distances (products.cpp) — outer, dot, mv, tensordot, cross, cdist, pdist,
// cosine_similarity.
#include <gtest/gtest.h>

#include "op_test_util.h"

namespace pt2onnx::test {
namespace {

using Dims = std::vector<int64_t>;

const char* kOuter = R"IR(
graph(%a : Tensor, %b : Tensor):
  %y : Tensor = aten::outer(%a, %b)
  return (%y))IR";

TEST(Products, OuterOpset11) {
  auto model = convertIR(kOuter, {"a:3", "b:4"}, 11);
  EXPECT_EQ(countOps(model, "Mul"), 1);
  EXPECT_EQ(outputDims(model), (Dims{3, 4}));
}

// int64 with float promotes to float.
TEST(Products, OuterPromotesOpset17) {
  auto model = convertIR(kOuter, {"a:3:int64", "b:4"}, 17, {"a:0=n"});
  EXPECT_EQ(outputType(model), onnx::TensorProto::FLOAT);
  EXPECT_EQ(outputDims(model), (Dims{-1, 4}));
}

const char* kDot = R"IR(
graph(%a : Tensor, %b : Tensor):
  %y : Tensor = aten::dot(%a, %b)
  return (%y))IR";

TEST(Products, DotOpset11) {
  auto model = convertIR(kDot, {"a:5", "b:5"}, 11);
  EXPECT_EQ(countOps(model, "MatMul"), 1);
  EXPECT_EQ(outputDims(model), (Dims{}));
}

TEST(Products, DotOfIntsOpset17) {
  auto model = convertIR(kDot, {"a:5:int64", "b:5:int64"}, 17);
  EXPECT_EQ(outputType(model), onnx::TensorProto::INT64);
}

const char* kMv = R"IR(
graph(%m : Tensor, %v : Tensor):
  %y : Tensor = aten::mv(%m, %v)
  return (%y))IR";

TEST(Products, MvOpset11) {
  auto model = convertIR(kMv, {"m:3x4", "v:4"}, 11);
  EXPECT_EQ(outputDims(model), (Dims{3}));
}

TEST(Products, MvOpset17) {
  auto model = convertIR(kMv, {"m:3x4", "v:4"}, 17, {"m:0=n"});
  EXPECT_EQ(outputDims(model), (Dims{-1}));
}

const char* kTensordot = R"IR(
graph(%a : Tensor, %b : Tensor):
  %1 : int = prim::Constant[value=1]()
  %0 : int = prim::Constant[value=0]()
  %2 : int = prim::Constant[value=2]()
  %da : int[] = prim::ListConstruct(%1, %0)
  %db : int[] = prim::ListConstruct(%0, %2)
  %y : Tensor = aten::tensordot(%a, %b, %da, %db)
  return (%y))IR";

// a [3, 4, 5] contracts dims (1, 0) with b [4, 2, 3] dims (0, 2): free dims a:5, b:2.
TEST(Products, TensordotOpset11) {
  auto model = convertIR(kTensordot, {"a:3x4x5", "b:4x2x3"}, 11);
  EXPECT_EQ(countOps(model, "MatMul"), 1);
  EXPECT_EQ(outputDims(model), (Dims{5, 2}));
}

TEST(Products, TensordotDynamicOpset17) {
  auto model = convertIR(kTensordot, {"a:3x4x5", "b:4x2x3"}, 17, {"a:2=n", "b:1=m"});
  EXPECT_EQ(countOps(model, "MatMul"), 1);
  EXPECT_EQ(outputDims(model).size(), 2u);
}

const char* kCross = R"IR(
graph(%a : Tensor, %b : Tensor):
  %d : int = prim::Constant[value=-1]()
  %y : Tensor = aten::linalg_cross(%a, %b, %d)
  return (%y))IR";

TEST(Products, CrossOpset11) {
  auto model = convertIR(kCross, {"a:2x3", "b:1x3"}, 11);
  EXPECT_EQ(countOps(model, "Gather"), 4);
  EXPECT_EQ(outputDims(model), (Dims{2, 3}));
}

TEST(Products, CrossOpset17) {
  auto model = convertIR(kCross, {"a:2x3", "b:1x3"}, 17, {"a:0=n"});
  EXPECT_EQ(outputDims(model), (Dims{-1, 3}));
}

TEST(Products, CrossNeedsSizeThree) { EXPECT_THROW(convertIR(kCross, {"a:2x4", "b:2x4"}, 17), std::exception); }

const char* kCdist = R"IR(
graph(%a : Tensor, %b : Tensor):
  %p : float = prim::Constant[value=2.]()
  %none : NoneType = prim::Constant()
  %y : Tensor = aten::cdist(%a, %b, %p, %none)
  return (%y))IR";

TEST(Products, CdistOpset11) {
  auto model = convertIR(kCdist, {"a:2x5x3", "b:2x4x3"}, 11);
  EXPECT_EQ(countOps(model, "Sqrt"), 1);
  EXPECT_EQ(outputDims(model), (Dims{2, 5, 4}));
}

TEST(Products, CdistOpset17) {
  auto model = convertIR(kCdist, {"a:5x3", "b:4x3"}, 17, {"a:0=p", "b:0=r"});
  EXPECT_EQ(outputDims(model), (Dims{-1, -1}));
}

std::string pdistIR(const char* p) {
  return std::string(R"IR(
graph(%x : Tensor):
  %p : float = prim::Constant[value=)IR") +
         p + R"IR(]()
  %y : Tensor = aten::pdist(%x, %p)
  return (%y))IR";
}

// The pairs i < j of 5 rows: 10 distances, picked by NonZero of the pair mask.
TEST(Products, PdistOpset11) {
  auto model = convertIR(pdistIR("2."), {"x:5x3"}, 11);
  EXPECT_EQ(countOps(model, "NonZero"), 1);
  EXPECT_EQ(countOps(model, "Sqrt"), 1);
  EXPECT_EQ(outputDims(model), (Dims{10}));
}

TEST(Products, PdistDynamicRowsOpset17) {
  auto model = convertIR(pdistIR("1."), {"x:5x3"}, 17, {"x:0=n"});
  EXPECT_EQ(countOps(model, "Sqrt"), 0);
  EXPECT_EQ(outputDims(model), (Dims{-1}));
}

TEST(Products, PdistOfIntsIsRefused) { EXPECT_THROW(convertIR(pdistIR("2."), {"x:5x3:int64"}, 17), std::exception); }

const char* kCosine = R"IR(
graph(%a : Tensor, %b : Tensor):
  %d : int = prim::Constant[value=1]()
  %eps : float = prim::Constant[value=1e-08]()
  %y : Tensor = aten::cosine_similarity(%a, %b, %d, %eps)
  return (%y))IR";

TEST(Products, CosineSimilarityOpset11) {
  auto model = convertIR(kCosine, {"a:3x4", "b:3x4"}, 11);
  EXPECT_EQ(countOps(model, "ReduceL2"), 2);
  EXPECT_EQ(outputDims(model), (Dims{3}));
}

TEST(Products, CosineSimilarityBroadcastsOpset17) {
  auto model = convertIR(kCosine, {"a:3x4", "b:4"}, 17);
  EXPECT_EQ(outputDims(model), (Dims{3}));
}

}  // namespace
}  // namespace pt2onnx::test
