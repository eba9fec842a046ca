// Op tests: slice_scatter and select_scatter, and the in-place view writes that become them.
#include <gtest/gtest.h>

#include "op_test_util.h"

namespace pt2onnx::test {
namespace {

using Dims = std::vector<int64_t>;

// x[:, 1:3] = y written as slice_scatter(x, y, dim=1, start=1, end=3).
const char* kSliceScatter = R"IR(
graph(%x : Tensor, %y : Tensor):
  %1 : int = prim::Constant[value=1]()
  %3 : int = prim::Constant[value=3]()
  %out : Tensor = aten::slice_scatter(%x, %y, %1, %1, %3, %1)
  return (%out))IR";

TEST(ViewScatter, SliceScatterOpset11) {
  auto model = convertIR(kSliceScatter, {"x:2x5", "y:2x2"}, 11);
  EXPECT_EQ(countOps(model, "ScatterND"), 1);
  EXPECT_EQ(countOps(model, "Transpose"), 3);  // self and src moved so dim 1 leads, the result back
  EXPECT_EQ(outputDims(model), (Dims{2, 5}));
}

TEST(ViewScatter, SliceScatterOpset17DynamicBatch) {
  auto model = convertIR(kSliceScatter, {"x:2x5", "y:2x2"}, 17, {"x:0=batch", "y:0=batch"});
  EXPECT_EQ(countOps(model, "ScatterND"), 1);
  EXPECT_EQ(outputDims(model), (Dims{-1, 5}));
}

// x[-1] = v: select_scatter with a negative index on dim 0 needs no transpose.
const char* kSelectScatter = R"IR(
graph(%x : Tensor, %v : Tensor):
  %0 : int = prim::Constant[value=0]()
  %m1 : int = prim::Constant[value=-1]()
  %out : Tensor = aten::select_scatter(%x, %v, %0, %m1)
  return (%out))IR";

TEST(ViewScatter, SelectScatterOpset9IsScatter) {
  auto model = convertIR(kSelectScatter, {"x:3x4", "v:4"}, 9);
  EXPECT_EQ(countOps(model, "Scatter"), 1);
  EXPECT_EQ(countOps(model, "ScatterND"), 0);
  EXPECT_EQ(outputDims(model), (Dims{3, 4}));
}

TEST(ViewScatter, SelectScatterOpset11) {
  auto model = convertIR(kSelectScatter, {"x:3x4", "v:4"}, 11);
  EXPECT_EQ(countOps(model, "ScatterND"), 1);
  EXPECT_EQ(countOps(model, "Transpose"), 0);
  EXPECT_EQ(outputDims(model), (Dims{3, 4}));
}

TEST(ViewScatter, SelectScatterOpset17) {
  auto model = convertIR(kSelectScatter, {"x:3x4", "v:4"}, 17, {"x:0=batch"});
  EXPECT_EQ(countOps(model, "ScatterND"), 1);
  EXPECT_EQ(outputDims(model), (Dims{-1, 4}));
}

// The frontend turns a fill_ of a view and a later read into slice_scatter before conversion.
TEST(ViewScatter, FillOfASliceBecomesAScatter) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %0 : int = prim::Constant[value=0]()
  %1 : int = prim::Constant[value=1]()
  %2 : int = prim::Constant[value=2]()
  %7 : float = prim::Constant[value=7.]()
  %none : NoneType = prim::Constant()
  %c : Tensor = aten::clone(%x, %none)
  %v : Tensor = aten::slice(%c, %1, %0, %2, %1)
  %w : Tensor = aten::fill_(%v, %7)
  %out : Tensor = aten::mul(%c, %2)
  return (%out))IR",
                         {"x:3x4"}, 17);
  EXPECT_EQ(countOps(model, "ScatterND"), 1);
  EXPECT_EQ(outputDims(model), (Dims{3, 4}));
}

}  // namespace
}  // namespace pt2onnx::test
