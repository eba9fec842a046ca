// Op tests: topk, sort, argsort and nonzero converters at their lowest and highest opsets.
#include <gtest/gtest.h>

#include "op_test_util.h"
#include "pt2onnx/pt2onnx.h"

namespace pt2onnx::test {
namespace {

using Dims = std::vector<int64_t>;
using Ops = std::vector<std::string>;

const onnx::NodeProto& firstNode(const onnx::ModelProto& model, const std::string& op_type) {
  for (const auto& n : model.graph().node())
    if (n.op_type() == op_type) return n;
  throw std::runtime_error("no " + op_type + " node");
}

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

}  // namespace
}  // namespace pt2onnx::test
