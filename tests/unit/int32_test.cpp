// Unit tests: --int32 on hand-built ONNX graphs (shape arithmetic between INT64-only parameters,
// the model's INT64 inputs and outputs, constants that do not fit, INT64-only producers, opset 11).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <limits>
#include <string>
#include <vector>

#include "graph_builder.h"
#include "io/tensor_file.h"
#include "optimize/optimize.h"

namespace pt2onnx {
namespace {

using test::GraphBuilder;

constexpr int kInt32 = onnx::TensorProto_DataType_INT32;
constexpr int kInt64 = onnx::TensorProto_DataType_INT64;

const onnx::NodeProto* find(const onnx::ModelProto& m, const std::string& op, int nth = 0) {
  for (const auto& n : m.graph().node())
    if (n.op_type() == op && nth-- == 0) return &n;
  return nullptr;
}

int castTo(const onnx::NodeProto& cast) { return static_cast<int>(cast.attribute(0).i()); }

int initializerType(GraphBuilder& b, const std::string& name) {
  const auto* init = b.initializer(name);
  return init ? init->data_type() : -1;
}

size_t stays(const Int32Report& r, const std::string& why) {
  auto it = r.stay_int64.find(why);
  return it == r.stay_int64.end() ? 0 : it->second;
}

// y = Reshape(x, [batch * 2, -1]) with batch read from Shape(x): the arithmetic goes INT32
// between a Cast after Shape and a Cast before Reshape's shape.
TEST(Int32, ShapeArithmeticBetweenInt64OnlyParameters) {
  GraphBuilder b;
  b.input("x", {"batch", "4", "6"});
  b.ints("i0", {0});
  b.ints("two", {2});
  b.ints("rest", {-1});
  b.node("Shape", {"x"}, {"s"});
  b.node("Gather", {"s", "i0"}, {"d0"});
  b.node("Mul", {"d0", "two"}, {"d"});
  GraphBuilder::attr(b.node("Concat", {"d", "rest"}, {"target"}), "axis", 0);
  b.node("Reshape", {"x", "target"}, {"y"});
  b.output("y", {"batch2", "12"});
  const Int32Report r = b.int32();
  EXPECT_EQ(b.ops(), (std::vector<std::string>{"Shape", "Cast", "Gather", "Mul", "Concat", "Cast", "Reshape"}));
  const auto& m = b.model();
  EXPECT_EQ(castTo(*find(m, "Cast", 0)), kInt32);
  EXPECT_EQ(castTo(*find(m, "Cast", 1)), kInt64);
  EXPECT_EQ(find(m, "Gather")->input(0), find(m, "Cast", 0)->output(0));
  EXPECT_EQ(find(m, "Reshape")->input(1), find(m, "Cast", 1)->output(0));
  for (const char* k : {"i0", "two", "rest"}) EXPECT_EQ(b.initializer(k), nullptr) << k;  // INT32 copies only
  EXPECT_EQ(initializerType(b, find(m, "Gather")->input(1)), kInt32);
  EXPECT_EQ(initializerType(b, find(m, "Mul")->input(1)), kInt32);
  EXPECT_EQ(r.values_retyped, 6u);  // d0, d, target and the three constants
  EXPECT_EQ(r.casts_to_int32, 1u);
  EXPECT_EQ(r.casts_to_int64, 1u);
  EXPECT_EQ(stays(r, "Shape.shape"), 1u);
  EXPECT_EQ(stays(r, "Reshape.shape"), 1u);
}

// Token ids in, a count out: the interface keeps INT64, the inside is INT32.
TEST(Int32, ModelInputsAndOutputsKeepTheirTypes) {
  GraphBuilder b;
  b.input("ids", {"batch"}, kInt64);
  b.tensor(torch::randn({10, 4}), "table");
  b.ints("one", {1});
  GraphBuilder::attr(b.node("Gather", {"table", "ids"}, {"emb"}), "axis", 0);
  b.node("Add", {"ids", "one"}, {"next"});
  b.output("emb", {"batch", "4"});
  b.output("next", {"batch"}, kInt64);
  const Int32Report r = b.int32();
  const auto& g = b.model().graph();
  EXPECT_EQ(g.input(0).type().tensor_type().elem_type(), kInt64);
  EXPECT_EQ(g.output(1).type().tensor_type().elem_type(), kInt64);
  EXPECT_EQ(b.ops(), (std::vector<std::string>{"Cast", "Gather", "Add", "Cast"}));
  EXPECT_EQ(g.node(0).input(0), "ids");
  EXPECT_EQ(g.node(1).input(1), g.node(0).output(0));
  EXPECT_EQ(g.node(3).output(0), "next");  // the output's name stays, written by the Cast back
  EXPECT_EQ(castTo(g.node(3)), kInt64);
  EXPECT_EQ(r.casts_to_int32, 1u);
  EXPECT_EQ(r.casts_to_int64, 1u);
  EXPECT_EQ(stays(r, "graph input"), 1u);
  EXPECT_EQ(stays(r, "graph output"), 1u);
}

// Slice's INT64_MAX end means "to the end" at INT32_MAX too; a large constant elsewhere keeps its
// whole group (the Add and its output) INT64, uncast.
TEST(Int32, SliceBoundsClampOtherLargeConstantsStayInt64) {
  GraphBuilder b;
  b.input("x", {"batch", "8"});
  b.input("ids", {"batch"}, kInt64);
  b.ints("starts", {2});
  b.ints("ends", {std::numeric_limits<int64_t>::max()});
  b.ints("axes", {1});
  b.ints("big", {int64_t{1} << 40});
  b.node("Slice", {"x", "starts", "ends", "axes"}, {"y"});
  b.node("Add", {"ids", "big"}, {"s"});
  b.output("y", {"batch", "6"});
  b.output("s", {"batch"}, kInt64);
  const Int32Report r = b.int32();
  EXPECT_EQ(b.ops(), (std::vector<std::string>{"Slice", "Add"}));
  EXPECT_EQ(r.values_retyped, 3u);
  const auto& slice = b.model().graph().node(0);
  EXPECT_EQ(initializerType(b, slice.input(2)), kInt32);
  const at::Tensor ends = readTensorProto(b.initializer(slice.input(2))->SerializeAsString());
  EXPECT_EQ(ends.item<int32_t>(), std::numeric_limits<int32_t>::max());
  EXPECT_EQ(initializerType(b, "big"), kInt64);
  EXPECT_EQ(stays(r, "values outside the INT32 range"), 2u);  // big and s
  EXPECT_EQ(r.casts_to_int32 + r.casts_to_int64, 0u);
}

// ArgMax writes INT64 only; the arithmetic after it and the Cast that ends it change.
TEST(Int32, Int64OnlyProducerGetsOneCast) {
  GraphBuilder b;
  b.input("x", {"batch", "5"});
  b.ints("one", {1});
  GraphBuilder::attr(b.node("ArgMax", {"x"}, {"a"}), "axis", 1);
  b.node("Add", {"a", "one"}, {"a1"});
  b.node("Mul", {"a1", "a"}, {"a2"});
  GraphBuilder::attr(b.node("Cast", {"a2"}, {"y"}), "to", onnx::TensorProto_DataType_FLOAT);
  b.output("y", {"batch", "1"});
  const Int32Report r = b.int32();
  EXPECT_EQ(b.ops(), (std::vector<std::string>{"ArgMax", "Cast", "Add", "Mul", "Cast"}));
  const auto& g = b.model().graph();
  EXPECT_EQ(g.node(2).input(0), g.node(1).output(0));
  EXPECT_EQ(g.node(3).input(1), g.node(1).output(0));  // one Cast for both readers
  EXPECT_EQ(stays(r, "ArgMax.reduced"), 1u);
  EXPECT_EQ(r.casts_to_int64, 0u);
}

// A Cast to INT64 becomes a Cast to INT32 when its readers take INT32; Range takes INT32 too.
TEST(Int32, CastTargetsAndRangeChange) {
  GraphBuilder b(11);
  b.input("n", {}, onnx::TensorProto_DataType_FLOAT);
  b.ints("zero", {0});
  b.ints("step", {1});
  GraphBuilder::attr(b.node("Cast", {"n"}, {"ni"}), "to", kInt64);
  b.node("Squeeze", {"zero"}, {"z"})->add_attribute()->set_name("axes");
  auto* axes = b.model().mutable_graph()->mutable_node(1)->mutable_attribute(0);
  axes->set_type(onnx::AttributeProto::INTS);
  axes->add_ints(0);
  b.node("Squeeze", {"step"}, {"st"})->add_attribute()->CopyFrom(*axes);
  b.node("Range", {"z", "ni", "st"}, {"r"});
  GraphBuilder::attr(b.node("Cast", {"r"}, {"y"}), "to", onnx::TensorProto_DataType_FLOAT);
  b.output("y", {"len"});
  const Int32Report r = b.int32();
  EXPECT_EQ(castTo(b.model().graph().node(0)), kInt32);
  EXPECT_EQ(r.casts_to_int32 + r.casts_to_int64, 0u);
  EXPECT_EQ(r.values_retyped, 6u);  // ni, z, st, r and the two constants
}

}  // namespace
}  // namespace pt2onnx
