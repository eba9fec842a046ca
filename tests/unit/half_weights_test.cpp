// Unit tests: a float16 model's widened weights stored back in 16 bits (storeHalfWeights), only
// where that is exact, each behind a Cast to FLOAT that keeps the original name.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "graph_builder.h"

namespace pt2onnx::test {
namespace {

// y = ((x + a) + b) + c with three 64x64 float weights: `a` holds float16 values, `b` bfloat16
// values outside float16's range, `c` a value neither holds (1 + 2^-20).
GraphBuilder threeWeights(int opset) {
  GraphBuilder g(opset);
  g.input("x", {"64", "64"});
  g.weight(torch::randn({64, 64}).to(torch::kHalf).to(torch::kFloat), "a");
  g.weight(torch::full({64, 64}, 1e30).to(torch::kBFloat16).to(torch::kFloat), "b");
  g.weight(torch::full({64, 64}, 1.0 + std::ldexp(1.0, -20)), "c");
  g.node("Add", {"x", "a"}, {"xa"});
  g.node("Add", {"xa", "b"}, {"xab"});
  g.node("Add", {"xab", "c"}, {"y"});
  g.output("y", {"64", "64"});
  return g;
}

const onnx::NodeProto* producer(const onnx::ModelProto& model, const std::string& name) {
  for (const auto& n : model.graph().node())
    for (const auto& out : n.output())
      if (out == name) return &n;
  return nullptr;
}

TEST(HalfWeights, ExactValuesAreStoredIn16BitsBehindACast) {
  GraphBuilder g = threeWeights(17);
  const at::Tensor a = g.weights().find("a")->clone(), b = g.weights().find("b")->clone();
  HalfWeightsReport r = storeHalfWeights(g.model(), g.weights());
  EXPECT_EQ(r.float16, 1u);
  EXPECT_EQ(r.bfloat16, 1u);
  EXPECT_EQ(r.kept_float32, 1u);
  EXPECT_EQ(r.bytes_saved, 2u * 2 * 64 * 64);
  // The graph reads a and b through Casts at its top; c is the float32 initializer it was.
  ASSERT_EQ(g.ops(), (std::vector<std::string>{"Cast", "Cast", "Add", "Add", "Add"}));
  for (const char* name : {"a", "b"}) {
    const onnx::NodeProto* cast = producer(g.model(), name);
    ASSERT_NE(cast, nullptr) << name;
    EXPECT_EQ(cast->attribute(0).i(), onnx::TensorProto::FLOAT);
    EXPECT_EQ(g.initializer(name), nullptr);
  }
  const at::Tensor* a16 = g.weights().find(producer(g.model(), "a")->input(0));
  const at::Tensor* b16 = g.weights().find(producer(g.model(), "b")->input(0));
  ASSERT_TRUE(a16 && b16);
  EXPECT_EQ(a16->scalar_type(), at::kHalf);
  EXPECT_EQ(b16->scalar_type(), at::kBFloat16);
  EXPECT_TRUE(a16->to(at::kFloat).equal(a));  // the same numbers
  EXPECT_TRUE(b16->to(at::kFloat).equal(b));
  EXPECT_EQ(g.initializer(producer(g.model(), "a")->input(0))->data_type(), onnx::TensorProto::FLOAT16);
  EXPECT_EQ(g.initializer(producer(g.model(), "b")->input(0))->data_type(), onnx::TensorProto::BFLOAT16);
  ASSERT_NE(g.initializer("c"), nullptr);
  EXPECT_EQ(g.initializer("c")->data_type(), onnx::TensorProto::FLOAT);
  fillOutputTypes(g.model());
  checkModel(g.model());
}

// Cast from BFLOAT16 is opset 13's: before it, bfloat16-only values stay float32.
TEST(HalfWeights, NoBfloat16BeforeOpset13) {
  GraphBuilder g = threeWeights(11);
  HalfWeightsReport r = storeHalfWeights(g.model(), g.weights());
  EXPECT_EQ(r.float16, 1u);
  EXPECT_EQ(r.bfloat16, 0u);
  EXPECT_EQ(r.kept_float32, 2u);
  fillOutputTypes(g.model());
  checkModel(g.model());
}

// NaN and infinity are float16 values too.
TEST(HalfWeights, NanAndInfinityFit) {
  GraphBuilder g(17);
  g.input("x", {"64", "64"});
  at::Tensor w = torch::zeros({64, 64});
  w[0][0] = std::numeric_limits<float>::quiet_NaN();
  w[0][1] = std::numeric_limits<float>::infinity();
  g.weight(w, "w");
  g.node("Add", {"x", "w"}, {"y"});
  g.output("y", {"64", "64"});
  EXPECT_EQ(storeHalfWeights(g.model(), g.weights()).float16, 1u);
}

}  // namespace
}  // namespace pt2onnx::test
