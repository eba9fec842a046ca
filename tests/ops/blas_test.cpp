// Op tests: add* products, inner, chain_matmul, matrix powers, bilinear and determinants at their
// lowest and highest opsets.
#include "op_cases.h"

namespace pt2onnx::test {
namespace {

const char* kScalars = "  %beta : int = prim::Constant[value=1]()\n  %alpha : float = prim::Constant[value=2.]()\n";

std::string addIR(const std::string& op) {
  return "graph(%s : Tensor, %a : Tensor, %b : Tensor):\n" + std::string(kScalars) + "  %y : Tensor = aten::" + op +
         "(%s, %a, %b, %beta, %alpha)\n  return (%y)";
}

const std::vector<OpCase> kCases = {
    {"Addmv", addIR("addmv"), {"s:3", "a:3x4", "b:4"}, 9, "MatMul", {3}},
    {"Addr", addIR("addr"), {"s:3x4", "a:3", "b:4"}, 9, "Mul", {3, 4}},
    {"Addbmm", addIR("addbmm"), {"s:3x5", "a:2x3x4", "b:2x4x5"}, 9, "ReduceSum", {3, 5}},
    {"AddmvBetaZero",
     "graph(%s : Tensor, %a : Tensor, %b : Tensor):\n  %beta : int = prim::Constant[value=0]()\n"
     "  %alpha : int = prim::Constant[value=1]()\n  %y : Tensor = aten::addmv(%s, %a, %b, %beta, %alpha)\n"
     "  return (%y)",
     {"s:3", "a:3x4", "b:4"},
     9,
     "Expand",
     {3}},
    {"Inner",
     "graph(%a : Tensor, %b : Tensor):\n  %y : Tensor = aten::inner(%a, %b)\n  return (%y)",
     {"a:2x3", "b:4x3"},
     9,
     "MatMul",
     {2, 4}},
    {"ChainMatmul",
     "graph(%a : Tensor, %b : Tensor, %c : Tensor):\n  %l : Tensor[] = prim::ListConstruct(%a, %b, %c)\n"
     "  %y : Tensor = aten::chain_matmul(%l)\n  return (%y)",
     {"a:2x3", "b:3x4", "c:4x2"},
     9,
     "MatMul",
     {2, 2}},
    {"MatrixPower3",
     "graph(%x : Tensor):\n  %n : int = prim::Constant[value=3]()\n  %y : Tensor = aten::linalg_matrix_power(%x, %n)\n"
     "  return (%y)",
     {"x:2x3x3"},
     9,
     "MatMul",
     {2, 3, 3}},
    {"MatrixPower0",
     "graph(%x : Tensor):\n  %n : int = prim::Constant[value=0]()\n  %y : Tensor = aten::linalg_matrix_power(%x, %n)\n"
     "  return (%y)",
     {"x:2x3x3"},
     9,
     "EyeLike",
     {2, 3, 3}},
    {"Bilinear",
     "graph(%x1 : Tensor, %x2 : Tensor, %w : Tensor, %b : Tensor):\n"
     "  %y : Tensor = aten::bilinear(%x1, %x2, %w, %b)\n  return (%y)",
     {"x1:4x3", "x2:4x5", "w:2x3x5", "b:2"},
     9,
     "MatMul",
     {4, 2}},
    {"LinalgDet",
     "graph(%x : Tensor):\n  %y : Tensor = aten::linalg_det(%x)\n  return (%y)",
     {"x:2x3x3"},
     11,
     "Det",
     {2}},
    {"Logdet", "graph(%x : Tensor):\n  %y : Tensor = aten::logdet(%x)\n  return (%y)", {"x:3x3"}, 11, "Log", {}},
    {"MultiDotVectorEnds",
     "graph(%a : Tensor, %b : Tensor, %c : Tensor):\n  %l : Tensor[] = prim::ListConstruct(%a, %b, %c)\n"
     "  %y : Tensor = aten::linalg_multi_dot(%l)\n  return (%y)",
     {"a:3", "b:3x4", "c:4"},
     9,
     "MatMul",
     {}},
    {"Vecdot",
     "graph(%a : Tensor, %b : Tensor):\n  %d : int = prim::Constant[value=-1]()\n"
     "  %y : Tensor = aten::linalg_vecdot(%a, %b, %d)\n  return (%y)",
     {"a:2x3", "b:2x3"},
     9,
     "ReduceSum",
     {2}},
    {"Dist",
     "graph(%a : Tensor, %b : Tensor):\n  %p : float = prim::Constant[value=2.]()\n"
     "  %y : Tensor = aten::dist(%a, %b, %p)\n  return (%y)",
     {"a:2x3", "b:2x3"},
     9,
     "ReduceL2",
     {}},
    {"Renorm",
     "graph(%x : Tensor):\n  %p : float = prim::Constant[value=2.]()\n  %d : int = prim::Constant[value=0]()\n"
     "  %m : float = prim::Constant[value=1.]()\n  %y : Tensor = aten::renorm(%x, %p, %d, %m)\n  return (%y)",
     {"x:3x4"},
     9,
     "ReduceL2",
     {3, 4}},
};

class Blas : public ::testing::TestWithParam<OpCaseAt> {};

TEST_P(Blas, Converts) { checkCase(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Ops, Blas, ::testing::ValuesIn(atLowestAndHighest(kCases)), caseName);

TEST(Blas, RefusedBelowLowestOpsetNamingIt) {
  for (const auto& c : kCases) checkRefusedBelow(c);
}

TEST(Blas, MatrixPowerSquares) {
  // x^3 = x * x^2: two products, not three.
  auto model = convertIR(kCases[6].ir, kCases[6].inputs, 17);
  EXPECT_EQ(countOps(model, "MatMul"), 2);
}

TEST(Blas, NegativeMatrixPowerIsRefused) {
  const char* ir =
      "graph(%x : Tensor):\n  %n : int = prim::Constant[value=-1]()\n"
      "  %y : Tensor = aten::linalg_matrix_power(%x, %n)\n  return (%y)";
  EXPECT_THROW(convertIR(ir, {"x:3x3"}, 17), std::exception);
}

}  // namespace
}  // namespace pt2onnx::test
