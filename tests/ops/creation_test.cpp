// Op tests: tensor factories (zeros/ones/full and _like/new_ forms, arange, linspace, tensor).
#include <gtest/gtest.h>

#include "op_test_util.h"

namespace pt2onnx::test {
namespace {

using Dims = std::vector<int64_t>;
using Ops = std::vector<std::string>;

// torch.zeros(x.size(0), 3): the size is computed from a dynamic axis.
TEST(Creation, ZerosComputedSizeOpset11) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %0 : int = prim::Constant[value=0]()
  %3 : int = prim::Constant[value=3]()
  %f : bool = prim::Constant[value=0]()
  %none : NoneType = prim::Constant()
  %n : int = aten::size(%x, %0)
  %s : int[] = prim::ListConstruct(%n, %3)
  %y : Tensor = aten::zeros(%s, %none, %none, %none, %f)
  return (%y))IR",
                         {"x:2x5"}, 11, {"x:0=batch"});
  EXPECT_EQ(countOps(model, "Expand"), 1);
  EXPECT_EQ(countOps(model, "Concat"), 1);
  EXPECT_EQ(outputDims(model), (Dims{-1, 3}));
  EXPECT_EQ(outputType(model), onnx::TensorProto::FLOAT);
}

// torch.ones(n, 4, dtype=torch.long): dtype 4 is int64.
TEST(Creation, OnesInt64Opset17) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %0 : int = prim::Constant[value=0]()
  %4 : int = prim::Constant[value=4]()
  %f : bool = prim::Constant[value=0]()
  %none : NoneType = prim::Constant()
  %n : int = aten::size(%x, %0)
  %s : int[] = prim::ListConstruct(%n, %4)
  %y : Tensor = aten::ones(%s, %4, %none, %none, %f)
  return (%y))IR",
                         {"x:2x5"}, 17, {"x:0=batch"});
  EXPECT_EQ(countOps(model, "Expand"), 1);
  EXPECT_EQ(outputDims(model), (Dims{-1, 4}));
  EXPECT_EQ(outputType(model), onnx::TensorProto::INT64);
}

TEST(Creation, FullComputedFill) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %2 : int = prim::Constant[value=2]()
  %f : bool = prim::Constant[value=0]()
  %none : NoneType = prim::Constant()
  %v : float = aten::Float(%x)
  %s : int[] = prim::ListConstruct(%2, %2)
  %y : Tensor = aten::full(%s, %v, %none, %none, %none, %f)
  return (%y))IR",
                         {"x:scalar"}, 13);
  EXPECT_EQ(opTypes(model), (Ops{"Expand"}));
  EXPECT_EQ(outputDims(model), (Dims{2, 2}));
}

TEST(Creation, ZerosLikeDynamicUsesShape) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %none : NoneType = prim::Constant()
  %y : Tensor = aten::zeros_like(%x, %none, %none, %none, %none, %none)
  return (%y))IR",
                         {"x:2x5"}, 11, {"x:0=batch"});
  EXPECT_EQ(opTypes(model), (Ops{"Shape", "Expand"}));
  EXPECT_EQ(outputDims(model), (Dims{-1, 5}));
}

TEST(Creation, FullLikeIntFillOnFloatOpset17) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %7 : int = prim::Constant[value=7]()
  %none : NoneType = prim::Constant()
  %y : Tensor = aten::full_like(%x, %7, %none, %none, %none, %none, %none)
  return (%y))IR",
                         {"x:2x5"}, 17, {"x:1=len"});
  EXPECT_EQ(opTypes(model), (Ops{"Shape", "Expand"}));
  EXPECT_EQ(outputDims(model), (Dims{2, -1}));
  EXPECT_EQ(outputType(model), onnx::TensorProto::FLOAT);
}

TEST(Creation, NewFullOpset17) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %0 : int = prim::Constant[value=0]()
  %2 : int = prim::Constant[value=2]()
  %v : float = prim::Constant[value=-2.]()
  %f : bool = prim::Constant[value=0]()
  %none : NoneType = prim::Constant()
  %n : int = aten::size(%x, %0)
  %s : int[] = prim::ListConstruct(%2, %n)
  %y : Tensor = aten::new_full(%x, %s, %v, %none, %none, %none, %f)
  return (%y))IR",
                         {"x:3x5"}, 17, {"x:0=batch"});
  EXPECT_EQ(countOps(model, "Expand"), 1);
  EXPECT_EQ(outputDims(model), (Dims{2, -1}));
}

TEST(Creation, NewZerosKeepsSelfDtype) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %3 : int = prim::Constant[value=3]()
  %f : bool = prim::Constant[value=0]()
  %none : NoneType = prim::Constant()
  %s : int[] = prim::ListConstruct(%3)
  %y : Tensor = aten::new_zeros(%x, %s, %none, %none, %none, %f)
  return (%y))IR",
                         {"x:2:int32"}, 11);
  EXPECT_EQ(outputType(model), onnx::TensorProto::INT32);
  EXPECT_EQ(outputDims(model), (Dims{3}));
}

// torch.arange(x.size(0)): an int64 Range with a computed end.
const char* kArangeEnd = R"IR(
graph(%x : Tensor):
  %0 : int = prim::Constant[value=0]()
  %f : bool = prim::Constant[value=0]()
  %none : NoneType = prim::Constant()
  %n : int = aten::size(%x, %0)
  %y : Tensor = aten::arange(%n, %none, %none, %none, %f)
  return (%y))IR";

TEST(Creation, ArangeEndOpset11) {
  auto model = convertIR(kArangeEnd, {"x:3x5"}, 11, {"x:0=batch"});
  EXPECT_EQ(countOps(model, "Range"), 1);
  EXPECT_EQ(outputType(model), onnx::TensorProto::INT64);
  EXPECT_EQ(outputDims(model), (Dims{-1}));
}

TEST(Creation, ArangeEndOpset17) {
  auto model = convertIR(kArangeEnd, {"x:3x5"}, 17, {"x:0=batch"});
  EXPECT_EQ(countOps(model, "Range"), 1);
  EXPECT_EQ(outputDims(model), (Dims{-1}));
}

// torch.arange(1, 2 * n, 2, dtype=torch.float32): int bounds cast to the float output.
TEST(Creation, ArangeStartStepFloat) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %0 : int = prim::Constant[value=0]()
  %1 : int = prim::Constant[value=1]()
  %2 : int = prim::Constant[value=2]()
  %6 : int = prim::Constant[value=6]()
  %f : bool = prim::Constant[value=0]()
  %none : NoneType = prim::Constant()
  %n : int = aten::size(%x, %0)
  %e : int = aten::mul(%n, %2)
  %y : Tensor = aten::arange(%1, %e, %2, %6, %none, %none, %f)
  return (%y))IR",
                         {"x:3x5"}, 13, {"x:0=batch"});
  EXPECT_EQ(countOps(model, "Range"), 1);
  EXPECT_EQ(outputType(model), onnx::TensorProto::FLOAT);
  EXPECT_EQ(outputDims(model), (Dims{-1}));
}

TEST(Creation, LinspaceComputedEnd) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %0 : int = prim::Constant[value=0]()
  %5 : int = prim::Constant[value=5]()
  %f : bool = prim::Constant[value=0]()
  %none : NoneType = prim::Constant()
  %n : int = aten::size(%x, %0)
  %y : Tensor = aten::linspace(%0, %n, %5, %none, %none, %none, %f)
  return (%y))IR",
                         {"x:3x5"}, 17, {"x:0=batch"});
  EXPECT_EQ(countOps(model, "Range"), 1);
  EXPECT_EQ(outputType(model), onnx::TensorProto::FLOAT);
  EXPECT_EQ(outputDims(model), (Dims{5}));
}

// torch.tensor([n, 3]) with a computed n: the elements are concatenated.
TEST(Creation, TensorFromComputedList) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %0 : int = prim::Constant[value=0]()
  %3 : int = prim::Constant[value=3]()
  %f : bool = prim::Constant[value=0]()
  %none : NoneType = prim::Constant()
  %n : int = aten::size(%x, %0)
  %l : int[] = prim::ListConstruct(%n, %3)
  %y : Tensor = aten::tensor(%l, %none, %none, %f)
  return (%y))IR",
                         {"x:3x5"}, 11, {"x:0=batch"});
  EXPECT_EQ(countOps(model, "Concat"), 1);
  EXPECT_EQ(outputType(model), onnx::TensorProto::INT64);
  EXPECT_EQ(outputDims(model), (Dims{2}));
}

// arange(start, end, step, out=): the out tensor gives the dtype.
const char* kArangeOut = R"IR(
graph(%out : Tensor):
  %0 : int = prim::Constant[value=0]()
  %5 : int = prim::Constant[value=5]()
  %1 : int = prim::Constant[value=1]()
  %y : Tensor = aten::arange(%0, %5, %1, %out)
  return (%y))IR";

TEST(Creation, ArangeOutOpset11) {
  auto model = convertIR(kArangeOut, {"out:5"}, 11);
  EXPECT_EQ(outputType(model), onnx::TensorProto::FLOAT);
  EXPECT_EQ(outputDims(model), (Dims{5}));
}

TEST(Creation, ArangeOutInt64Opset17) {
  auto model = convertIR(kArangeOut, {"out:5:int64"}, 17);
  EXPECT_EQ(outputType(model), onnx::TensorProto::INT64);
}

}  // namespace
}  // namespace pt2onnx::test
