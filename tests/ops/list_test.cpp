// Op tests: lists written at the top level (scripted densenet's feature list, append/insert/pop).
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

namespace pt2onnx::test {
namespace {

// Items of widths 1..5 tell which one a read sees. (insert and reverse return nothing, which IR
// text cannot state; e2e.list_writes covers them.)
const char* kWrites = R"IR(
graph(%a : Tensor, %b : Tensor, %c : Tensor, %d : Tensor, %e : Tensor):
  %m1 : int = prim::Constant[value=-1]()
  %0 : int = prim::Constant[value=0]()
  %1 : int = prim::Constant[value=1]()
  %xs : Tensor[] = prim::ListConstruct(%a, %b)
  %before : Tensor = aten::cat(%xs, %1)
  %r1 : Tensor[] = aten::append(%xs, %c)
  %r2 : Tensor[] = aten::append(%r1, %d)
  %popped : Tensor = aten::pop(%xs, %0)
  %more : Tensor[] = prim::ListConstruct(%e)
  %same : Tensor[] = aten::add_(%xs, %more)
  %set : Tensor[] = aten::_set_item(%same, %m1, %popped)
  %last : Tensor = aten::pop(%xs, %1)
  %first : Tensor = aten::__getitem__(%xs, %0)
  %third : Tensor = aten::__getitem__(%set, %m1)
  %n : int = aten::len(%xs)
  %all : Tensor = aten::cat(%xs, %1)
  return (%before, %popped, %last, %first, %third, %all, %n))IR";

// xs = [a, b] -> append c, d (through the returned alias): [a, b, c, d] -> pop(0) = a: [b, c, d]
// -> += [e]: [b, c, d, e] -> xs[-1] = a: [b, c, d, a] -> pop(1) = c: [b, d, a].
void expectWrites(const onnx::ModelProto& model) {
  EXPECT_EQ(outputDims(model, 0), (std::vector<int64_t>{2, 3}));  // read before the writes: [a, b]
  EXPECT_EQ(outputDims(model, 1), (std::vector<int64_t>{2, 1}));  // a
  EXPECT_EQ(outputDims(model, 2), (std::vector<int64_t>{2, 3}));  // c
  EXPECT_EQ(outputDims(model, 3), (std::vector<int64_t>{2, 2}));  // b
  EXPECT_EQ(outputDims(model, 4), (std::vector<int64_t>{2, 1}));  // a
  EXPECT_EQ(outputDims(model, 5), (std::vector<int64_t>{2, 7}));  // b, d, a
  EXPECT_EQ(countOps(model, "SequenceInsert") + countOps(model, "SequenceErase"), 0);
}

TEST(ListWrites, AppendPopExtendAndAssignOpset11) {
  expectWrites(convertIR(kWrites, {"a:2x1", "b:2x2", "c:2x3", "d:2x4", "e:2x5"}, 11));
}

TEST(ListWrites, AppendPopExtendAndAssignOpset17) {
  expectWrites(convertIR(kWrites, {"a:2x1", "b:2x2", "c:2x3", "d:2x4", "e:2x5"}, 17));
}

// xs[i] = c with i = batch % 2, known at run time only: each item becomes an If on the index, and
// no list write is left for the converters.
const char* kSetAtRuntimeIndex = R"IR(
graph(%a : Tensor, %b : Tensor, %c : Tensor):
  %0 : int = prim::Constant[value=0]()
  %2 : int = prim::Constant[value=2]()
  %n : int = aten::size(%a, %0)
  %i : int = aten::remainder(%n, %2)
  %xs : Tensor[] = prim::ListConstruct(%a, %b)
  %w : Tensor[] = aten::_set_item(%xs, %i, %c)
  %y : Tensor = aten::stack(%xs, %0)
  return (%y))IR";

TEST(ListWrites, SetItemAtRuntimeIndexOpset11) {
  auto model = convertIR(kSetAtRuntimeIndex, {"a:2x3", "b:2x3", "c:2x3"}, 11, {"a:0=batch", "b:0=batch", "c:0=batch"});
  EXPECT_EQ(countOps(model, "If"), 2);
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{2, -1, 3}));
}

TEST(ListWrites, SetItemAtRuntimeIndexOpset17) {
  auto model = convertIR(kSetAtRuntimeIndex, {"a:2x3", "b:2x3", "c:2x3"}, 17, {"a:0=batch", "b:0=batch", "c:0=batch"});
  EXPECT_EQ(countOps(model, "If"), 2);
  EXPECT_EQ(countOps(model, "SequenceInsert"), 0);
}

// A pop past the end raises in the model: the write is not followed, so it has no converter.
TEST(ListWrites, PopOutOfRangeIsRefused) {
  EXPECT_ANY_THROW(convertIR(R"IR(
graph(%a : Tensor):
  %5 : int = prim::Constant[value=5]()
  %xs : Tensor[] = prim::ListConstruct(%a)
  %p : Tensor = aten::pop(%xs, %5)
  return (%p))IR",
                             {"a:2x1"}, 17));
}

}  // namespace
}  // namespace pt2onnx::test
