// Unit tests: Conv+BatchNormalization and Gemm+BatchNormalization folding on hand-built graphs;
// the folded model computes the same numbers (LibTorch on the written initializers).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <string>
#include <vector>

#include "graph_builder.h"
#include "io/tensor_file.h"

namespace pt2onnx {
namespace {

using test::GraphBuilder;

struct Stats {
  at::Tensor scale, bias, mean, var;
};

Stats addStats(GraphBuilder& b, int64_t channels) {
  torch::manual_seed(3);
  Stats s{torch::rand({channels}) + 0.5, torch::randn({channels}), torch::randn({channels}),
          torch::rand({channels}) + 0.1};
  b.tensor(s.scale, "bn_scale");
  b.tensor(s.bias, "bn_bias");
  b.tensor(s.mean, "bn_mean");
  b.tensor(s.var, "bn_var");
  return s;
}

void batchNorm(GraphBuilder& b, const std::string& in, const std::string& out, const std::string& bias = "bn_bias") {
  auto* bn = b.node("BatchNormalization", {in, "bn_scale", bias, "bn_mean", "bn_var"}, {out});
  auto* eps = bn->add_attribute();
  eps->set_name("epsilon");
  eps->set_type(onnx::AttributeProto::FLOAT);
  eps->set_f(1e-3f);
}

at::Tensor value(GraphBuilder& b, const std::string& name) {
  if (const at::Tensor* t = b.weights().find(name)) return *t;
  const auto* init = b.initializer(name);
  EXPECT_NE(init, nullptr) << name;
  return init ? readTensorProto(init->SerializeAsString()) : at::Tensor();
}

at::Tensor reference(const at::Tensor& y, const Stats& s) {
  return torch::batch_norm(y, s.scale, s.bias, s.mean, s.var, false, 0.0, 1e-3, false);
}

TEST(BatchNormFold, ConvWithBiasFoldsAndWeightStaysOnePlaceholder) {
  GraphBuilder b;
  b.input("x", {"batch", "8", "6", "6"});
  torch::manual_seed(1);
  const at::Tensor w = torch::randn({32, 8, 3, 3});  // 9 KiB: held by the weights store
  const at::Tensor bias = torch::randn({32});
  b.weight(w, "w");
  b.tensor(bias, "b");
  const Stats s = addStats(b, 32);
  b.node("Conv", {"x", "w", "b"}, {"c"});
  batchNorm(b, "c", "y");
  b.output("y", {"batch", "32", "4", "4"});
  b.optimize();
  ASSERT_EQ(b.ops(), std::vector<std::string>{"Conv"});
  const auto& conv = b.model().graph().node(0);
  EXPECT_EQ(conv.output(0), "y");
  ASSERT_NE(b.weights().find(conv.input(1)), nullptr);
  EXPECT_EQ(b.initializer(conv.input(1))->raw_data().size(), 1u);  // a placeholder, not a copy in the proto
  const at::Tensor x = torch::randn({2, 8, 6, 6});
  const at::Tensor want = reference(torch::conv2d(x, w, bias), s);
  const at::Tensor got = torch::conv2d(x, value(b, conv.input(1)), value(b, conv.input(2)));
  EXPECT_TRUE(torch::allclose(got, want, 1e-4, 1e-4)) << (got - want).abs().max();
}

at::Tensor grouped(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
  const std::vector<int64_t> ones{1, 1}, zeros{0, 0};
  return at::conv2d(x, w, c10::optional<at::Tensor>(b), at::IntArrayRef(ones), at::IntArrayRef(zeros),
                    at::IntArrayRef(ones), 2);
}

TEST(BatchNormFold, GroupedConvWithoutBiasGetsOne) {
  GraphBuilder b;
  b.input("x", {"batch", "4", "5", "5"});
  torch::manual_seed(2);
  const at::Tensor w = torch::randn({4, 2, 3, 3});
  b.tensor(w, "w");
  const Stats s = addStats(b, 4);
  GraphBuilder::attr(b.node("Conv", {"x", "w"}, {"c"}), "group", 2);
  batchNorm(b, "c", "y");
  b.output("y", {"batch", "4", "3", "3"});
  b.optimize();
  ASSERT_EQ(b.ops(), std::vector<std::string>{"Conv"});
  const auto& conv = b.model().graph().node(0);
  ASSERT_EQ(conv.input_size(), 3);
  const at::Tensor x = torch::randn({3, 4, 5, 5});
  const at::Tensor want = reference(grouped(x, w, at::Tensor()), s);
  const at::Tensor got = grouped(x, value(b, conv.input(1)), value(b, conv.input(2)));
  EXPECT_TRUE(torch::allclose(got, want, 1e-4, 1e-4)) << (got - want).abs().max();
}

// Gemm with and without transB, alpha and beta: B's output columns (rows with transB) scale.
TEST(BatchNormFold, GemmFolds) {
  for (int trans_b : {0, 1}) {
    GraphBuilder b;
    b.input("x", {"batch", "6"});
    torch::manual_seed(4);
    const at::Tensor w = trans_b ? torch::randn({5, 6}) : torch::randn({6, 5});
    const at::Tensor c = torch::randn({5});
    b.tensor(w, "w");
    b.tensor(c, "c");
    const Stats s = addStats(b, 5);
    auto* gemm = b.node("Gemm", {"x", "w", "c"}, {"g"});
    GraphBuilder::attr(gemm, "transB", trans_b);
    for (auto [name, v] : {std::pair<const char*, float>{"alpha", 0.5f}, {"beta", 2.0f}}) {
      auto* a = gemm->add_attribute();
      a->set_name(name);
      a->set_type(onnx::AttributeProto::FLOAT);
      a->set_f(v);
    }
    batchNorm(b, "g", "y");
    b.output("y", {"batch", "5"});
    b.optimize();
    ASSERT_EQ(b.ops(), std::vector<std::string>{"Gemm"}) << trans_b;
    const auto& node = b.model().graph().node(0);
    const at::Tensor x = torch::randn({3, 6});
    const at::Tensor wm = trans_b ? w.t() : w;
    const at::Tensor want = reference(0.5 * x.matmul(wm) + 2.0 * c, s);
    at::Tensor w2 = value(b, node.input(1));
    if (trans_b) w2 = w2.t();
    float beta = 1;
    for (const auto& a : node.attribute())
      if (a.name() == "beta") beta = a.f();
    const at::Tensor got = 0.5 * x.matmul(w2) + beta * value(b, node.input(2));
    EXPECT_TRUE(torch::allclose(got, want, 1e-4, 1e-4)) << trans_b << " " << (got - want).abs().max();
  }
}

// The converter shares one initializer of zeros between a convolution's bias and its batch norm's
// (vgg11_bn's, as initialized): the fold gives the convolution a bias of its own and leaves the
// shared one to its other reader.
TEST(BatchNormFold, BiasSharedWithAnotherNodeFoldsIntoANewBias) {
  GraphBuilder b;
  b.input("x", {"batch", "8", "6", "6"});
  const at::Tensor w = torch::randn({32, 8, 3, 3});
  b.weight(w, "w");
  b.tensor(torch::zeros({32}), "zeros");
  const Stats s = addStats(b, 32);
  b.node("Conv", {"x", "w", "zeros"}, {"c"});
  batchNorm(b, "c", "y", "zeros");
  b.output("y", {"batch", "32", "4", "4"});
  b.optimize();
  ASSERT_EQ(b.ops(), std::vector<std::string>{"Conv"});
  const auto& conv = b.model().graph().node(0);
  EXPECT_NE(conv.input(2), "zeros");
  const at::Tensor x = torch::randn({2, 8, 6, 6});
  const at::Tensor want = reference(torch::conv2d(x, w), Stats{s.scale, torch::zeros({32}), s.mean, s.var});
  const at::Tensor got = torch::conv2d(x, value(b, conv.input(1)), value(b, conv.input(2)));
  EXPECT_TRUE(torch::allclose(got, want, 1e-4, 1e-4)) << (got - want).abs().max();
}

TEST(BatchNormFold, SharedWeightOrComputedStatisticsStay) {
  GraphBuilder b;
  b.input("x", {"batch", "2", "4", "4"});
  b.input("mean", {"3"});
  b.tensor(torch::randn({3, 2, 1, 1}), "w");
  addStats(b, 3);
  b.node("Conv", {"x", "w"}, {"c1"});
  b.node("Relu", {"x"}, {"xr"});
  b.node("Conv", {"xr", "w"}, {"c2"});  // a second reader of the weight
  batchNorm(b, "c1", "y1");
  b.node("BatchNormalization", {"c2", "bn_scale", "bn_bias", "mean", "bn_var"}, {"y2"});
  b.output("y1", {"batch", "3", "4", "4"});
  b.output("y2", {"batch", "3", "4", "4"});
  b.optimize();
  EXPECT_EQ(b.ops(), (std::vector<std::string>{"Conv", "Relu", "Conv", "BatchNormalization", "BatchNormalization"}));
}

}  // namespace
}  // namespace pt2onnx
