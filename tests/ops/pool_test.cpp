// Op tests: average pooling in ceil mode, whose last window reaches past the input.
#include <gtest/gtest.h>

#include "op_test_util.h"

namespace pt2onnx::test {
namespace {

// avg_pool2d(x, 3, 2, padding, ceil_mode=True, count_include_pad) on [N, C, 10, 9].
std::string ceilPoolIR(int padding, bool count_include_pad) {
  return R"IR(
graph(%x : Tensor):
  %k : int[] = prim::Constant[value=[3, 3]]()
  %s : int[] = prim::Constant[value=[2, 2]]()
  %p : int[] = prim::Constant[value=[)IR" +
         std::to_string(padding) + ", " + std::to_string(padding) + R"IR(]]()
  %ceil : bool = prim::Constant[value=1]()
  %inc : bool = prim::Constant[value=)IR" +
         std::to_string(count_include_pad ? 1 : 0) + R"IR(]()
  %none : NoneType = prim::Constant()
  %y : Tensor = aten::avg_pool2d(%x, %k, %s, %p, %ceil, %inc, %none)
  return (%y))IR";
}

int64_t countIncludePad(const onnx::ModelProto& model) {
  for (const auto& node : model.graph().node())
    if (node.op_type() == "AveragePool")
      for (const auto& a : node.attribute())
        if (a.name() == "count_include_pad") return a.i();
  return -1;
}

// Without padding, PyTorch divides a window by the cells inside the input: ONNX's count without
// padding, whatever count_include_pad says.
TEST(Pool, AvgCeilModeWithoutPaddingCountsInputCellsOpset17) {
  auto model = convertIR(ceilPoolIR(0, true), {"x:2x3x10x9"}, 17, {"x:0=batch"});
  EXPECT_EQ(countIncludePad(model), 0);
  EXPECT_EQ(countOps(model, "Pad"), 0);
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{-1, 3, 5, 4}));
}

// With padding counted: ONNX's average over input cells, rescaled per output position by a
// constant when the sizes are fixed, and by a ratio computed from the sizes (Range) when not.
TEST(Pool, AvgCeilModeCountingPaddingRescalesStaticOpset10) {
  auto model = convertIR(ceilPoolIR(1, true), {"x:2x3x10x9"}, 10);
  EXPECT_EQ(countIncludePad(model), 0);
  EXPECT_GE(countOps(model, "Mul"), 1);  // the ratio's, the two axes' ratios folded or not
  EXPECT_EQ(countOps(model, "Range"), 0);
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{2, 3, 6, 5}));
}

TEST(Pool, AvgCeilModeCountingPaddingRescalesDynamicOpset11) {
  auto model = convertIR(ceilPoolIR(1, true), {"x:2x3x10x9"}, 11, {"x:2=h,3=w"});
  EXPECT_EQ(countOps(model, "Range"), 2);
  EXPECT_EQ(outputDims(model).size(), 4u);
}

TEST(Pool, AvgCeilModeCountingPaddingOnDynamicSizesBeforeOpset11SaysWhichOpset) {
  try {
    convertIR(ceilPoolIR(1, true), {"x:2x3x10x9"}, 10, {"x:2=h"});
    FAIL() << "expected a conversion error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("try --opset 11"), std::string::npos) << e.what();
  }
}

// Padding not counted: ONNX's own padding and count_include_pad=0 already agree with PyTorch.
TEST(Pool, AvgCeilModeNotCountingPaddingKeepsPadsOpset17) {
  auto model = convertIR(ceilPoolIR(1, false), {"x:2x3x10x9"}, 17);
  EXPECT_EQ(countOps(model, "Pad"), 0);
  EXPECT_EQ(countIncludePad(model), 0);
}

}  // namespace
}  // namespace pt2onnx::test
