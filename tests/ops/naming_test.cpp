// Op tests: the names a conversion writes do not follow LibTorch's value numbering.
#include <gtest/gtest.h>
#include <torch/csrc/jit/ir/irparser.h>
#include <torch/script.h>

#include "core/convert.h"
#include "frontend/frontend.h"
#include "frontend/inputs.h"

namespace pt2onnx {
namespace {

// The IR parser keeps no value names, so every value here is named by where it stands.
const char* kIR = R"IR(
graph(%x : Tensor):
  %none : NoneType = prim::Constant()
  %one : int = prim::Constant[value=1]()
  %three : int = prim::Constant[value=3]()
  %w : Tensor = aten::arange(%three, %none, %none, %none, %none)
  %a : Tensor = aten::relu(%x)
  %b : Tensor = aten::mul(%a, %w)
  %c : Tensor = aten::add(%b, %x, %one)
  %d : Tensor = aten::sigmoid(%c)
  return (%d)
)IR";

// `skipped` values are made and thrown away first, as LibTorch's passes do, varying in number
// from one run to the next in some of them.
std::string converted(int skipped) {
  auto graph = std::make_shared<torch::jit::Graph>();
  for (int i = 0; i < skipped; ++i) graph->insertConstant(i)->node()->destroy();
  torch::jit::parseIR(kIR, graph.get());
  cleanupGraph(graph);
  Options options;
  options.inputs.push_back(parseInputSpec("x:2x3"));
  options.dynamic_axes.push_back(parseDynamicAxesSpec("x:0=batch"));
  return convertGraph(graph, c10::IValue(), options).SerializeAsString();
}

TEST(Naming, OutputDoesNotFollowValueNumbers) {
  const std::string once = converted(0);
  EXPECT_EQ(converted(0), once);
  EXPECT_EQ(converted(5), once);
  EXPECT_EQ(converted(37), once);
}

}  // namespace
}  // namespace pt2onnx
