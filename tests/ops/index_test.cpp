// Op tests: slicing and indexing converters (slice, select, narrow, gather, index, index_put).
#include <gtest/gtest.h>

#include "op_test_util.h"
#include "pt2onnx/pt2onnx.h"

namespace pt2onnx::test {
namespace {

using Dims = std::vector<int64_t>;
using Ops = std::vector<std::string>;

// x[:, 1:-1]: the trace's full slice of dim 0 disappears, the real one becomes Slice.
const char* kSlice = R"IR(
graph(%x : Tensor):
  %0 : int = prim::Constant[value=0]()
  %1 : int = prim::Constant[value=1]()
  %m1 : int = prim::Constant[value=-1]()
  %max : int = prim::Constant[value=9223372036854775807]()
  %a : Tensor = aten::slice(%x, %0, %0, %max, %1)
  %y : Tensor = aten::slice(%a, %1, %1, %m1, %1)
  return (%y))IR";

TEST(Index, SliceOpset11) {
  auto model = convertIR(kSlice, {"x:2x5x7"}, 11);
  EXPECT_EQ(opTypes(model), (Ops{"Slice"}));
  EXPECT_EQ(outputDims(model), (Dims{2, 3, 7}));
}

TEST(Index, SliceOpset17KeepsDynamicBatch) {
  auto model = convertIR(kSlice, {"x:2x5x7"}, 17, {"x:0=batch"});
  EXPECT_EQ(opTypes(model), (Ops{"Slice"}));
  EXPECT_EQ(outputDims(model), (Dims{-1, 3, 7}));
}

// x[:x.size(0) - 1] on a dynamic batch: the end is computed in the graph.
TEST(Index, SliceComputedEnd) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %0 : int = prim::Constant[value=0]()
  %1 : int = prim::Constant[value=1]()
  %n : int = aten::size(%x, %0)
  %e : int = aten::sub(%n, %1)
  %y : Tensor = aten::slice(%x, %0, %0, %e, %1)
  return (%y))IR",
                         {"x:3x4"}, 17, {"x:0=batch"});
  EXPECT_EQ(countOps(model, "Slice"), 1);
  EXPECT_EQ(countOps(model, "Shape"), 1);
  EXPECT_EQ(outputDims(model), (Dims{-1, 4}));
}

TEST(Index, SelectNegativeIndex) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %2 : int = prim::Constant[value=2]()
  %m1 : int = prim::Constant[value=-1]()
  %y : Tensor = aten::select(%x, %2, %m1)
  return (%y))IR",
                         {"x:2x5x7"}, 11);
  EXPECT_EQ(opTypes(model), (Ops{"Gather"}));
  EXPECT_EQ(outputDims(model), (Dims{2, 5}));
}

// x[x.size(0) - 1] with a dynamic batch: a computed 0-d index.
TEST(Index, SelectComputedIndexOpset17) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %0 : int = prim::Constant[value=0]()
  %1 : int = prim::Constant[value=1]()
  %n : int = aten::size(%x, %0)
  %i : int = aten::sub(%n, %1)
  %y : Tensor = aten::select(%x, %0, %i)
  return (%y))IR",
                         {"x:3x4"}, 17, {"x:0=batch"});
  EXPECT_EQ(countOps(model, "Gather"), 2);  // the size query and the select
  EXPECT_EQ(outputDims(model), (Dims{4}));
}

TEST(Index, NarrowNegativeStartToEnd) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %1 : int = prim::Constant[value=1]()
  %m3 : int = prim::Constant[value=-3]()
  %3 : int = prim::Constant[value=3]()
  %y : Tensor = aten::narrow(%x, %1, %m3, %3)
  return (%y))IR",
                         {"x:2x5"}, 13);
  EXPECT_EQ(opTypes(model), (Ops{"Slice"}));
  EXPECT_EQ(outputDims(model), (Dims{2, 3}));
}

TEST(Index, IndexSelectScalarIndexKeepsDim) {
  auto model = convertIR(R"IR(
graph(%x : Tensor, %i : Tensor):
  %1 : int = prim::Constant[value=1]()
  %y : Tensor = aten::index_select(%x, %1, %i)
  return (%y))IR",
                         {"x:2x10", "i:scalar:int64"}, 11);
  EXPECT_EQ(opTypes(model), (Ops{"Unsqueeze", "Gather"}));
  EXPECT_EQ(outputDims(model), (Dims{2, 1}));
}

TEST(Index, GatherBecomesGatherElements) {
  auto model = convertIR(R"IR(
graph(%x : Tensor, %i : Tensor):
  %1 : int = prim::Constant[value=1]()
  %f : bool = prim::Constant[value=0]()
  %y : Tensor = aten::gather(%x, %1, %i, %f)
  return (%y))IR",
                         {"x:2x10", "i:2x3:int64"}, 11);
  EXPECT_EQ(opTypes(model), (Ops{"GatherElements"}));
  EXPECT_EQ(outputDims(model), (Dims{2, 3}));
}

TEST(Index, EmbeddingInt32IndicesAreCast) {
  auto model = convertIR(R"IR(
graph(%w : Tensor, %i : Tensor):
  %m1 : int = prim::Constant[value=-1]()
  %f : bool = prim::Constant[value=0]()
  %y : Tensor = aten::embedding(%w, %i, %m1, %f, %f)
  return (%y))IR",
                         {"w:10x4", "i:2x3:int32"}, 17, {"i:0=batch"});
  EXPECT_EQ(opTypes(model), (Ops{"Cast", "Gather"}));
  EXPECT_EQ(outputDims(model), (Dims{-1, 3, 4}));
}

// x[:, i]: one index tensor after a None.
const char* kIndexOne = R"IR(
graph(%x : Tensor, %i : Tensor):
  %none : NoneType = prim::Constant()
  %l : Tensor?[] = prim::ListConstruct(%none, %i)
  %y : Tensor = aten::index(%x, %l)
  return (%y))IR";

TEST(Index, IndexOneTensorOpset11) {
  auto model = convertIR(kIndexOne, {"x:2x10x3", "i:4:int64"}, 11);
  EXPECT_EQ(opTypes(model), (Ops{"Gather"}));
  EXPECT_EQ(outputDims(model), (Dims{2, 4, 3}));
}

TEST(Index, IndexOneTensorOpset17) {
  auto model = convertIR(kIndexOne, {"x:2x10x3", "i:4x2:int64"}, 17, {"x:0=batch"});
  EXPECT_EQ(opTypes(model), (Ops{"Gather"}));
  EXPECT_EQ(outputDims(model), (Dims{-1, 4, 2, 3}));
}

// x[:, tensor(-1)] with a constant index: constant propagation folds the list into one Tensor?[]
// constant, which still converts (to Gather with a 0-d index, dropping the dim).
TEST(Index, IndexConstantListOpset13) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %none : NoneType = prim::Constant()
  %m1 : int = prim::Constant[value=-1]()
  %t : Tensor = prim::NumToTensor(%m1)
  %l : Tensor?[] = prim::ListConstruct(%none, %t)
  %y : Tensor = aten::index(%x, %l)
  return (%y))IR",
                         {"x:2x5x3"}, 13, {"x:0=batch"});
  EXPECT_EQ(opTypes(model), (Ops{"Gather"}));
  EXPECT_EQ(outputDims(model), (Dims{-1, 3}));
}

// x[:, i, j]: consecutive index tensors broadcast to B and take their place: [2, B, 5].
TEST(Index, IndexTwoConsecutiveTensors) {
  auto model = convertIR(R"IR(
graph(%x : Tensor, %i : Tensor, %j : Tensor):
  %none : NoneType = prim::Constant()
  %l : Tensor?[] = prim::ListConstruct(%none, %i, %j)
  %y : Tensor = aten::index(%x, %l)
  return (%y))IR",
                         {"x:2x10x10x5", "i:4x1:int64", "j:3:int64"}, 13);
  EXPECT_EQ(countOps(model, "GatherND"), 1);
  EXPECT_EQ(countOps(model, "Transpose"), 2);
  EXPECT_EQ(outputDims(model), (Dims{2, 4, 3, 5}));
}

// x[i, :, j]: separated index tensors put B in front: [B, 10].
TEST(Index, IndexSeparatedTensorsGoFirst) {
  auto model = convertIR(R"IR(
graph(%x : Tensor, %i : Tensor, %j : Tensor):
  %none : NoneType = prim::Constant()
  %l : Tensor?[] = prim::ListConstruct(%i, %none, %j)
  %y : Tensor = aten::index(%x, %l)
  return (%y))IR",
                         {"x:10x10x10", "i:3:int64", "j:3:int64"}, 11);
  EXPECT_EQ(countOps(model, "GatherND"), 1);
  EXPECT_EQ(countOps(model, "Transpose"), 1);
  EXPECT_EQ(outputDims(model), (Dims{3, 10}));
}

// x[m] with a 2-D mask: NonZero rows, GatherND; the count is data dependent.
TEST(Index, IndexBoolMask) {
  auto model = convertIR(R"IR(
graph(%x : Tensor, %m : Tensor):
  %l : Tensor?[] = prim::ListConstruct(%m)
  %y : Tensor = aten::index(%x, %l)
  return (%y))IR",
                         {"x:4x5x3", "m:4x5:bool"}, 17);
  EXPECT_EQ(countOps(model, "NonZero"), 1);
  EXPECT_EQ(countOps(model, "GatherND"), 1);
  EXPECT_EQ(model.graph().output(0).type().tensor_type().shape().dim_size(), 2);
}

TEST(Index, IndexFloatIndexFails) {
  EXPECT_THROW(convertIR(R"IR(
graph(%x : Tensor, %i : Tensor):
  %l : Tensor?[] = prim::ListConstruct(%i)
  %y : Tensor = aten::index(%x, %l)
  return (%y))IR",
                         {"x:4x5", "i:3"}, 17),
               Error);
}

TEST(Index, MaskedSelect) {
  auto model = convertIR(R"IR(
graph(%x : Tensor, %m : Tensor):
  %y : Tensor = aten::masked_select(%x, %m)
  return (%y))IR",
                         {"x:4x5", "m:5:bool"}, 9);
  EXPECT_EQ(countOps(model, "NonZero"), 1);
  EXPECT_EQ(countOps(model, "Gather"), 1);  // from both flattened
  EXPECT_EQ(model.graph().output(0).type().tensor_type().shape().dim_size(), 1);
}

// y[i] = v on dim 0: ScatterND with negative indices counted from the end.
const char* kIndexPut = R"IR(
graph(%x : Tensor, %i : Tensor, %v : Tensor):
  %acc : bool = prim::Constant[value=ACC]()
  %l : Tensor?[] = prim::ListConstruct(%i)
  %y : Tensor = aten::index_put(%x, %l, %v, %acc)
  return (%y))IR";

std::string withAccumulate(bool acc) {
  std::string ir = kIndexPut;
  ir.replace(ir.find("ACC"), 3, acc ? "1" : "0");
  return ir;
}

TEST(Index, IndexPutDim0Opset11) {
  auto model = convertIR(withAccumulate(false), {"x:10x3", "i:2:int64", "v:scalar"}, 11);
  EXPECT_EQ(countOps(model, "ScatterND"), 1);
  EXPECT_EQ(countOps(model, "Where"), 1);  // negative indices counted from the end
  EXPECT_EQ(outputDims(model), (Dims{10, 3}));
}

// Before opset 16, repeated positions are summed by a one-hot MatMul (ScatterND has no reduction).
TEST(Index, IndexPutAccumulateOneHotOpset11) {
  auto model = convertIR(withAccumulate(true), {"x:10x3", "i:2:int64", "v:2x3"}, 11, {"x:0=n"});
  EXPECT_EQ(countOps(model, "MatMul"), 1);
  EXPECT_EQ(countOps(model, "ScatterND"), 0);
  EXPECT_EQ(outputDims(model), (Dims{-1, 3}));
}

// Before opset 11: the write is a Scatter of rows, the sum a one-hot MatMul, both at merged rows.
TEST(Index, IndexPutOpset9ScattersRows) {
  auto model = convertIR(withAccumulate(false), {"x:10x3", "i:2:int64", "v:scalar"}, 9, {"x:0=n"});
  EXPECT_EQ(countOps(model, "Scatter"), 1);
  EXPECT_EQ(countOps(model, "ScatterND"), 0);
  EXPECT_EQ(outputDims(model), (Dims{-1, 3}));
  auto summed = convertIR(withAccumulate(true), {"x:10x3", "i:2:int64", "v:2x3"}, 9, {"x:0=n"});
  EXPECT_EQ(countOps(summed, "MatMul"), 1);
  EXPECT_EQ(countOps(summed, "Range"), 0);
}

// MatMul takes no 8-bit integers: accumulating into them needs the reduction, and the error says so.
TEST(Index, IndexPutAccumulateInt8Opset11Fails) {
  try {
    convertIR(withAccumulate(true), {"x:10x3:int8", "i:2:int64", "v:2x3:int8"}, 11);
    FAIL() << "expected a conversion error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("int8 tensor needs ScatterND's reduction (opset 16"), std::string::npos)
        << e.what();
  }
}

TEST(Index, IndexPutAccumulateOpset17) {
  auto model = convertIR(withAccumulate(true), {"x:10x3", "i:2:int64", "v:2x3"}, 17);
  ASSERT_EQ(countOps(model, "ScatterND"), 1);
  for (const auto& n : model.graph().node())
    if (n.op_type() == "ScatterND") EXPECT_EQ(n.attribute(0).s(), "add");
}

// w[:, i] = v: dim 1 is moved to the front for ScatterND and back.
TEST(Index, IndexPutDim1Opset13) {
  auto model = convertIR(R"IR(
graph(%x : Tensor, %i : Tensor, %v : Tensor):
  %f : bool = prim::Constant[value=0]()
  %none : NoneType = prim::Constant()
  %l : Tensor?[] = prim::ListConstruct(%none, %i)
  %y : Tensor = aten::index_put(%x, %l, %v, %f)
  return (%y))IR",
                         {"x:2x10x3", "i:4:int64", "v:scalar"}, 13, {"x:0=batch"});
  EXPECT_EQ(countOps(model, "ScatterND"), 1);
  EXPECT_EQ(countOps(model, "Transpose"), 3);
  EXPECT_EQ(outputDims(model), (Dims{-1, 10, 3}));
}

// x[m] = 0 with a full mask: Where.
TEST(Index, IndexPutMaskIsWhere) {
  auto model = convertIR(R"IR(
graph(%x : Tensor, %m : Tensor, %v : Tensor):
  %f : bool = prim::Constant[value=0]()
  %l : Tensor?[] = prim::ListConstruct(%m)
  %y : Tensor = aten::index_put(%x, %l, %v, %f)
  return (%y))IR",
                         {"x:4x5", "m:4x5:bool", "v:scalar"}, 11);
  EXPECT_EQ(opTypes(model), (Ops{"Where"}));
  EXPECT_EQ(outputDims(model), (Dims{4, 5}));
}

// x[m, i] = v with a [2, 3] mask over dims 0-1 and an index over dim 2: the mask's true
// positions become two index tensors (NonZero), broadcast against i.
const char* kMaskAndIndex = R"IR(
graph(%x : Tensor, %m : Tensor, %i : Tensor, %v : Tensor):
  %f : bool = prim::Constant[value=0]()
  %l : Tensor?[] = prim::ListConstruct(%m, %i)
  %y : Tensor = aten::index_put(%x, %l, %v, %f)
  return (%y))IR";

TEST(Index, IndexPutMaskAndIndexOpset11) {
  auto model = convertIR(kMaskAndIndex, {"x:2x3x10", "m:2x3:bool", "i:1:int64", "v:scalar"}, 11);
  EXPECT_EQ(countOps(model, "NonZero"), 1);
  EXPECT_EQ(countOps(model, "ScatterND"), 1);
  EXPECT_EQ(outputDims(model), (Dims{2, 3, 10}));
}

TEST(Index, IndexPutMaskAndIndexOpset17) {
  auto model = convertIR(kMaskAndIndex, {"x:2x3x10", "m:2x3:bool", "i:1:int64", "v:scalar"}, 17, {"x:2=width"});
  EXPECT_EQ(countOps(model, "ScatterND"), 1);
  EXPECT_EQ(outputDims(model), (Dims{2, 3, -1}));
}

// x[:, i] = v on a graph input: the trace's full slice aliases x, so x itself is rebound.
TEST(Index, IndexPutInPlaceThroughFullSliceOpset17) {
  auto model = convertIR(R"IR(
graph(%x : Tensor, %i : Tensor, %v : Tensor):
  %0 : int = prim::Constant[value=0]()
  %1 : int = prim::Constant[value=1]()
  %max : int = prim::Constant[value=9223372036854775807]()
  %f : bool = prim::Constant[value=0]()
  %none : NoneType = prim::Constant()
  %s : Tensor = aten::slice(%x, %0, %0, %max, %1)
  %l : Tensor?[] = prim::ListConstruct(%none, %i)
  %y : Tensor = aten::index_put_(%s, %l, %v, %f)
  return (%x))IR",
                         {"x:2x10", "i:3:int64", "v:scalar"}, 17);
  EXPECT_EQ(countOps(model, "ScatterND"), 1);
  EXPECT_EQ(countOps(model, "Identity"), 0);  // the output is the write, not the input
  EXPECT_EQ(outputDims(model), (Dims{2, 10}));
}

// x[0][i] = v: index_put_ into a select view becomes index_put on the row, then select_scatter.
TEST(Index, IndexPutInPlaceThroughSelect) {
  auto model = convertIR(R"IR(
graph(%x : Tensor, %i : Tensor, %v : Tensor):
  %0 : int = prim::Constant[value=0]()
  %f : bool = prim::Constant[value=0]()
  %s : Tensor = aten::select(%x, %0, %0)
  %l : Tensor?[] = prim::ListConstruct(%i)
  %y : Tensor = aten::index_put_(%s, %l, %v, %f)
  return (%x))IR",
                         {"x:2x10", "i:3:int64", "v:scalar"}, 11);
  EXPECT_GE(countOps(model, "ScatterND"), 1);
  EXPECT_EQ(outputDims(model), (Dims{2, 10}));
}

// narrow with a start and a length computed from dynamic sizes.
const char* kNarrowDynamic = R"IR(
graph(%x : Tensor):
  %0 : int = prim::Constant[value=0]()
  %1 : int = prim::Constant[value=1]()
  %n : int = aten::size(%x, %0)
  %s : int = aten::sub(%n, %1)
  %y : Tensor = aten::narrow(%x, %1, %s, %n)
  return (%y))IR";

TEST(Index, NarrowDynamicLengthOpset11) {
  auto model = convertIR(kNarrowDynamic, {"x:3x20"}, 11, {"x:0=n"});
  EXPECT_EQ(countOps(model, "Slice"), 1);
  EXPECT_EQ(outputDims(model), (Dims{-1, -1}));
}

TEST(Index, NarrowDynamicLengthOpset17) {
  auto model = convertIR(kNarrowDynamic, {"x:3x20"}, 17, {"x:0=n"});
  EXPECT_EQ(countOps(model, "Where"), 1);  // the computed start may count from the end
}

}  // namespace
}  // namespace pt2onnx::test
