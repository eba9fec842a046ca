// TorchScript class objects built in the graph (torchvision's ImageList: prim::CreateObject, then
// its inlined __init__'s prim::SetAttr writes) become data flow when they never leave it: each
// attribute read takes the value last written, and the object goes (scalar replacement).
#include <torch/csrc/jit/ir/ir.h>

#include <map>
#include <string>
#include <vector>

#include "frontend/frontend.h"

namespace pt2onnx {
namespace {

using torch::jit::Node;
using torch::jit::Value;

// Whether the object is only written in its own block and only read, anywhere: then no call, return
// or container sees it, and program order decides what each read sees.
bool staysLocal(const Value* object) {
  for (const auto& use : object->uses()) {
    const Node* user = use.user;
    if (use.offset != 0) return false;  // stored as another object's attribute, passed on, returned
    if (user->kind() == c10::prim::GetAttr) continue;
    if (user->kind() == c10::prim::SetAttr && user->owningBlock() == object->node()->owningBlock()) continue;
    return false;
  }
  return true;
}

// The reads and writes of `object` from `from` on, in program order, nested blocks included.
void accessesInOrder(Node* from, const Value* object, std::vector<Node*>& accesses) {
  for (Node* n = from; n != from->owningBlock()->return_node(); n = n->next()) {
    for (auto* sub : n->blocks())
      if (sub->nodes().begin() != sub->nodes().end()) accessesInOrder(*sub->nodes().begin(), object, accesses);
    const bool access = n->kind() == c10::prim::GetAttr || n->kind() == c10::prim::SetAttr;
    if (access && n->inputs().size() >= 1 && n->input(0) == object) accesses.push_back(n);
  }
}

// Forwards the attributes of one object; false (and no change) when a read comes before any write
// of its attribute or takes a value of another type.
bool replace(Node* made) {
  Value* object = made->output();
  if (!staysLocal(object)) return false;
  std::vector<Node*> accesses;
  if (made->next() != made->owningBlock()->return_node()) accessesInOrder(made->next(), object, accesses);
  std::map<std::string, Value*> held;
  std::vector<std::pair<Node*, Value*>> reads;
  for (Node* n : accesses) {
    const std::string& name = n->s(c10::attr::name);
    if (n->kind() == c10::prim::SetAttr) {
      held[name] = n->input(1);
      continue;
    }
    auto it = held.find(name);
    if (it == held.end() || !it->second->type()->isSubtypeOf(*n->output()->type())) return false;
    reads.emplace_back(n, it->second);
  }
  // The writes are picked out before any access is destroyed: a destroyed read is freed memory.
  std::vector<Node*> writes;
  for (Node* n : accesses)
    if (n->kind() == c10::prim::SetAttr) writes.push_back(n);
  for (auto& [read, value] : reads) {
    read->output()->replaceAllUsesWith(value);
    read->destroy();
  }
  for (Node* n : writes) n->destroy();
  made->destroy();
  return true;
}

void collect(torch::jit::Block* block, std::vector<Node*>& made) {
  for (auto* node : block->nodes()) {
    for (auto* sub : node->blocks()) collect(sub, made);
    if (node->kind() == c10::prim::CreateObject) made.push_back(node);
  }
}

}  // namespace

size_t replaceObjectAttributes(std::shared_ptr<torch::jit::Graph>& graph) {
  std::vector<Node*> made;
  collect(graph->block(), made);
  size_t replaced = 0;
  for (Node* node : made) replaced += replace(node);
  return replaced;
}

}  // namespace pt2onnx
