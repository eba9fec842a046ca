// Op tests: max_unpool2d/3d, max_pool with indices, affine_grid_generator and block_diag at their
// lowest and highest opsets.
#include <gtest/gtest.h>

#include "op_test_util.h"
#include "pt2onnx/pt2onnx.h"

namespace pt2onnx::test {
namespace {

using Dims = std::vector<int64_t>;

// max_pool2d_with_indices(x, 2) then max_unpool2d back to the input's spatial size.
const char* kUnpool = R"IR(
graph(%x : Tensor):
  %k : int[] = prim::Constant[value=[2, 2]]()
  %e : int[] = prim::Constant[value=[0, 0]]()
  %d : int[] = prim::Constant[value=[1, 1]]()
  %f : bool = prim::Constant[value=0]()
  %2 : int = prim::Constant[value=2]()
  %3 : int = prim::Constant[value=3]()
  %y : Tensor, %i : Tensor = aten::max_pool2d_with_indices(%x, %k, %k, %e, %d, %f)
  %h : int = aten::size(%x, %2)
  %w : int = aten::size(%x, %3)
  %s : int[] = prim::ListConstruct(%h, %w)
  %u : Tensor = aten::max_unpool2d(%y, %i, %s)
  return (%u, %i))IR";

TEST(Spatial, MaxUnpool2dOpset10) {
  auto model = convertIR(kUnpool, {"x:2x3x6x4"}, 10);
  EXPECT_EQ(countOps(model, "Scatter"), 1);
  EXPECT_EQ(countOps(model, "Mod"), 1);
  EXPECT_EQ(outputDims(model, 0), (Dims{2, 3, 6, 4}));
  EXPECT_EQ(outputDims(model, 1), (Dims{2, 3, 3, 2}));
}

// The output size follows the dynamic spatial dims.
TEST(Spatial, MaxUnpool2dDynamicOpset17) {
  auto model = convertIR(kUnpool, {"x:2x3x6x4"}, 17, {"x:0=b,2=h,3=w"});
  EXPECT_EQ(countOps(model, "ScatterElements"), 1);
  EXPECT_EQ(outputDims(model, 0), (Dims{-1, 3, -1, -1}));
}

TEST(Spatial, MaxPoolWithIndicesBelowOpset10IsRefused) {
  try {
    convertIR(kUnpool, {"x:2x3x6x4"}, 9);
    FAIL() << "expected a conversion error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("needs opset 10"), std::string::npos) << e.what();
  }
}

// max_unpool3d(self, indices, output_size, stride, padding) of an unbatched [C, D, H, W] input.
const char* kUnpool3d = R"IR(
graph(%x : Tensor, %i : Tensor):
  %s : int[] = prim::Constant[value=[2, 4, 4]]()
  %t : int[] = prim::Constant[value=[1, 2, 2]]()
  %p : int[] = prim::Constant[value=[0, 0, 0]]()
  %u : Tensor = aten::max_unpool3d(%x, %i, %s, %t, %p)
  return (%u))IR";

TEST(Spatial, MaxUnpool3dUnbatchedOpset9) {
  auto model = convertIR(kUnpool3d, {"x:3x2x2x2", "i:3x2x2x2:int64"}, 9);
  EXPECT_EQ(countOps(model, "Scatter"), 1);
  EXPECT_EQ(outputDims(model), (Dims{3, 2, 4, 4}));
}

TEST(Spatial, MaxUnpool3dOpset17) {
  auto model = convertIR(kUnpool3d, {"x:1x3x2x2x2", "i:1x3x2x2x2:int64"}, 17);
  EXPECT_EQ(outputDims(model), (Dims{1, 3, 2, 4, 4}));
}

// affine_grid_generator(theta, size, align_corners) with the size of the input.
const char* kAffineGrid = R"IR(
graph(%theta : Tensor, %x : Tensor):
  %t : bool = prim::Constant[value=1]()
  %s : int[] = aten::size(%x)
  %g : Tensor = aten::affine_grid_generator(%theta, %s, %t)
  return (%g))IR";

TEST(Spatial, AffineGrid2dOpset11) {
  auto model = convertIR(kAffineGrid, {"theta:2x2x3", "x:2x3x5x7"}, 11);
  EXPECT_EQ(countOps(model, "Range"), 2);
  EXPECT_EQ(countOps(model, "MatMul"), 1);
  EXPECT_EQ(outputDims(model), (Dims{2, 5, 7, 2}));
}

TEST(Spatial, AffineGrid3dDynamicOpset17) {
  auto model = convertIR(kAffineGrid, {"theta:2x3x4", "x:2x1x3x5x7"}, 17, {"theta:0=b", "x:0=b,3=h"});
  EXPECT_EQ(countOps(model, "Range"), 3);
  EXPECT_EQ(outputDims(model), (Dims{-1, 3, -1, 7, 3}));
}

// Opset 9: the grid's ranges spelled without Range.
TEST(Spatial, AffineGridAtOpset9) {
  auto model = convertIR(kAffineGrid, {"theta:2x2x3", "x:2x3x5x7"}, 9, {"theta:0=b", "x:0=b,2=h"});
  EXPECT_EQ(countOps(model, "Range"), 0);
  EXPECT_EQ(outputDims(model), (Dims{-1, -1, 7, 2}));
}

// block_diag of a matrix, a row and a 0-d tensor: [2+1+1, 3+4+1].
const char* kBlockDiag = R"IR(
graph(%a : Tensor, %b : Tensor, %c : Tensor):
  %l : Tensor[] = prim::ListConstruct(%a, %b, %c)
  %y : Tensor = aten::block_diag(%l)
  return (%y))IR";

TEST(Spatial, BlockDiagOpset11) {
  auto model = convertIR(kBlockDiag, {"a:2x3", "b:4", "c:scalar"}, 11);
  EXPECT_EQ(countOps(model, "Pad"), 3);
  EXPECT_EQ(outputDims(model), (Dims{4, 8}));
}

TEST(Spatial, BlockDiagDynamicOpset17) {
  auto model = convertIR(kBlockDiag, {"a:2x3", "b:4", "c:scalar"}, 17, {"a:0=r,1=c"});
  EXPECT_EQ(outputDims(model), (Dims{-1, -1}));
}

}  // namespace
}  // namespace pt2onnx::test
