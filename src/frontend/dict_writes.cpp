// Dicts filled by assignment (`out = OrderedDict(); out["out"] = x; return out`, what scripted
// segmentation models and feature extractors do) become one prim::DictConstruct per read, holding
// the entries assigned so far; reads by constant key take the assigned value directly.
#include <torch/csrc/jit/ir/constants.h>
#include <torch/csrc/jit/ir/ir.h>

#include <vector>

#include "frontend/frontend.h"

namespace pt2onnx {
namespace {

using torch::jit::Node;
using torch::jit::Value;

bool isDictOf(const Value* v) { return v->type()->kind() == c10::TypeKind::DictType; }

// An assignment, read or `in` test by key: the dict is its first input, the key its second.
bool isKeyedAccess(const Node* node) {
  return node->kind() == c10::aten::_set_item || node->kind() == c10::aten::__getitem__ ||
         node->kind() == c10::aten::__contains__;
}

// The entries of the dict, in insertion order, as (constant key, value).
struct Entries {
  std::vector<c10::IValue> keys;
  std::vector<Value*> values;

  int find(const c10::IValue& key) const {
    for (size_t i = 0; i < keys.size(); ++i)
      if (keys[i] == key) return static_cast<int>(i);
    return -1;
  }
};

// Whether every use of `dict` is in its own block and every assignment and read is by a constant
// key: then the dict's contents at each point of the block are known while converting.
bool followable(const Value* dict) {
  for (const auto& use : dict->uses()) {
    const Node* user = use.user;
    if (user->owningBlock() != dict->node()->owningBlock()) return false;
    if (isKeyedAccess(user) && (use.offset != 0 || !torch::jit::toIValue(user->input(1)))) return false;
    // Any other user (a return, a call) sees the dict as it is at that point.
  }
  return true;
}

bool rewrite(torch::jit::Graph& graph, Node* made) {
  Value* dict = made->output();
  if (!followable(dict)) return false;
  auto type = dict->type()->expect<c10::DictType>();
  Entries entries;
  if (made->kind() == c10::prim::DictConstruct) {
    for (size_t k = 0; k + 1 < made->inputs().size(); k += 2) {
      auto key = torch::jit::toIValue(made->input(k));
      if (!key) return false;
      entries.keys.push_back(*key);
      entries.values.push_back(made->input(k + 1));
    }
  }
  // The users in block order: uses() is in no particular order.
  std::vector<Node*> users;
  for (Node* n = made->next(); n != made->owningBlock()->return_node(); n = n->next())
    for (const auto* in : n->inputs())
      if (in == dict) {
        users.push_back(n);
        break;
      }
  bool returned = false;
  for (const auto* in : made->owningBlock()->return_node()->inputs()) returned |= in == dict;
  auto snapshot = [&](Node* before) {
    std::vector<Value*> keys;
    torch::jit::WithInsertPoint guard(before);
    for (const auto& key : entries.keys) keys.push_back(graph.insertConstant(key));
    Node* built = graph.createDict(type->getKeyType(), type->getValueType(), keys, entries.values);
    graph.insertNode(built);
    return built->output();
  };
  for (Node* user : users) {
    if (user->kind() == c10::aten::_set_item) {
      auto key = *torch::jit::toIValue(user->input(1));
      int at = entries.find(key);
      if (at >= 0) {
        entries.values[at] = user->input(2);
      } else {
        entries.keys.push_back(key);
        entries.values.push_back(user->input(2));
      }
      user->destroy();
      continue;
    }
    if (user->kind() == c10::aten::__getitem__ || user->kind() == c10::aten::__contains__) {
      int at = entries.find(*torch::jit::toIValue(user->input(1)));
      if (user->kind() == c10::aten::__contains__) {
        torch::jit::WithInsertPoint guard(user);
        user->output()->replaceAllUsesWith(graph.insertConstant(at >= 0));
        user->destroy();
        continue;
      }
      if (at >= 0) {
        user->output()->replaceAllUsesWith(entries.values[at]);
        user->destroy();
        continue;
      }
      // A missing key raises in the model; leave the read to fail there.
    }
    user->replaceInputWith(dict, snapshot(user));
  }
  if (returned)
    made->owningBlock()->return_node()->replaceInputWith(dict, snapshot(made->owningBlock()->return_node()));
  if (!dict->hasUses()) made->destroy();
  return true;
}

void collect(torch::jit::Block* block, std::vector<Node*>& dicts) {
  for (auto* node : block->nodes()) {
    for (auto* sub : node->blocks()) collect(sub, dicts);
    const bool empty_dict = node->kind() == c10::aten::dict && node->inputs().empty();
    if ((empty_dict || node->kind() == c10::prim::DictConstruct) && node->outputs().size() == 1 &&
        isDictOf(node->output()))
      dicts.push_back(node);
  }
}

bool writtenLater(const Node* made) {
  for (const auto& use : made->output()->uses())
    if (isKeyedAccess(use.user)) return true;
  return false;
}

}  // namespace

size_t lowerDictWrites(std::shared_ptr<torch::jit::Graph>& graph) {
  std::vector<Node*> dicts;
  collect(graph->block(), dicts);
  size_t rewritten = 0;
  for (Node* made : dicts)
    if ((made->kind() == c10::aten::dict || writtenLater(made)) && rewrite(*graph, made)) ++rewritten;
  return rewritten;
}

}  // namespace pt2onnx
