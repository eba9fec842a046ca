// Op tests: lists written with append at the top level (scripted densenet's feature list).
#include <gtest/gtest.h>

#include "op_test_util.h"

namespace pt2onnx::test {
namespace {

// features = [x]; a = cat(features); features.append(relu(a)); b = cat(features): the second cat
// reads both elements.
const char* kAppendThenRead = R"IR(
graph(%x : Tensor):
  %1 : int = prim::Constant[value=1]()
  %features : Tensor[] = prim::ListConstruct(%x)
  %a : Tensor = aten::cat(%features, %1)
  %r : Tensor = aten::relu(%a)
  %appended : Tensor[] = aten::append(%features, %r)
  %b : Tensor = aten::cat(%features, %1)
  return (%b))IR";

TEST(ListAppend, ReadsAfterTheAppendSeeItOpset11) {
  auto model = convertIR(kAppendThenRead, {"x:2x3"}, 11);
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{2, 6}));
}

TEST(ListAppend, ReadsAfterTheAppendSeeItOpset17) {
  auto model = convertIR(kAppendThenRead, {"x:2x3"}, 17, {"x:0=batch"});
  EXPECT_EQ(countOps(model, "Concat"), 1);
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{-1, 6}));
}

}  // namespace
}  // namespace pt2onnx::test

namespace pt2onnx::test {
namespace {

// H, W, C = x.shape[-3:] on a dynamic batch: the int list is sliced as a 1-D tensor.
TEST(ListSlice, IntListTailOpset11) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %m3 : int = prim::Constant[value=-3]()
  %none : NoneType = prim::Constant()
  %1 : int = prim::Constant[value=1]()
  %shape : int[] = aten::size(%x)
  %tail : int[] = aten::slice(%shape, %m3, %none, %1)
  %h : int, %w : int, %c : int = prim::ListUnpack(%tail)
  %hw : int = aten::mul(%h, %w)
  %y : Tensor = aten::mul(%x, %hw)
  return (%y))IR",
                         {"x:2x3x4x5"}, 11, {"x:0=batch"});
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{-1, 3, 4, 5}));
}

TEST(ListSlice, TensorListConstantBoundsOpset17) {
  auto model = convertIR(R"IR(
graph(%a : Tensor, %b : Tensor, %c : Tensor):
  %1 : int = prim::Constant[value=1]()
  %none : NoneType = prim::Constant()
  %list : Tensor[] = prim::ListConstruct(%a, %b, %c)
  %rest : Tensor[] = aten::slice(%list, %1, %none, %1)
  %y : Tensor = aten::cat(%rest, %1)
  return (%y))IR",
                         {"a:2x3", "b:2x4", "c:2x5"}, 17);
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{2, 9}));
}

}  // namespace
}  // namespace pt2onnx::test
