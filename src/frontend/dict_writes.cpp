// Dicts filled by assignment (`out = OrderedDict(); out["out"] = x; return out`, what scripted
// segmentation models and feature extractors do) become one prim::DictConstruct per read, holding
// the entries assigned so far; reads by constant key, `in` tests, values(), keys(), items() and
// len() take the entries directly.
#include <torch/csrc/jit/ir/constants.h>
#include <torch/csrc/jit/ir/ir.h>

#include <algorithm>
#include <string>
#include <unordered_set>
#include <vector>

#include "frontend/frontend.h"

namespace pt2onnx {
namespace {

using torch::jit::Node;
using torch::jit::Value;

const c10::Symbol kItems = c10::Symbol::fromQualString("aten::items");

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
// Reads of the whole dict: values(), keys(), items() and len() of the entries held at that point.
bool isWholeRead(const Node* node) {
  return node->kind() == c10::aten::values || node->kind() == c10::aten::keys || node->kind() == kItems ||
         node->kind() == c10::aten::len;
}

// Whether the dict is only read, by constant keys or whole: then the entries it was made with are
// what every read sees, in any block.
bool readOnly(const Value* dict) {
  for (const auto& use : dict->uses()) {
    const Node* user = use.user;
    const bool keyed_read = user->kind() == c10::aten::__getitem__ || user->kind() == c10::aten::__contains__;
    if (keyed_read && use.offset == 0 && torch::jit::toIValue(user->input(1))) continue;
    if (!isWholeRead(user)) return false;
  }
  return true;
}

bool followable(const Value* dict) {
  if (readOnly(dict)) return true;
  for (const auto& use : dict->uses()) {
    const Node* user = use.user;
    if (user->owningBlock() != dict->node()->owningBlock()) return false;
    if (isKeyedAccess(user) && (use.offset != 0 || !torch::jit::toIValue(user->input(1)))) return false;
    // Any other user (a return, a call) sees the dict as it is at that point.
  }
  return true;
}

// Nodes that keep a reference to the dict (a list or tuple holding it): they see later writes too.
bool isContainer(const Node* node) {
  return node->kind() == c10::prim::ListConstruct || node->kind() == c10::prim::TupleConstruct ||
         node->kind() == c10::prim::DictConstruct;
}

// Replaces values(), keys(), items() or len() of a dict holding `entries` with what it gives.
void replaceWholeRead(torch::jit::Graph& graph, Node* read, const Entries& entries) {
  torch::jit::WithInsertPoint guard(read);
  Value* value = nullptr;
  if (read->kind() == c10::aten::len) {
    value = graph.insertConstant(static_cast<int64_t>(entries.keys.size()));
  } else {
    auto element = read->output()->type()->expect<c10::ListType>()->getElementType();
    std::vector<Value*> items;
    for (size_t i = 0; i < entries.keys.size(); ++i) {
      if (read->kind() == c10::aten::values) {
        items.push_back(entries.values[i]);
        continue;
      }
      Value* key = graph.insertConstant(entries.keys[i]);
      items.push_back(read->kind() == c10::aten::keys
                          ? key
                          : graph.insertNode(graph.createTuple({key, entries.values[i]}))->output());
    }
    value = graph.insertNode(graph.createList(element, items))->output();
  }
  value->setType(read->output()->type());
  read->output()->replaceAllUsesWith(value);
  read->destroy();
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
  // The users in block order: uses() is in no particular order. A dict only read may be read in
  // nested blocks too, in any order.
  std::vector<Node*> users;
  if (readOnly(dict)) {
    for (const auto& use : dict->uses())
      if (std::find(users.begin(), users.end(), use.user) == users.end()) users.push_back(use.user);
  } else {
    for (Node* n = made->next(); n != made->owningBlock()->return_node(); n = n->next())
      for (const auto* in : n->inputs())
        if (in == dict) {
          users.push_back(n);
          break;
        }
  }
  // A container made before a later write must hold the dict as written last: it moves after that
  // write, which is right only when nothing reads the container before (other such containers aside).
  Node* last_write = nullptr;
  for (Node* user : users)
    if (user->kind() == c10::aten::_set_item) last_write = user;
  std::vector<Node*> held;
  for (Node* user : users) {
    if (!isContainer(user) || !last_write || !user->isBefore(last_write)) continue;
    held.push_back(user);
  }
  for (Node* container : held)
    for (const auto* out : container->outputs())
      for (const auto& use : out->uses())
        if (!use.user->isAfter(last_write) && std::find(held.begin(), held.end(), use.user) == held.end() &&
            use.user != made->owningBlock()->return_node())
          return false;
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
  std::vector<Node*> writes;
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
      writes.push_back(user);
      continue;
    }
    if (std::find(held.begin(), held.end(), user) != held.end()) continue;
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
    if (isWholeRead(user) && user->inputs().size() == 1) {
      replaceWholeRead(graph, user, entries);
      continue;
    }
    user->replaceInputWith(dict, snapshot(user));
  }
  for (auto it = held.rbegin(); it != held.rend(); ++it) {
    (*it)->moveAfter(last_write);
    (*it)->replaceInputWith(dict, snapshot(*it));
  }
  for (Node* write : writes) write->destroy();
  if (returned)
    made->owningBlock()->return_node()->replaceInputWith(dict, snapshot(made->owningBlock()->return_node()));
  if (!dict->hasUses()) made->destroy();
  return true;
}

// dict(list of (key, value) tuples) with constant keys, on a list built in the graph, as a
// prim::DictConstruct (`OrderedDict([(str(i), v) for i, v in enumerate(xs)])` once unrolled).
Node* dictFromPairs(torch::jit::Graph& graph, Node* node) {
  if (node->inputs().size() != 1 || node->input(0)->node()->kind() != c10::prim::ListConstruct) return nullptr;
  for (const auto& use : node->input(0)->uses())
    if (use.user->kind() != c10::aten::dict && use.user->kind() != c10::aten::len &&
        use.user->kind() != c10::aten::__getitem__)
      return nullptr;  // the list may change after dict() copied it
  std::vector<Value*> keys, values;
  for (auto* pair : node->input(0)->node()->inputs()) {
    const Node* p = pair->node();
    if (p->kind() != c10::prim::TupleConstruct || p->inputs().size() != 2 || !torch::jit::toIValue(p->input(0)))
      return nullptr;
    keys.push_back(p->input(0));
    values.push_back(p->input(1));
  }
  auto type = node->output()->type()->expect<c10::DictType>();
  torch::jit::WithInsertPoint guard(node);
  Node* built = graph.insertNode(graph.createDict(type->getKeyType(), type->getValueType(), keys, values));
  built->output()->setType(node->output()->type());
  node->output()->replaceAllUsesWith(built->output());
  node->destroy();
  return built;
}

void collect(torch::jit::Graph& graph, torch::jit::Block* block, std::vector<Node*>& dicts) {
  for (auto it = block->nodes().begin(); it != block->nodes().end();) {
    Node* node = *it++;
    for (auto* sub : node->blocks()) collect(graph, sub, dicts);
    if (node->kind() == c10::aten::dict && isDictOf(node->output()))
      if (Node* built = dictFromPairs(graph, node)) node = built;
    const bool empty_dict = node->kind() == c10::aten::dict && node->inputs().empty();
    if ((empty_dict || node->kind() == c10::prim::DictConstruct) && node->outputs().size() == 1 &&
        isDictOf(node->output()))
      dicts.push_back(node);
  }
}

bool writtenLater(const Node* made) {
  for (const auto& use : made->output()->uses())
    if (isKeyedAccess(use.user) || isWholeRead(use.user)) return true;
  return false;
}

// xs[i] with a constant i of a list of dicts built in the graph and never written as a list is the
// dict itself (`results[0]["boxes"] = b` writes the dict the list holds). Each (list, i) resolved
// goes into `resolved`.
void resolveElementReads(torch::jit::Block* block, std::vector<std::pair<Node*, size_t>>& resolved) {
  static const std::unordered_set<std::string> list_writes = {
      "aten::append", "aten::insert", "aten::extend", "aten::pop", "aten::clear", "aten::reverse", "aten::add_"};
  for (auto* node : block->nodes()) {
    for (auto* sub : node->blocks()) resolveElementReads(sub, resolved);
    if (node->kind() != c10::prim::ListConstruct) continue;
    auto list_type = node->output()->type()->cast<c10::ListType>();
    if (!list_type || list_type->getElementType()->kind() != c10::TypeKind::DictType) continue;
    std::vector<Node*> reads;
    bool written = false;
    for (const auto& use : node->output()->uses()) {
      const std::string kind = use.user->kind().toQualString();
      written |= list_writes.count(kind) > 0 || (kind == "aten::_set_item" && use.offset == 0);
      if (kind == "aten::__getitem__" && use.offset == 0 && torch::jit::constant_as<int64_t>(use.user->input(1)))
        reads.push_back(use.user);
    }
    if (written) continue;
    for (Node* read : reads)
      if (auto i = replaceItemRead(node, read)) resolved.emplace_back(node, *i);
  }
}

// A dict element still written after the rewrites is read through its list again: LibTorch's dead
// code elimination does not see writes to a list's element made through the element itself.
void restoreElementReads(torch::jit::Graph& graph, const std::vector<std::pair<Node*, size_t>>& resolved) {
  for (const auto& [list, i] : resolved) {
    Value* dict = list->input(i);
    bool written = false;
    for (const auto& use : dict->uses()) written |= use.user->kind() == c10::aten::_set_item && use.offset == 0;
    if (!written) continue;
    std::vector<Node*> users;
    for (const auto& use : dict->uses())
      if (use.user != list && std::find(users.begin(), users.end(), use.user) == users.end()) users.push_back(use.user);
    for (Node* user : users) {
      torch::jit::WithInsertPoint guard(user);
      Value* read = graph.insert(c10::aten::__getitem__, {list->output(), static_cast<int64_t>(i)});
      read->setType(dict->type());
      user->replaceInputWith(dict, read);
    }
  }
}

// Inlines the taken branch of each prim::If whose condition is a constant (no dead code elimination:
// that would lose the writes restoreElementReads puts back).
size_t foldConstantBranches(torch::jit::Block* block) {
  size_t folded = 0;
  for (auto it = block->nodes().begin(); it != block->nodes().end();) {
    Node* node = *it++;
    for (auto* sub : node->blocks()) folded += foldConstantBranches(sub);
    if (node->kind() != c10::prim::If) continue;
    auto cond = torch::jit::constant_as<bool>(node->input(0));
    if (!cond) continue;
    torch::jit::Block* taken = node->blocks()[*cond ? 0 : 1];
    for (auto n = taken->nodes().begin(); n != taken->nodes().end();) (*n++)->moveBefore(node);
    for (size_t k = 0; k < node->outputs().size(); ++k) node->output(k)->replaceAllUsesWith(taken->outputs()[k]);
    node->destroy();
    ++folded;
  }
  return folded;
}

// Whether `node` reads any of `values`, itself or in its blocks.
bool usesAny(const Node* node, const std::unordered_set<const Value*>& values) {
  for (const auto* in : node->inputs())
    if (values.count(in)) return true;
  for (const auto* sub : node->blocks()) {
    for (const auto* n : sub->nodes())
      if (usesAny(n, values)) return true;
    if (usesAny(sub->return_node(), values)) return true;
  }
  return false;
}

// Reads by constant key, `in` tests and whole reads of a dict that cannot be followed to its end (a
// write in a branch, a read by a key only a loop knows), up to the first node that may change it unseen: they take the
// entries known there, so branches on `"masks" in d` fold and the dict may be followed after all. The writes stay.
size_t resolveLeadingReads(torch::jit::Graph& graph, Node* made) {
  Value* dict = made->output();
  Entries entries;
  if (made->kind() == c10::prim::DictConstruct) {
    for (size_t k = 0; k + 1 < made->inputs().size(); k += 2) {
      auto key = torch::jit::toIValue(made->input(k));
      if (!key) return 0;
      entries.keys.push_back(*key);
      entries.values.push_back(made->input(k + 1));
    }
  }
  std::unordered_set<const Value*> aliases{dict};  // the dict and containers holding it
  size_t resolved = 0;
  for (Node* n = made->next(); n != made->owningBlock()->return_node();) {
    Node* node = n;
    n = n->next();
    if (!usesAny(node, aliases)) continue;
    const bool direct = !node->inputs().empty() && node->input(0) == dict;
    if (direct && node->kind() == c10::aten::_set_item && node->inputs().size() == 3 &&
        torch::jit::toIValue(node->input(1)) && node->input(2) != dict) {
      auto key = *torch::jit::toIValue(node->input(1));
      int at = entries.find(key);
      if (at >= 0) {
        entries.values[at] = node->input(2);
      } else {
        entries.keys.push_back(key);
        entries.values.push_back(node->input(2));
      }
      continue;
    }
    const bool keyed_read = node->kind() == c10::aten::__getitem__ || node->kind() == c10::aten::__contains__;
    if (direct && keyed_read && node->inputs().size() == 2 && torch::jit::toIValue(node->input(1))) {
      int at = entries.find(*torch::jit::toIValue(node->input(1)));
      if (node->kind() == c10::aten::__contains__) {
        torch::jit::WithInsertPoint guard(node);
        node->output()->replaceAllUsesWith(graph.insertConstant(at >= 0));
        node->destroy();
        ++resolved;
      } else if (at >= 0) {
        node->output()->replaceAllUsesWith(entries.values[at]);
        node->destroy();
        ++resolved;
      }
      continue;
    }
    if (direct && isWholeRead(node) && node->inputs().size() == 1) {
      replaceWholeRead(graph, node, entries);
      ++resolved;
      continue;
    }
    if (isContainer(node) && node->blocks().empty()) {
      for (auto* out : node->outputs()) aliases.insert(out);
      continue;
    }
    break;  // a write or call this cannot see into
  }
  return resolved;
}

}  // namespace

size_t lowerDictWrites(std::shared_ptr<torch::jit::Graph>& graph) {
  size_t rewritten = 0;
  // Reads resolved at the front of a dict can decide branches; folding them lets the next round
  // follow the dict further.
  for (int round = 0; round < 4; ++round) {
    std::vector<std::pair<Node*, size_t>> resolved;
    resolveElementReads(graph->block(), resolved);
    size_t changed = 0;
    std::vector<Node*> dicts;
    collect(*graph, graph->block(), dicts);
    for (Node* made : dicts) {
      if (!(made->kind() == c10::aten::dict || writtenLater(made))) continue;
      if (rewrite(*graph, made)) {
        ++rewritten;
        ++changed;
      } else if (made->kind() == c10::prim::DictConstruct || made->inputs().empty()) {
        changed += resolveLeadingReads(*graph, made);
      }
    }
    restoreElementReads(*graph, resolved);
    if (!changed || !foldConstantBranches(graph->block())) break;
  }
  return rewritten;
}

}  // namespace pt2onnx
