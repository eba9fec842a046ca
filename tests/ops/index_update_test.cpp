// Op tests: index updates (index_update.cpp) — index_add, index_copy, index_fill, masked_scatter.
#include <gtest/gtest.h>

#include "compat.h"
#include "op_test_util.h"

namespace pt2onnx::test {
namespace {

using Dims = std::vector<int64_t>;

const char* kIndexAdd = R"IR(
graph(%x : Tensor, %i : Tensor, %s : Tensor):
  %d : int = prim::Constant[value=1]()
  %a : int = prim::Constant[value=2]()
  %y : Tensor = aten::index_add(%x, %d, %i, %s, %a)
  return (%y))IR";

// Before opset 16 the source rows are summed by a one-hot MatMul (repeated indices add up).
TEST(IndexUpdate, IndexAddOneHotOpset11) {
  auto model = convertIR(kIndexAdd, {"x:3x10", "i:4:int64", "s:3x4"}, 11);
  EXPECT_EQ(countOps(model, "MatMul"), 1);
  EXPECT_EQ(countOps(model, "ScatterElements"), 0);
  EXPECT_EQ(outputDims(model), (Dims{3, 10}));
}

TEST(IndexUpdate, IndexAddScatterOpset16) {
  auto model = convertIR(kIndexAdd, {"x:3x10", "i:4:int64", "s:3x4"}, 16);
  ASSERT_EQ(countOps(model, "ScatterElements"), 1);
  for (const auto& n : model.graph().node())
    if (n.op_type() == "ScatterElements") EXPECT_EQ(n.attribute(1).s(), "add");
}

TEST(IndexUpdate, IndexAddDynamicOpset17) {
  auto model = convertIR(kIndexAdd, {"x:3x10", "i:4:int64", "s:3x4"}, 17, {"x:0=n", "s:0=n"});
  EXPECT_EQ(outputDims(model), (Dims{-1, 10}));
}

const char* kIndexCopy = R"IR(
graph(%x : Tensor, %i : Tensor, %s : Tensor):
  %d : int = prim::Constant[value=0]()
  %y : Tensor = aten::index_copy(%x, %d, %i, %s)
  return (%y))IR";

TEST(IndexUpdate, IndexCopyOpset11) {
  auto model = convertIR(kIndexCopy, {"x:10x2", "i:3:int64", "s:3x2"}, 11);
  EXPECT_EQ(countOps(model, "ScatterElements"), 1);
  EXPECT_EQ(outputDims(model), (Dims{10, 2}));
}

TEST(IndexUpdate, IndexCopyOpset17) {
  auto model = convertIR(kIndexCopy, {"x:10x2:int64", "i:3:int64", "s:3x2:int64"}, 17, {"x:1=m", "s:1=m"});
  EXPECT_EQ(outputType(model), onnx::TensorProto::INT64);
  EXPECT_EQ(outputDims(model), (Dims{10, -1}));
}

const char* kIndexFill = R"IR(
graph(%x : Tensor, %i : Tensor):
  %d : int = prim::Constant[value=-1]()
  %v : float = prim::Constant[value=-5.]()
  %y : Tensor = aten::index_fill(%x, %d, %i, %v)
  return (%y))IR";

TEST(IndexUpdate, IndexFillOpset11) {
  auto model = convertIR(kIndexFill, {"x:3x10", "i:2:int64"}, 11);
  EXPECT_EQ(countOps(model, "Where"), 2);  // wrap negative indices, then fill
  EXPECT_EQ(outputDims(model), (Dims{3, 10}));
}

TEST(IndexUpdate, IndexFillBoolOpset17) {
  auto model = convertIR(kIndexFill, {"x:3x10:bool", "i:2:int64"}, 17, {"x:1=n"});
  EXPECT_EQ(outputType(model), onnx::TensorProto::BOOL);
  EXPECT_EQ(outputDims(model), (Dims{3, -1}));
}

const char* kIndexAddDim0 = R"IR(
graph(%x : Tensor, %i : Tensor, %s : Tensor):
  %d : int = prim::Constant[value=0]()
  %a : int = prim::Constant[value=1]()
  %y : Tensor = aten::index_add(%x, %d, %i, %s, %a)
  return (%y))IR";

// A source of fewer dims broadcasts onto each self slice: [5, 1] into [10, 4, 3] along dim 0.
// Only LibTorch 1.x runs such a graph (the example run would fail on 2.x).
TEST(IndexUpdate, IndexAddSourceBroadcastsOpset11) {
  if (!compat::kIndexAddBroadcastsSource) GTEST_SKIP() << "LibTorch 2.x refuses a broadcast index_add source";
  auto model = convertIR(kIndexAddDim0, {"x:10x4x3", "i:5:int64", "s:5x1"}, 11);
  EXPECT_EQ(countOps(model, "Expand"), 1);
  EXPECT_EQ(outputDims(model), (Dims{10, 4, 3}));
}

TEST(IndexUpdate, IndexAddSourceBroadcastsOpset17) {
  if (!compat::kIndexAddBroadcastsSource) GTEST_SKIP() << "LibTorch 2.x refuses a broadcast index_add source";
  auto model = convertIR(kIndexAddDim0, {"x:10x4x3", "i:5:int64", "s:5x4x1"}, 17);
  EXPECT_EQ(countOps(model, "ScatterElements"), 1);
  EXPECT_EQ(outputDims(model), (Dims{10, 4, 3}));
}

// masked_scatter: ScatterND on the flattened tensor at the mask's true positions; the mask
// broadcasts to self.
const char* kMaskedScatter = R"IR(
graph(%x : Tensor, %m : Tensor, %s : Tensor):
  %y : Tensor = aten::masked_scatter(%x, %m, %s)
  return (%y))IR";

TEST(IndexUpdate, MaskedScatterOpset11) {
  auto model = convertIR(kMaskedScatter, {"x:3x4", "m:4:bool", "s:3x4"}, 11);
  EXPECT_EQ(countOps(model, "NonZero"), 1);
  EXPECT_EQ(countOps(model, "ScatterND"), 1);
  EXPECT_EQ(outputDims(model), (Dims{3, 4}));
}

TEST(IndexUpdate, MaskedScatterOpset17) {
  auto model = convertIR(kMaskedScatter, {"x:3x4", "m:4:bool", "s:3x4"}, 17, {"x:0=batch", "s:0=batch"});
  EXPECT_EQ(countOps(model, "ScatterND"), 1);
  EXPECT_EQ(outputDims(model), (Dims{-1, 4}));
}

}  // namespace
}  // namespace pt2onnx::test
