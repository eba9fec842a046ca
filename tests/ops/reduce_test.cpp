// Op tests: reduction converters (sum/mean, max/min overloads, arg*, var/std, norms, cumsum, all/any).
#include <gtest/gtest.h>

#include "op_test_util.h"

namespace pt2onnx::test {
namespace {

using Dims = std::vector<int64_t>;
using Ops = std::vector<std::string>;

// Number of inputs of the first node of a type (ReduceSum's axes input arrived in opset 13).
int inputsOf(const onnx::ModelProto& model, const std::string& op_type) {
  for (const auto& n : model.graph().node())
    if (n.op_type() == op_type) return n.input_size();
  return -1;
}

bool hasAttr(const onnx::ModelProto& model, const std::string& op_type, const std::string& attr) {
  for (const auto& n : model.graph().node())
    if (n.op_type() == op_type)
      for (const auto& a : n.attribute())
        if (a.name() == attr) return true;
  return false;
}

const char* kSumDims = R"IR(
graph(%x : Tensor):
  %0 : int = prim::Constant[value=0]()
  %m1 : int = prim::Constant[value=-1]()
  %f : bool = prim::Constant[value=0]()
  %none : NoneType = prim::Constant()
  %d : int[] = prim::ListConstruct(%0, %m1)
  %y : Tensor = aten::sum(%x, %d, %f, %none)
  return (%y))IR";

TEST(Reduce, SumDimsOpset11AxesAttribute) {
  auto model = convertIR(kSumDims, {"x:2x5x7"}, 11);
  EXPECT_EQ(opTypes(model), (Ops{"ReduceSum"}));
  EXPECT_EQ(inputsOf(model, "ReduceSum"), 1);
  EXPECT_TRUE(hasAttr(model, "ReduceSum", "axes"));
  EXPECT_EQ(outputDims(model), (Dims{5}));
}

TEST(Reduce, SumDimsOpset17AxesInput) {
  auto model = convertIR(kSumDims, {"x:2x5x7"}, 17);
  EXPECT_EQ(opTypes(model), (Ops{"ReduceSum"}));
  EXPECT_EQ(inputsOf(model, "ReduceSum"), 2);
  EXPECT_FALSE(hasAttr(model, "ReduceSum", "axes"));
  EXPECT_EQ(outputDims(model), (Dims{5}));
}

const char* kSumAll = R"IR(
graph(%x : Tensor):
  %none : NoneType = prim::Constant()
  %y : Tensor = aten::sum(%x, %none)
  return (%y))IR";

TEST(Reduce, SumAllOpset11) {
  auto model = convertIR(kSumAll, {"x:2x5"}, 11);
  EXPECT_EQ(opTypes(model), (Ops{"ReduceSum"}));
  EXPECT_EQ(outputDims(model), (Dims{}));
}

TEST(Reduce, SumAllOpset17) {
  auto model = convertIR(kSumAll, {"x:2x5"}, 17, {"x:0=batch"});
  EXPECT_EQ(opTypes(model), (Ops{"ReduceSum"}));
  EXPECT_EQ(inputsOf(model, "ReduceSum"), 1);
  EXPECT_EQ(outputDims(model), (Dims{}));
}

// sum of a bool tensor is int64 in PyTorch: the input is cast first.
TEST(Reduce, SumBoolIsInt64) {
  auto model = convertIR(R"IR(
graph(%m : Tensor):
  %1 : int = prim::Constant[value=1]()
  %f : bool = prim::Constant[value=0]()
  %none : NoneType = prim::Constant()
  %d : int[] = prim::ListConstruct(%1)
  %y : Tensor = aten::sum(%m, %d, %f, %none)
  return (%y))IR",
                         {"m:3x4:bool"}, 13);
  EXPECT_EQ(opTypes(model), (Ops{"Cast", "ReduceSum"}));
  EXPECT_EQ(model.graph().output(0).type().tensor_type().elem_type(), onnx::TensorProto::INT64);
}

TEST(Reduce, MeanKeepdimDynamicBatch) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %1 : int = prim::Constant[value=1]()
  %t : bool = prim::Constant[value=1]()
  %none : NoneType = prim::Constant()
  %d : int[] = prim::ListConstruct(%1)
  %y : Tensor = aten::mean(%x, %d, %t, %none)
  return (%y))IR",
                         {"x:2x5x7"}, 17, {"x:0=batch"});
  EXPECT_EQ(opTypes(model), (Ops{"ReduceMean"}));
  EXPECT_EQ(outputDims(model), (Dims{-1, 1, 7}));
}

TEST(Reduce, AmaxOpset11) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %m1 : int = prim::Constant[value=-1]()
  %f : bool = prim::Constant[value=0]()
  %d : int[] = prim::ListConstruct(%m1)
  %y : Tensor = aten::amax(%x, %d, %f)
  return (%y))IR",
                         {"x:2x5x7"}, 11);
  EXPECT_EQ(opTypes(model), (Ops{"ReduceMax"}));
  EXPECT_EQ(outputDims(model), (Dims{2, 5}));
}

TEST(Reduce, MaxAll) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %y : Tensor = aten::max(%x)
  return (%y))IR",
                         {"x:2x5"}, 17);
  EXPECT_EQ(opTypes(model), (Ops{"ReduceMax"}));
  EXPECT_EQ(outputDims(model), (Dims{}));
}

TEST(Reduce, MaxDimValuesAndIndices) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %1 : int = prim::Constant[value=1]()
  %t : bool = prim::Constant[value=1]()
  %v : Tensor, %i : Tensor = aten::max(%x, %1, %t)
  return (%v, %i))IR",
                         {"x:2x5x7"}, 11);
  EXPECT_EQ(opTypes(model), (Ops{"ReduceMax", "ArgMax"}));
  EXPECT_EQ(outputDims(model, 0), (Dims{2, 1, 7}));
  EXPECT_EQ(outputDims(model, 1), (Dims{2, 1, 7}));
  EXPECT_EQ(model.graph().output(1).type().tensor_type().elem_type(), onnx::TensorProto::INT64);
}

TEST(Reduce, MinOtherIsElementwise) {
  auto model = convertIR(R"IR(
graph(%x : Tensor, %y : Tensor):
  %z : Tensor = aten::min(%x, %y)
  return (%z))IR",
                         {"x:2x5", "y:5"}, 13);
  EXPECT_EQ(opTypes(model), (Ops{"Min"}));
  EXPECT_EQ(outputDims(model), (Dims{2, 5}));
}

TEST(Reduce, ArgmaxDimNoneFlattens) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %none : NoneType = prim::Constant()
  %f : bool = prim::Constant[value=0]()
  %y : Tensor = aten::argmax(%x, %none, %f)
  return (%y))IR",
                         {"x:2x5"}, 11);
  EXPECT_EQ(opTypes(model), (Ops{"Reshape", "ArgMax"}));
  EXPECT_EQ(outputDims(model), (Dims{}));
}

TEST(Reduce, ArgminDim) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %1 : int = prim::Constant[value=1]()
  %f : bool = prim::Constant[value=0]()
  %y : Tensor = aten::argmin(%x, %1, %f)
  return (%y))IR",
                         {"x:2x5x3"}, 17, {"x:0=batch"});
  EXPECT_EQ(opTypes(model), (Ops{"ArgMin"}));
  EXPECT_EQ(outputDims(model), (Dims{-1, 3}));
}

const char* kVarDim = R"IR(
graph(%x : Tensor):
  %1 : int = prim::Constant[value=1]()
  %t : bool = prim::Constant[value=1]()
  %f : bool = prim::Constant[value=0]()
  %d : int[] = prim::ListConstruct(%1)
  %y : Tensor = aten::var(%x, %d, %t, %f)
  return (%y))IR";

TEST(Reduce, VarStaticCountOpset11) {
  auto model = convertIR(kVarDim, {"x:2x5x7"}, 11);
  EXPECT_EQ(countOps(model, "ReduceMean"), 1);
  EXPECT_EQ(countOps(model, "ReduceSum"), 1);
  EXPECT_EQ(countOps(model, "Shape"), 0);
  EXPECT_EQ(outputDims(model), (Dims{2, 7}));
}

// The reduced dim is dynamic: its size comes from Shape.
TEST(Reduce, VarDynamicCountOpset17) {
  auto model = convertIR(kVarDim, {"x:2x5x7"}, 17, {"x:1=len"});
  EXPECT_EQ(countOps(model, "Shape"), 1);
  EXPECT_EQ(countOps(model, "ReduceProd"), 1);
  EXPECT_EQ(outputDims(model), (Dims{2, 7}));
}

// var_mean over dim 1 without keepdim: both results are [2, 7].
const char* kVarMean = R"IR(
graph(%x : Tensor):
  %1 : int = prim::Constant[value=1]()
  %t : bool = prim::Constant[value=1]()
  %f : bool = prim::Constant[value=0]()
  %d : int[] = prim::ListConstruct(%1)
  %v : Tensor, %m : Tensor = aten::var_mean(%x, %d, %t, %f)
  return (%v, %m))IR";

TEST(Reduce, VarMeanOpset11) {
  auto model = convertIR(kVarMean, {"x:2x5x7"}, 11);
  EXPECT_EQ(outputDims(model, 0), (Dims{2, 7}));
  EXPECT_EQ(outputDims(model, 1), (Dims{2, 7}));
}

TEST(Reduce, VarMeanOpset17DynamicBatch) {
  auto model = convertIR(kVarMean, {"x:2x5x7"}, 17, {"x:0=batch"});
  EXPECT_EQ(outputDims(model, 0), (Dims{-1, 7}));
  EXPECT_EQ(outputDims(model, 1), (Dims{-1, 7}));
}

TEST(Reduce, StdCorrectionZero) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %1 : int = prim::Constant[value=1]()
  %0 : int = prim::Constant[value=0]()
  %t : bool = prim::Constant[value=1]()
  %d : int[] = prim::ListConstruct(%1)
  %y : Tensor = aten::std(%x, %d, %0, %t)
  return (%y))IR",
                         {"x:2x5"}, 13);
  EXPECT_EQ(countOps(model, "Sqrt"), 1);
  EXPECT_EQ(countOps(model, "Sub"), 1);  // x - mean only: no correction term
  EXPECT_EQ(outputDims(model), (Dims{2, 1}));
}

TEST(Reduce, FrobeniusNormIsReduceL2) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %1 : int = prim::Constant[value=1]()
  %f : bool = prim::Constant[value=0]()
  %d : int[] = prim::ListConstruct(%1)
  %y : Tensor = aten::frobenius_norm(%x, %d, %f)
  return (%y))IR",
                         {"x:2x5"}, 11);
  EXPECT_EQ(opTypes(model), (Ops{"ReduceL2"}));
  EXPECT_EQ(outputDims(model), (Dims{2}));
}

TEST(Reduce, NormP1IsReduceL1) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %1 : int = prim::Constant[value=1]()
  %t : bool = prim::Constant[value=1]()
  %d : int[] = prim::ListConstruct(%1)
  %y : Tensor = aten::norm(%x, %1, %d, %t)
  return (%y))IR",
                         {"x:2x5"}, 17);
  EXPECT_EQ(opTypes(model), (Ops{"ReduceL1"}));
  EXPECT_EQ(outputDims(model), (Dims{2, 1}));
}

TEST(Reduce, VectorNormP3UsesPow) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %p : float = prim::Constant[value=3.]()
  %f : bool = prim::Constant[value=0]()
  %none : NoneType = prim::Constant()
  %y : Tensor = aten::linalg_vector_norm(%x, %p, %none, %f, %none)
  return (%y))IR",
                         {"x:2x5"}, 17);
  EXPECT_EQ(opTypes(model), (Ops{"Abs", "Pow", "ReduceSum", "Pow"}));
  EXPECT_EQ(outputDims(model), (Dims{}));
}

TEST(Reduce, Logsumexp) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %1 : int = prim::Constant[value=1]()
  %f : bool = prim::Constant[value=0]()
  %d : int[] = prim::ListConstruct(%1)
  %y : Tensor = aten::logsumexp(%x, %d, %f)
  return (%y))IR",
                         {"x:2x5"}, 11);
  EXPECT_EQ(opTypes(model), (Ops{"ReduceLogSumExp"}));
  EXPECT_EQ(outputDims(model), (Dims{2}));
}

TEST(Reduce, CumsumAxisInput) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %m1 : int = prim::Constant[value=-1]()
  %none : NoneType = prim::Constant()
  %y : Tensor = aten::cumsum(%x, %m1, %none)
  return (%y))IR",
                         {"x:2x5"}, 11, {"x:0=batch"});
  EXPECT_EQ(opTypes(model), (Ops{"CumSum"}));
  EXPECT_EQ(outputDims(model), (Dims{-1, 5}));
}

TEST(Reduce, AllDimIsBool) {
  auto model = convertIR(R"IR(
graph(%m : Tensor):
  %1 : int = prim::Constant[value=1]()
  %f : bool = prim::Constant[value=0]()
  %y : Tensor = aten::all(%m, %1, %f)
  return (%y))IR",
                         {"m:3x4:bool"}, 13);
  EXPECT_EQ(countOps(model, "ReduceMin"), 1);
  EXPECT_EQ(model.graph().output(0).type().tensor_type().elem_type(), onnx::TensorProto::BOOL);
  EXPECT_EQ(outputDims(model), (Dims{3}));
}

TEST(Reduce, AnyAllDims) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %y : Tensor = aten::any(%x)
  return (%y))IR",
                         {"x:3x4"}, 17);
  EXPECT_EQ(countOps(model, "ReduceMax"), 1);
  EXPECT_EQ(model.graph().output(0).type().tensor_type().elem_type(), onnx::TensorProto::BOOL);
  EXPECT_EQ(outputDims(model), (Dims{}));
}

TEST(Reduce, ProdDimInt) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %1 : int = prim::Constant[value=1]()
  %f : bool = prim::Constant[value=0]()
  %none : NoneType = prim::Constant()
  %y : Tensor = aten::prod(%x, %1, %f, %none)
  return (%y))IR",
                         {"x:3x4"}, 11);
  EXPECT_EQ(opTypes(model), (Ops{"ReduceProd"}));
  EXPECT_EQ(outputDims(model), (Dims{3}));
}

const char* kAminmax = R"IR(
graph(%x : Tensor):
  %d : int = prim::Constant[value=-1]()
  %t : bool = prim::Constant[value=1]()
  %lo : Tensor, %hi : Tensor = aten::aminmax(%x, %d, %t)
  return (%lo, %hi))IR";

TEST(Reduce, AminmaxDimKeepOpset11) {
  auto model = convertIR(kAminmax, {"x:3x4"}, 11);
  EXPECT_EQ(countOps(model, "ReduceMin"), 1);
  EXPECT_EQ(countOps(model, "ReduceMax"), 1);
  EXPECT_EQ(outputDims(model, 0), (Dims{3, 1}));
  EXPECT_EQ(outputDims(model, 1), (Dims{3, 1}));
}

const char* kAminmaxAll = R"IR(
graph(%x : Tensor):
  %none : NoneType = prim::Constant()
  %f : bool = prim::Constant[value=0]()
  %lo : Tensor, %hi : Tensor = aten::aminmax(%x, %none, %f)
  return (%lo, %hi))IR";

TEST(Reduce, AminmaxAllOfIntsOpset17) {
  auto model = convertIR(kAminmaxAll, {"x:3x4:int32"}, 17);
  EXPECT_EQ(outputDims(model, 0), (Dims{}));
  EXPECT_EQ(outputType(model, 1), onnx::TensorProto::INT32);
}

}  // namespace
}  // namespace pt2onnx::test
