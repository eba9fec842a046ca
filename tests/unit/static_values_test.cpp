// Unit tests: which values the folding stage may replace with what the example run computed.
#include <gtest/gtest.h>
#include <torch/csrc/jit/ir/irparser.h>

#include <iterator>

#include "frontend/frontend.h"

namespace pt2onnx {
namespace {

// The output of the graph's k-th node (the IR parser does not keep value names).
const torch::jit::Value* output(const torch::jit::Graph& graph, size_t k) {
  auto it = graph.nodes().begin();
  std::advance(it, k);
  return it->output();
}

// torch.empty_like holds whatever memory the run got: folded, the model would carry that garbage
// and change from one conversion to the next.
TEST(StaticValues, UninitializedTensorsAreNeverStatic) {
  auto graph = std::make_shared<torch::jit::Graph>();
  torch::jit::parseIR(R"IR(
graph(%x : Tensor):
  %none : NoneType = prim::Constant()
  %two : int = prim::Constant[value=2]()
  %sizes : int[] = prim::ListConstruct(%two, %two)
  %ones : Tensor = aten::ones_like(%x, %none, %none, %none, %none, %none)
  %empty : Tensor = aten::empty_like(%x, %none, %none, %none, %none, %none)
  %fresh : Tensor = aten::empty(%sizes, %none, %none, %none, %none, %none)
  %sum : Tensor = aten::add(%empty, %fresh, %two)
  %out : Tensor = aten::add(%ones, %sum, %two)
  return (%out)
)IR",
                      graph.get());
  auto all_static = [](const torch::jit::Value*, int64_t) { return true; };  // x's shape is fixed
  const auto values = staticValues(*graph, all_static);
  EXPECT_TRUE(values.count(output(*graph, 3)));  // from x's shape alone: folded
  EXPECT_FALSE(values.count(output(*graph, 4)));
  EXPECT_FALSE(values.count(output(*graph, 5)));
  EXPECT_FALSE(values.count(output(*graph, 6)));  // made from them
  EXPECT_FALSE(values.count(output(*graph, 7)));
}

}  // namespace
}  // namespace pt2onnx
