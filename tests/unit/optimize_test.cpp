// Unit tests: the optimize stage on hand-built ONNX graphs (constant folding that keeps dynamic
// dims computed, identities, common subexpressions, duplicate initializers, dead nodes, weights
// left in place, determinism).
#include "optimize/optimize.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <initializer_list>
#include <string>
#include <vector>

#include "graph_builder.h"
#include "io/tensor_file.h"
#include "onnx/tensor.h"
#include "onnx/weights.h"
#include "onnx/writer.h"

namespace pt2onnx {
namespace {

using test::GraphBuilder;

std::vector<int64_t> values(const onnx::TensorProto& t) {
  at::Tensor v = readTensorProto(t.SerializeAsString()).to(at::kLong).flatten();
  return {v.data_ptr<int64_t>(), v.data_ptr<int64_t>() + v.numel()};
}

// y = Reshape(x, [dim0, dim1 * dim2]) with the dims read from Shape(x).
void reshapeByShape(GraphBuilder& b, const char* batch) {
  b.ints("i0", {0});
  b.ints("i1", {1});
  b.ints("i2", {2});
  b.ints("axes", {0});
  b.node("Shape", {"x"}, {"s"});
  b.node("Gather", {"s", "i0"}, {"d0"});
  b.node("Gather", {"s", "i1"}, {"d1"});
  b.node("Gather", {"s", "i2"}, {"d2"});
  b.node("Mul", {"d1", "d2"}, {"d12"});
  b.node("Concat", {"d0", "d12"}, {"target"})->add_attribute()->set_name("axis");
  b.model().mutable_graph()->mutable_node()->rbegin()->mutable_attribute(0)->set_type(onnx::AttributeProto::INT);
  b.node("Reshape", {"x", "target"}, {"y"});
  b.output("y", {batch, "12"});
}

TEST(Optimize, DynamicDimStaysComputedStaticDimsFold) {
  GraphBuilder b;
  b.input("x", {"batch", "3", "4"});
  reshapeByShape(b, "batch");
  const OptimizeReport r = b.optimize();
  EXPECT_EQ(r.nodes_before, 7u);
  // Shape, the Gather of the batch dim and the Concat stay; dims 1 and 2 and their product fold.
  EXPECT_EQ(b.ops(), (std::vector<std::string>{"Shape", "Gather", "Concat", "Reshape"}));
  const auto& concat = b.model().graph().node(2);
  ASSERT_EQ(concat.input_size(), 2);
  EXPECT_EQ(b.model().graph().node(1).input(0), "s");
  ASSERT_NE(b.initializer(concat.input(1)), nullptr);
  EXPECT_EQ(values(*b.initializer(concat.input(1))), std::vector<int64_t>{12});
  const auto& out = b.model().graph().output(0).type().tensor_type().shape();
  EXPECT_EQ(out.dim(0).dim_param(), "batch");
}

TEST(Optimize, StaticShapeFoldsWhole) {
  GraphBuilder b;
  b.input("x", {"2", "3", "4"});
  reshapeByShape(b, "2");
  b.optimize();
  EXPECT_EQ(b.ops(), std::vector<std::string>{"Reshape"});
  EXPECT_EQ(values(*b.initializer(b.model().graph().node(0).input(1))), (std::vector<int64_t>{2, 12}));
}

TEST(Optimize, IdentitiesGoButOutputsKeepTheirNames) {
  GraphBuilder b;
  b.input("x", {"batch", "8"});
  b.node("Cast", {"x"}, {"c"})->add_attribute()->set_name("to");
  auto* to = b.model().mutable_graph()->mutable_node(0)->mutable_attribute(0);
  to->set_type(onnx::AttributeProto::INT);
  to->set_i(onnx::TensorProto_DataType_FLOAT);
  auto* tr = b.node("Transpose", {"c"}, {"t"});
  auto* perm = tr->add_attribute();
  perm->set_name("perm");
  perm->set_type(onnx::AttributeProto::INTS);
  perm->add_ints(0);
  perm->add_ints(1);
  b.node("Identity", {"t"}, {"i"});
  b.node("Relu", {"i"}, {"r"});
  b.node("Identity", {"r"}, {"y"});
  b.output("y");
  b.optimize();
  EXPECT_EQ(b.ops(), (std::vector<std::string>{"Relu", "Identity"}));
  EXPECT_EQ(b.model().graph().node(0).input(0), "x");
  EXPECT_EQ(b.model().graph().output(0).name(), "y");
}

TEST(Optimize, UnsqueezeUndoneBySqueeze) {
  GraphBuilder b;
  b.input("x", {"batch", "8"});
  b.ints("axes", {1});
  b.node("Unsqueeze", {"x", "axes"}, {"u"});
  b.node("Squeeze", {"u", "axes"}, {"s"});
  b.node("Relu", {"s"}, {"y"});
  b.output("y");
  b.optimize();
  EXPECT_EQ(b.ops(), std::vector<std::string>{"Relu"});
  EXPECT_EQ(b.model().graph().node(0).input(0), "x");
}

TEST(Optimize, CommonSubexpressionsAndDuplicateInitializersMerge) {
  GraphBuilder b;
  b.input("x", {"batch", "4"});
  b.ints("k1", {3});
  b.ints("k2", {3});  // same bytes under another name
  b.node("Relu", {"x"}, {"r1"});
  b.node("Relu", {"x"}, {"r2"});
  b.node("Cast", {"r1"}, {"c1"})->add_attribute()->set_name("to");
  b.node("Cast", {"r2"}, {"c2"})->add_attribute()->set_name("to");
  for (int i : {2, 3}) {
    auto* a = b.model().mutable_graph()->mutable_node(i)->mutable_attribute(0);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(onnx::TensorProto_DataType_INT64);
  }
  b.node("Add", {"c1", "k1"}, {"a1"});
  b.node("Add", {"c2", "k2"}, {"a2"});
  b.node("Mul", {"a1", "a2"}, {"y"});
  b.output("y");
  b.optimize();
  EXPECT_EQ(b.ops(), (std::vector<std::string>{"Relu", "Cast", "Add", "Mul"}));
  EXPECT_EQ(b.model().graph().initializer_size(), 1);
  const auto& mul = b.model().graph().node(3);
  EXPECT_EQ(mul.input(0), mul.input(1));
}

TEST(Optimize, DeadNodesGoAndRandomOpsAreNotMerged) {
  GraphBuilder b;
  b.input("x", {"batch", "4"});
  b.node("Exp", {"x"}, {"unused"});
  b.node("RandomUniformLike", {"x"}, {"n1"});
  b.node("RandomUniformLike", {"x"}, {"n2"});
  b.node("Add", {"n1", "n2"}, {"y"});
  b.output("y");
  b.optimize();
  EXPECT_EQ(b.ops(), (std::vector<std::string>{"RandomUniformLike", "RandomUniformLike", "Add"}));
}

TEST(Optimize, WeightsAreNeitherFoldedNorCopied) {
  GraphBuilder b;
  b.input("x", {"batch", "64"});
  const at::Tensor w = torch::arange(64 * 64, torch::kFloat32).reshape({64, 64});  // 16 KiB: a placeholder
  b.weight(w, "w");
  b.node("Transpose", {"w"}, {"wt"});
  b.node("MatMul", {"x", "wt"}, {"y"});
  b.output("y");
  b.optimize();
  EXPECT_EQ(b.ops(), (std::vector<std::string>{"Transpose", "MatMul"}));
  ASSERT_NE(b.weights().find("w"), nullptr);
  EXPECT_EQ(b.weights().find("w")->data_ptr(), w.data_ptr());
  EXPECT_EQ(b.initializer("w")->raw_data().size(), 1u);  // still the placeholder
}

TEST(Optimize, SmallConstantsFoldThroughTransposeSliceAndReshape) {
  GraphBuilder b;
  b.input("x", {"batch", "2"});
  toTensorProto(torch::arange(6, torch::kLong).reshape({2, 3}), "c", b.model().mutable_graph()->add_initializer());
  b.ints("starts", {1});
  b.ints("ends", {3});
  b.ints("axes", {0});
  b.ints("idx", {0, 2});
  b.node("Transpose", {"c"}, {"ct"});                         // [[0,3],[1,4],[2,5]]
  b.node("Slice", {"ct", "starts", "ends", "axes"}, {"cs"});  // [[1,4],[2,5]]
  b.node("Reshape", {"cs", "idx"}, {"r"});                    // a Reshape to [0, 2] copies dim 0: [2, 2]
  b.node("Flatten", {"r"}, {"flat"});
  b.node("Shape", {"flat"}, {"fs"});
  b.node("Cast", {"x"}, {"xi"})->add_attribute()->set_name("to");
  auto* to = b.model().mutable_graph()->mutable_node(5)->mutable_attribute(0);
  to->set_type(onnx::AttributeProto::INT);
  to->set_i(onnx::TensorProto_DataType_INT64);
  b.node("Add", {"xi", "fs"}, {"y"});
  b.output("y");
  b.optimize();
  EXPECT_EQ(b.ops(), (std::vector<std::string>{"Cast", "Add"}));
  EXPECT_EQ(values(*b.initializer(b.model().graph().node(1).input(1))), (std::vector<int64_t>{2, 2}));
}

TEST(Optimize, ScatterNDFolds) {
  GraphBuilder b;
  b.input("x", {"batch", "4"}, onnx::TensorProto_DataType_INT64);
  b.ints("data", {0, 0, 0, 0});
  toTensorProto(torch::tensor({1, 3}, torch::kLong).reshape({2, 1}), "idx",
                b.model().mutable_graph()->add_initializer());
  b.ints("upd", {5, 7});
  b.node("ScatterND", {"data", "idx", "upd"}, {"s"});
  b.node("Add", {"x", "s"}, {"y"});
  b.output("y");
  b.optimize();
  EXPECT_EQ(b.ops(), std::vector<std::string>{"Add"});
  EXPECT_EQ(values(*b.initializer(b.model().graph().node(0).input(1))), (std::vector<int64_t>{0, 5, 0, 7}));
}

// Opset 9's range of constant length (Ceil of a double, a cast to int64, NonZero of ones) folds
// to its values; a float-to-integer cast of a value runtimes convert differently (NaN) stays.
TEST(Optimize, RangeOfOnesAndInRangeCastsFoldNaNCastStays) {
  GraphBuilder b;
  b.input("x", {"batch", "4"}, onnx::TensorProto_DataType_INT64);
  b.tensor(torch::tensor({3.5}, torch::kDouble), "len");
  b.tensor(torch::tensor({1.0f}), "one");
  b.tensor(torch::tensor({NAN}), "nan");
  b.node("Ceil", {"len"}, {"c"});
  GraphBuilder::attr(b.node("Cast", {"c"}, {"n"}), "to", onnx::TensorProto::INT64);
  b.node("Expand", {"one", "n"}, {"ones"});
  b.node("NonZero", {"ones"}, {"nz"});
  b.node("Add", {"x", "nz"}, {"y"});
  GraphBuilder::attr(b.node("Cast", {"nan"}, {"bad"}), "to", onnx::TensorProto::INT64);
  b.node("Add", {"x", "bad"}, {"z"});
  b.output("y");
  b.output("z");
  b.optimize();
  EXPECT_EQ(b.ops(), (std::vector<std::string>{"Add", "Cast", "Add"}));
  EXPECT_EQ(values(*b.initializer(b.model().graph().node(0).input(1))), (std::vector<int64_t>{0, 1, 2, 3}));
}

TEST(Optimize, SameModelGivesTheSameBytes) {
  std::string first;
  for (int run = 0; run < 2; ++run) {
    GraphBuilder b;
    b.input("x", {"batch", "3", "4"});
    reshapeByShape(b, "batch");
    b.optimize();
    const std::string bytes = b.model().SerializeAsString();
    if (run == 0) first = bytes;
    EXPECT_EQ(bytes, first);
  }
}

}  // namespace
}  // namespace pt2onnx
