// Op tests: pad converters (pad in every mode, constant_pad_nd, reflection/replication pads).
#include <gtest/gtest.h>

#include <cstring>

#include "op_test_util.h"

namespace pt2onnx::test {
namespace {

using Dims = std::vector<int64_t>;
using Ops = std::vector<std::string>;

std::string stringAttr(const onnx::NodeProto& node, const std::string& name) {
  for (const auto& a : node.attribute())
    if (a.name() == name) return a.s();
  return "";
}

// Values of an INT64 initializer (written as raw data).
std::vector<int64_t> initializerInts(const onnx::ModelProto& model, const std::string& name) {
  for (const auto& t : model.graph().initializer()) {
    if (t.name() != name) continue;
    std::vector<int64_t> v(t.raw_data().size() / sizeof(int64_t));
    std::memcpy(v.data(), t.raw_data().data(), t.raw_data().size());
    return v;
  }
  throw std::runtime_error("no initializer " + name);
}

// F.pad(x, pads, mode) with constant pads.
std::string padIR(const std::vector<int64_t>& pads, const std::string& mode) {
  std::string ir = "graph(%x : Tensor):\n", names;
  for (size_t i = 0; i < pads.size(); ++i) {
    std::string name = "%p" + std::to_string(i);
    ir += "  " + name + " : int = prim::Constant[value=" + std::to_string(pads[i]) + "]()\n";
    names += (i ? ", " : "") + name;
  }
  ir += "  %pad : int[] = prim::ListConstruct(" + names + ")\n";
  ir += "  %mode : str = prim::Constant[value=\"" + mode + "\"]()\n";
  ir += "  %value : NoneType = prim::Constant()\n";
  ir += "  %y : Tensor = aten::pad(%x, %pad, %mode, %value)\n";
  return ir + "  return (%y)";
}

// F.pad(x, (1, 2, 3, -1), value=0.5): W grows by 1+2, H by 3 and loses its last row.
const char* kConstantNegative = R"IR(
graph(%x : Tensor):
  %p0 : int = prim::Constant[value=1]()
  %p1 : int = prim::Constant[value=2]()
  %p2 : int = prim::Constant[value=3]()
  %p3 : int = prim::Constant[value=-1]()
  %pad : int[] = prim::ListConstruct(%p0, %p1, %p2, %p3)
  %mode : str = prim::Constant[value="constant"]()
  %value : float = prim::Constant[value=0.5]()
  %y : Tensor = aten::pad(%x, %pad, %mode, %value)
  return (%y))IR";

TEST(Pad, ConstantNegativeCropsThenPadsOpset11) {
  auto model = convertIR(kConstantNegative, {"x:1x3x8x8"}, 11);
  EXPECT_EQ(opTypes(model), (Ops{"Slice", "Pad"}));
  const auto& pad = firstNode(model, "Pad");
  EXPECT_EQ(stringAttr(pad, "mode"), "constant");
  EXPECT_EQ(pad.input_size(), 3);
  EXPECT_EQ(initializerInts(model, pad.input(1)), (Dims{0, 0, 3, 1, 0, 0, 0, 2}));
  EXPECT_EQ(outputDims(model), (Dims{1, 3, 10, 11}));
}

TEST(Pad, ConstantNegativeCropsThenPadsOpset17DynamicHW) {
  auto model = convertIR(kConstantNegative, {"x:1x3x8x8"}, 17, {"x:0=n,2=h,3=w"});
  EXPECT_EQ(opTypes(model), (Ops{"Slice", "Pad"}));
  EXPECT_EQ(outputDims(model), (Dims{-1, 3, -1, -1}));
}

TEST(Pad, ReflectOpset11) {
  auto model = convertIR(padIR({1, 2, 3, 1}, "reflect"), {"x:1x3x8x8"}, 11);
  EXPECT_EQ(opTypes(model), (Ops{"Pad"}));
  const auto& pad = firstNode(model, "Pad");
  EXPECT_EQ(stringAttr(pad, "mode"), "reflect");
  EXPECT_EQ(pad.input_size(), 2);
  EXPECT_EQ(outputDims(model), (Dims{1, 3, 12, 11}));
}

TEST(Pad, ReflectOpset17) {
  auto model = convertIR(padIR({1, 2, 3, 1}, "reflect"), {"x:1x3x8x8"}, 17);
  EXPECT_EQ(stringAttr(firstNode(model, "Pad"), "mode"), "reflect");
  EXPECT_EQ(outputDims(model), (Dims{1, 3, 12, 11}));
}

TEST(Pad, ReplicateBecomesEdgeOpset11) {
  auto model = convertIR(padIR({2, 0}, "replicate"), {"x:2x4x6"}, 11);
  EXPECT_EQ(stringAttr(firstNode(model, "Pad"), "mode"), "edge");
  EXPECT_EQ(outputDims(model), (Dims{2, 4, 8}));
}

TEST(Pad, ReplicateNegativeOpset17) {
  auto model = convertIR(padIR({-1, 2}, "replicate"), {"x:2x4x6"}, 17);
  EXPECT_EQ(opTypes(model), (Ops{"Slice", "Pad"}));
  EXPECT_EQ(stringAttr(firstNode(model, "Pad"), "mode"), "edge");
  EXPECT_EQ(outputDims(model), (Dims{2, 4, 7}));
}

TEST(Pad, CircularOpset11) {
  auto model = convertIR(padIR({1, 2, 3, 0}, "circular"), {"x:1x3x8x8"}, 11);
  EXPECT_EQ(countOps(model, "Pad"), 0);
  EXPECT_EQ(countOps(model, "Slice"), 3);
  EXPECT_EQ(countOps(model, "Concat"), 2);
  EXPECT_EQ(outputDims(model), (Dims{1, 3, 11, 11}));
}

// PyTorch's circular mode pads every spatial dim of a 3-d/4-d/5-d input: here the one of a 3-d input.
TEST(Pad, CircularNegativeOpset17DynamicLength) {
  auto model = convertIR(padIR({2, -1}, "circular"), {"x:1x3x8"}, 17, {"x:2=l"});
  EXPECT_EQ(opTypes(model), (Ops{"Slice", "Slice", "Concat"}));
  EXPECT_EQ(outputDims(model), (Dims{1, 3, -1}));
}

// F.pad(x, (0, W)) with W on a dynamic axis: the amounts are computed in the graph.
const char* kDynamicAmount = R"IR(
graph(%x : Tensor):
  %0 : int = prim::Constant[value=0]()
  %3 : int = prim::Constant[value=3]()
  %w : int = aten::size(%x, %3)
  %pad : int[] = prim::ListConstruct(%0, %w)
  %mode : str = prim::Constant[value="constant"]()
  %value : NoneType = prim::Constant()
  %y : Tensor = aten::pad(%x, %pad, %mode, %value)
  return (%y))IR";

TEST(Pad, DynamicAmountOpset11) {
  auto model = convertIR(kDynamicAmount, {"x:1x3x4x5"}, 11, {"x:3=w"});
  EXPECT_EQ(countOps(model, "Gather"), 2);  // the size query and the reorder
  EXPECT_EQ(countOps(model, "Pad"), 1);
  EXPECT_EQ(outputDims(model), (Dims{1, 3, 4, -1}));
}

TEST(Pad, DynamicAmountOpset17) {
  auto model = convertIR(kDynamicAmount, {"x:1x3x4x5"}, 17, {"x:3=w"});
  EXPECT_EQ(countOps(model, "Pad"), 1);
  EXPECT_EQ(outputDims(model), (Dims{1, 3, 4, -1}));
}

// Circular padding by W // 3 on both sides of the last dim (and 0 on the one before), W dynamic:
// the wrapped slices start at a computed offset.
const char* kDynamicCircular = R"IR(
graph(%x : Tensor):
  %0 : int = prim::Constant[value=0]()
  %3 : int = prim::Constant[value=3]()
  %w : int = aten::size(%x, %3)
  %p : int = aten::floordiv(%w, %3)
  %pad : int[] = prim::ListConstruct(%p, %p, %0, %0)
  %mode : str = prim::Constant[value="circular"]()
  %value : NoneType = prim::Constant()
  %y : Tensor = aten::pad(%x, %pad, %mode, %value)
  return (%y))IR";

TEST(Pad, CircularDynamicAmountOpset11) {
  auto model = convertIR(kDynamicCircular, {"x:1x3x4x6"}, 11, {"x:3=w"});
  EXPECT_EQ(countOps(model, "Pad"), 0);
  EXPECT_EQ(countOps(model, "Concat"), 4);  // the pad list and its extension, then two dims wrapped
  EXPECT_EQ(outputDims(model), (Dims{1, 3, 4, -1}));
}

TEST(Pad, CircularDynamicAmountOpset17) {
  auto model = convertIR(kDynamicCircular, {"x:1x3x4x6"}, 17, {"x:3=w"});
  EXPECT_EQ(countOps(model, "Pad"), 0);
  EXPECT_EQ(outputDims(model), (Dims{1, 3, 4, -1}));
}

const char* kConstantPadNdInt = R"IR(
graph(%x : Tensor):
  %p0 : int = prim::Constant[value=1]()
  %p1 : int = prim::Constant[value=1]()
  %pad : int[] = prim::ListConstruct(%p0, %p1)
  %value : int = prim::Constant[value=7]()
  %y : Tensor = aten::constant_pad_nd(%x, %pad, %value)
  return (%y))IR";

TEST(Pad, ConstantPadNdInt64Opset11) {
  auto model = convertIR(kConstantPadNdInt, {"x:2x3:int64"}, 11);
  EXPECT_EQ(opTypes(model), (Ops{"Pad"}));
  EXPECT_EQ(model.graph().output(0).type().tensor_type().elem_type(), onnx::TensorProto::INT64);
  EXPECT_EQ(outputDims(model), (Dims{2, 5}));
}

TEST(Pad, ConstantPadNdInt64Opset17) {
  auto model = convertIR(kConstantPadNdInt, {"x:2x3:int64"}, 17);
  EXPECT_EQ(opTypes(model), (Ops{"Pad"}));
  EXPECT_EQ(outputDims(model), (Dims{2, 5}));
}

// Pad-11 has no bool: the pad goes through uint8.
TEST(Pad, ConstantPadNdBoolOpset11ViaUint8) {
  auto model = convertIR(kConstantPadNdInt, {"x:2x3:bool"}, 11);
  EXPECT_EQ(opTypes(model), (Ops{"Cast", "Pad", "Cast"}));
  EXPECT_EQ(model.graph().output(0).type().tensor_type().elem_type(), onnx::TensorProto::BOOL);
}

TEST(Pad, ConstantPadNdBoolOpset17) {
  auto model = convertIR(kConstantPadNdInt, {"x:2x3:bool"}, 17);
  EXPECT_EQ(opTypes(model), (Ops{"Pad"}));
}

// aten::<op>(x, [1, 2] * pairs): the fixed-mode pad ops.
std::string fixedModeIR(const std::string& op, int pairs) {
  std::string ir = "graph(%x : Tensor):\n";
  ir += "  %one : int = prim::Constant[value=1]()\n";
  ir += "  %two : int = prim::Constant[value=2]()\n";
  std::string names;
  for (int i = 0; i < pairs; ++i) names += i ? ", %one, %two" : "%one, %two";
  ir += "  %pad : int[] = prim::ListConstruct(" + names + ")\n";
  ir += "  %y : Tensor = aten::" + op + "(%x, %pad)\n";
  return ir + "  return (%y)";
}

TEST(Pad, ReflectionPad1dOpset11) {
  auto model = convertIR(fixedModeIR("reflection_pad1d", 1), {"x:2x3x8"}, 11);
  EXPECT_EQ(stringAttr(firstNode(model, "Pad"), "mode"), "reflect");
  EXPECT_EQ(outputDims(model), (Dims{2, 3, 11}));
}

TEST(Pad, ReflectionPad2dOpset17) {
  auto model = convertIR(fixedModeIR("reflection_pad2d", 2), {"x:2x3x8x8"}, 17);
  EXPECT_EQ(stringAttr(firstNode(model, "Pad"), "mode"), "reflect");
  EXPECT_EQ(outputDims(model), (Dims{2, 3, 11, 11}));
}

TEST(Pad, ReflectionPad3dOpset17) {
  auto model = convertIR(fixedModeIR("reflection_pad3d", 3), {"x:1x2x4x4x4"}, 17);
  EXPECT_EQ(outputDims(model), (Dims{1, 2, 7, 7, 7}));
}

TEST(Pad, ReplicationPad1dOpset17) {
  auto model = convertIR(fixedModeIR("replication_pad1d", 1), {"x:2x3x8"}, 17);
  EXPECT_EQ(stringAttr(firstNode(model, "Pad"), "mode"), "edge");
  EXPECT_EQ(outputDims(model), (Dims{2, 3, 11}));
}

TEST(Pad, ReplicationPad2dOpset11) {
  auto model = convertIR(fixedModeIR("replication_pad2d", 2), {"x:2x3x8x8"}, 11);
  EXPECT_EQ(stringAttr(firstNode(model, "Pad"), "mode"), "edge");
  EXPECT_EQ(outputDims(model), (Dims{2, 3, 11, 11}));
}

TEST(Pad, ReplicationPad3dOpset11) {
  auto model = convertIR(fixedModeIR("replication_pad3d", 3), {"x:1x2x4x4x4"}, 11, {"x:0=n,4=w"});
  EXPECT_EQ(stringAttr(firstNode(model, "Pad"), "mode"), "edge");
  EXPECT_EQ(outputDims(model), (Dims{-1, 2, 7, 7, -1}));
}

}  // namespace
}  // namespace pt2onnx::test
