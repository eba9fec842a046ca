// Op tests: shape converters (shape.cpp) where fixed and dynamic sizes decide differently.
#include <gtest/gtest.h>

#include "compat.h"
#include "op_test_util.h"

namespace pt2onnx::test {
namespace {

using Dims = std::vector<int64_t>;
using Ops = std::vector<std::string>;

const char* kSqueezeDim = R"IR(
graph(%x : Tensor):
  %d : int = prim::Constant[value=1]()
  %y : Tensor = aten::squeeze(%x, %d)
  return (%y))IR";

const char* kSqueezeAll = R"IR(
graph(%x : Tensor):
  %y : Tensor = aten::squeeze(%x)
  return (%y))IR";

// Opset 11 takes Squeeze's axes as an attribute, opset 13 as an input.
TEST(Shape, SqueezeFixedOneOpset11) {
  auto model = convertIR(kSqueezeDim, {"x:2x1x4"}, 11);
  EXPECT_EQ(opTypes(model), (Ops{"Squeeze"}));
  EXPECT_EQ(model.graph().node(0).input_size(), 1);
  EXPECT_EQ(outputDims(model), (Dims{2, 4}));
}

TEST(Shape, SqueezeFixedOneOpset13) {
  auto model = convertIR(kSqueezeDim, {"x:2x1x4"}, 13);
  EXPECT_EQ(opTypes(model), (Ops{"Squeeze"}));
  EXPECT_EQ(model.graph().node(0).input_size(), 2);
}

TEST(Shape, SqueezeFixedNotOneIsNoOp) {
  auto model = convertIR(kSqueezeDim, {"x:2x3x4"}, 17);
  EXPECT_EQ(countOps(model, "Squeeze"), 0);
  EXPECT_EQ(outputDims(model), (Dims{2, 3, 4}));
}

// A dim that follows a dynamic axis is removed only when it is 1 at run time: an If chooses
// between Squeeze and Identity.
TEST(Shape, SqueezeDynamicDimIsIfOpset11) {
  auto model = convertIR(kSqueezeDim, {"x:2x1x4"}, 11, {"x:1"});
  EXPECT_EQ(countOps(model, "If"), 1);
  EXPECT_EQ(countOps(model, "Squeeze"), 0);  // inside the branch
  EXPECT_EQ(countOps(model, "Equal"), 1);
}

TEST(Shape, SqueezeDynamicDimIsIfOpset17) {
  auto model = convertIR(kSqueezeDim, {"x:2x3x4"}, 17, {"x:1"});
  EXPECT_EQ(countOps(model, "If"), 1);
  const auto& then_branch = model.graph().node(model.graph().node_size() - 1).attribute(0).g();
  ASSERT_EQ(then_branch.node_size(), 1);
  EXPECT_EQ(then_branch.node(0).op_type(), "Squeeze");
}

// squeeze() with dynamic dims: ONNX Squeeze without axes removes exactly the dims of size 1.
TEST(Shape, SqueezeAllWithDynamicDimsHasNoAxesOpset11) {
  auto model = convertIR(kSqueezeAll, {"x:2x1x4"}, 11, {"x:0,1,2"});
  if (!compat::kOnnxInfersSqueeze11WithoutAxes) {  // ONNX 1.17: one If per dynamic dim instead
    EXPECT_EQ(countOps(model, "If"), 3);
    return;
  }
  EXPECT_EQ(opTypes(model), (Ops{"Squeeze"}));
  EXPECT_EQ(model.graph().node(0).attribute_size(), 0);
}

TEST(Shape, SqueezeAllWithDynamicDimsHasNoAxesOpset17) {
  auto model = convertIR(kSqueezeAll, {"x:2x1x4"}, 17, {"x:0,1,2"});
  EXPECT_EQ(opTypes(model), (Ops{"Squeeze"}));
  EXPECT_EQ(model.graph().node(0).input_size(), 1);
}

TEST(Shape, SqueezeAllFixedRemovesOnes) {
  auto model = convertIR(kSqueezeAll, {"x:1x3x1"}, 17);
  EXPECT_EQ(opTypes(model), (Ops{"Squeeze"}));
  EXPECT_EQ(outputDims(model), (Dims{3}));
}

// graph(%x) -> KIND(%x, ARG, dim=0) unpacked into `parts` outputs.
std::string splitIR(const std::string& kind, const std::string& arg_type, const std::string& arg, int parts) {
  std::string ir = "graph(%x : Tensor):\n  %a : " + arg_type + " = prim::Constant[value=" + arg + "]()\n";
  ir += "  %d : int = prim::Constant[value=0]()\n  %l : Tensor[] = " + kind + "(%x, %a, %d)\n  ";
  std::string outs;
  for (int i = 0; i < parts; ++i) outs += (i ? ", %p" : "%p") + std::to_string(i);
  for (int i = 0; i < parts; ++i) ir += (i ? ", %p" : "%p") + std::to_string(i) + " : Tensor";
  return ir + " = prim::ListUnpack(%l)\n  return (" + outs + ")";
}

// A split size that does not divide the dim leaves a smaller last part; opset 13 moved Split's
// sizes from an attribute to an input.
TEST(Shape, SplitUnevenOpset11) {
  auto model = convertIR(splitIR("aten::split", "int", "2", 3), {"x:5x2"}, 11);
  EXPECT_EQ(opTypes(model), (Ops{"Split"}));
  EXPECT_EQ(model.graph().node(0).input_size(), 1);
  EXPECT_EQ(outputDims(model, 2), (Dims{1, 2}));
}

TEST(Shape, SplitUnevenOpset13) {
  auto model = convertIR(splitIR("aten::split", "int", "2", 3), {"x:5x2"}, 13);
  EXPECT_EQ(opTypes(model), (Ops{"Split"}));
  EXPECT_EQ(model.graph().node(0).input_size(), 2);
  EXPECT_EQ(outputDims(model, 2), (Dims{1, 2}));
}

TEST(Shape, UnsafeSplitWithSizes) {
  auto model = convertIR(splitIR("aten::unsafe_split_with_sizes", "int[]", "[1, 4]", 2), {"x:5x2"}, 17);
  EXPECT_EQ(opTypes(model), (Ops{"Split"}));
  EXPECT_EQ(outputDims(model, 1), (Dims{4, 2}));
}

// split_with_sizes by sizes known only at run time (another input's dynamic dims).
const char* kSplitComputed = R"IR(
graph(%x : Tensor, %y : Tensor):
  %one : int = prim::Constant[value=1]()
  %n : int = aten::size(%y, %one)
  %m : int = aten::size(%x, %one)
  %r : int = aten::sub(%m, %n)
  %s : int[] = prim::ListConstruct(%n, %r)
  %l : Tensor[] = aten::split_with_sizes(%x, %s, %one)
  %a : Tensor, %b : Tensor = prim::ListUnpack(%l)
  return (%a, %b))IR";

TEST(Shape, SplitComputedSizesOpset11Slices) {
  auto model = convertIR(kSplitComputed, {"x:2x5", "y:2x3"}, 11, {"x:1", "y:1"});
  EXPECT_EQ(countOps(model, "Split"), 0);
  EXPECT_EQ(countOps(model, "CumSum"), 1);
}

TEST(Shape, SplitComputedSizesOpset13Split) {
  auto model = convertIR(kSplitComputed, {"x:2x5", "y:2x3"}, 13, {"x:1", "y:1"});
  EXPECT_EQ(countOps(model, "Split"), 1);
}

// split by a size computed at run time (a third of a dynamic dim), the parts unpacked into three.
const char* kSplitRuntimeSize = R"IR(
graph(%x : Tensor):
  %one : int = prim::Constant[value=1]()
  %three : int = prim::Constant[value=3]()
  %n : int = aten::size(%x, %one)
  %s : int = aten::floordiv(%n, %three)
  %l : Tensor[] = aten::split(%x, %s, %one)
  %a : Tensor, %b : Tensor, %c : Tensor = prim::ListUnpack(%l)
  return (%a, %b, %c))IR";

TEST(Shape, SplitRuntimeSizeSlicesOpset11) {
  auto model = convertIR(kSplitRuntimeSize, {"x:2x6"}, 11, {"x:1"});
  EXPECT_EQ(countOps(model, "Slice"), 3);
  EXPECT_EQ(countOps(model, "Split"), 0);
}

TEST(Shape, SplitRuntimeSizeSlicesOpset17) {
  auto model = convertIR(kSplitRuntimeSize, {"x:2x9"}, 17, {"x:1"});
  EXPECT_EQ(countOps(model, "Slice"), 3);
}

// Without a fixed number of unpacked parts, the parts are a sequence of run-time length.
TEST(Shape, SplitRuntimeSizeNotUnpackedIsASequence) {
  const char* ir = R"IR(
graph(%x : Tensor):
  %one : int = prim::Constant[value=1]()
  %three : int = prim::Constant[value=3]()
  %n : int = aten::size(%x, %one)
  %s : int = aten::floordiv(%n, %three)
  %l : Tensor[] = aten::split(%x, %s, %one)
  %c : Tensor = aten::cat(%l, %one)
  return (%c))IR";
  auto model = convertIR(ir, {"x:2x6"}, 17, {"x:1"});
  EXPECT_EQ(countOps(model, "SplitToSequence"), 1);
  EXPECT_EQ(countOps(model, "ConcatFromSequence"), 1);
}

// tensor_split: one Slice per part, with slicing's rules.
TEST(Shape, TensorSplitIndicesOpset11) {
  auto model = convertIR(splitIR("aten::tensor_split", "int[]", "[1, 3]", 3), {"x:5x2"}, 11);
  EXPECT_EQ(countOps(model, "Slice"), 3);
  EXPECT_EQ(outputDims(model, 0), (Dims{1, 2}));
  EXPECT_EQ(outputDims(model, 1), (Dims{2, 2}));
  EXPECT_EQ(outputDims(model, 2), (Dims{2, 2}));
}

TEST(Shape, TensorSplitIndicesPastTheEndAreEmptyOpset17) {
  auto model = convertIR(splitIR("aten::tensor_split", "int[]", "[4, 9]", 3), {"x:5x2"}, 17);
  EXPECT_EQ(outputDims(model, 1), (Dims{1, 2}));
  EXPECT_EQ(outputDims(model, 2), (Dims{0, 2}));
}

TEST(Shape, TensorSplitSectionsUneven) {
  auto model = convertIR(splitIR("aten::tensor_split", "int", "3", 3), {"x:5"}, 17);
  EXPECT_EQ(outputDims(model, 0), (Dims{2}));
  EXPECT_EQ(outputDims(model, 2), (Dims{1}));
}

TEST(Shape, TensorSplitMoreSectionsThanElementsGivesEmptyLastPart) {
  auto model = convertIR(splitIR("aten::tensor_split", "int", "3", 3), {"x:2"}, 11);
  EXPECT_EQ(outputDims(model, 1), (Dims{1}));
  EXPECT_EQ(outputDims(model, 2), (Dims{0}));
}

TEST(Shape, TensorSplitSectionsOfDynamicDim) {
  auto model = convertIR(splitIR("aten::tensor_split", "int", "4", 4), {"x:6x2"}, 13, {"x:0"});
  EXPECT_EQ(countOps(model, "Slice"), 4);
  EXPECT_EQ(countOps(model, "Mod"), 1);
}

// A chunk count that holds in every recorded run (4 and its resized size both give 2 chunks)
// is kept, each chunk sliced from the run-time size.
TEST(Shape, ChunkOfDynamicDimKeepsCount) {
  auto model = convertIR(splitIR("aten::chunk", "int", "2", 2), {"x:4x3"}, 17, {"x:0"});
  EXPECT_EQ(countOps(model, "Slice"), 2);
  EXPECT_EQ(outputDims(model, 1), (Dims{-1, 3}));
}

// A list returned as it is: each computed Slice gets its input's rank on the graph output (shape
// inference leaves it out, and the checker wants one).
TEST(Shape, ChunkOfDynamicDimReturnedAsListOpset11) {
  const char* ir = R"IR(
graph(%x : Tensor):
  %2 : int = prim::Constant[value=2]()
  %0 : int = prim::Constant[value=0]()
  %parts : Tensor[] = aten::chunk(%x, %2, %0)
  return (%parts))IR";
  auto model = convertIR(ir, {"x:4x3"}, 11, {"x:0"});
  ASSERT_EQ(model.graph().output_size(), 2);
  EXPECT_EQ(outputDims(model, 1).size(), 2u);
}

// A number of chunks computed at run time gives a sequence: chunks of ceil(size / chunks).
TEST(Shape, ChunkCountFromDynamicSizeIsASequence) {
  const char* ir = R"IR(
graph(%x : Tensor):
  %0 : int = prim::Constant[value=0]()
  %n : int = aten::size(%x, %0)
  %parts : Tensor[] = aten::chunk(%x, %n, %0)
  %y : Tensor = aten::cat(%parts, %0)
  return (%y))IR";
  auto model = convertIR(ir, {"x:4x3"}, 17, {"x:0"});
  EXPECT_EQ(countOps(model, "SplitToSequence"), 1);
}

// A split whose part count follows a dynamic axis is not written with the example's count: 3
// chunks of 4 are 2 parts of 2, of a larger size 3 parts (cat takes any count, so the resized run
// records it). The parts are a sequence.
TEST(Shape, ChunkOfDynamicDimIsASequence) {
  const char* ir = R"IR(
graph(%x : Tensor):
  %3 : int = prim::Constant[value=3]()
  %0 : int = prim::Constant[value=0]()
  %parts : Tensor[] = aten::chunk(%x, %3, %0)
  %y : Tensor = aten::cat(%parts, %0)
  return (%y))IR";
  auto model = convertIR(ir, {"x:4x3"}, 11, {"x:0"});
  EXPECT_EQ(countOps(model, "SplitToSequence"), 1);
  EXPECT_EQ(countOps(model, "Slice"), 0);
}

const char* kChunk3 = R"IR(
graph(%x : Tensor):
  %3 : int = prim::Constant[value=3]()
  %1 : int = prim::Constant[value=1]()
  %parts : Tensor[] = aten::chunk(%x, %3, %1)
  %a : Tensor, %b : Tensor, %c : Tensor = prim::ListUnpack(%parts)
  return (%a, %b, %c))IR";

// A dynamic dim split into 3 chunks in every recorded run: one Slice per chunk of ceil(n / 3).
TEST(Shape, ChunkDynamicDimOpset11) {
  auto model = convertIR(kChunk3, {"x:2x10"}, 11, {"x:1=n"});
  EXPECT_EQ(countOps(model, "Slice"), 3);
  EXPECT_EQ(countOps(model, "Split"), 0);
}

TEST(Shape, ChunkDynamicDimOpset17) {
  auto model = convertIR(kChunk3, {"x:2x10"}, 17, {"x:0=b,1=n"});
  EXPECT_EQ(outputDims(model, 2), (Dims{-1, -1}));
}

// expand to a size read from a tensor at run time: a -1 there keeps the dim, so it becomes 1 for
// Expand's broadcast.
const char* kExpandComputed = R"IR(
graph(%x : Tensor, %n : Tensor):
  %f : bool = prim::Constant[value=0]()
  %s : int = aten::IntImplicit(%n)
  %sizes : int[] = prim::ListConstruct(%s)
  %y : Tensor = aten::expand(%x, %sizes, %f)
  return (%y))IR";

TEST(Shape, ExpandComputedSizeMayBeMinusOneOpset11) {
  auto model = convertIR(kExpandComputed, {"x:1", "n:scalar:int64"}, 11);
  EXPECT_EQ(countOps(model, "Where"), 1);
  EXPECT_EQ(countOps(model, "Expand"), 1);
}

TEST(Shape, ExpandComputedSizeMayBeMinusOneOpset17) {
  auto model = convertIR(kExpandComputed, {"x:1", "n:scalar:int64"}, 17);
  EXPECT_EQ(countOps(model, "Where"), 1);
}

const char* kRollNegativeDynamic = R"IR(
graph(%x : Tensor):
  %s : int = prim::Constant[value=-2]()
  %d : int = prim::Constant[value=0]()
  %ss : int[] = prim::ListConstruct(%s)
  %ds : int[] = prim::ListConstruct(%d)
  %y : Tensor = aten::roll(%x, %ss, %ds)
  return (%y))IR";

// A negative shift on a dynamic dim: the cut is size - (shift mod size), computed in the graph.
TEST(Shape, RollNegativeShiftOnDynamicDimOpset11) {
  auto model = convertIR(kRollNegativeDynamic, {"x:4x3"}, 11, {"x:0=n"});
  EXPECT_EQ(countOps(model, "Mod"), 1);
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{-1, 3}));
}

TEST(Shape, RollNegativeShiftOnDynamicDimOpset17) {
  auto model = convertIR(kRollNegativeDynamic, {"x:4x3"}, 17, {"x:0=n"});
  EXPECT_EQ(countOps(model, "Mod"), 1);
}

}  // namespace
}  // namespace pt2onnx::test
