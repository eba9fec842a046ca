// Lists written in straight-line code (`xs = []; xs.append(a); xs.insert(0, b); y = xs.pop(1);
// xs += [c]; del xs[0]`) become one prim::ListConstruct per read, holding the items the list has at that
// point; pops by constant index take the popped value directly, and `xs[i] = v` by an index known at
// run time only selects each item by an if. Lists written inside branches or
// loop bodies are left to block_writes.cpp and loop unrolling.
#include <torch/csrc/jit/ir/constants.h>
#include <torch/csrc/jit/ir/ir.h>

#include <algorithm>
#include <optional>
#include <vector>

#include "frontend/frontend.h"

namespace pt2onnx {
namespace {

using torch::jit::Block;
using torch::jit::Node;
using torch::jit::Value;

// Not among LibTorch's interned symbols.
const c10::Symbol kExtend = c10::Symbol::fromQualString("aten::extend");
const c10::Symbol kReverse = c10::Symbol::fromQualString("aten::reverse");
const c10::Symbol kDelete = c10::Symbol::fromQualString("aten::Delete");  // `del xs[i]`

bool isListKind(const Value* v) { return v->type()->kind() == c10::TypeKind::ListType; }

// Writes whose first input is the list. append and add_ return the list itself.
bool isWrite(const Node* n) {
  const c10::Symbol k = n->kind();
  if (k == c10::aten::append || k == c10::aten::insert || k == c10::aten::pop || k == kExtend ||
      k == c10::aten::_set_item || k == c10::aten::clear || k == kReverse || k == kDelete)
    return true;
  return k == c10::aten::add_ && n->inputs().size() == 2 && isListKind(n->input(1));
}

bool returnsSelf(const Node* n) {
  return n->kind() == c10::aten::append || n->kind() == c10::aten::add_ || n->kind() == c10::aten::_set_item;
}

// A use of the list as the list a write changes (not as the argument of another list's extend).
bool writesTo(const Node* user, size_t offset) { return offset == 0 && isWrite(user); }

// The node of `graph`'s top-level block that holds `n` (itself when it is at the top level).
Node* topLevel(Node* n, const Block* top) {
  while (n->owningBlock() != top) n = n->owningBlock()->owningNode();
  return n;
}

// A read that may keep the list beyond itself (a container holding it, a loop carrying it, a node
// whose schema says it writes the argument): the list's items would change under it.
bool mayKeep(const Node* user, size_t offset) {
  switch (user->kind()) {
    case c10::prim::ListConstruct:
    case c10::prim::TupleConstruct:
    case c10::prim::DictConstruct:
    case c10::prim::Loop:
    case c10::prim::CallFunction:
    case c10::prim::CallMethod:
      return true;
    default:
      break;
  }
  if (const auto* schema = user->maybeSchema()) {
    if (offset >= schema->arguments().size()) return true;
    const auto* alias = schema->arguments()[offset].alias_info();
    return alias != nullptr && alias->isWrite();
  }
  return user->kind() != c10::prim::ListUnpack && user->kind() != c10::prim::Return;
}

class ListRewrite {
 public:
  ListRewrite(torch::jit::Graph& graph, Node* made) : graph_(graph), made_(made), list_(made->output()) {}

  // Whether the list's writes could all be followed; the graph is changed only when they could.
  bool run() {
    mergeAliases();
    std::vector<std::pair<Node*, size_t>> uses;
    Node* last_write = nullptr;
    for (const auto& use : list_->uses()) {
      if (isWrite(use.user) && use.user->input(0) == list_ && use.offset != 0) return false;  // xs.extend(xs)
      if (writesTo(use.user, use.offset)) {
        if (use.user->owningBlock() != graph_.block()) return false;
        if (!last_write || last_write->isBefore(use.user)) last_write = use.user;
      }
      uses.emplace_back(use.user, use.offset);
    }
    if (!last_write) return false;
    for (const auto& [user, offset] : uses)
      if (!writesTo(user, offset) && topLevel(user, graph_.block())->isBefore(last_write) && mayKeep(user, offset))
        return false;
    std::stable_sort(uses.begin(), uses.end(), [&](const auto& a, const auto& b) {
      Node* x = topLevel(a.first, graph_.block());
      Node* y = topLevel(b.first, graph_.block());
      return x != y && x->isBefore(y);
    });
    // Check every write before changing anything: an index out of range raises in the model.
    items_.assign(made_->inputs().begin(), made_->inputs().end());
    std::vector<Value*> saved = items_;
    for (const auto& [user, offset] : uses)
      if (writesTo(user, offset) && !apply(user, /*dry=*/true)) return false;
    items_ = saved;
    changed_ = false;
    for (const auto& [user, offset] : uses) {
      if (writesTo(user, offset)) {
        apply(user, /*dry=*/false);
        continue;
      }
      if (!changed_) continue;  // reads before the first write see the list as made
      user->replaceInput(offset, snapshot(topLevel(user, graph_.block())));
    }
    if (!list_->hasUses()) made_->destroy();
    return true;
  }

 private:
  // `ys = xs.append(a)` and `ys = xs += [a]` name the same list: their results become xs.
  void mergeAliases() {
    bool again = true;
    while (again) {
      again = false;
      for (const auto& use : list_->uses())
        if (returnsSelf(use.user) && use.offset == 0 && use.user->outputs().size() == 1 &&
            use.user->output()->hasUses()) {
          use.user->output()->replaceAllUsesWith(list_);
          again = true;
          break;
        }
    }
  }

  // Python's index rules: negative counts from the end; insert clamps, the others must be in range.
  std::optional<size_t> position(Value* index, bool clamp) const {
    auto i = torch::jit::constant_as<int64_t>(index);
    if (!i) return std::nullopt;
    const auto n = static_cast<int64_t>(items_.size());
    int64_t at = *i < 0 ? *i + n : *i;
    if (clamp) return static_cast<size_t>(std::clamp<int64_t>(at, 0, n));
    if (at < 0 || at >= n) return std::nullopt;
    return static_cast<size_t>(at);
  }

  // The items of a list argument, when it is made by prim::ListConstruct and never written (a list
  // written before is followed first, and this one again after).
  static std::optional<std::vector<Value*>> itemsOf(Value* list) {
    if (list->node()->kind() != c10::prim::ListConstruct) return std::nullopt;
    for (const auto& use : list->uses())
      if (writesTo(use.user, use.offset)) return std::nullopt;
    return std::vector<Value*>(list->node()->inputs().begin(), list->node()->inputs().end());
  }

  bool apply(Node* write, bool dry) {
    const c10::Symbol k = write->kind();
    if (k == c10::aten::append) {
      items_.push_back(write->input(1));
    } else if (k == c10::aten::insert) {
      auto at = position(write->input(1), true);
      if (!at) return false;
      items_.insert(items_.begin() + static_cast<std::ptrdiff_t>(*at), write->input(2));
    } else if (k == c10::aten::pop) {
      auto at = write->inputs().size() > 1 ? position(write->input(1), false)
                                           : (items_.empty() ? std::nullopt : std::optional<size_t>(items_.size() - 1));
      if (!at) return false;
      if (!dry) write->output()->replaceAllUsesWith(items_[*at]);
      items_.erase(items_.begin() + static_cast<std::ptrdiff_t>(*at));
    } else if (k == kDelete) {
      auto at = position(write->input(1), false);
      if (!at) return false;
      items_.erase(items_.begin() + static_cast<std::ptrdiff_t>(*at));
    } else if (k == c10::aten::_set_item) {
      auto at = position(write->input(1), false);
      if (at) {
        items_[*at] = write->input(2);
      } else if (!torch::jit::constant_as<int64_t>(write->input(1))) {
        // xs[i] = v, i known at run time only: every item becomes `v if i selects it else item`.
        for (Value* item : items_)
          if (!c10::unifyTypes(item->type(), write->input(2)->type())) return false;
        if (!dry)
          for (size_t j = 0; j < items_.size(); ++j) items_[j] = selected(write, j, items_[j]);
      } else {
        return false;  // out of range: raises in the model
      }
    } else if (k == kExtend || k == c10::aten::add_) {
      auto more = itemsOf(write->input(1));
      if (!more) return false;
      items_.insert(items_.end(), more->begin(), more->end());
    } else if (k == c10::aten::clear) {
      items_.clear();
    } else if (k == kReverse) {
      std::reverse(items_.begin(), items_.end());
    } else {
      return false;
    }
    if (!dry) {
      changed_ = true;
      version_ = nullptr;
      write->destroy();  // its results are read nowhere: merged into the list or replaced by the item
    }
    return true;
  }

  // `write`'s value where its run-time index i names item j (i == j or i == j - n), `item` elsewhere:
  // an if on the index, which ONNX If computes. (An i out of range, which raises in the model,
  // changes no item.)
  Value* selected(Node* write, size_t j, Value* item) {
    torch::jit::WithInsertPoint guard(write);
    Value* index = write->input(1);
    const auto n = static_cast<int64_t>(items_.size());
    Value* here = graph_.insert(c10::aten::eq, {index, static_cast<int64_t>(j)});
    Value* from_end = graph_.insert(c10::aten::eq, {index, static_cast<int64_t>(j) - n});
    Value* cond = graph_.insert(c10::aten::__or__, {here, from_end});
    Node* choice = graph_.insertNode(graph_.create(c10::prim::If, {cond}, 1));
    choice->addBlock()->registerOutput(write->input(2));
    choice->addBlock()->registerOutput(item);
    choice->output()->setType(*c10::unifyTypes(item->type(), write->input(2)->type()));
    return choice->output();
  }

  // The list's items at this point, built once per version.
  Value* snapshot(Node* before) {
    if (version_) return version_;
    torch::jit::WithInsertPoint guard(before);
    auto element = list_->type()->expectRef<c10::ListType>().getElementType();
    version_ = graph_.insertNode(graph_.createList(element, items_))->output();
    return version_;
  }

  torch::jit::Graph& graph_;
  Node* made_;
  Value* list_;
  std::vector<Value*> items_;
  Value* version_ = nullptr;
  bool changed_ = false;
};

}  // namespace

std::optional<size_t> replaceItemRead(torch::jit::Node* made, torch::jit::Node* read) {
  const auto n = static_cast<int64_t>(made->inputs().size());
  int64_t i = *torch::jit::constant_as<int64_t>(read->input(1));
  if (i < 0) i += n;
  if (i < 0 || i >= n) return std::nullopt;
  read->output()->replaceAllUsesWith(made->input(i));
  read->destroy();
  return static_cast<size_t>(i);
}

size_t lowerListWrites(torch::jit::Graph& graph) {
  size_t rewritten = 0;
  for (bool again = true; again;) {
    again = false;
    std::vector<Node*> lists;
    for (auto* node : graph.block()->nodes())
      if (node->kind() == c10::prim::ListConstruct && isListKind(node->output())) lists.push_back(node);
    for (Node* made : lists)
      if (ListRewrite(graph, made).run()) {
        ++rewritten;
        again = true;
        break;  // the rewrite made and removed nodes: collect again
      }
  }
  return rewritten;
}

}  // namespace pt2onnx
