// Unit tests: pt2onnx's torchvision kernels (src/frontend/torchvision_schemas.cpp) give torchvision
// 0.14's outputs, on the committed tests/fixtures/torchvision/kernels.pt (make_kernels.py).
#include <gtest/gtest.h>
#include <torch/script.h>

#include <string>
#include <vector>

#include "frontend/frontend.h"

namespace pt2onnx {
namespace {

const std::string kKernels = std::string(PT2ONNX_TORCHVISION_FIXTURES) + "/kernels.pt";

TEST(TorchvisionKernels, MatchTorchvision) {
  torch::jit::Module m = loadModule(kKernels);
  c10::IValue out = m.forward({});
  auto got = out.toTensorVector();
  ASSERT_EQ(got.size(), 22u);
  for (size_t i = 0; i < got.size(); ++i) {
    at::Tensor want = m.attr("expected_" + std::to_string(i)).toTensor();
    ASSERT_EQ(got[i].sizes(), want.sizes()) << "output " << i;
    ASSERT_EQ(got[i].scalar_type(), want.scalar_type()) << "output " << i;
    if (want.is_floating_point()) {
      EXPECT_TRUE(at::allclose(got[i], want, 1e-5, 1e-6))
          << "output " << i << ": max |diff| " << (got[i] - want).abs().max().item<double>();
    } else {
      EXPECT_TRUE(at::equal(got[i], want)) << "output " << i << ":\n" << got[i] << "\nwant\n" << want;
    }
  }
}

TEST(TorchvisionKernels, EmptyNmsKeepsNothing) {
  torch::jit::Module m = loadModule(kKernels);  // registers the schemas
  auto op = c10::Symbol::fromQualString("torchvision::nms");
  auto graph = std::make_shared<torch::jit::Graph>();
  auto* dets = graph->addInput()->setType(c10::TensorType::get());
  auto* scores = graph->addInput()->setType(c10::TensorType::get());
  auto* iou = graph->insertConstant(0.5);
  graph->registerOutput(graph->insert(op, {dets, scores, iou}));
  torch::jit::GraphFunction fn("nms", graph, nullptr);
  std::vector<c10::IValue> stack{at::zeros({0, 4}), at::zeros({0})};
  fn.run(stack);
  EXPECT_EQ(stack.at(0).toTensor().numel(), 0);
  EXPECT_EQ(stack.at(0).toTensor().scalar_type(), at::kLong);
}

}  // namespace
}  // namespace pt2onnx
