// Op tests: views and shape queries (views.cpp) — numpy_T/mT, view_as, diagonal, broadcast_tensors, _dim_arange.
#include <gtest/gtest.h>

#include "op_test_util.h"

namespace pt2onnx::test {
namespace {

using Dims = std::vector<int64_t>;
using Ops = std::vector<std::string>;

const char* kNumpyT = R"IR(
graph(%x : Tensor):
  %y : Tensor = aten::numpy_T(%x)
  return (%y))IR";

TEST(Views, NumpyTReversesDimsOpset11) {
  auto model = convertIR(kNumpyT, {"x:2x3x4"}, 11);
  EXPECT_EQ(opTypes(model), (Ops{"Transpose"}));
  EXPECT_EQ(outputDims(model), (Dims{4, 3, 2}));
}

TEST(Views, NumpyTOfVectorIsNoOpOpset17) {
  auto model = convertIR(kNumpyT, {"x:5"}, 17);
  EXPECT_EQ(countOps(model, "Transpose"), 0);
  EXPECT_EQ(outputDims(model), (Dims{5}));
}

const char* kMatrixT = R"IR(
graph(%x : Tensor):
  %y : Tensor = aten::mT(%x)
  return (%y))IR";

TEST(Views, MatrixTSwapsLastTwoOpset11) {
  auto model = convertIR(kMatrixT, {"x:2x3x4"}, 11, {"x:0=batch"});
  EXPECT_EQ(outputDims(model), (Dims{-1, 4, 3}));
}

TEST(Views, MatrixTOfVectorIsRefusedOpset17) { EXPECT_THROW(convertIR(kMatrixT, {"x:4"}, 17), std::exception); }

const char* kViewAs = R"IR(
graph(%x : Tensor, %o : Tensor):
  %y : Tensor = aten::view_as(%x, %o)
  return (%y))IR";

TEST(Views, ViewAsTakesOtherShapeOpset11) {
  auto model = convertIR(kViewAs, {"x:2x6", "o:3x4"}, 11);
  EXPECT_EQ(countOps(model, "Reshape"), 1);
  EXPECT_EQ(outputDims(model), (Dims{3, 4}));
}

TEST(Views, ViewAsDynamicOpset17) {
  auto model = convertIR(kViewAs, {"x:2x6", "o:3x4"}, 17, {"x:0=n", "o:0=m"});
  EXPECT_EQ(countOps(model, "Shape"), 1);
}

// x.set_(y) on a clone of x, then read: y itself, whatever x's shape was.
const char* kSet = R"IR(
graph(%x : Tensor, %y : Tensor):
  %none : NoneType = prim::Constant()
  %c : Tensor = aten::clone(%x, %none)
  %z : Tensor = aten::set_(%c, %y)
  %w : Tensor = aten::relu(%c)
  return (%w))IR";

TEST(Views, SetSourceIsTheSourceOpset9) {
  auto model = convertIR(kSet, {"x:2x3", "y:4x6"}, 9);
  EXPECT_EQ(opTypes(model), (std::vector<std::string>{"Relu"}));
  EXPECT_EQ(outputDims(model), (Dims{4, 6}));
}

TEST(Views, SetSourceDynamicOpset17) {
  auto model = convertIR(kSet, {"x:2x3", "y:4x6"}, 17, {"x:0=a", "y:0=b,1=c"});
  EXPECT_EQ(outputDims(model), (Dims{-1, -1}));
}

const char* kDiagonal = R"IR(
graph(%x : Tensor):
  %off : int = prim::Constant[value=1]()
  %d1 : int = prim::Constant[value=0]()
  %d2 : int = prim::Constant[value=2]()
  %y : Tensor = aten::diagonal(%x, %off, %d1, %d2)
  return (%y))IR";

// Offset 1 of dims 0 (3) and 2 (5): min(3, 5 - 1) = 3 entries, appended after the kept dim.
TEST(Views, DiagonalFixedOpset11) {
  auto model = convertIR(kDiagonal, {"x:3x4x5"}, 11);
  EXPECT_EQ(countOps(model, "GatherElements"), 1);
  EXPECT_EQ(outputDims(model), (Dims{4, 3}));
}

// Before opset 11 (no GatherElements) the column of each row is kept by a mask and summed away.
TEST(Views, DiagonalOpset9MasksAndSums) {
  auto model = convertIR(kDiagonal, {"x:3x4x5"}, 9, {"x:0=a,2=b"});
  EXPECT_EQ(countOps(model, "GatherElements"), 0);
  EXPECT_GE(countOps(model, "Where"), 1);
  EXPECT_EQ(countOps(model, "ReduceSum"), 1);
  EXPECT_EQ(outputDims(model), (Dims{4, -1}));
  auto int8 = convertIR(kDiagonal, {"x:3x4x5:int8"}, 9);  // ReduceSum takes no 8-bit integers
  EXPECT_EQ(outputType(int8), onnx::TensorProto::INT8);
  EXPECT_EQ(outputDims(int8), (Dims{4, 3}));
}

// With dynamic sizes the length is computed: max(0, min(n1, n2 - 1)).
TEST(Views, DiagonalDynamicOpset17) {
  auto model = convertIR(kDiagonal, {"x:3x4x5"}, 17, {"x:0=a,2=b"});
  EXPECT_EQ(countOps(model, "Range"), 1);
  EXPECT_EQ(outputDims(model), (Dims{4, -1}));
}

TEST(Views, DiagonalOfVectorIsRefused) { EXPECT_THROW(convertIR(kDiagonal, {"x:3"}, 17), std::exception); }

const char* kBroadcast = R"IR(
graph(%a : Tensor, %b : Tensor):
  %l : Tensor[] = prim::ListConstruct(%a, %b)
  %r : Tensor[] = aten::broadcast_tensors(%l)
  %x : Tensor, %y : Tensor = prim::ListUnpack(%r)
  return (%x, %y))IR";

TEST(Views, BroadcastTensorsOpset11) {
  auto model = convertIR(kBroadcast, {"a:3x1", "b:4"}, 11);
  EXPECT_EQ(countOps(model, "Expand"), 3);
  EXPECT_EQ(outputDims(model, 0), (Dims{3, 4}));
  EXPECT_EQ(outputDims(model, 1), (Dims{3, 4}));
}

TEST(Views, BroadcastTensorsOpset17) {
  auto model = convertIR(kBroadcast, {"a:3x1", "b:1x4"}, 17, {"a:0=n"});
  EXPECT_EQ(outputDims(model, 1), (Dims{-1, 4}));
}

const char* kDimArange = R"IR(
graph(%x : Tensor):
  %d : int = prim::Constant[value=-1]()
  %y : Tensor = aten::_dim_arange(%x, %d)
  return (%y))IR";

TEST(Views, DimArangeOpset11) {
  auto model = convertIR(kDimArange, {"x:2x5"}, 11, {"x:1=n"});
  EXPECT_EQ(countOps(model, "Range"), 1);
  EXPECT_EQ(outputType(model), onnx::TensorProto::INT64);
}

TEST(Views, DimArangeOpset17) {
  auto model = convertIR(kDimArange, {"x:2x5"}, 17);
  EXPECT_EQ(outputType(model), onnx::TensorProto::INT64);
}

}  // namespace
}  // namespace pt2onnx::test
