// Unit tests: the example runs' values do not depend on whether a meta run was tried first, and a
// meta example run computes on real values only what folding needs.
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/csrc/jit/ir/irparser.h>
#include <torch/library.h>

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

// An operator that counts its runs on real values (on meta tensors it only gives the size).
int real_runs = 0;
at::Tensor countRealRun(const at::Tensor& x) {
  ++real_runs;
  return x.clone();
}
at::Tensor metaRun(const at::Tensor& x) { return at::empty_like(x); }

TORCH_LIBRARY(pt2onnx_test, m) { m.def("counted(Tensor x) -> Tensor"); }
TORCH_LIBRARY_IMPL(pt2onnx_test, CPU, m) { m.impl("counted", countRealRun); }
TORCH_LIBRARY_IMPL(pt2onnx_test, Meta, m) { m.impl("counted", metaRun); }
TORCH_LIBRARY_IMPL(pt2onnx_test, Autograd, m) { m.impl("counted", torch::CppFunction::makeFallthrough()); }

// positions = arange(y.shape[0], device=x.device) is folded, so the example run computes it on real values; the
// size it reads is known from the meta run, so `counted` (what y is made from, standing for the
// whole model before it) must not run on real values for it.
TEST(ExampleRuns, FoldedValuesDoNotRunWhatTheirSizesCameFrom) {
  auto graph = std::make_shared<torch::jit::Graph>();
  torch::jit::parseIR(R"IR(
graph(%x : Tensor):
  %none : NoneType = prim::Constant()
  %zero : int = prim::Constant[value=0]()
  %one : int = prim::Constant[value=1]()
  %y : Tensor = pt2onnx_test::counted(%x)
  %n : int = aten::size(%y, %zero)
  %device : Device = prim::device(%x)
  %positions : Tensor = aten::arange(%n, %none, %none, %device, %none)
  %out : Tensor = aten::add(%y, %positions, %one)
  return (%out)
)IR",
                      graph.get());
  ExampleInput x;
  x.name = "x";
  x.dims = {4};
  real_runs = 0;
  const ExampleRuns on_meta = runExamples(graph, c10::IValue(), {x}, {{"n", 0, 0}}, true);
  EXPECT_EQ(real_runs, 0);
  const auto* positions = graph->outputs()[0]->node()->input(1);
  const auto it = on_meta.example.find(positions->unique());
  ASSERT_NE(it, on_meta.example.end());
  ASSERT_TRUE(it->second->value.isTensor());
  EXPECT_TRUE(at::equal(it->second->value.toTensor(), at::arange(4)));  // real values, for folding
  const ExampleRuns real = runExamples(graph, c10::IValue(), {x}, {{"n", 0, 0}}, false);
  EXPECT_EQ(real_runs, 2);  // test data: the example and the resized run compute in full
}

}  // namespace
}  // namespace pt2onnx
