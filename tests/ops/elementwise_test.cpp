// Op tests: elementwise arithmetic on element types ONNX lacks at some opsets, bool arithmetic
// and division promotion, at the lowest and highest opsets where behaviour differs.
#include <gtest/gtest.h>

#include "op_test_util.h"

namespace pt2onnx::test {
namespace {

using Ops = std::vector<std::string>;

// graph(%x, %y) -> KIND(%x, %y[, alpha=1])
std::string binaryIR(const std::string& kind, bool alpha = false) {
  std::string ir = "graph(%x : Tensor, %y : Tensor):\n";
  if (alpha) ir += "  %a : int = prim::Constant[value=1]()\n";
  ir += "  %z : Tensor = " + kind + "(%x, %y" + (alpha ? ", %a" : "") + ")\n  return (%z)";
  return ir;
}

// round(x, decimals=d): ONNX Round has no decimals; x is scaled by 10^d around it.
std::string roundIR(int decimals) {
  return "graph(%x : Tensor):\n  %d : int = prim::Constant[value=" + std::to_string(decimals) +
         "]()\n  %z : Tensor = aten::round(%x, %d)\n  return (%z)";
}

TEST(Elementwise, RoundDecimalsScalesAroundRound) {
  EXPECT_EQ(opTypes(convertIR(roundIR(2), {"x:4"}, 11)), (Ops{"Mul", "Round", "Div"}));
  EXPECT_EQ(opTypes(convertIR(roundIR(-1), {"x:4"}, 17)), (Ops{"Div", "Round", "Mul"}));
  EXPECT_EQ(opTypes(convertIR(roundIR(0), {"x:4"}, 17)), (Ops{"Round"}));
}

TEST(Elementwise, AddUint8Opset13ComputesInInt32) {
  auto model = convertIR(binaryIR("aten::add", true), {"x:2x3:uint8", "y:2x3:uint8"}, 13);
  EXPECT_EQ(opTypes(model), (Ops{"Cast", "Cast", "Add", "Cast"}));
  EXPECT_EQ(outputType(model), onnx::TensorProto::UINT8);
}

// Add-14 takes uint8, but ONNX Runtime has no kernel for it: still computed in int32.
TEST(Elementwise, AddUint8Opset14ComputesInInt32) {
  auto model = convertIR(binaryIR("aten::add", true), {"x:2x3:uint8", "y:2x3:uint8"}, 14);
  EXPECT_EQ(opTypes(model), (Ops{"Cast", "Cast", "Add", "Cast"}));
  EXPECT_EQ(outputType(model), onnx::TensorProto::UINT8);
}

TEST(Elementwise, SubInt8Opset11ComputesInInt32) {
  auto model = convertIR(binaryIR("aten::sub", true), {"x:4:int8", "y:4:int8"}, 11);
  EXPECT_EQ(countOps(model, "Sub"), 1);
  EXPECT_EQ(countOps(model, "Cast"), 3);
  EXPECT_EQ(outputType(model), onnx::TensorProto::INT8);
}

// ONNX Runtime has no 8-bit comparison or Max/Min kernels either, at any opset.
TEST(Elementwise, LessAndMaxOfInt8ComputeInInt32) {
  auto less = convertIR(binaryIR("aten::lt"), {"x:4:int8", "y:4:int8"}, 17);
  EXPECT_EQ(opTypes(less), (Ops{"Cast", "Cast", "Less"}));
  auto most = convertIR(binaryIR("aten::maximum"), {"x:4:uint8", "y:4:uint8"}, 17);
  EXPECT_EQ(opTypes(most), (Ops{"Cast", "Cast", "Max", "Cast"}));
}

TEST(Elementwise, MulInt8Opset17ComputesInInt32) {
  auto model = convertIR(binaryIR("aten::mul"), {"x:4:int8", "y:4:int8"}, 17);
  EXPECT_EQ(opTypes(model), (Ops{"Cast", "Cast", "Mul", "Cast"}));
  EXPECT_EQ(outputType(model), onnx::TensorProto::INT8);
}

// Pow-7 (opset 11) takes floats only; Pow-15 takes int32/int64 but not int8.
TEST(Elementwise, PowInt8Opset11ComputesInFloat) {
  auto model = convertIR(binaryIR("aten::pow"), {"x:4:int8", "y:4:int8"}, 11);
  EXPECT_EQ(opTypes(model), (Ops{"Cast", "Cast", "Pow", "Cast"}));
  EXPECT_EQ(model.graph().node(0).attribute(0).i(), onnx::TensorProto::FLOAT);
  EXPECT_EQ(outputType(model), onnx::TensorProto::INT8);
}

TEST(Elementwise, PowUint8Opset17ComputesInInt32) {
  auto model = convertIR(binaryIR("aten::pow"), {"x:4:uint8", "y:4:uint8"}, 17);
  EXPECT_EQ(opTypes(model), (Ops{"Cast", "Cast", "Pow", "Cast"}));
  EXPECT_EQ(model.graph().node(0).attribute(0).i(), onnx::TensorProto::INT32);
}

TEST(Elementwise, MulBoolIsAndOpset11) {
  auto model = convertIR(binaryIR("aten::mul"), {"x:4:bool", "y:4:bool"}, 11);
  EXPECT_EQ(opTypes(model), (Ops{"And"}));
  EXPECT_EQ(outputType(model), onnx::TensorProto::BOOL);
}

TEST(Elementwise, MulBoolIsAndOpset17) {
  auto model = convertIR(binaryIR("aten::mul"), {"x:4:bool", "y:4:bool"}, 17);
  EXPECT_EQ(opTypes(model), (Ops{"And"}));
}

TEST(Elementwise, AddBoolIsOr) {
  auto model = convertIR(binaryIR("aten::add", true), {"x:4:bool", "y:4:bool"}, 17);
  EXPECT_EQ(opTypes(model), (Ops{"Or"}));
  EXPECT_EQ(outputType(model), onnx::TensorProto::BOOL);
}

TEST(Elementwise, MaximumBoolIsOr) {
  auto model = convertIR(binaryIR("aten::maximum"), {"x:4:bool", "y:4:bool"}, 13);
  EXPECT_EQ(opTypes(model), (Ops{"Or"}));
}

// Max/Min take integers from opset 12; before, an int clamp is computed in a float type.
TEST(Elementwise, ClampInt32Opset11ComputesInDouble) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %lo : int = prim::Constant[value=-2]()
  %hi : int = prim::Constant[value=3]()
  %y : Tensor = aten::clamp(%x, %lo, %hi)
  return (%y))IR",
                         {"x:2x3:int32"}, 11);
  EXPECT_EQ(countOps(model, "Max"), 1);
  EXPECT_EQ(countOps(model, "Min"), 1);
  EXPECT_EQ(countOps(model, "Cast"), 6);
  EXPECT_EQ(outputType(model), onnx::TensorProto::INT32);
}

TEST(Elementwise, ClampInt32Opset12Native) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %lo : int = prim::Constant[value=-2]()
  %hi : int = prim::Constant[value=3]()
  %y : Tensor = aten::clamp(%x, %lo, %hi)
  return (%y))IR",
                         {"x:2x3:int32"}, 12);
  EXPECT_EQ(opTypes(model), (Ops{"Max", "Min"}));
}

TEST(Elementwise, NegUint8ComputesInInt32) {
  auto model = convertIR("graph(%x : Tensor):\n  %y : Tensor = aten::neg(%x)\n  return (%y)", {"x:5:uint8"}, 17);
  EXPECT_EQ(opTypes(model), (Ops{"Cast", "Neg", "Cast"}));
  EXPECT_EQ(outputType(model), onnx::TensorProto::UINT8);
}

TEST(Elementwise, FloorOfIntIsIdentity) {
  auto model = convertIR("graph(%x : Tensor):\n  %y : Tensor = aten::floor(%x)\n  return (%y)", {"x:5:int64"}, 11);
  EXPECT_EQ(countOps(model, "Floor"), 0);
  EXPECT_EQ(outputType(model), onnx::TensorProto::INT64);
}

// True division of integers gives a float; rounding_mode='trunc' keeps the integer type.
TEST(Elementwise, DivIntsIsTrueDivision) {
  auto model = convertIR(binaryIR("aten::div"), {"x:4:int64", "y:4:int64"}, 11);
  EXPECT_EQ(opTypes(model), (Ops{"Cast", "Cast", "Div"}));
  EXPECT_EQ(outputType(model), onnx::TensorProto::FLOAT);
}

TEST(Elementwise, DivTruncInt8Opset11ComputesInInt32) {
  auto model = convertIR(R"IR(
graph(%x : Tensor, %y : Tensor):
  %m : str = prim::Constant[value="trunc"]()
  %z : Tensor = aten::div(%x, %y, %m)
  return (%z))IR",
                         {"x:4:int8", "y:4:int8"}, 11);
  EXPECT_EQ(opTypes(model), (Ops{"Cast", "Cast", "Div", "Cast"}));
  EXPECT_EQ(outputType(model), onnx::TensorProto::INT8);
}

TEST(Elementwise, DivTruncInt8Opset17ComputesInInt32) {
  auto model = convertIR(R"IR(
graph(%x : Tensor, %y : Tensor):
  %m : str = prim::Constant[value="trunc"]()
  %z : Tensor = aten::div(%x, %y, %m)
  return (%z))IR",
                         {"x:4:int8", "y:4:int8"}, 17);
  EXPECT_EQ(opTypes(model), (Ops{"Cast", "Cast", "Div", "Cast"}));
}

TEST(Elementwise, FloorDivideIntByFloatPromotes) {
  auto model = convertIR(binaryIR("aten::floor_divide"), {"x:4:int32", "y:4"}, 13);
  EXPECT_EQ(countOps(model, "Floor"), 1);
  EXPECT_EQ(outputType(model), onnx::TensorProto::FLOAT);
}

TEST(Elementwise, SumUint8Opset11ComputesWide) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %none : NoneType = prim::Constant()
  %y : Tensor = aten::sum(%x, %none)
  return (%y))IR",
                         {"x:2x3:uint8"}, 11);
  EXPECT_EQ(countOps(model, "ReduceSum"), 1);
  EXPECT_EQ(outputType(model), onnx::TensorProto::INT64);
}

// Clip's min and max must be scalars: tensor bounds (clamp.Tensor) are Max and Min.
TEST(Elementwise, ClampTensorBoundsAreMaxMinOpset11) {
  auto model = convertIR(R"IR(
graph(%x : Tensor, %lo : Tensor, %hi : Tensor):
  %y : Tensor = aten::clamp(%x, %lo, %hi)
  return (%y))IR",
                         {"x:3x4", "lo:3x4", "hi:3x4"}, 11);
  EXPECT_EQ(opTypes(model), (Ops{"Max", "Min"}));
}

TEST(Elementwise, ClampTensorBoundsAreMaxMinOpset17) {
  auto model = convertIR(R"IR(
graph(%x : Tensor, %lo : Tensor):
  %none : NoneType = prim::Constant()
  %y : Tensor = aten::clamp(%x, %lo, %none)
  return (%y))IR",
                         {"x:3x4", "lo:4"}, 17);
  EXPECT_EQ(opTypes(model), (Ops{"Max"}));
}

TEST(Elementwise, ClampScalarBoundsAreClip) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %lo : float = prim::Constant[value=-1.]()
  %none : NoneType = prim::Constant()
  %y : Tensor = aten::clamp(%x, %lo, %none)
  return (%y))IR",
                         {"x:3x4"}, 17);
  EXPECT_EQ(opTypes(model), (Ops{"Clip"}));
}

// A float scalar against an int tensor compares as float; an int scalar against bools as int.
TEST(Elementwise, LessIntTensorFloatScalarComparesAsFloatOpset11) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %s : float = prim::Constant[value=1.5]()
  %y : Tensor = aten::lt(%x, %s)
  return (%y))IR",
                         {"x:2x3:int32"}, 11);
  EXPECT_EQ(opTypes(model), (Ops{"Cast", "Less"}));
  EXPECT_EQ(model.graph().node(0).attribute(0).i(), onnx::TensorProto::FLOAT);
}

TEST(Elementwise, LeIntTensorFloatScalarComparesAsFloatOpset17) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %s : float = prim::Constant[value=1.5]()
  %y : Tensor = aten::le(%x, %s)
  return (%y))IR",
                         {"x:2x3:int64"}, 17);
  EXPECT_EQ(opTypes(model), (Ops{"Cast", "Greater", "Not"}));
  EXPECT_EQ(outputType(model), onnx::TensorProto::BOOL);
}

TEST(Elementwise, EqBoolTensorIntScalarComparesAsInt) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %s : int = prim::Constant[value=2]()
  %y : Tensor = aten::eq(%x, %s)
  return (%y))IR",
                         {"x:4:bool"}, 17);
  EXPECT_EQ(opTypes(model), (Ops{"Cast", "Equal"}));
  EXPECT_EQ(model.graph().node(0).attribute(0).i(), onnx::TensorProto::INT64);
}

TEST(Elementwise, LtIntTensorIntScalarStaysInt) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %s : int = prim::Constant[value=2]()
  %y : Tensor = aten::lt(%x, %s)
  return (%y))IR",
                         {"x:4:int32"}, 13);
  EXPECT_EQ(opTypes(model), (Ops{"Less"}));
}

}  // namespace
}  // namespace pt2onnx::test
