// The wrapped-number mark of Python numbers in traced code, restored after loading.
#include <torch/script.h>

#include "frontend/frontend.h"

namespace pt2onnx {
namespace {

void markBlock(torch::jit::Block* block) {
  for (torch::jit::Node* node : block->nodes()) {
    for (torch::jit::Block* sub : node->blocks()) markBlock(sub);
    if (node->kind() != c10::prim::Constant || !node->hasAttribute(c10::attr::value) ||
        node->kindOf(c10::attr::value) != torch::jit::AttributeKind::t)
      continue;
    const at::Tensor& t = node->t(c10::attr::value);
    if (t.defined() && t.dim() == 0 && !t.requires_grad() && t.device().is_cpu() &&
        (t.scalar_type() == at::kDouble || t.scalar_type() == at::kLong))
      t.unsafeGetTensorImpl()->set_wrapped_number(true);
  }
}

}  // namespace

void markWrappedNumbers(torch::jit::Module& module) {
  // Every function of the compilation unit (as forEachCodeGraph, which the loader's fuzz target
  // does not link).
  for (auto* function : module._ivalue()->compilation_unit()->get_functions())
    if (auto* graph_function = torch::jit::tryToGraphFunction(*function)) markBlock(graph_function->graph()->block());
}

}  // namespace pt2onnx
