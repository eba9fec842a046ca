// Op tests: less common math converters (math.cpp) at their lowest and highest opsets.
#include <gtest/gtest.h>

#include "op_test_util.h"
#include "pt2onnx/pt2onnx.h"

namespace pt2onnx::test {
namespace {

using Dims = std::vector<int64_t>;
using Ops = std::vector<std::string>;

const onnx::AttributeProto* findAttr(const onnx::ModelProto& model, const std::string& op, const std::string& name) {
  for (const auto& n : model.graph().node())
    if (n.op_type() == op)
      for (const auto& a : n.attribute())
        if (a.name() == name) return &a;
  return nullptr;
}

std::string conversionError(const std::string& ir, const std::vector<std::string>& inputs, int opset) {
  try {
    convertIR(ir, inputs, opset);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// graph(%x) -> KIND(%x, ARGS...), with ARGS given as IR constants ("float:0.5", "int:2").
std::string unaryIR(const std::string& kind, const std::vector<std::string>& args = {}) {
  std::string ir = "graph(%x : Tensor):\n";
  std::string call = "%x";
  for (size_t i = 0; i < args.size(); ++i) {
    auto colon = args[i].find(':');
    std::string type = args[i].substr(0, colon), value = args[i].substr(colon + 1);
    std::string name = "%a" + std::to_string(i);
    std::string attr = value.empty() ? "" : "[value=" + value + "]";  // "NoneType:" is None
    ir += "  " + name + " : " + type + " = prim::Constant" + attr + "()\n";
    call += ", " + name;
  }
  return ir + "  %y : Tensor = " + kind + "(" + call + ")\n  return (%y)";
}

// ---- triu / tril ----

TEST(Math, TriuOpset11MasksWithRange) {
  auto model = convertIR(unaryIR("aten::triu", {"int:1"}), {"x:2x5x7"}, 11);
  EXPECT_EQ(countOps(model, "Trilu"), 0);
  EXPECT_EQ(countOps(model, "Range"), 2);
  EXPECT_EQ(countOps(model, "Where"), 1);
  EXPECT_EQ(outputDims(model), (Dims{2, 5, 7}));
}

TEST(Math, TrilDynamicOpset11) {
  auto model = convertIR(unaryIR("aten::tril", {"int:-1"}), {"x:2x5x7"}, 11, {"x:1=h,2=w"});
  EXPECT_EQ(countOps(model, "Range"), 2);
  EXPECT_EQ(countOps(model, "Greater"), 1);
  EXPECT_EQ(outputDims(model), (Dims{2, -1, -1}));
}

TEST(Math, TriuOpset14Trilu) {
  auto model = convertIR(unaryIR("aten::triu", {"int:1"}), {"x:5x7"}, 14);
  EXPECT_EQ(opTypes(model), (Ops{"Trilu"}));
  EXPECT_EQ(findAttr(model, "Trilu", "upper")->i(), 1);
  EXPECT_EQ(model.graph().node(0).input_size(), 2);
}

TEST(Math, TrilOpset17DiagonalZeroHasNoK) {
  auto model = convertIR(unaryIR("aten::tril", {"int:0"}), {"x:5x7:bool"}, 17);
  EXPECT_EQ(opTypes(model), (Ops{"Trilu"}));
  EXPECT_EQ(findAttr(model, "Trilu", "upper")->i(), 0);
  EXPECT_EQ(model.graph().node(0).input_size(), 1);
  EXPECT_EQ(outputType(model), onnx::TensorProto::BOOL);
}

// ---- scatter ----

const char* kScatterSrc = R"IR(
graph(%x : Tensor, %i : Tensor, %s : Tensor):
  %d : int = prim::Constant[value=1]()
  %y : Tensor = aten::scatter(%x, %d, %i, %s)
  return (%y))IR";

TEST(Math, ScatterSrcOpset11SlicesSrc) {
  auto model = convertIR(kScatterSrc, {"x:3x12", "i:2x4:int64", "s:3x5"}, 11);
  EXPECT_EQ(countOps(model, "Slice"), 1);
  EXPECT_EQ(countOps(model, "ScatterElements"), 1);
  EXPECT_EQ(findAttr(model, "ScatterElements", "reduction"), nullptr);
  EXPECT_EQ(outputDims(model), (Dims{3, 12}));
}

TEST(Math, ScatterSrcSameShapeOpset17) {
  auto model = convertIR(kScatterSrc, {"x:3x12", "i:2x4:int64", "s:2x4"}, 17);
  EXPECT_EQ(opTypes(model), (Ops{"ScatterElements"}));
}

const char* kScatterValue = R"IR(
graph(%x : Tensor, %i : Tensor):
  %d : int = prim::Constant[value=0]()
  %v : float = prim::Constant[value=1.5]()
  %y : Tensor = aten::scatter(%x, %d, %i, %v)
  return (%y))IR";

TEST(Math, ScatterValueOpset11) {
  auto model = convertIR(kScatterValue, {"x:12x3", "i:2x3:int64"}, 11);
  EXPECT_EQ(countOps(model, "Expand"), 1);
  EXPECT_EQ(countOps(model, "ScatterElements"), 1);
}

TEST(Math, ScatterValueOpset17) {
  auto model = convertIR(kScatterValue, {"x:12x3:float64", "i:2x3:int64"}, 17);
  EXPECT_EQ(countOps(model, "ScatterElements"), 1);
  EXPECT_EQ(outputType(model), onnx::TensorProto::DOUBLE);
}

const char* kScatterReduce = R"IR(
graph(%x : Tensor, %i : Tensor, %s : Tensor):
  %d : int = prim::Constant[value=1]()
  %r : str = prim::Constant[value="multiply"]()
  %y : Tensor = aten::scatter(%x, %d, %i, %s, %r)
  return (%y))IR";

TEST(Math, ScatterReduceOpset11Fails) {
  EXPECT_NE(conversionError(kScatterReduce, {"x:3x12", "i:3x4:int64", "s:3x4"}, 11).find("opset 16"),
            std::string::npos);
}

TEST(Math, ScatterReduceMultiplyOpset17) {
  auto model = convertIR(kScatterReduce, {"x:3x12", "i:3x4:int64", "s:3x4"}, 17);
  EXPECT_EQ(findAttr(model, "ScatterElements", "reduction")->s(), "mul");
}

const char* kScatterAdd = R"IR(
graph(%x : Tensor, %i : Tensor, %s : Tensor):
  %d : int = prim::Constant[value=0]()
  %y : Tensor = aten::scatter_add(%x, %d, %i, %s)
  return (%y))IR";

// Before opset 16, the sums are a one-hot MatMul with the scatter axis last (ScatterElements has no
// reduction); an index smaller than self is padded back to self's shape.
TEST(Math, ScatterAddOneHotOpset11) {
  auto model = convertIR(kScatterAdd, {"x:12x3", "i:4x2:int64", "s:4x3"}, 11, {"x:0=n"});
  EXPECT_EQ(countOps(model, "MatMul"), 1);
  EXPECT_EQ(countOps(model, "Pad"), 1);
  EXPECT_EQ(countOps(model, "ScatterElements"), 0);
  EXPECT_EQ(outputDims(model), (Dims{-1, 3}));
}

// MatMul takes no booleans or 8-bit integers: those need the reduction.
TEST(Math, ScatterAddUint8Opset11Fails) {
  EXPECT_NE(conversionError(kScatterAdd, {"x:12x3:uint8", "i:4x3:int64", "s:4x3:uint8"}, 11)
                .find("scatter with reduce='add' of a uint8 tensor needs ScatterElements' reduction (opset 16"),
            std::string::npos);
}

TEST(Math, ScatterAddOpset16) {
  auto model = convertIR(kScatterAdd, {"x:12x3", "i:4x3:int64", "s:4x3"}, 16);
  EXPECT_EQ(opTypes(model), (Ops{"ScatterElements"}));
  EXPECT_EQ(findAttr(model, "ScatterElements", "reduction")->s(), "add");
}

TEST(Math, ScatterAddOpset17) {
  auto model = convertIR(kScatterAdd, {"x:12x3", "i:4x3:int64", "s:4x3"}, 17);
  EXPECT_EQ(opTypes(model), (Ops{"ScatterElements"}));
}

// ---- activations ----

TEST(Math, ThresholdOpset11) {
  auto model = convertIR(unaryIR("aten::threshold", {"float:0.1", "float:20."}), {"x:2x5"}, 11);
  EXPECT_EQ(opTypes(model), (Ops{"Greater", "Where"}));
}

TEST(Math, ThresholdOpset17) {
  auto model = convertIR(unaryIR("aten::threshold", {"int:0", "int:-1"}), {"x:2x5"}, 17);
  EXPECT_EQ(opTypes(model), (Ops{"Greater", "Where"}));
  EXPECT_EQ(outputType(model), onnx::TensorProto::FLOAT);
}

TEST(Math, SeluOpset11) { EXPECT_EQ(opTypes(convertIR(unaryIR("aten::selu"), {"x:2x5"}, 11)), (Ops{"Selu"})); }
TEST(Math, SeluOpset17) { EXPECT_EQ(opTypes(convertIR(unaryIR("aten::selu"), {"x:2x5"}, 17)), (Ops{"Selu"})); }

TEST(Math, CeluOpset11ScaledElu) {
  auto model = convertIR(unaryIR("aten::celu", {"float:2."}), {"x:2x5"}, 11);
  EXPECT_EQ(opTypes(model), (Ops{"Div", "Elu", "Mul"}));
}

TEST(Math, CeluOpset17) {
  auto model = convertIR(unaryIR("aten::celu", {"float:2."}), {"x:2x5"}, 17);
  EXPECT_EQ(opTypes(model), (Ops{"Celu"}));
  EXPECT_FLOAT_EQ(findAttr(model, "Celu", "alpha")->f(), 2.0f);
}

// Celu is float-only and ONNX Runtime has no float64 Elu kernel: elu is written out in float64.
TEST(Math, CeluDoubleOpset17IsDecomposed) {
  auto model = convertIR(unaryIR("aten::celu", {"float:1."}), {"x:2x5:float64"}, 17);
  EXPECT_EQ(countOps(model, "Elu"), 0);
  EXPECT_EQ(countOps(model, "Where"), 1);
  EXPECT_EQ(countOps(model, "Exp"), 1);
}

TEST(Math, LogSigmoidOpset11) {
  auto model = convertIR(unaryIR("aten::log_sigmoid"), {"x:2x5"}, 11);
  EXPECT_EQ(countOps(model, "Min"), 1);
  EXPECT_EQ(countOps(model, "Log"), 1);
  EXPECT_EQ(outputDims(model), (Dims{2, 5}));
}

TEST(Math, LogSigmoidOpset17) {
  auto model = convertIR(unaryIR("aten::log_sigmoid"), {"x:2x5"}, 17);
  EXPECT_EQ(countOps(model, "Exp"), 1);
}

TEST(Math, HardshrinkOpset11) {
  auto model = convertIR(unaryIR("aten::hardshrink", {"float:0.5"}), {"x:2x5"}, 11);
  EXPECT_EQ(opTypes(model), (Ops{"Shrink"}));
  EXPECT_FLOAT_EQ(findAttr(model, "Shrink", "bias")->f(), 0.0f);
}

TEST(Math, SoftshrinkOpset17) {
  auto model = convertIR(unaryIR("aten::softshrink", {"float:0.25"}), {"x:2x5"}, 17);
  EXPECT_EQ(opTypes(model), (Ops{"Shrink"}));
  EXPECT_FLOAT_EQ(findAttr(model, "Shrink", "bias")->f(), 0.25f);
  EXPECT_FLOAT_EQ(findAttr(model, "Shrink", "lambd")->f(), 0.25f);
}

// ---- elementwise math ----

TEST(Math, Log2Opset11) { EXPECT_EQ(opTypes(convertIR(unaryIR("aten::log2"), {"x:4"}, 11)), (Ops{"Log", "Div"})); }

TEST(Math, Log10IntOpset17) {
  auto model = convertIR(unaryIR("aten::log10"), {"x:4:int64"}, 17);
  EXPECT_EQ(opTypes(model), (Ops{"Cast", "Log", "Div"}));
  EXPECT_EQ(outputType(model), onnx::TensorProto::FLOAT);
}

TEST(Math, Log1pOpset11) { EXPECT_EQ(opTypes(convertIR(unaryIR("aten::log1p"), {"x:4"}, 11)), (Ops{"Add", "Log"})); }
TEST(Math, Expm1Opset17) { EXPECT_EQ(opTypes(convertIR(unaryIR("aten::expm1"), {"x:4"}, 17)), (Ops{"Exp", "Sub"})); }

TEST(Math, HyperbolicOpset11) {
  for (std::string f : {"sinh", "cosh", "asinh", "atanh"}) {
    std::string op = f == "sinh" ? "Sinh" : f == "cosh" ? "Cosh" : f == "asinh" ? "Asinh" : "Atanh";
    EXPECT_EQ(opTypes(convertIR(unaryIR("aten::" + f), {"x:4"}, 11)), (Ops{op})) << f;
  }
}

TEST(Math, AcoshIntOpset17) {
  auto model = convertIR(unaryIR("aten::acosh"), {"x:4:int32"}, 17);
  EXPECT_EQ(opTypes(model), (Ops{"Cast", "Acosh"}));
  EXPECT_EQ(outputType(model), onnx::TensorProto::FLOAT);
}

const char* kAtan2 = R"IR(
graph(%y : Tensor, %x : Tensor):
  %a : Tensor = aten::atan2(%y, %x)
  return (%a))IR";

TEST(Math, Atan2Opset11) {
  auto model = convertIR(kAtan2, {"y:3x4", "x:4"}, 11);
  EXPECT_EQ(countOps(model, "Atan"), 1);
  EXPECT_EQ(countOps(model, "Where"), 3);
  EXPECT_EQ(outputDims(model), (Dims{3, 4}));
}

TEST(Math, Atan2IntOpset17) {
  auto model = convertIR(kAtan2, {"y:3x4:int64", "x:3x4:int64"}, 17);
  EXPECT_EQ(countOps(model, "Cast"), 2);
  EXPECT_EQ(outputType(model), onnx::TensorProto::FLOAT);
}

TEST(Math, IsnanOpset11) {
  auto model = convertIR(unaryIR("aten::isnan"), {"x:2x3"}, 11);
  EXPECT_EQ(opTypes(model), (Ops{"IsNaN"}));
  EXPECT_EQ(outputType(model), onnx::TensorProto::BOOL);
}

TEST(Math, IsnanIntOpset17) {
  EXPECT_EQ(opTypes(convertIR(unaryIR("aten::isnan"), {"x:2x3:int32"}, 17)), (Ops{"Cast", "IsNaN"}));
}

TEST(Math, IsinfOpset11) { EXPECT_EQ(opTypes(convertIR(unaryIR("aten::isinf"), {"x:2x3"}, 11)), (Ops{"IsInf"})); }

// Before opset 10 (no IsInf): beyond the largest finite value either way.
TEST(Math, IsinfOpset9) {
  EXPECT_EQ(opTypes(convertIR(unaryIR("aten::isinf"), {"x:2x3"}, 9)), (Ops{"Greater", "Less", "Or"}));
}

TEST(Math, IsinfHalfOpset17) {
  auto model = convertIR(unaryIR("aten::isinf"), {"x:2x3:float16"}, 17);
  EXPECT_EQ(opTypes(model), (Ops{"Cast", "IsInf"}));
  EXPECT_EQ(outputType(model), onnx::TensorProto::BOOL);
}

std::string addcIR(const std::string& kind, const std::string& value) {
  return "graph(%s : Tensor, %a : Tensor, %b : Tensor):\n  %v : float = prim::Constant[value=" + value +
         "]()\n  %y : Tensor = " + kind + "(%s, %a, %b, %v)\n  return (%y)";
}

TEST(Math, AddcmulOpset11) {
  auto model = convertIR(addcIR("aten::addcmul", "0.5"), {"s:2x3", "a:3", "b:2x1"}, 11);
  EXPECT_EQ(opTypes(model), (Ops{"Mul", "Mul", "Add"}));
  EXPECT_EQ(outputDims(model), (Dims{2, 3}));
}

TEST(Math, AddcdivValueOneOpset17) {
  auto model = convertIR(addcIR("aten::addcdiv", "1."), {"s:2x3", "a:2x3", "b:2x3"}, 17);
  EXPECT_EQ(opTypes(model), (Ops{"Div", "Add"}));
}

const char* kLerpScalar = R"IR(
graph(%a : Tensor, %b : Tensor):
  %w : float = prim::Constant[value=WEIGHT]()
  %y : Tensor = aten::lerp(%a, %b, %w)
  return (%y))IR";

std::string lerpWeight(const std::string& w) {
  std::string ir = kLerpScalar;
  return ir.replace(ir.find("WEIGHT"), 6, w);
}

TEST(Math, LerpScalarOpset11) {
  auto model = convertIR(lerpWeight("0.25"), {"a:2x3", "b:2x3"}, 11);
  EXPECT_EQ(opTypes(model), (Ops{"Sub", "Mul", "Add"}));
}

// w >= 0.5: end - (end - self)(1 - w), as PyTorch computes it.
TEST(Math, LerpScalarHighWeightOpset17) {
  auto model = convertIR(lerpWeight("0.75"), {"a:2x3", "b:2x3"}, 17);
  EXPECT_EQ(opTypes(model), (Ops{"Sub", "Mul", "Sub"}));
}

const char* kLerpTensor = R"IR(
graph(%a : Tensor, %b : Tensor, %w : Tensor):
  %y : Tensor = aten::lerp(%a, %b, %w)
  return (%y))IR";

TEST(Math, LerpTensorOpset11) {
  auto model = convertIR(kLerpTensor, {"a:2x3", "b:2x3", "w:3"}, 11);
  EXPECT_EQ(opTypes(model), (Ops{"Sub", "Mul", "Add"}));
  EXPECT_EQ(outputDims(model), (Dims{2, 3}));
}

TEST(Math, LerpTensorOpset17) {
  auto model = convertIR(kLerpTensor, {"a:2x3", "b:2x3", "w:2x3"}, 17);
  EXPECT_EQ(opTypes(model), (Ops{"Sub", "Mul", "Add"}));
}

// ---- shapes ----

std::string meshgridIR(const std::string& indexing) {
  return "graph(%a : Tensor, %b : Tensor, %c : Tensor):\n"
         "  %i : str = prim::Constant[value=\"" +
         indexing +
         "\"]()\n"
         "  %l : Tensor[] = prim::ListConstruct(%a, %b, %c)\n"
         "  %g : Tensor[] = aten::meshgrid(%l, %i)\n"
         "  %x : Tensor, %y : Tensor, %z : Tensor = prim::ListUnpack(%g)\n"
         "  return (%x, %y, %z)";
}

TEST(Math, MeshgridIjOpset11) {
  auto model = convertIR(meshgridIR("ij"), {"a:2", "b:3", "c:scalar"}, 11);
  EXPECT_EQ(countOps(model, "Expand"), 3);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(outputDims(model, i), (Dims{2, 3, 1}));
}

TEST(Math, MeshgridXyOpset17) {
  auto model = convertIR(meshgridIR("xy"), {"a:2", "b:3", "c:4"}, 17);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(outputDims(model, i), (Dims{3, 2, 4}));
}

TEST(Math, MeshgridXyDynamicOpset17) {
  auto model = convertIR(meshgridIR("xy"), {"a:2", "b:3", "c:4"}, 17, {"a:0=n"});
  EXPECT_EQ(countOps(model, "Shape"), 1);
  EXPECT_EQ(outputDims(model, 2), (Dims{3, -1, 4}));
}

std::string unflattenIR(const std::string& dim, const std::string& sizes) {
  return "graph(%x : Tensor):\n  %d : int = prim::Constant[value=" + dim +
         "]()\n  %s : int[] = prim::Constant[value=" + sizes +
         "]()\n  %y : Tensor = aten::unflatten(%x, %d, %s)\n  return (%y)";
}

TEST(Math, UnflattenOpset11) {
  auto model = convertIR(unflattenIR("1", "[2, -1]"), {"x:3x12x5"}, 11);
  EXPECT_EQ(opTypes(model), (Ops{"Reshape"}));
  EXPECT_EQ(outputDims(model), (Dims{3, 2, 6, 5}));
}

// A dynamic dim after the unflattened one is read from the input's shape.
TEST(Math, UnflattenDynamicTailOpset17) {
  auto model = convertIR(unflattenIR("-2", "[-1, 4]"), {"x:3x12x5"}, 17, {"x:0=b,2=w"});
  EXPECT_EQ(countOps(model, "Reshape"), 1);
  EXPECT_EQ(countOps(model, "Concat"), 1);
  EXPECT_EQ(outputDims(model), (Dims{-1, 3, 4, -1}));
}

// ---- sampling, encoding, cumprod ----

std::string gridIR(int mode, int padding, bool align) {
  return "graph(%x : Tensor, %g : Tensor):\n"
         "  %m : int = prim::Constant[value=" +
         std::to_string(mode) +
         "]()\n"
         "  %p : int = prim::Constant[value=" +
         std::to_string(padding) +
         "]()\n"
         "  %a : bool = prim::Constant[value=" +
         std::to_string(align) +
         "]()\n"
         "  %y : Tensor = aten::grid_sampler(%x, %g, %m, %p, %a)\n  return (%y)";
}

TEST(Math, GridSamplerOpset11Unsupported) {
  EXPECT_NE(conversionError(gridIR(0, 0, false), {"x:1x3x8x8", "g:1x4x5x2"}, 11).find("needs opset 16"),
            std::string::npos);
}

TEST(Math, GridSamplerBilinearOpset16) {
  auto model = convertIR(gridIR(0, 0, false), {"x:1x3x8x8", "g:1x4x5x2"}, 16);
  EXPECT_EQ(opTypes(model), (Ops{"GridSample"}));
  EXPECT_EQ(findAttr(model, "GridSample", "mode")->s(), "bilinear");
  EXPECT_EQ(outputDims(model), (Dims{1, 3, 4, 5}));
}

TEST(Math, GridSamplerBicubicReflectionOpset17) {
  auto model = convertIR(gridIR(2, 2, true), {"x:1x3x8x8", "g:1x4x5x2"}, 17);
  EXPECT_EQ(findAttr(model, "GridSample", "mode")->s(), "bicubic");
  EXPECT_EQ(findAttr(model, "GridSample", "padding_mode")->s(), "reflection");
  EXPECT_EQ(findAttr(model, "GridSample", "align_corners")->i(), 1);
}

TEST(Math, OneHotOpset11) {
  auto model = convertIR(unaryIR("aten::one_hot", {"int:10"}), {"x:2x3:int64"}, 11);
  EXPECT_EQ(opTypes(model), (Ops{"OneHot"}));
  EXPECT_EQ(outputDims(model), (Dims{2, 3, 10}));
  EXPECT_EQ(outputType(model), onnx::TensorProto::INT64);
}

TEST(Math, OneHotOpset17) {
  auto model = convertIR(unaryIR("aten::one_hot", {"int:12"}), {"x:5:int64"}, 17, {"x:0=n"});
  EXPECT_EQ(outputDims(model), (Dims{-1, 12}));
}

TEST(Math, OneHotInferredClassesTakeTheLargestLabel) {
  auto model = convertIR(unaryIR("aten::one_hot", {"int:-1"}), {"x:5:int64"}, 17, {"x:0=n"});
  EXPECT_EQ(opTypes(model), (Ops{"ReduceMax", "Add", "OneHot"}));
  EXPECT_EQ(outputType(model), onnx::TensorProto::INT64);
}

TEST(Math, OneHotRunTimeClassesOpset11) {
  const std::string ir = R"IR(graph(%x : Tensor):
  %one : int = prim::Constant[value=1]()
  %m : Tensor = aten::max(%x)
  %k : int = aten::Int(%m)
  %n : int = aten::add(%k, %one)
  %y : Tensor = aten::one_hot(%x, %n)
  return (%y))IR";
  auto model = convertIR(ir, {"x:2x3:int64"}, 11);
  // A count below 0 falls back to the largest label + 1, as PyTorch's -1 does.
  EXPECT_EQ(countOps(model, "OneHot"), 1);
  EXPECT_EQ(countOps(model, "Where"), 1);
  EXPECT_EQ(outputType(model), onnx::TensorProto::INT64);
}

std::string cumprodIR(const std::string& dim) {
  return "graph(%x : Tensor):\n  %d : int = prim::Constant[value=" + dim +
         "]()\n  %n : NoneType = prim::Constant()\n  %y : Tensor = aten::cumprod(%x, %d, %n)\n  return (%y)";
}

TEST(Math, CumprodOpset11) {
  auto model = convertIR(cumprodIR("1"), {"x:2x5x7"}, 11);
  EXPECT_EQ(countOps(model, "ReduceProd"), 1);
  EXPECT_EQ(outputDims(model), (Dims{2, 5, 7}));
}

// Integer inputs give int64 products, as in PyTorch.
TEST(Math, CumprodIntDynamicOpset17) {
  auto model = convertIR(cumprodIR("-1"), {"x:2x6:int32"}, 17, {"x:1=n"});
  EXPECT_EQ(countOps(model, "ReduceProd"), 1);
  EXPECT_EQ(outputType(model), onnx::TensorProto::INT64);
  EXPECT_EQ(outputDims(model), (Dims{2, -1}));
}

// ---- isfinite / nan_to_num ----

TEST(Math, IsFiniteOpset11) {
  auto model = convertIR(unaryIR("aten::isfinite"), {"x:3x4"}, 11);
  EXPECT_EQ(countOps(model, "IsInf"), 1);
  EXPECT_EQ(countOps(model, "IsNaN"), 1);
  EXPECT_EQ(outputType(model), onnx::TensorProto::BOOL);
}

TEST(Math, IsFiniteOpset9) {
  auto model = convertIR(unaryIR("aten::isfinite"), {"x:3x4"}, 9);
  EXPECT_EQ(countOps(model, "IsInf"), 0);
  EXPECT_EQ(countOps(model, "IsNaN"), 1);
  EXPECT_EQ(countOps(model, "Greater"), 1);
}

// Integer tensors are finite everywhere.
TEST(Math, IsFiniteOfIntsOpset17) {
  auto model = convertIR(unaryIR("aten::isfinite"), {"x:3x4:int64"}, 17, {"x:0=n"});
  EXPECT_EQ(countOps(model, "IsInf"), 0);
  EXPECT_EQ(outputDims(model), (Dims{-1, 4}));
}

// None infinities become float's largest and lowest finite values.
TEST(Math, NanToNumDefaultsOpset11) {
  auto model = convertIR(unaryIR("aten::nan_to_num", {"NoneType:", "NoneType:", "NoneType:"}), {"x:3x4"}, 11);
  EXPECT_EQ(countOps(model, "Where"), 3);
  EXPECT_EQ(outputType(model), onnx::TensorProto::FLOAT);
}

TEST(Math, NanToNumDefaultsOpset9) {
  auto model = convertIR(unaryIR("aten::nan_to_num", {"NoneType:", "NoneType:", "NoneType:"}), {"x:3x4"}, 9);
  EXPECT_EQ(countOps(model, "IsInf"), 0);
  EXPECT_EQ(countOps(model, "Where"), 3);
}

TEST(Math, NanToNumGivenOpset17) {
  auto model = convertIR(unaryIR("aten::nan_to_num", {"float:1.5", "float:2.", "float:-3."}), {"x:3x4:float64"}, 17);
  EXPECT_EQ(outputType(model), onnx::TensorProto::DOUBLE);
}

}  // namespace
}  // namespace pt2onnx::test
