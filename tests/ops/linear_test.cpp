// Op tests: matmul and einsum on element types and equations ONNX (Runtime) does not take as is.
#include <gtest/gtest.h>

#include "op_test_util.h"

namespace pt2onnx::test {
namespace {

using Ops = std::vector<std::string>;

std::string einsumIR(const std::string& equation, int operands) {
  std::string ir = "graph(%x : Tensor, %y : Tensor):\n  %eq : str = prim::Constant[value=\"" + equation + "\"]()\n";
  ir += std::string("  %l : Tensor[] = prim::ListConstruct(") + (operands == 1 ? "%x" : "%x, %y") + ")\n";
  ir += "  %none : NoneType = prim::Constant()\n  %z : Tensor = aten::einsum(%eq, %l, %none)\n  return (%z)";
  return ir;
}

std::string equationOf(const onnx::ModelProto& model) {
  for (const auto& n : model.graph().node())
    if (n.op_type() == "Einsum") return n.attribute(0).s();
  return "";
}

// Einsum takes no bool: bool operands are summed in int64 and nonzero is true.
TEST(Linear, EinsumBoolOpset12ComputesInInt64) {
  auto model = convertIR(einsumIR("i,j->ij", 2), {"x:2:bool", "y:3:bool"}, 12);
  EXPECT_EQ(opTypes(model), (Ops{"Cast", "Cast", "Einsum", "Cast"}));
  EXPECT_EQ(model.graph().node(0).attribute(0).i(), onnx::TensorProto::INT64);
  EXPECT_EQ(outputType(model), onnx::TensorProto::BOOL);
}

TEST(Linear, EinsumBoolOpset17ComputesInInt64) {
  auto model = convertIR(einsumIR("i,j->ij", 2), {"x:2:bool", "y:3:bool"}, 17);
  EXPECT_EQ(countOps(model, "Einsum"), 1);
  EXPECT_EQ(outputType(model), onnx::TensorProto::BOOL);
}

TEST(Linear, EinsumFloatKeepsType) {
  auto model = convertIR(einsumIR("ij,jk->ik", 2), {"x:2x3", "y:3x4"}, 17);
  EXPECT_EQ(opTypes(model), (Ops{"Einsum"}));
  EXPECT_EQ(equationOf(model), "ij,jk->ik");
}

// Upper-case labels become unused lower-case ones; spaces go; the implicit output is PyTorch's.
TEST(Linear, EinsumUpperCaseAndImplicitOutput) {
  auto model = convertIR(einsumIR("bA, Ac", 2), {"x:2x3", "y:3x4"}, 17);
  EXPECT_EQ(equationOf(model), "ba,ac->bc");
}

TEST(Linear, EinsumImplicitOutputAsciiOrder) {
  auto model = convertIR(einsumIR("ba", 1), {"x:2x3", "y:3x4"}, 12);
  EXPECT_EQ(equationOf(model), "ba->ab");
}

TEST(Linear, EinsumEllipsisImplicitOutputFirst) {
  auto model = convertIR(einsumIR("...ij,...jk", 2), {"x:5x2x3", "y:5x3x4"}, 12);
  EXPECT_EQ(equationOf(model), "...ij,...jk->...ik");
}

// MatMul has no int8 form at any opset: computed in int32 and cast back.
TEST(Linear, MatmulInt8Opset11ComputesInInt32) {
  auto model = convertIR("graph(%x : Tensor, %y : Tensor):\n  %z : Tensor = aten::matmul(%x, %y)\n  return (%z)",
                         {"x:2x3:int8", "y:3x4:int8"}, 11);
  EXPECT_EQ(opTypes(model), (Ops{"Cast", "Cast", "MatMul", "Cast"}));
  EXPECT_EQ(outputType(model), onnx::TensorProto::INT8);
}

TEST(Linear, MatmulInt8Opset17ComputesInInt32) {
  auto model = convertIR("graph(%x : Tensor, %y : Tensor):\n  %z : Tensor = aten::matmul(%x, %y)\n  return (%z)",
                         {"x:2x3:int8", "y:3x4:int8"}, 17);
  EXPECT_EQ(countOps(model, "MatMul"), 1);
  EXPECT_EQ(countOps(model, "Cast"), 3);
}

}  // namespace
}  // namespace pt2onnx::test
