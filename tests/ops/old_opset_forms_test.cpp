// Op tests: the spellings opsets 9 and 10 take, made for every converter at emission (Clip, Pad,
// Slice and TopK arguments as attributes, a Slice of computed bounds as a Gather) and by the pass over the converted
// model (Equal on floats, Max/Min on integers, negative axes); what needs a later opset is refused naming it.
#include <gtest/gtest.h>

#include <algorithm>

#include "op_test_util.h"

namespace pt2onnx::test {
namespace {

using Ops = std::vector<std::string>;

const char* kClamp = R"IR(
graph(%x : Tensor):
  %lo : float = prim::Constant[value=-0.5]()
  %hi : float = prim::Constant[value=0.5]()
  %y : Tensor = aten::clamp(%x, %lo, %hi)
  return (%y))IR";

TEST(OldOpsetForms, ClampConstantBoundsAreClipAttributesOpset9) {
  auto model = convertIR(kClamp, {"x:2x3"}, 9);
  const auto& clip = firstNode(model, "Clip");
  EXPECT_EQ(clip.input_size(), 1);
  ASSERT_NE(attribute(clip, "min"), nullptr);
  EXPECT_FLOAT_EQ(attribute(clip, "min")->f(), -0.5f);
  EXPECT_FLOAT_EQ(attribute(clip, "max")->f(), 0.5f);
  EXPECT_EQ(convertIR(kClamp, {"x:2x3"}, 11).graph().node(0).input_size(), 3);
}

// A chunk of a dynamic axis slices at computed bounds: Slice-1 takes constants only, so opset 9
// gathers the range between them.
TEST(OldOpsetForms, SliceOfComputedBoundsIsAGatherOpset9) {
  const char* ir =
      "graph(%x : Tensor):\n  %n : int = prim::Constant[value=2]()\n  %d : int = prim::Constant[value=1]()\n"
      "  %c : Tensor[] = aten::chunk(%x, %n, %d)\n  %a : Tensor, %b : Tensor = prim::ListUnpack(%c)\n  return (%a)";
  auto at9 = convertIR(ir, {"x:2x4"}, 9, {"x:1=c"});
  EXPECT_EQ(outputDims(at9), (std::vector<int64_t>{2, -1}));
  EXPECT_GE(countOps(at9, "NonZero"), 1);  // the ranges of kept indices
  for (const auto& n : at9.graph().node())
    if (n.op_type() == "Slice") EXPECT_EQ(n.input_size(), 1);  // only constant bounds, as attributes
  EXPECT_EQ(outputDims(convertIR(ir, {"x:2x4"}, 10, {"x:1=c"})), (std::vector<int64_t>{2, -1}));
}

// A step too: the Gather takes every second index. A step computed at run time has no spelling
// before opset 10 and is refused naming it.
TEST(OldOpsetForms, StridedSliceIsAGatherOpset9ComputedStepNamesOpset10) {
  auto strided = [](const std::string& step) {
    return "graph(%x : Tensor):\n  %0 : int = prim::Constant[value=0]()\n  %1 : int = prim::Constant[value=1]()\n"
           "  %2 : int = prim::Constant[value=2]()\n  %n : int = aten::size(%x, %1)\n  %m : int = aten::size(%x, %0)\n"
           "  %s : int = aten::sub(%n, %2)\n  %y : Tensor = aten::slice(%x, %1, %s, %n, " +
           step + ")\n  return (%y)";
  };
  auto model = convertIR(strided("%2"), {"x:2x7"}, 9, {"x:1=c"});
  EXPECT_GE(countOps(model, "Gather"), 1);
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{2, 1}));  // x[:, n-2:n:2] has one column for any n
  const std::string e = conversionError(strided("%m"), {"x:2x7"}, 9, {"x:0=b,1=c"});
  EXPECT_NE(e.find("ONNX's Slice"), std::string::npos) << e;
  EXPECT_NE(e.find("needs opset 10; try --opset 10"), std::string::npos) << e;
  EXPECT_EQ(conversionError(strided("%m"), {"x:2x7"}, 10, {"x:0=b,1=c"}), "");
}

const char* kPad = R"IR(
graph(%x : Tensor):
  %p : int[] = prim::Constant[value=[1, 2]]()
  %v : float = prim::Constant[value=1.5]()
  %m : str = prim::Constant[value="constant"]()
  %y : Tensor = aten::pad(%x, %p, %m, %v)
  return (%y))IR";

TEST(OldOpsetForms, ConstantPadTakesPadsAndValueAsAttributesOpset9) {
  auto model = convertIR(kPad, {"x:2x3"}, 9);
  const auto& pad = firstNode(model, "Pad");
  EXPECT_EQ(pad.input_size(), 1);
  ASSERT_NE(attribute(pad, "pads"), nullptr);
  EXPECT_EQ(attribute(pad, "pads")->ints_size(), 4);
  EXPECT_FLOAT_EQ(attribute(pad, "value")->f(), 1.5f);
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{2, 6}));
}

TEST(OldOpsetForms, EqualOnFloatsIsNeitherLessNorGreaterNorNanOpset9) {
  const char* ir = "graph(%x : Tensor, %y : Tensor):\n  %z : Tensor = aten::eq(%x, %y)\n  return (%z)";
  auto model = convertIR(ir, {"x:2x3", "y:2x3"}, 9);
  EXPECT_EQ(opTypes(model), (Ops{"Less", "Greater", "Or", "IsNaN", "IsNaN", "Or", "Or", "Not"}));
  EXPECT_EQ(outputType(model), onnx::TensorProto::BOOL);
  EXPECT_EQ(opTypes(convertIR(ir, {"x:2x3", "y:2x3"}, 11)), (Ops{"Equal"}));
  // int64 compares natively at 9; int8 in int32 (ONNX Runtime has no 8-bit Less or Greater either).
  EXPECT_EQ(opTypes(convertIR(ir, {"x:2x3:int64", "y:2x3:int64"}, 9)), (Ops{"Equal"}));
  EXPECT_EQ(opTypes(convertIR(ir, {"x:2x3:int8", "y:2x3:int8"}, 9)), (Ops{"Cast", "Cast", "Equal"}));
}

TEST(OldOpsetForms, MaximumOnIntegersPicksWithWhereOpset9) {
  const char* ir = "graph(%x : Tensor, %y : Tensor):\n  %z : Tensor = aten::max(%x, %y)\n  return (%z)";
  auto model = convertIR(ir, {"x:2x3:int32", "y:2x3:int32"}, 9);
  EXPECT_EQ(opTypes(model), (Ops{"Greater", "Where"}));
  EXPECT_EQ(outputType(model), onnx::TensorProto::INT32);
  EXPECT_EQ(opTypes(convertIR(ir, {"x:2x3:int32", "y:2x3:int32"}, 12)), (Ops{"Max"}));
}

// Every axis or axes attribute in the model's main graph.
std::vector<int64_t> axes(const onnx::ModelProto& model) {
  std::vector<int64_t> out;
  for (const auto& n : model.graph().node())
    for (const auto& a : n.attribute()) {
      if (a.name() == "axis") out.push_back(a.i());
      if (a.name() == "axes") out.insert(out.end(), a.ints().begin(), a.ints().end());
    }
  return out;
}

// cdist counts its reduction axes from the end; below opset 11 they count from the front.
TEST(OldOpsetForms, NegativeAxesCountFromTheFrontOpset9) {
  const char* ir =
      "graph(%x : Tensor, %y : Tensor):\n  %p : float = prim::Constant[value=2.]()\n"
      "  %n : NoneType = prim::Constant()\n  %z : Tensor = aten::cdist(%x, %y, %p, %n)\n  return (%z)";
  auto at11 = axes(convertIR(ir, {"x:2x3x4", "y:2x5x4"}, 11));
  EXPECT_TRUE(std::any_of(at11.begin(), at11.end(), [](int64_t a) { return a < 0; }));
  auto model = convertIR(ir, {"x:2x3x4", "y:2x5x4"}, 9);
  for (int64_t a : axes(model)) EXPECT_GE(a, 0);
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{2, 3, 5}));
}

// Cast to bfloat16 before opset 13: a refusal naming the opset, not a checker failure.
TEST(OldOpsetForms, TypesTheOpsetLacksAreRefusedNamingTheOpset) {
  const char* ir =
      "graph(%x : Tensor):\n  %t : int = prim::Constant[value=15]()\n  %f : bool = prim::Constant[value=0]()\n"
      "  %n : NoneType = prim::Constant()\n  %y : Tensor = aten::to(%x, %t, %f, %f, %n)\n  return (%y)";
  const std::string e = conversionError(ir, {"x:3"}, 9);
  EXPECT_NE(e.find("Cast on tensor(bfloat16)"), std::string::npos) << e;
  EXPECT_NE(e.find("needs opset 13"), std::string::npos) << e;
  EXPECT_NE(e.find("try --opset 13"), std::string::npos) << e;
  EXPECT_EQ(e.find("bug"), std::string::npos) << e;
}

// Slice-10's shape inference keeps the input's size on a sliced axis of unknown size; the ends go
// through a computation it cannot read, so the inferred dims stay unknown.
TEST(OldOpsetForms, SliceOfDynamicAxisOpset10HidesTheEndsFromShapeInference) {
  const char* ir =
      "graph(%x : Tensor):\n  %d : int = prim::Constant[value=0]()\n  %a : int = prim::Constant[value=0]()\n"
      "  %b : int = prim::Constant[value=2]()\n  %s : int = prim::Constant[value=1]()\n"
      "  %y : Tensor = aten::slice(%x, %d, %a, %b, %s)\n  return (%y)";
  auto model = convertIR(ir, {"x:4x6"}, 10, {"x:0=batch"});
  const auto& slice = firstNode(model, "Slice");
  bool computed = false;
  for (const auto& n : model.graph().node())
    if (n.op_type() == "Add" && n.output(0) == slice.input(2)) computed = true;
  EXPECT_TRUE(computed);
  for (const auto& v : model.graph().value_info())
    if (v.name() == slice.output(0) && v.type().tensor_type().shape().dim_size() > 0)
      EXPECT_NE(v.type().tensor_type().shape().dim(0).dim_param(), "batch");
  // Static shapes keep the constant ends.
  auto fixed = convertIR(ir, {"x:4x6"}, 10);
  EXPECT_EQ(countOps(fixed, "Add"), 0);
}

// If before opset 11 cannot give branch results of different shapes.
TEST(OldOpsetForms, IfWithBranchesOfDifferentShapesNeedsOpset11) {
  const char* ir = R"IR(
graph(%x : Tensor, %c : Tensor):
  %z : int = prim::Constant[value=0]()
  %b : bool = aten::Bool(%c)
  %y : Tensor = prim::If(%b)
    block0():
      %l : Tensor[] = prim::ListConstruct(%x, %x)
      %s : Tensor = aten::cat(%l, %z)
      -> (%s)
    block1():
      -> (%x)
  return (%y))IR";
  const std::string e = conversionError(ir, {"x:2x3", "c:1:bool"}, 9);
  EXPECT_NE(e.find("If whose branches give results of shapes [4,3] and [2,3]"), std::string::npos) << e;
  EXPECT_NE(e.find("try --opset 11"), std::string::npos) << e;
  EXPECT_EQ(countOps(convertIR(ir, {"x:2x3", "c:1:bool"}, 11), "If"), 1);
}

// The same where shape inference cannot see a branch's shape (a view to sizes read at run time):
// the dims recorded for the converted values decide (the example run takes the view: |x| >= 0).
TEST(OldOpsetForms, IfBranchShapesFromRecordedDims) {
  const char* ir = R"IR(
graph(%x : Tensor, %y : Tensor):
  %z : int = prim::Constant[value=0]()
  %o : int = prim::Constant[value=1]()
  %m : int = prim::Constant[value=-1]()
  %n : NoneType = prim::Constant()
  %a : Tensor = aten::abs(%x)
  %t : Tensor = aten::sum(%a, %n)
  %g : Tensor = aten::ge(%t, %z)
  %b : bool = aten::Bool(%g)
  %bs : int = aten::size(%y, %z)
  %sq : int = aten::size(%y, %o)
  %r : Tensor = prim::If(%b)
    block0():
      %s : int[] = prim::ListConstruct(%bs, %sq, %m)
      %v : Tensor = aten::view(%x, %s)
      -> (%v)
    block1():
      -> (%y)
  return (%r))IR";
  const std::string e = conversionError(ir, {"x:2x16x2x2", "y:2x16x8"}, 9, {"x:0=batch", "y:0=batch"});
  EXPECT_NE(e.find("If whose branches give results of shapes [?,16,4] and [?,16,8]"), std::string::npos) << e;
}

}  // namespace
}  // namespace pt2onnx::test
