// Op tests: special math functions and NaN-aware reductions at their lowest and highest opsets.
#include "op_cases.h"

namespace pt2onnx::test {
namespace {

// One unary op on %x.
std::string unaryIR(const std::string& call) {
  return "graph(%x : Tensor):\n  %y : Tensor = " + call + "\n  return (%y)";
}

// One binary op on %x and %y.
std::string binaryIR(const std::string& call) {
  return "graph(%x : Tensor, %y : Tensor):\n  %z : Tensor = " + call + "\n  return (%z)";
}

const std::vector<std::string> kOne = {"x:2x3"};
const std::vector<std::string> kTwo = {"x:2x3", "y:2x3"};

const std::vector<OpCase> kCases = {
    {"Erfc", unaryIR("aten::erfc(%x)"), kOne, 9, "Erf", {2, 3}},
    {"LogitEps",
     "graph(%x : Tensor):\n  %e : float = prim::Constant[value=0.001]()\n  %y : Tensor = aten::logit(%x, %e)\n"
     "  return (%y)",
     kOne,
     9,
     "Log",
     {2, 3}},
    {"Xlogy", binaryIR("aten::xlogy(%x, %y)"), kTwo, 9, "IsNaN", {2, 3}},
    {"Sinc", unaryIR("aten::sinc(%x)"), kOne, 9, "Sin", {2, 3}},
    {"Trunc", unaryIR("aten::trunc(%x)"), kOne, 9, "Floor", {2, 3}},
    {"Frac", unaryIR("aten::frac(%x)"), kOne, 9, "Sub", {2, 3}},
    {"Deg2rad", unaryIR("aten::deg2rad(%x)"), kOne, 9, "Mul", {2, 3}},
    {"Rad2deg", unaryIR("aten::rad2deg(%x)"), kOne, 9, "Mul", {2, 3}},
    {"Hypot", binaryIR("aten::hypot(%x, %y)"), kTwo, 9, "Sqrt", {2, 3}},
    {"Logaddexp", binaryIR("aten::logaddexp(%x, %y)"), kTwo, 9, "Exp", {2, 3}},
    {"Logaddexp2", binaryIR("aten::logaddexp2(%x, %y)"), kTwo, 9, "Pow", {2, 3}},
    {"Copysign", binaryIR("aten::copysign(%x, %y)"), kTwo, 9, "Abs", {2, 3}},
    {"Heaviside", binaryIR("aten::heaviside(%x, %y)"), kTwo, 9, "Where", {2, 3}},
    {"Signbit", unaryIR("aten::signbit(%x)"), kOne, 9, "Less", {2, 3}},
    {"Exp2", unaryIR("aten::exp2(%x)"), kOne, 9, "Pow", {2, 3}},
    {"FloatPower", binaryIR("aten::float_power(%x, %y)"), kTwo, 9, "Pow", {2, 3}},
    {"Fmin", binaryIR("aten::fmin(%x, %y)"), kTwo, 9, "IsNaN", {2, 3}},
    {"Fmax", binaryIR("aten::fmax(%x, %y)"), kTwo, 9, "Max", {2, 3}},
    {"Sgn", unaryIR("aten::sgn(%x)"), kOne, 9, "Sign", {2, 3}},
    {"Positive", unaryIR("aten::positive(%x)"), {"x:2x3"}, 9, "", {2, 3}},
    {"Isneginf", unaryIR("aten::isneginf(%x)"), kOne, 9, "", {2, 3}},  // IsInf from 10, Less at 9
    {"Isposinf", unaryIR("aten::isposinf(%x)"), kOne, 9, "", {2, 3}},  // IsInf from 10, Greater at 9
    {"NansumAll",
     "graph(%x : Tensor):\n  %n : NoneType = prim::Constant()\n  %k : bool = prim::Constant[value=0]()\n"
     "  %y : Tensor = aten::nansum(%x, %n, %k, %n)\n  return (%y)",
     kOne,
     9,
     "ReduceSum",
     {}},
    {"NanmeanDimKeep",
     "graph(%x : Tensor):\n  %d : int = prim::Constant[value=-1]()\n  %l : int[] = prim::ListConstruct(%d)\n"
     "  %n : NoneType = prim::Constant()\n  %k : bool = prim::Constant[value=1]()\n"
     "  %y : Tensor = aten::nanmean(%x, %l, %k, %n)\n  return (%y)",
     kOne,
     9,
     "IsNaN",
     {2, 1}},
    {"CountNonzeroDim",
     "graph(%x : Tensor):\n  %d : int = prim::Constant[value=0]()\n  %l : int[] = prim::ListConstruct(%d)\n"
     "  %y : Tensor = aten::count_nonzero(%x, %l)\n  return (%y)",
     kOne,
     9,
     "ReduceSum",
     {3}},
    {"Logcumsumexp",
     "graph(%x : Tensor):\n  %d : int = prim::Constant[value=1]()\n  %y : Tensor = aten::logcumsumexp(%x, %d)\n"
     "  return (%y)",
     kOne,
     9,
     "Log",
     {2, 3}},
    {"Xlog1py", binaryIR("aten::special_xlog1py(%x, %y)"), kTwo, 9, "IsNaN", {2, 3}},
    {"Entr", unaryIR("aten::special_entr(%x)"), kOne, 9, "Log", {2, 3}},
    {"Ndtr", unaryIR("aten::special_ndtr(%x)"), kOne, 9, "Erf", {2, 3}},
    {"Ldexp", binaryIR("aten::ldexp(%x, %y)"), kTwo, 9, "Pow", {2, 3}},
    {"IscloseEqualNan",
     "graph(%x : Tensor, %y : Tensor):\n  %r : float = prim::Constant[value=1e-05]()\n"
     "  %a : float = prim::Constant[value=1e-08]()\n  %e : bool = prim::Constant[value=1]()\n"
     "  %z : Tensor = aten::isclose(%x, %y, %r, %a, %e)\n  return (%z)",
     kTwo,
     9,
     "IsNaN",
     {2, 3}},
    {"Isin",
     "graph(%x : Tensor, %y : Tensor):\n  %f : bool = prim::Constant[value=0]()\n"
     "  %z : Tensor = aten::isin(%x, %y, %f, %f)\n  return (%z)",
     {"x:2x3", "y:4"},
     9,
     "ReduceSum",
     {2, 3}},
    {"TrapzDx",
     "graph(%x : Tensor):\n  %dx : float = prim::Constant[value=0.5]()\n  %d : int = prim::Constant[value=1]()\n"
     "  %y : Tensor = aten::trapz(%x, %dx, %d)\n  return (%y)",
     kOne,
     9,
     "ReduceSum",
     {2}},
    {"TrapezoidX",
     "graph(%y : Tensor, %x : Tensor):\n  %d : int = prim::Constant[value=0]()\n"
     "  %z : Tensor = aten::trapezoid(%y, %x, %d)\n  return (%z)",
     {"y:4x3", "x:4"},
     9,
     "ReduceSum",
     {3}},
    {"CumulativeTrapezoid",
     "graph(%y : Tensor, %x : Tensor):\n  %d : int = prim::Constant[value=-1]()\n"
     "  %z : Tensor = aten::cumulative_trapezoid(%y, %x, %d)\n  return (%z)",
     {"y:4x3", "x:4x3"},
     9,
     "Mul",
     {4, 2}},
};

class Special : public ::testing::TestWithParam<OpCaseAt> {};

TEST_P(Special, Converts) { checkCase(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Ops, Special, ::testing::ValuesIn(atLowestAndHighest(kCases)), caseName);

TEST(Special, RefusedBelowLowestOpsetNamingIt) {
  for (const auto& c : kCases) checkRefusedBelow(c);
}

TEST(Special, FloatPowerComputesInDouble) {
  auto model = convertIR(binaryIR("aten::float_power(%x, %y)"), kTwo, 17);
  EXPECT_EQ(outputType(model), onnx::TensorProto_DataType_DOUBLE);
}

TEST(Special, SignbitIsBool) {
  auto model = convertIR(unaryIR("aten::signbit(%x)"), kOne, 9);
  EXPECT_EQ(outputType(model), onnx::TensorProto_DataType_BOOL);
}

}  // namespace
}  // namespace pt2onnx::test
