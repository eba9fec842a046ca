// Op tests: activation converters at their lowest and highest opsets.
#include <gtest/gtest.h>

#include "op_test_util.h"

namespace pt2onnx::test {
namespace {

const char* kHardswish = R"IR(
graph(%x : Tensor):
  %y : Tensor = aten::hardswish(%x)
  return (%y))IR";

TEST(Activation, HardswishOpset11Decomposes) {
  auto model = convertIR(kHardswish, {"x:2x3x4"}, 11);
  EXPECT_EQ(countOps(model, "HardSwish"), 0);
  EXPECT_EQ(countOps(model, "HardSigmoid"), 1);
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{2, 3, 4}));
}

TEST(Activation, HardswishOpset17) {
  auto model = convertIR(kHardswish, {"x:2x3x4"}, 17);
  EXPECT_EQ(opTypes(model), (std::vector<std::string>{"HardSwish"}));
}

TEST(Activation, SoftmaxOpset11MovesInnerAxisLast) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %d : int = prim::Constant[value=1]()
  %none : NoneType = prim::Constant()
  %y : Tensor = aten::softmax(%x, %d, %none)
  return (%y))IR",
                         {"x:2x3x4"}, 11);
  EXPECT_EQ(countOps(model, "Transpose"), 2);
  EXPECT_EQ(countOps(model, "Softmax"), 1);
}

TEST(Activation, SoftmaxOpset17SingleNode) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %d : int = prim::Constant[value=1]()
  %none : NoneType = prim::Constant()
  %y : Tensor = aten::softmax(%x, %d, %none)
  return (%y))IR",
                         {"x:2x3x4"}, 17);
  EXPECT_EQ(opTypes(model), (std::vector<std::string>{"Softmax"}));
}

TEST(Activation, GeluTanhApproximation) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %a : str = prim::Constant[value="tanh"]()
  %y : Tensor = aten::gelu(%x, %a)
  return (%y))IR",
                         {"x:5"}, 17);
  EXPECT_EQ(countOps(model, "Tanh"), 1);
  EXPECT_EQ(countOps(model, "Erf"), 0);
}

TEST(Activation, HardtanhBecomesClip) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %lo : float = prim::Constant[value=-2.]()
  %hi : float = prim::Constant[value=3.]()
  %y : Tensor = aten::hardtanh(%x, %lo, %hi)
  return (%y))IR",
                         {"x:4x4"}, 13);
  EXPECT_EQ(opTypes(model), (std::vector<std::string>{"Clip"}));
}

}  // namespace
}  // namespace pt2onnx::test
