// Op tests: topk, sort, argsort and nonzero converters at their lowest and highest opsets.
#include <gtest/gtest.h>

#include "op_test_util.h"
#include "pt2onnx/pt2onnx.h"

namespace pt2onnx::test {
namespace {

using Dims = std::vector<int64_t>;
using Ops = std::vector<std::string>;

int64_t intAttr(const onnx::NodeProto& node, const std::string& name) {
  for (const auto& a : node.attribute())
    if (a.name() == name) return a.i();
  throw std::runtime_error("no attribute " + name);
}

// torch.topk(x, 3, dim=1, largest=False)
const char* kTopk = R"IR(
graph(%x : Tensor):
  %k : int = prim::Constant[value=3]()
  %d : int = prim::Constant[value=1]()
  %f : bool = prim::Constant[value=0]()
  %t : bool = prim::Constant[value=1]()
  %v : Tensor, %i : Tensor = aten::topk(%x, %k, %d, %f, %t)
  return (%v, %i))IR";

TEST(Sort, TopkSmallestOpset11) {
  auto model = convertIR(kTopk, {"x:2x5x7"}, 11);
  EXPECT_EQ(opTypes(model), (Ops{"TopK"}));
  EXPECT_EQ(intAttr(firstNode(model, "TopK"), "axis"), 1);
  EXPECT_EQ(intAttr(firstNode(model, "TopK"), "largest"), 0);
  EXPECT_EQ(outputDims(model, 0), (Dims{2, 3, 7}));
  EXPECT_EQ(outputType(model, 1), onnx::TensorProto::INT64);
}

TEST(Sort, TopkSmallestOpset17DynamicBatch) {
  auto model = convertIR(kTopk, {"x:2x5x7"}, 17, {"x:0=batch"});
  EXPECT_EQ(opTypes(model), (Ops{"TopK"}));
  EXPECT_EQ(outputDims(model, 1), (Dims{-1, 3, 7}));
}

// An int8 tensor is sorted as int32 and its values cast back.
TEST(Sort, TopkInt8Opset17CastsBack) {
  auto model = convertIR(kTopk, {"x:2x5x7:int8"}, 17);
  EXPECT_EQ(opTypes(model), (Ops{"Cast", "TopK", "Cast"}));
  EXPECT_EQ(outputType(model, 0), onnx::TensorProto::INT8);
}

// k = x.size(1) // 2 with x's dim 1 dynamic: k is computed and becomes a 1-D tensor.
TEST(Sort, TopkComputedKOpset17) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %1 : int = prim::Constant[value=1]()
  %2 : int = prim::Constant[value=2]()
  %t : bool = prim::Constant[value=1]()
  %n : int = aten::size(%x, %1)
  %k : int = aten::floordiv(%n, %2)
  %v : Tensor, %i : Tensor = aten::topk(%x, %k, %1, %t, %t)
  return (%v))IR",
                         {"x:3x6"}, 17, {"x:1=n"});
  EXPECT_EQ(countOps(model, "TopK"), 1);
  EXPECT_EQ(countOps(model, "Unsqueeze"), 1);
  EXPECT_EQ(outputDims(model), (Dims{3, -1}));
}

const char* kSort = R"IR(
graph(%x : Tensor):
  %d : int = prim::Constant[value=-1]()
  %t : bool = prim::Constant[value=1]()
  %v : Tensor, %i : Tensor = aten::sort(%x, %d, %t)
  return (%v, %i))IR";

TEST(Sort, SortDescendingOpset11) {
  auto model = convertIR(kSort, {"x:2x5x7"}, 11);
  EXPECT_EQ(opTypes(model), (Ops{"TopK"}));
  EXPECT_EQ(intAttr(firstNode(model, "TopK"), "largest"), 1);
  EXPECT_EQ(intAttr(firstNode(model, "TopK"), "axis"), 2);
  EXPECT_EQ(outputDims(model, 0), (Dims{2, 5, 7}));
  EXPECT_EQ(outputDims(model, 1), (Dims{2, 5, 7}));
}

// Sorting along a dynamic axis: k is read from the input's shape.
TEST(Sort, SortDynamicAxisOpset17) {
  auto model = convertIR(kSort, {"x:2x5x7"}, 17, {"x:2=n"});
  EXPECT_EQ(opTypes(model), (Ops{"Shape", "Slice", "TopK"}));
  EXPECT_EQ(outputDims(model, 0), (Dims{2, 5, -1}));
}

// sort.stable orders its arguments (self, stable, dim, descending).
TEST(Sort, SortStableOpset17) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %d : int = prim::Constant[value=0]()
  %f : bool = prim::Constant[value=0]()
  %t : bool = prim::Constant[value=1]()
  %v : Tensor, %i : Tensor = aten::sort(%x, %t, %d, %f)
  return (%i))IR",
                         {"x:6x3"}, 17);
  EXPECT_EQ(opTypes(model), (Ops{"TopK"}));
  EXPECT_EQ(intAttr(firstNode(model, "TopK"), "axis"), 0);
  EXPECT_EQ(intAttr(firstNode(model, "TopK"), "largest"), 0);
}

const char* kArgsort = R"IR(
graph(%x : Tensor):
  %d : int = prim::Constant[value=1]()
  %f : bool = prim::Constant[value=0]()
  %i : Tensor = aten::argsort(%x, %d, %f)
  return (%i))IR";

TEST(Sort, ArgsortOpset11) {
  auto model = convertIR(kArgsort, {"x:2x5x7"}, 11);
  EXPECT_EQ(opTypes(model), (Ops{"TopK"}));
  EXPECT_EQ(outputType(model, 0), onnx::TensorProto::INT64);
}

TEST(Sort, ArgsortBoolOpset17) {
  auto model = convertIR(kArgsort, {"x:2x5x7:bool"}, 17);
  EXPECT_EQ(opTypes(model), (Ops{"Cast", "TopK"}));
  EXPECT_EQ(outputDims(model), (Dims{2, 5, 7}));
}

const char* kNonzero = R"IR(
graph(%x : Tensor):
  %i : Tensor = aten::nonzero(%x)
  return (%i))IR";

TEST(Sort, NonzeroOpset11) {
  auto model = convertIR(kNonzero, {"x:4x5:int64"}, 11);
  EXPECT_EQ(opTypes(model), (Ops{"NonZero", "Transpose"}));
  EXPECT_EQ(outputType(model, 0), onnx::TensorProto::INT64);
  EXPECT_EQ(outputDims(model).back(), 2);
}

// int8 goes through bool, which ONNX Runtime's NonZero takes.
TEST(Sort, NonzeroInt8Opset17) {
  auto model = convertIR(kNonzero, {"x:3x4x5:int8"}, 17);
  EXPECT_EQ(opTypes(model), (Ops{"Cast", "NonZero", "Transpose"}));
  EXPECT_EQ(outputDims(model).back(), 3);
}

// nonzero(as_tuple=True): one row of NonZero per dim.
TEST(Sort, NonzeroNumpyOpset17) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %l : Tensor[] = aten::nonzero_numpy(%x)
  %a : Tensor, %b : Tensor = prim::ListUnpack(%l)
  return (%a, %b))IR",
                         {"x:4x5:bool"}, 17);
  EXPECT_EQ(opTypes(model), (Ops{"NonZero", "Gather", "Gather"}));
  EXPECT_EQ(model.graph().output(1).type().tensor_type().shape().dim_size(), 1);
}

TEST(Sort, NonzeroScalarFails) { EXPECT_THROW(convertIR(kNonzero, {"x:scalar"}, 17), Error); }

const char* kBucketize = R"IR(
graph(%x : Tensor, %b : Tensor):
  %f : bool = prim::Constant[value=0]()
  %right : bool = prim::Constant[value=1]()
  %y : Tensor = aten::bucketize(%x, %b, %f, %right)
  return (%y))IR";

// right=True counts the boundaries <= x as "not b > x", so a NaN lands past the end.
TEST(Sort, BucketizeRightOpset11) {
  auto model = convertIR(kBucketize, {"x:3x4", "b:5"}, 11);
  EXPECT_EQ(countOps(model, "Greater"), 1);
  EXPECT_EQ(countOps(model, "Equal"), 0);
  EXPECT_EQ(outputType(model), onnx::TensorProto::INT64);
  EXPECT_EQ(outputDims(model), (Dims{3, 4}));
}

const char* kBucketizeLeft32 = R"IR(
graph(%x : Tensor, %b : Tensor):
  %t : bool = prim::Constant[value=1]()
  %f : bool = prim::Constant[value=0]()
  %y : Tensor = aten::bucketize(%x, %b, %t, %f)
  return (%y))IR";

TEST(Sort, BucketizeLeftInt32Opset17) {
  auto model = convertIR(kBucketizeLeft32, {"x:3x4:int64", "b:5"}, 17, {"x:0=n"});
  EXPECT_EQ(countOps(model, "Equal"), 1);
  EXPECT_EQ(outputType(model), onnx::TensorProto::INT32);
  EXPECT_EQ(outputDims(model), (Dims{-1, 4}));
}

const char* kUniqueDim = R"IR(
graph(%x : Tensor):
  %d : int = prim::Constant[value=1]()
  %t : bool = prim::Constant[value=1]()
  %y : Tensor, %inv : Tensor, %n : Tensor = aten::unique_dim(%x, %d, %t, %t, %t)
  return (%y, %inv, %n))IR";

TEST(Sort, UniqueDimOpset11) {
  auto model = convertIR(kUniqueDim, {"x:3x8:int64"}, 11);
  ASSERT_EQ(countOps(model, "Unique"), 1);
  EXPECT_EQ(outputType(model, 1), onnx::TensorProto::INT64);
}

// int32 goes through int64, which ONNX Runtime's Unique takes.
TEST(Sort, UniqueDimInt32Opset17) {
  auto model = convertIR(kUniqueDim, {"x:3x8:int32"}, 17);
  EXPECT_EQ(countOps(model, "Cast"), 2);
  EXPECT_EQ(outputType(model, 0), onnx::TensorProto::INT32);
}

const char* kUnique2 = R"IR(
graph(%x : Tensor):
  %sorted : bool = prim::Constant[value=SORTED]()
  %t : bool = prim::Constant[value=1]()
  %y : Tensor, %inv : Tensor, %n : Tensor = aten::_unique2(%x, %sorted, %t, %t)
  return (%y, %inv, %n))IR";

std::string unique2(bool sorted) {
  std::string ir = kUnique2;
  ir.replace(ir.find("SORTED"), 6, sorted ? "1" : "0");
  return ir;
}

// The inverse takes the input's shape.
TEST(Sort, UniqueSortedOpset11) {
  auto model = convertIR(unique2(true), {"x:3x4:int64"}, 11);
  EXPECT_EQ(outputDims(model, 1), (Dims{3, 4}));
}

TEST(Sort, UniqueSortedOpset17) {
  auto model = convertIR(unique2(true), {"x:3x4"}, 17);
  EXPECT_EQ(outputType(model, 0), onnx::TensorProto::FLOAT);
}

// Unsorted, PyTorch's order comes from its hash table.
TEST(Sort, UniqueUnsortedIsRefused) { EXPECT_THROW(convertIR(unique2(false), {"x:3x4"}, 17), std::exception); }

}  // namespace
}  // namespace pt2onnx::test
