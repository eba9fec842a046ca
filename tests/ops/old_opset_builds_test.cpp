// Op tests: what opsets 9 and 10 build from older operators where a later opset has one: Range
// (NonZero of a run of ones), CumSum (MatMul with a triangle of ones), pixel_shuffle (Reshape and
// Transpose), nearest upsampling (Upsample, Resize-10 or Gathers), linear and cubic interpolation
// (weighted Gathers), integer remainders (Div), IsInf (comparisons with the largest finite value),
// TopK on integers (as doubles), GatherElements and GatherND (Gathers from the flattened tensor),
// ScatterND (Scatter of rows), Round (Floor) and Pad with computed pads (Concat of zeros).
#include <gtest/gtest.h>

#include <cstring>
#include <limits>

#include "op_test_util.h"

namespace pt2onnx::test {
namespace {

const char* kArangeOfSize = R"IR(
graph(%x : Tensor):
  %0 : int = prim::Constant[value=0]()
  %none : NoneType = prim::Constant()
  %n : int = aten::size(%x, %0)
  %y : Tensor = aten::arange(%n, %none, %none, %none, %none)
  return (%y))IR";

TEST(OldOpsetBuilds, RangeIsNonZeroOfOnesBeforeOpset11) {
  auto model = convertIR(kArangeOfSize, {"x:3x2"}, 9, {"x:0=batch"});
  EXPECT_EQ(countOps(model, "Range"), 0);
  EXPECT_EQ(countOps(model, "NonZero"), 1);
  EXPECT_EQ(countOps(model, "Ceil"), 1);  // the length of a range whose step does not divide it
  EXPECT_EQ(outputType(model), onnx::TensorProto::INT64);
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{-1}));
  EXPECT_EQ(countOps(convertIR(kArangeOfSize, {"x:3x2"}, 11, {"x:0=batch"}), "Range"), 1);
}

// No argument is a constant: the element type of the range is not known at emission.
TEST(OldOpsetBuilds, RangeOfComputedArgumentsOnlyNamesOpset11) {
  const char* ir = R"IR(
graph(%x : Tensor):
  %0 : int = prim::Constant[value=0]()
  %1 : int = prim::Constant[value=1]()
  %none : NoneType = prim::Constant()
  %a : int = aten::size(%x, %0)
  %b : int = aten::size(%x, %1)
  %y : Tensor = aten::arange(%a, %b, %a, %none, %none, %none, %none)
  return (%y))IR";
  const std::string e = conversionError(ir, {"x:2x7"}, 9, {"x:0=n,1=m"});
  EXPECT_NE(e.find("needs ONNX's Range, which opset 11 introduced; try --opset 11"), std::string::npos) << e;
  EXPECT_EQ(conversionError(ir, {"x:2x7"}, 11, {"x:0=n,1=m"}), "");
}

const char* kCumsum = R"IR(
graph(%x : Tensor):
  %1 : int = prim::Constant[value=1]()
  %none : NoneType = prim::Constant()
  %y : Tensor = aten::cumsum(%x, %1, %none)
  return (%y))IR";

TEST(OldOpsetBuilds, CumsumIsMatMulWithATriangleBeforeOpset11) {
  auto model = convertIR(kCumsum, {"x:2x5x3"}, 9, {"x:1=len"});
  EXPECT_EQ(countOps(model, "CumSum"), 0);
  EXPECT_EQ(countOps(model, "MatMul"), 1);
  EXPECT_EQ(countOps(model, "Transpose"), 2);  // the summed axis moved last and back
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{2, -1, 3}));
  EXPECT_EQ(countOps(convertIR(kCumsum, {"x:2x5x3"}, 11, {"x:1=len"}), "CumSum"), 1);
}

// MatMul takes no 8-bit or bool elements; cumsum of int8 sums in int64 (PyTorch's promotion).
TEST(OldOpsetBuilds, CumsumOfInt8SumsInInt64Opset9) {
  auto model = convertIR(kCumsum, {"x:2x5:int8"}, 9);
  EXPECT_EQ(outputType(model), onnx::TensorProto::INT64);
  EXPECT_EQ(countOps(model, "MatMul"), 1);
}

TEST(OldOpsetBuilds, PixelShuffleIsReshapeAndTransposeBeforeOpset11) {
  const char* ir =
      "graph(%x : Tensor):\n  %r : int = prim::Constant[value=2]()\n"
      "  %y : Tensor = aten::pixel_shuffle(%x, %r)\n  return (%y)";
  auto model = convertIR(ir, {"x:1x12x5x6"}, 9, {"x:0=n,2=h,3=w"});
  EXPECT_EQ(countOps(model, "DepthToSpace"), 0);
  EXPECT_EQ(attribute(firstNode(model, "Transpose"), "perm")->ints_size(), 6);
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{-1, 3, -1, -1}));
  EXPECT_EQ(countOps(convertIR(ir, {"x:1x12x5x6"}, 11), "DepthToSpace"), 1);
}

std::string nearest(const std::string& factor) {
  return "graph(%x : Tensor):\n  %none : NoneType = prim::Constant()\n  %s : float = prim::Constant[value=" + factor +
         "]()\n  %scales : float[] = prim::ListConstruct(%s, %s)\n"
         "  %y : Tensor = aten::upsample_nearest2d(%x, %none, %scales)\n  return (%y)";
}

// Whole factors: Upsample at 9, Resize-10 at 10 (both pick floor(i / factor) when enlarging).
TEST(OldOpsetBuilds, NearestWholeFactorIsUpsampleOpset9AndResizeOpset10) {
  auto at9 = convertIR(nearest("2."), {"x:1x3x4x5"}, 9, {"x:0=n,2=h,3=w"});
  EXPECT_EQ(opTypes(at9), (std::vector<std::string>{"Upsample"}));
  EXPECT_EQ(outputDims(at9), (std::vector<int64_t>{-1, 3, -1, -1}));
  auto at10 = convertIR(nearest("3."), {"x:1x3x4x5"}, 10);
  EXPECT_EQ(opTypes(at10), (std::vector<std::string>{"Resize"}));
  EXPECT_EQ(firstNode(at10, "Resize").input_size(), 2);
  EXPECT_EQ(outputDims(at10), (std::vector<int64_t>{1, 3, 12, 15}));
}

// A fraction: Upsample's float scale would pick other source rows; Gathers of PyTorch's indices.
TEST(OldOpsetBuilds, NearestFractionalFactorGathersPyTorchsIndicesOpset9) {
  auto model = convertIR(nearest("1.5"), {"x:1x3x4x5"}, 9);
  EXPECT_EQ(countOps(model, "Upsample"), 0);
  EXPECT_EQ(countOps(model, "Gather"), 2);
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{1, 3, 6, 7}));
}

std::string interpolate(const std::string& op, const std::string& factor, bool align) {
  return "graph(%x : Tensor):\n  %none : NoneType = prim::Constant()\n  %a : bool = prim::Constant[value=" +
         std::string(align ? "1" : "0") + "]()\n  %s : float = prim::Constant[value=" + factor +
         "]()\n  %scales : float[] = prim::ListConstruct(%s, %s)\n  %y : Tensor = aten::" + op +
         "(%x, %none, %a, %scales)\n  return (%y)";
}

// Linear and cubic need Resize-11's coordinate modes: before it, each axis is a sum of Gathers
// of the input weighted by PyTorch's own positions (constants when the lengths are).
TEST(OldOpsetBuilds, BilinearIsWeightedGathersBeforeOpset11) {
  auto model = convertIR(interpolate("upsample_bilinear2d", "2.", false), {"x:1x3x4x5"}, 9);
  EXPECT_EQ(countOps(model, "Resize") + countOps(model, "Upsample"), 0);
  EXPECT_EQ(countOps(model, "Gather"), 4);  // two taps per axis
  EXPECT_EQ(countOps(model, "NonZero"), 0);
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{1, 3, 8, 10}));
  EXPECT_EQ(countOps(convertIR(interpolate("upsample_bilinear2d", "2.", false), {"x:1x3x4x5"}, 11), "Resize"), 1);
}

TEST(OldOpsetBuilds, BicubicOnDynamicAxesComputesPositionsOpset10) {
  auto model = convertIR(interpolate("upsample_bicubic2d", "1.5", true), {"x:1x3x4x5"}, 10, {"x:0=n,2=h,3=w"});
  EXPECT_EQ(countOps(model, "Resize"), 0);
  int taps = 0;  // Gathers along the resized axes: four taps per axis
  for (const auto& n : model.graph().node())
    taps += n.op_type() == "Gather" && attribute(n, "axis") && attribute(n, "axis")->i() >= 2;
  EXPECT_EQ(taps, 8);
  EXPECT_EQ(countOps(model, "NonZero"), 2);  // the output positions
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{-1, 3, -1, -1}));
}

const char* kRemainder = R"IR(
graph(%x : Tensor):
  %k : int = prim::Constant[value=3]()
  %y : Tensor = aten::remainder(%x, %k)
  return (%y))IR";

TEST(OldOpsetBuilds, IntegerRemainderByDivisionBeforeOpset10) {
  auto model = convertIR(kRemainder, {"x:2x3:int64"}, 9);
  EXPECT_EQ(countOps(model, "Mod"), 0);
  EXPECT_EQ(countOps(model, "Div"), 1);
  EXPECT_EQ(countOps(model, "Xor"), 1);  // the remainder takes the divisor's sign
  EXPECT_EQ(countOps(convertIR(kRemainder, {"x:2x3:int64"}, 10), "Mod"), 1);
}

// Floor division of integers subtracts the remainder first (Mod from opset 10, Div before it).
TEST(OldOpsetBuilds, IntegerFloorDivisionWithoutModOpset9) {
  const char* ir =
      "graph(%x : Tensor):\n  %k : int = prim::Constant[value=-4]()\n"
      "  %y : Tensor = aten::floor_divide(%x, %k)\n  return (%y)";
  auto model = convertIR(ir, {"x:2x3:int32"}, 9);
  EXPECT_EQ(countOps(model, "Mod"), 0);
  EXPECT_EQ(countOps(model, "Div"), 2);  // in the remainder, then of a - remainder
  EXPECT_EQ(outputType(model), onnx::TensorProto::INT32);
  EXPECT_EQ(countOps(convertIR(ir, {"x:2x3:int32"}, 10), "Mod"), 1);
}

// fmod of floats needs Mod (exact); it is not approximated by division.
TEST(OldOpsetBuilds, FloatFmodNamesOpset10) {
  const char* ir =
      "graph(%x : Tensor):\n  %k : float = prim::Constant[value=1.5]()\n"
      "  %y : Tensor = aten::fmod(%x, %k)\n  return (%y)";
  const std::string e = conversionError(ir, {"x:2x3"}, 9);
  EXPECT_NE(e.find("needs ONNX's Mod operator, which opset 10 introduced"), std::string::npos) << e;
  EXPECT_EQ(conversionError(ir, {"x:2x3"}, 10), "");
  const char* integers =
      "graph(%x : Tensor):\n  %k : int = prim::Constant[value=3]()\n"
      "  %y : Tensor = aten::fmod(%x, %k)\n  return (%y)";
  auto model = convertIR(integers, {"x:2x3:int32"}, 9);
  EXPECT_EQ(countOps(model, "Div"), 1);
  EXPECT_EQ(countOps(model, "Xor"), 0);  // the remainder keeps the dividend's sign
}

TEST(OldOpsetBuilds, IsPosInfComparesWithTheLargestFloatOpset9) {
  auto model = convertIR("graph(%x : Tensor):\n  %y : Tensor = aten::isposinf(%x)\n  return (%y)", {"x:2x3"}, 9);
  EXPECT_EQ(countOps(model, "IsInf"), 0);
  const auto& greater = firstNode(model, "Greater");
  bool found = false;
  for (const auto& t : model.graph().initializer())
    if (t.name() == greater.input(1)) {
      ASSERT_EQ(t.raw_data().size(), sizeof(float));
      float v = 0;
      std::memcpy(&v, t.raw_data().data(), sizeof v);
      EXPECT_EQ(v, std::numeric_limits<float>::max());
      found = true;
    }
  EXPECT_TRUE(found) << "the bound is not an initializer";
  EXPECT_EQ(outputType(model), onnx::TensorProto::BOOL);
}

// TopK takes floats only before 11: integers are ordered as doubles and their values cast back.
TEST(OldOpsetBuilds, SortOfIntegersOrdersDoublesBeforeOpset11) {
  const char* ir =
      "graph(%x : Tensor):\n  %d : int = prim::Constant[value=0]()\n  %t : bool = prim::Constant[value=1]()\n"
      "  %v : Tensor, %i : Tensor = aten::sort(%x, %d, %t)\n  return (%v, %i)";
  auto model = convertIR(ir, {"x:5:int64"}, 9);
  const auto& topk = firstNode(model, "TopK");
  bool cast_in = false, cast_out = false;
  for (const auto& n : model.graph().node()) {
    if (n.op_type() != "Cast") continue;
    if (n.output(0) == topk.input(0)) cast_in = attribute(n, "to")->i() == onnx::TensorProto::DOUBLE;
    if (n.input(0) == topk.output(0)) cast_out = attribute(n, "to")->i() == onnx::TensorProto::INT64;
  }
  EXPECT_TRUE(cast_in);
  EXPECT_TRUE(cast_out);
  EXPECT_EQ(outputType(model, 0), onnx::TensorProto::INT64);
  EXPECT_EQ(countOps(convertIR(ir, {"x:5:int64"}, 11), "Cast"), 0);
}

const char* kGather = R"IR(
graph(%x : Tensor, %i : Tensor):
  %1 : int = prim::Constant[value=1]()
  %f : bool = prim::Constant[value=0]()
  %y : Tensor = aten::gather(%x, %1, %i, %f)
  return (%y))IR";

TEST(OldOpsetBuilds, GatherElementsIsGatherFromTheFlattenedTensorBeforeOpset11) {
  auto model = convertIR(kGather, {"x:3x10", "i:3x2:int64"}, 9, {"x:0=n", "i:0=n"});
  EXPECT_EQ(countOps(model, "GatherElements"), 0);
  EXPECT_GE(countOps(model, "Gather"), 1);
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{-1, 2}));
  EXPECT_EQ(countOps(convertIR(kGather, {"x:3x10", "i:3x2:int64"}, 11), "GatherElements"), 1);
}

TEST(OldOpsetBuilds, IndexWithTwoTensorsIsGatherOfMergedDimsBeforeOpset11) {
  const char* ir = R"IR(
graph(%x : Tensor, %i : Tensor, %j : Tensor):
  %l : Tensor?[] = prim::ListConstruct(%i, %j)
  %y : Tensor = aten::index(%x, %l)
  return (%y))IR";
  auto model = convertIR(ir, {"x:10x10x3", "i:2:int64", "j:2:int64"}, 9);
  EXPECT_EQ(countOps(model, "GatherND"), 0);
  EXPECT_GE(countOps(model, "Gather"), 1);
  EXPECT_EQ(outputDims(model).size(), 2u);
}

TEST(OldOpsetBuilds, RoundIsFloorAndWhereBeforeOpset11) {
  auto model = convertIR("graph(%x : Tensor):\n  %y : Tensor = aten::round(%x)\n  return (%y)", {"x:2x3"}, 9);
  EXPECT_EQ(countOps(model, "Round"), 0);
  EXPECT_EQ(countOps(model, "Floor"), 2);
  EXPECT_EQ(outputType(model), onnx::TensorProto::FLOAT);
}

TEST(OldOpsetBuilds, ComputedZeroPaddingIsConcatBeforeOpset11) {
  const char* ir = R"IR(
graph(%x : Tensor):
  %l : Tensor[] = prim::ListConstruct(%x, %x)
  %y : Tensor = aten::block_diag(%l)
  return (%y))IR";
  auto model = convertIR(ir, {"x:2x3"}, 9, {"x:0=n"});
  EXPECT_EQ(countOps(model, "Pad"), 0);
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{-1, 6}));
}

TEST(OldOpsetBuilds, EinsumIsProductsAndSumsBeforeOpset12) {
  const char* ir = R"IR(
graph(%a : Tensor, %b : Tensor):
  %eq : str = prim::Constant[value="bij,bjk->bki"]()
  %l : Tensor[] = prim::ListConstruct(%a, %b)
  %none : NoneType = prim::Constant()
  %y : Tensor = aten::einsum(%eq, %l, %none)
  return (%y))IR";
  auto model = convertIR(ir, {"a:2x3x4", "b:2x4x5"}, 9);
  EXPECT_EQ(countOps(model, "Einsum"), 0);
  EXPECT_EQ(countOps(model, "Mul"), 1);
  EXPECT_EQ(countOps(model, "ReduceSum"), 1);
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{2, 5, 3}));
  EXPECT_EQ(countOps(convertIR(ir, {"a:2x3x4", "b:2x4x5"}, 12), "Einsum"), 1);
}

TEST(OldOpsetBuilds, EinsumDiagonalNamesOpset12) {
  const char* ir = R"IR(
graph(%a : Tensor):
  %eq : str = prim::Constant[value="ii->i"]()
  %l : Tensor[] = prim::ListConstruct(%a)
  %none : NoneType = prim::Constant()
  %y : Tensor = aten::einsum(%eq, %l, %none)
  return (%y))IR";
  try {
    convertIR(ir, {"a:3x3"}, 11);
    ADD_FAILURE() << "converted";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("opset 12"), std::string::npos) << e.what();
  }
}

// Pad-2 takes floats only: an int32 tensor is padded as float64 and cast back (exact).
TEST(OldOpsetBuilds, PadOfIntegersGoesThroughDoubleBeforeOpset11) {
  const char* ir = R"IR(
graph(%x : Tensor):
  %1 : int = prim::Constant[value=1]()
  %p : int[] = prim::ListConstruct(%1, %1)
  %v : float = prim::Constant[value=0.]()
  %y : Tensor = aten::constant_pad_nd(%x, %p, %v)
  return (%y))IR";
  auto model = convertIR(ir, {"x:2x3:int32"}, 9);
  EXPECT_EQ(opTypes(model), (std::vector<std::string>{"Cast", "Pad", "Cast"}));
  EXPECT_EQ(outputType(model), onnx::TensorProto::INT32);
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{2, 5}));
}

}  // namespace
}  // namespace pt2onnx::test
