// Lists that an if returns (`parts = [a, b] if c else [d, e]`, `res = [] + [x]`), where both
// branches build a list of the same length: the If returns the items instead, and the list is
// built after it, so list reads (cat, stack, indexing, graph outputs) see a plain construction.
#include <torch/csrc/jit/ir/ir.h>

#include <functional>
#include <optional>
#include <vector>

#include "frontend/frontend.h"

namespace pt2onnx {
namespace {

using torch::jit::Block;
using torch::jit::Node;
using torch::jit::Value;

// Whether a use writes the list (its first input) in place.
bool writes(const torch::jit::Use& use) {
  if (use.offset != 0) return false;
  const auto* schema = use.user->maybeSchema();
  if (!schema || schema->arguments().empty()) return use.user->kind() != c10::prim::Return;
  const auto* alias = schema->arguments()[0].alias_info();
  return alias != nullptr && alias->isWrite();
}

// The items of a list built by ListConstruct (or `a + b` of two such) and never written.
std::optional<std::vector<Value*>> builtItems(Value* list) {
  Node* made = list->node();
  for (const auto& use : list->uses())
    if (writes(use)) return std::nullopt;
  if (made->kind() == c10::prim::ListConstruct)
    return std::vector<Value*>(made->inputs().begin(), made->inputs().end());
  if (made->kind() != c10::aten::add || made->inputs().size() != 2) return std::nullopt;
  auto a = builtItems(made->input(0)), b = builtItems(made->input(1));
  if (!a || !b) return std::nullopt;
  a->insert(a->end(), b->begin(), b->end());
  return a;
}

// Splits output i of `choice` into one output per item; false when the branches do not both
// build lists of one length or their items' types have no common type.
bool splitOutput(Node* choice, size_t i) {
  auto then_items = builtItems(choice->blocks()[0]->outputs()[i]);
  auto else_items = builtItems(choice->blocks()[1]->outputs()[i]);
  if (!then_items || !else_items || then_items->size() != else_items->size()) return false;
  const size_t n = then_items->size();
  std::vector<c10::TypePtr> types;
  for (size_t k = 0; k < n; ++k) {
    auto t = c10::unifyTypes((*then_items)[k]->type(), (*else_items)[k]->type());
    if (!t) return false;
    types.push_back(*t);
  }
  std::vector<Value*> items;
  for (size_t k = 0; k < n; ++k) {
    choice->blocks()[0]->registerOutput((*then_items)[k]);
    choice->blocks()[1]->registerOutput((*else_items)[k]);
    items.push_back(choice->addOutput()->setType(types[k]));
  }
  auto& graph = *choice->owningGraph();
  Value* list = choice->output(i);
  torch::jit::WithInsertPoint guard(choice->next());
  auto element = list->type()->expectRef<c10::ListType>().getElementType();
  Value* rebuilt = graph.insertNode(graph.createList(element, items))->output();
  list->replaceAllUsesWith(rebuilt);
  choice->blocks()[0]->eraseOutput(i);
  choice->blocks()[1]->eraseOutput(i);
  choice->eraseOutput(i);
  return true;
}

}  // namespace

size_t splitBranchLists(std::shared_ptr<torch::jit::Graph>& graph) {
  size_t split = 0;
  std::function<void(Block*)> walk = [&](Block* block) {
    for (Node* node : block->nodes()) {
      for (Block* sub : node->blocks()) walk(sub);
      if (node->kind() != c10::prim::If) continue;
      for (size_t i = node->outputs().size(); i-- > 0;)
        if (node->output(i)->type()->kind() == c10::TypeKind::ListType && splitOutput(node, i)) ++split;
    }
  };
  walk(graph->block());
  return split;
}

}  // namespace pt2onnx
