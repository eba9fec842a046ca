// Unit tests: the example runs' values do not depend on whether a meta run was tried first.
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/csrc/jit/ir/irparser.h>

#include "frontend/frontend.h"
#include "frontend/inputs.h"

namespace pt2onnx {
namespace {

// A graph whose meta run stops (item() reads data), so the example runs in full either way.
std::shared_ptr<torch::jit::Graph> readsData() {
  auto graph = std::make_shared<torch::jit::Graph>();
  torch::jit::parseIR(R"IR(
graph(%x : Tensor):
  %one : int = prim::Constant[value=1]()
  %s : Tensor = aten::sum(%x, %one)
  %v : Scalar = aten::item(%s)
  %out : Tensor = aten::mul(%x, %v)
  return (%out)
)IR",
                      graph.get());
  return graph;
}

// Made-up example values are the first draw after seeding, however the example ran (on meta
// tensors first or not): --test-data's inputs, and so the e2e tests' data, stay put when the way
// the runs go changes.
TEST(ExampleRuns, ExampleValuesAreOneDrawWhateverTheRunsTry) {
  ExampleInput x;
  x.name = "x";
  x.dims = {3, 5};
  const std::vector<DynamicInputAxis> axes = {{"n", 0, 0}};
  const ExampleRuns real = runExamples(readsData(), c10::IValue(), {x}, axes, false);
  const ExampleRuns tried_meta = runExamples(readsData(), c10::IValue(), {x}, axes, true);
  ASSERT_EQ(real.inputs.size(), 2u);  // the example run and the resized one
  ASSERT_EQ(tried_meta.inputs.size(), real.inputs.size());
  for (size_t run = 0; run < real.inputs.size(); ++run) {
    EXPECT_TRUE(at::equal(real.inputs[run][0].toTensor(), tried_meta.inputs[run][0].toTensor())) << "run " << run;
    EXPECT_TRUE(at::equal(real.outputs[run][0].toTensor(), tried_meta.outputs[run][0].toTensor())) << "run " << run;
  }
  EXPECT_EQ(real.inputs[1][0].toTensor().size(0), 6);
  at::manual_seed(0);
  const at::Tensor first_draw = exampleValue(x, x.dims).toTensor();
  EXPECT_TRUE(at::equal(real.inputs[0][0].toTensor(), first_draw));
}

}  // namespace
}  // namespace pt2onnx
