// Op tests: repetition (repeat.cpp) — repeat with computed repeats, repeat_interleave overloads.
#include <gtest/gtest.h>

#include "op_test_util.h"

namespace pt2onnx::test {
namespace {

using Dims = std::vector<int64_t>;

// Repeats computed from a dynamic size reach Tile as a run-time tensor.
const char* kRepeatComputed = R"IR(
graph(%x : Tensor):
  %0 : int = prim::Constant[value=0]()
  %2 : int = prim::Constant[value=2]()
  %n : int = aten::size(%x, %0)
  %r : int[] = prim::ListConstruct(%2, %n, %2)
  %y : Tensor = aten::repeat(%x, %r)
  return (%y))IR";

TEST(Repeat, ComputedRepeatsOpset11) {
  auto model = convertIR(kRepeatComputed, {"x:3x4"}, 11, {"x:0=n"});
  EXPECT_EQ(countOps(model, "Tile"), 1);
  EXPECT_EQ(outputDims(model).size(), 3u);
}

TEST(Repeat, ComputedRepeatsOpset17) {
  auto model = convertIR(kRepeatComputed, {"x:3x4"}, 17);
  EXPECT_EQ(outputDims(model), (Dims{2, 9, 8}));
}

const char* kInterleaveInt = R"IR(
graph(%x : Tensor):
  %r : int = prim::Constant[value=2]()
  %d : int = prim::Constant[value=1]()
  %none : NoneType = prim::Constant()
  %y : Tensor = aten::repeat_interleave(%x, %r, %d, %none)
  return (%y))IR";

TEST(Repeat, InterleaveIntOpset11) {
  auto model = convertIR(kInterleaveInt, {"x:3x4"}, 11);
  EXPECT_EQ(countOps(model, "Expand"), 1);
  EXPECT_EQ(outputDims(model), (Dims{3, 8}));
}

TEST(Repeat, InterleaveIntDynamicOpset17) {
  auto model = convertIR(kInterleaveInt, {"x:3x4"}, 17, {"x:0=n,1=m"});
  EXPECT_EQ(outputDims(model).size(), 2u);
}

const char* kInterleaveTensor = R"IR(
graph(%x : Tensor, %r : Tensor):
  %none : NoneType = prim::Constant()
  %d : int = prim::Constant[value=0]()
  %y : Tensor = aten::repeat_interleave(%x, %r, %d, %none)
  return (%y))IR";

// Per-entry counts: the source index of every result row comes from their running sum.
TEST(Repeat, InterleaveTensorOpset11) {
  auto model = convertIR(kInterleaveTensor, {"x:3x2", "r:3:int64"}, 11);
  EXPECT_EQ(countOps(model, "CumSum"), 1);
  EXPECT_EQ(countOps(model, "Gather"), 1);
}

TEST(Repeat, InterleaveTensorOpset17) {
  auto model = convertIR(kInterleaveTensor, {"x:3x2", "r:3:int64"}, 17, {"x:0=n", "r:0=n"});
  EXPECT_EQ(outputDims(model), (Dims{-1, 2}));
}

const char* kInterleaveCounts = R"IR(
graph(%r : Tensor):
  %none : NoneType = prim::Constant()
  %y : Tensor = aten::repeat_interleave(%r, %none)
  return (%y))IR";

TEST(Repeat, InterleaveCountsOnlyOpset11) {
  auto model = convertIR(kInterleaveCounts, {"r:4:int64"}, 11);
  EXPECT_EQ(outputType(model), onnx::TensorProto::INT64);
}

TEST(Repeat, InterleaveCountsOnlyOpset17) {
  auto model = convertIR(kInterleaveCounts, {"r:4:int64"}, 17);
  EXPECT_EQ(countOps(model, "CumSum"), 1);
}

}  // namespace
}  // namespace pt2onnx::test
