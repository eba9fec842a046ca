// In-place writes inside `if` branches and loop bodies to tensors made outside them
// (`if c: state[:] = v`, `for i in range(n): acc[i] += x[i]`).
//
// The written tensor is carried through the control node as a value: each branch (each loop
// iteration) starts from a copy of it, writes the copy, and hands it out as an extra output (a
// loop-carried value). Later reads, and views of it taken before and read after, use the output.
// The writes are then local to their block, where mutation removal and view writes
// (view_writes.cpp) make them functional.
#include <torch/csrc/jit/ir/ir.h>

#include <algorithm>
#include <functional>

#include "frontend/frontend.h"
#include "frontend/in_place.h"

namespace pt2onnx {
namespace {

using torch::jit::Block;
using torch::jit::Graph;
using torch::jit::Node;
using torch::jit::Value;

bool inside(const Node* node, const Block* block) {
  for (const Block* b = node->owningBlock(); b; b = b->owningNode() ? b->owningNode()->owningBlock() : nullptr)
    if (b == block) return true;
  return false;
}

bool insideNode(const Node* node, const Node* control) {
  for (const Block* b : control->blocks())
    if (inside(node, b)) return true;
  return false;
}

// Roots written inside `control` (in any nested block) that are defined outside it.
std::vector<Value*> writtenFromOutside(Node* control) {
  std::vector<Value*> roots;
  std::function<void(Block*)> walk = [&](Block* block) {
    for (auto* node : block->nodes()) {
      for (auto* sub : node->blocks()) walk(sub);
      if (!isInPlace(node)) continue;
      Value* root = aliasRoot(node->input(0));
      if (root->type()->kind() != c10::TypeKind::TensorType || insideNode(root->node(), control)) continue;
      if (root->node()->kind() == c10::prim::Param && root->node()->owningBlock() != root->owningGraph()->block())
        continue;  // a loop-carried value of an enclosing loop: its first iteration aliases the caller's value
      if (std::find(roots.begin(), roots.end(), root) == roots.end()) roots.push_back(root);
    }
  };
  for (auto* block : control->blocks()) walk(block);
  return roots;
}

// Inside `block`, `root` and the views of it made outside `control` become `local` and views
// of it made again at the start of the block.
void localize(Block* block, Node* control, Value* root, Value* local, Node*& last) {
  std::vector<torch::jit::Use> uses = root->uses();
  for (const auto& use : uses) {
    Node* user = use.user;
    if (user == local->node()) continue;
    if (inside(user, block)) {
      user->replaceInput(use.offset, local);
    } else if (!insideNode(user, control) && isView(user) && use.offset == 0 && user->isBefore(control)) {
      bool used = false;
      for (const auto& u : user->output()->uses()) used = used || inside(u.user, block);
      if (!used) continue;
      Node* again = block->owningGraph()->createClone(user, [&](Value* v) { return v == root ? local : v; });
      again->insertAfter(last);
      last = again;
      localize(block, control, user->output(), again->output(), last);
    }
  }
}

Value* copyAtStart(Block* block, Value* of) {
  auto* graph = block->owningGraph();
  torch::jit::WithInsertPoint guard(block->nodes().front());
  return graph->insert(c10::aten::clone, {of});
}

// The view nodes of `old` before `control` read after it are made again from `now` after it.
void rederiveAfter(Value* old, Value* now, Node* control, Node*& last) {
  std::vector<torch::jit::Use> uses = old->uses();
  for (const auto& use : uses) {
    Node* view = use.user;
    if (!isView(view) || use.offset != 0 || !view->isBefore(control)) continue;
    Node* again = control->owningGraph()->createClone(view, [&](Value* v) { return v == old ? now : v; });
    again->insertAfter(last);
    last = again;
    rederiveAfter(view->output(), again->output(), control, last);
    std::vector<torch::jit::Use> reads = view->output()->uses();
    for (const auto& read : reads)
      if (read.user != again && read.user->isAfter(control)) read.user->replaceInput(read.offset, again->output());
  }
}

void carry(Node* control, Value* root) {
  std::vector<Value*> locals;
  if (control->kind() == c10::prim::If) {
    for (Block* block : control->blocks()) {
      Value* local = copyAtStart(block, root);
      Node* last = local->node();
      localize(block, control, root, local, last);
      locals.push_back(local);
    }
  } else {  // prim::Loop(max_trip, cond, carried...): the body sees a carried copy
    Block* body = control->blocks()[0];
    control->addInput(root);
    Value* param = body->addInput()->setType(root->type());
    Value* local = copyAtStart(body, param);
    Node* last = local->node();
    localize(body, control, root, local, last);
    locals.push_back(local);
  }
  for (size_t i = 0; i < locals.size(); ++i) control->blocks()[i]->registerOutput(locals[i]);
  Value* after = control->addOutput()->setType(root->type());
  Node* last = control;
  rederiveAfter(root, after, control, last);
  std::vector<torch::jit::Use> uses = root->uses();
  for (const auto& use : uses)
    if (use.user->isAfter(control)) use.user->replaceInput(use.offset, after);
}

size_t carryIn(Block* block) {
  size_t carried = 0;
  for (auto* node : block->nodes()) {
    if (node->kind() == c10::prim::If || node->kind() == c10::prim::Loop)
      for (Value* root : writtenFromOutside(node)) {
        carry(node, root);
        ++carried;
      }
    for (auto* sub : node->blocks()) carried += carryIn(sub);
  }
  return carried;
}

// Appends in a loop body to a list made before the loop (`outs.append(t)` with a trip count known
// only at run time): the list becomes a loop-carried value, each append a `list + [t]`.
bool carryAppends(Node* loop, Value* list) {
  Block* body = loop->blocks()[0];
  std::vector<Node*> appends;
  for (const auto& use : list->uses()) {
    if (!insideNode(use.user, loop)) continue;
    if (use.user->kind() != c10::aten::append || use.offset != 0 || use.user->owningBlock() != body) return false;
    appends.push_back(use.user);
  }
  if (appends.empty()) return false;
  std::sort(appends.begin(), appends.end(), [](Node* a, Node* b) { return a->isBefore(b); });
  auto* graph = loop->owningGraph();
  loop->addInput(list);
  Value* current = body->addInput()->setType(list->type());
  const auto element = list->type()->expectRef<c10::ListType>().getElementType();
  for (Node* append : appends) {
    torch::jit::WithInsertPoint guard(append);
    Value* item = graph->insertNode(graph->createList(element, {append->input(1)}))->output();
    Value* next = graph->insert(c10::aten::add, {current, item});
    append->output()->replaceAllUsesWith(next);
    append->destroy();
    current = next;
  }
  body->registerOutput(current);
  Value* after = loop->addOutput()->setType(list->type());
  std::vector<torch::jit::Use> uses = list->uses();
  for (const auto& use : uses)
    if (use.user->isAfter(loop)) use.user->replaceInput(use.offset, after);
  return true;
}

size_t carryAppendsIn(Block* block) {
  size_t carried = 0;
  for (auto* node : block->nodes()) {
    for (auto* sub : node->blocks()) carried += carryAppendsIn(sub);
    if (node->kind() != c10::prim::Loop) continue;
    std::vector<Value*> lists;
    std::function<void(Block*)> walk = [&](Block* b) {
      for (auto* n : b->nodes()) {
        for (auto* sub : n->blocks()) walk(sub);
        if (n->kind() == c10::aten::append && !insideNode(n->input(0)->node(), node) &&
            n->input(0)->type()->cast<c10::ListType>() &&
            std::find(lists.begin(), lists.end(), n->input(0)) == lists.end())
          lists.push_back(n->input(0));
      }
    };
    walk(node->blocks()[0]);
    for (Value* list : lists) carried += carryAppends(node, list);
  }
  return carried;
}

bool writtenIn(const Block* block, const Value* v) {
  for (const auto* node : block->nodes()) {
    if (isInPlace(node) && node->input(0) == v) return true;
    for (const auto* sub : node->blocks())
      if (writtenIn(sub, v)) return true;
  }
  return false;
}

// A loop-carried tensor written in place in the body (`for ...: acc.add_(t)`): each iteration
// writes what the previous one handed over, which starts as the loop's initial value. When
// nothing reads that initial value after the loop (and it is a tensor of its own, not a view),
// the body may as well write a copy: then the writes are local and mutation removal takes them.
size_t copyWrittenLoopParams(Block* block) {
  size_t copied = 0;
  for (auto* node : block->nodes()) {
    for (auto* sub : node->blocks()) copied += copyWrittenLoopParams(sub);
    if (node->kind() != c10::prim::Loop) continue;
    Block* body = node->blocks()[0];
    for (size_t i = 0; i + 2 < node->inputs().size(); ++i) {
      Value* param = body->inputs()[1 + i];
      Value* initial = node->input(2 + i);
      if (!param->type()->cast<c10::TensorType>() || !writtenIn(body, param)) continue;
      if (initial->uses().size() != 1) continue;  // read elsewhere: the writes would show there
      const auto* schema = initial->node()->maybeSchema();
      const bool own = schema && !schema->returns().empty() && !schema->returns()[0].alias_info();
      if (!own) continue;
      Graph& graph = *body->owningGraph();
      torch::jit::WithInsertPoint guard(body->nodes().front());
      Value* copy = graph.insert(c10::aten::clone, {param});
      param->replaceAllUsesWith(copy);
      copy->node()->replaceInput(0, param);
      ++copied;
    }
  }
  return copied;
}

}  // namespace

size_t carryListAppends(std::shared_ptr<torch::jit::Graph>& graph) { return carryAppendsIn(graph->block()); }

size_t carryBlockWrites(std::shared_ptr<torch::jit::Graph>& graph) {
  return copyWrittenLoopParams(graph->block()) + carryIn(graph->block());
}

}  // namespace pt2onnx
