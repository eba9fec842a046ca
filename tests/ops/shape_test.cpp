// Op tests: shape converters (shape.cpp) where fixed and dynamic sizes decide differently.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace pt2onnx::test
