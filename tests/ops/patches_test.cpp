// Op tests: sliding windows (patches.cpp) — Tensor.unfold, im2col, conv_tbc.
#include <gtest/gtest.h>

#include "op_test_util.h"

namespace pt2onnx::test {
namespace {

using Dims = std::vector<int64_t>;

const char* kUnfold = R"IR(
graph(%x : Tensor):
  %d : int = prim::Constant[value=1]()
  %size : int = prim::Constant[value=3]()
  %step : int = prim::Constant[value=2]()
  %y : Tensor = aten::unfold(%x, %d, %size, %step)
  return (%y))IR";

// (7 - 3) / 2 + 1 = 3 windows of 3 along dim 1; the window dim goes last.
TEST(Patches, UnfoldOpset11) {
  auto model = convertIR(kUnfold, {"x:2x7x4"}, 11);
  EXPECT_EQ(countOps(model, "Gather"), 2);  // the size of dim 1, then the windows
  EXPECT_EQ(outputDims(model), (Dims{2, 3, 4, 3}));
}

TEST(Patches, UnfoldDynamicOpset17) {
  auto model = convertIR(kUnfold, {"x:2x7x4"}, 17, {"x:1=n"});
  EXPECT_EQ(outputDims(model), (Dims{2, -1, 4, 3}));
}

const char* kIm2col = R"IR(
graph(%x : Tensor):
  %2 : int = prim::Constant[value=2]()
  %1 : int = prim::Constant[value=1]()
  %k : int[] = prim::ListConstruct(%2, %2)
  %d : int[] = prim::ListConstruct(%1, %1)
  %p : int[] = prim::ListConstruct(%1, %1)
  %s : int[] = prim::ListConstruct(%1, %2)
  %y : Tensor = aten::im2col(%x, %k, %d, %p, %s)
  return (%y))IR";

// One Slice per kernel offset; [N, C * 4, oh * ow] with oh = 6 + 2 - 1 = 7, ow = (5 + 2 - 2) / 2 + 1 = 3.
TEST(Patches, Im2colOpset11) {
  auto model = convertIR(kIm2col, {"x:1x3x6x5"}, 11);
  EXPECT_EQ(countOps(model, "Pad"), 1);
  EXPECT_EQ(outputDims(model), (Dims{1, 12, 21}));
}

TEST(Patches, Im2colDynamicOpset17) {
  auto model = convertIR(kIm2col, {"x:1x3x6x5"}, 17, {"x:0=b,2=h,3=w"});
  EXPECT_EQ(countOps(model, "Slice") >= 4, true);
  EXPECT_EQ(outputDims(model).size(), 3u);
}

// F.fold(x, output_size=(5, 6), kernel_size=(2, 3), dilation=1, padding=(1, 0), stride=(2, 1)):
// oh = (5 + 2 - 2) / 2 + 1 = 3, ow = (6 - 3) + 1 = 4, so L = 12.
const char* kCol2im = R"IR(
graph(%x : Tensor):
  %0 : int = prim::Constant[value=0]()
  %1 : int = prim::Constant[value=1]()
  %2 : int = prim::Constant[value=2]()
  %3 : int = prim::Constant[value=3]()
  %5 : int = prim::Constant[value=5]()
  %6 : int = prim::Constant[value=6]()
  %size : int[] = prim::ListConstruct(%5, %6)
  %k : int[] = prim::ListConstruct(%2, %3)
  %d : int[] = prim::ListConstruct(%1, %1)
  %p : int[] = prim::ListConstruct(%1, %0)
  %s : int[] = prim::ListConstruct(%2, %1)
  %y : Tensor = aten::col2im(%x, %size, %k, %d, %p, %s)
  return (%y))IR";

// One Pad per kernel offset into the padded image, summed, the padding cut off.
TEST(Patches, Col2imOpset11) {
  auto model = convertIR(kCol2im, {"x:2x12x12"}, 11, {"x:0=b"});
  EXPECT_EQ(countOps(model, "Sum"), 1);
  EXPECT_EQ(countOps(model, "Col2Im"), 0);
  EXPECT_EQ(outputDims(model), (Dims{-1, 2, 5, 6}));
}

TEST(Patches, Col2imUnbatchedOpset17) {
  auto model = convertIR(kCol2im, {"x:12x12"}, 17);
  EXPECT_EQ(outputDims(model), (Dims{2, 5, 6}));
}

const char* kConvTbc = R"IR(
graph(%x : Tensor, %w : Tensor, %b : Tensor):
  %pad : int = prim::Constant[value=1]()
  %y : Tensor = aten::conv_tbc(%x, %w, %b, %pad)
  return (%y))IR";

TEST(Patches, ConvTbcOpset11) {
  auto model = convertIR(kConvTbc, {"x:6x2x4", "w:3x4x5", "b:5"}, 11);
  EXPECT_EQ(countOps(model, "Conv"), 1);
  EXPECT_EQ(outputDims(model), (Dims{6, 2, 5}));
}

TEST(Patches, ConvTbcDynamicOpset17) {
  auto model = convertIR(kConvTbc, {"x:6x2x4", "w:3x4x5", "b:5"}, 17, {"x:0=t,1=b"});
  EXPECT_EQ(outputDims(model), (Dims{-1, -1, 5}));
}

}  // namespace
}  // namespace pt2onnx::test
