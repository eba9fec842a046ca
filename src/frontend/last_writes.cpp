// In-place writes that are a tensor's last use: `r.append(idx + offset); offset += n` (the region
// proposals of torchvision's RPN, traced). LibTorch's mutation removal keeps such a write when the
// tensor is read between its creation and the write; when nothing reads or aliases the tensor
// afterwards, the write is its functional operator, cast back to the tensor's dtype.
#include <torch/csrc/jit/ir/alias_analysis.h>
#include <torch/csrc/jit/ir/ir.h>
#include <torch/csrc/jit/runtime/operator.h>

#include <functional>
#include <vector>

#include "frontend/frontend.h"

namespace pt2onnx {
namespace {

using torch::jit::Node;
using torch::jit::Value;

// `aten::name_` with one output whose functional `aten::name` takes the same arguments.
c10::optional<c10::Symbol> functionalOf(const Node* node) {
  if (!node->kind().is_aten() || node->outputs().size() != 1 || node->inputs().empty() || !node->maybeSchema())
    return c10::nullopt;
  const std::string name = node->schema().name();
  if (name.size() < 2 || name.back() != '_' || name == "aten::copy_") return c10::nullopt;
  return c10::Symbol::fromQualString(name.substr(0, name.size() - 1));
}

// The written tensor is fresh (made in the same block by a node whose output aliases none of its
// inputs) and every other use reads it before the write without taking a view or writing it.
bool isLastWrite(const Node* node, torch::jit::AliasDb& alias) {
  Value* x = node->input(0);
  Node* maker = x->node();
  if (maker->kind() == c10::prim::Param || maker->owningBlock() != node->owningBlock() || !maker->blocks().empty() ||
      maker->hasSideEffects() || alias.mayContainAlias(maker->inputs(), x))
    return false;
  for (const auto& use : x->uses()) {
    if (use.user == node) continue;
    if (!use.user->isBefore(node) || alias.mayContainAlias(use.user->outputs(), x) ||
        alias.writesToAlias(use.user, {x}))
      return false;
  }
  for (size_t i = 1; i < node->inputs().size(); ++i)
    if (alias.mayContainAlias(node->input(i), x)) return false;
  return true;
}

}  // namespace

size_t functionalizeLastWrites(std::shared_ptr<torch::jit::Graph>& graph) {
  std::vector<std::pair<Node*, c10::Symbol>> writes;
  {
    torch::jit::AliasDb alias(graph);
    std::function<void(torch::jit::Block*)> walk = [&](torch::jit::Block* block) {
      for (auto* node : block->nodes()) {
        for (auto* sub : node->blocks()) walk(sub);
        auto functional = functionalOf(node);
        if (functional && isLastWrite(node, alias)) writes.emplace_back(node, *functional);
      }
    };
    walk(graph->block());
  }
  size_t rewritten = 0;
  for (auto& [node, functional] : writes) {
    torch::jit::WithInsertPoint guard(node);
    Node* pure = graph->create(functional, node->inputs(), 1);
    graph->insertNode(pure);
    if (!pure->maybeSchema()) {  // no functional overload with these arguments
      pure->destroy();
      continue;
    }
    pure->output()->setType(node->output()->type());
    Value* same_dtype = graph->insert(c10::aten::type_as, {pure->output(), node->input(0)});
    same_dtype->setType(node->output()->type());
    node->output()->replaceAllUsesWith(same_dtype);
    node->destroy();
    ++rewritten;
  }
  return rewritten;
}

}  // namespace pt2onnx
