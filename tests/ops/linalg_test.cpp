// Op tests: linalg_norm and linalg_matrix_norm.
#include <gtest/gtest.h>

#include "op_test_util.h"

namespace pt2onnx::test {
namespace {

using Dims = std::vector<int64_t>;

// linalg_norm(x) without ord or dim: the 2-norm of every element.
TEST(Linalg, NormOfEveryElementOpset11) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %none : NoneType = prim::Constant()
  %f : bool = prim::Constant[value=0]()
  %y : Tensor = aten::linalg_norm(%x, %none, %none, %f, %none)
  return (%y))IR",
                         {"x:2x3x4"}, 11);
  EXPECT_EQ(countOps(model, "ReduceL2"), 1);
  EXPECT_EQ(outputDims(model), Dims{});
}

// The induced 1-norm over dims (1, 2), kept: column sums of |x|, then their max.
TEST(Linalg, MatrixNormOneKeepdimOpset17) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %none : NoneType = prim::Constant()
  %t : bool = prim::Constant[value=1]()
  %1 : int = prim::Constant[value=1]()
  %2 : int = prim::Constant[value=2]()
  %dims : int[] = prim::ListConstruct(%1, %2)
  %y : Tensor = aten::linalg_matrix_norm(%x, %1, %dims, %t, %none)
  return (%y))IR",
                         {"x:2x3x4"}, 17, {"x:0=batch"});
  EXPECT_EQ(countOps(model, "ReduceMax"), 1);
  EXPECT_EQ(outputDims(model), (Dims{-1, 1, 1}));
}

TEST(Linalg, SpectralNormIsRefused) {
  EXPECT_THROW(convertIR(R"IR(
graph(%x : Tensor):
  %none : NoneType = prim::Constant()
  %f : bool = prim::Constant[value=0]()
  %2 : int = prim::Constant[value=2]()
  %m2 : int = prim::Constant[value=-2]()
  %m1 : int = prim::Constant[value=-1]()
  %dims : int[] = prim::ListConstruct(%m2, %m1)
  %y : Tensor = aten::linalg_matrix_norm(%x, %2, %dims, %f, %none)
  return (%y))IR",
                         {"x:3x4"}, 17),
               std::exception);
}

}  // namespace
}  // namespace pt2onnx::test
