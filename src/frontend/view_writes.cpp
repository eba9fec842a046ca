// In-place writes through views (`x[:, 1:3] = y`, `x[0] += 1`, `x[1:].fill_(0)`) made functional:
// the write is computed on the view out of place, then scattered back into the base along the
// chain of views (slice_scatter, select_scatter, inverse reshapes and transposes); later uses of
// the base and of its views see the new value.
//
// LibTorch's mutation removal leaves writes to views alone, since the write changes every alias.
// This pass handles every alias it can see: each view of the base, at any depth (the chain from
// the written view to its base among them), read after the write is made again from the new
// base. A write it cannot follow (a base in an enclosing block, a view with no known write-back)
// is left for the converter check to report.
#include <spdlog/spdlog.h>
#include <torch/csrc/jit/ir/constants.h>
#include <torch/csrc/jit/ir/ir.h>
#include <torch/csrc/jit/passes/constant_propagation.h>
#include <torch/csrc/jit/passes/dead_code_elimination.h>
#include <torch/csrc/jit/passes/remove_mutation.h>

#include <algorithm>
#include <unordered_set>

#include "frontend/frontend.h"
#include "frontend/in_place.h"

namespace pt2onnx {

using torch::jit::Graph;
using torch::jit::Node;
using torch::jit::Value;

namespace {

bool isTensor(const Value* v) { return v->type()->kind() == c10::TypeKind::TensorType; }

// slice(x, dim, 0 or None, None or INT64_MAX, 1): all of x.
bool isFullSlice(const Node* node) {
  auto is = [&](size_t i, std::initializer_list<int64_t> values) {
    if (node->input(i)->type()->kind() == c10::TypeKind::NoneType) return i != 4;
    auto c = torch::jit::constant_as<int64_t>(node->input(i));
    if (!c) return false;
    for (int64_t v : values)
      if (*c == v) return true;
    return false;
  };
  return node->inputs().size() == 5 && is(2, {0}) && is(3, {std::numeric_limits<int64_t>::max()}) && is(4, {1});
}

class ViewWrites {
 public:
  explicit ViewWrites(std::shared_ptr<Graph>& graph) : graph_(graph) {}

  size_t run() {
    std::vector<Node*> writes;
    collect(graph_->block(), writes);
    size_t done = 0;
    for (auto* node : writes) done += rewrite(node);
    return done;
  }

 private:
  // In-place writes (through views or not), in every block, in order.
  static void collect(torch::jit::Block* block, std::vector<Node*>& writes) {
    for (auto* node : block->nodes()) {
      if (isInPlace(node)) writes.push_back(node);
      for (auto* sub : node->blocks()) collect(sub, writes);
    }
  }

  // A broadcast value as memory of its own, so later writes to it are writes to one tensor.
  Value* owned(Value* v) { return graph_->insert(c10::aten::clone, {v}); }

  // The write's value computed out of place on the view, or null when the op has no functional form.
  Value* functional(Node* write) {
    const std::string kind = write->kind().toQualString();
    Value* view = write->input(0);
    Node* n = nullptr;
    if (kind == "aten::copy_") {
      if (isTypedResultOf(write->input(1), view)) return write->input(1);
      Value* typed = graph_->insert(c10::aten::type_as, {write->input(1), view});
      return owned(graph_->insert(c10::aten::expand_as, {typed, view}));
    }
    if (kind == "aten::zero_") return graph_->insert(c10::aten::zeros_like, {view});
    if (kind == "aten::fill_") {
      Value* v = write->input(1);
      if (isTensor(v))
        return owned(graph_->insert(c10::aten::expand_as, {graph_->insert(c10::aten::type_as, {v, view}), view}));
      return graph_->insert(c10::aten::full_like, {view, v});
    }
    // The out-of-place twin: same arguments, name without the trailing '_'.
    n = graph_->create(c10::Symbol::fromQualString(kind.substr(0, kind.size() - 1)), write->inputs(), 1);
    graph_->insertNode(n);
    n->output()->setType(view->type());
    if (!n->maybeSchema()) {
      n->destroy();
      return nullptr;
    }
    return n->output();
  }

  // The parent value with `updated` written where `view` (made by `node` from the parent) sits.
  Value* scatter(Node* node, Value* updated) {
    const std::string kind = node->kind().toQualString();
    Value* parent = node->input(0);
    auto in = [&](size_t i) { return node->input(i); };
    if (kind == "aten::slice" && isFullSlice(node)) return updated;  // traces spell x[:, i] with one
    if (kind == "aten::slice")
      return graph_->insert(c10::aten::slice_scatter, {parent, updated, in(1), in(2), in(3), in(4)});
    if (kind == "aten::narrow") {  // narrow(dim, start, length) = slice(dim, start, start + length)
      Value* end = graph_->insert(c10::aten::add, {in(2), in(3)});
      return graph_->insert(c10::aten::slice_scatter, {parent, updated, in(1), in(2), end, graph_->insertConstant(1)});
    }
    if (kind == "aten::select") return graph_->insert(c10::aten::select_scatter, {parent, updated, in(1), in(2)});
    if (kind == "aten::transpose") return graph_->insert(c10::aten::transpose, {updated, in(1), in(2)});
    if (kind == "aten::t") return graph_->insert(c10::aten::t, {updated});
    if (kind == "aten::alias" || kind == "aten::detach") return updated;
    if (kind == "aten::permute") {
      auto perm = torch::jit::constant_as<std::vector<int64_t>>(in(1));
      if (!perm) return nullptr;
      std::vector<int64_t> inverse(perm->size());
      for (size_t i = 0; i < perm->size(); ++i) {
        int64_t p = (*perm)[i] < 0 ? (*perm)[i] + static_cast<int64_t>(perm->size()) : (*perm)[i];
        if (p < 0 || p >= static_cast<int64_t>(perm->size())) return nullptr;
        inverse[p] = static_cast<int64_t>(i);
      }
      return graph_->insert(c10::aten::permute, {updated, graph_->insertConstant(inverse)});
    }
    // unsqueeze, squeeze, view, reshape, flatten: the same elements in the parent's shape.
    return graph_->insert(c10::aten::reshape, {updated, graph_->insert(c10::aten::size, {parent})});
  }

  // Replaces the uses of `from` by nodes after `after` with `to`.
  static void replaceUsesAfter(Value* from, Value* to, const Node* after) {
    std::vector<torch::jit::Use> uses = from->uses();
    for (const auto& use : uses)
      if (use.user != to->node() && use.user->isAfter(after)) use.user->replaceInput(use.offset, to);
  }

  // Every view of `old` (taken before the write) made again from `now` after `after`, and the
  // reads of it after the write moved to the new one, down every level of views: an alias sees
  // the write, whichever link of the chain it was taken from.
  void rederiveViews(Value* old, Value* now, Node* after, Node* write) {
    std::vector<Node*> views;
    for (const auto& use : old->uses())
      if (use.user != write && use.user->isBefore(write) && isView(use.user) && use.offset == 0)
        views.push_back(use.user);
    for (Node* view : views) {
      if (!readAfter(view->output(), write)) continue;
      Node* again = graph_->createClone(view, [&](Value* v) { return v == old ? now : v; });
      again->insertAfter(after);
      rederiveViews(view->output(), again->output(), again, write);
      replaceUsesAfter(view->output(), again->output(), write);
      after = again;
    }
  }

  // Whether `v` or a view of it is read after `write` (the write itself does not count).
  static bool readAfter(const Value* v, const Node* write) {
    for (const auto& use : v->uses()) {
      if (use.user == write) continue;
      if (use.user->isAfter(write)) return true;
      if (isView(use.user) && use.offset == 0 && readAfter(use.user->output(), write)) return true;
    }
    return false;
  }

  // Whether a value made by `node` is memory of its own, not an alias of one of its inputs.
  static bool ownsMemory(const Node* node) {
    // Composite operators whose schemas do not say that they may return their input.
    static const std::unordered_set<std::string> may_alias = {"aten::type_as", "aten::expand_as", "aten::view_as",
                                                              "aten::reshape_as", "aten::contiguous"};
    if (node->kind().ns() != c10::namespaces::aten) return false;
    const auto* schema = node->maybeSchema();
    if (!schema) return false;
    bool alias = may_alias.count(node->kind().toQualString()) > 0;
    for (const auto& ret : schema->returns()) alias = alias || ret.alias_info();
    // `type_as(mul(x, y), x)`: self or a copy of it, memory of its own when self is and nothing
    // else reads self
    if (alias)
      return !node->inputs().empty() && node->input(0)->uses().size() == 1 && ownsMemory(node->input(0)->node());
    return true;
  }

  static bool holdsTensors(const c10::TypePtr& type) {
    if (type->kind() == c10::TypeKind::TensorType) return true;
    for (const auto& t : type->containedTypes())
      if (holdsTensors(t)) return true;
    return false;
  }

  // Whether an alias of `v` made before the write by something other than a known view (expand,
  // split, a list holding it, ...) is read after it: such a read would keep the old values.
  static bool hiddenAliasReadAfter(const Value* v, const Node* write) {
    for (const auto& use : v->uses()) {
      const Node* user = use.user;
      if (user == write || !user->isBefore(write)) continue;
      if (isView(user) && use.offset == 0) {
        if (hiddenAliasReadAfter(user->output(), write)) return true;
        continue;
      }
      if (ownsMemory(user)) continue;
      for (const Value* out : user->outputs())
        if (holdsTensors(out->type()) && readAfter(out, write)) return true;
    }
    return false;
  }

  bool rewrite(Node* write) {
    std::vector<Node*> chain;  // innermost view first
    Value* base = write->input(0);
    while (isView(base->node()) && base->node()->owningBlock() == write->owningBlock()) {
      chain.push_back(base->node());
      base = base->node()->input(0);
    }
    // Only a base of this block (one from outside is first carried in, block_writes.cpp) that owns
    // its memory, and no alias of it this pass cannot follow read after the write.
    if (base->node()->owningBlock() != write->owningBlock() || !ownsMemory(base->node()) ||
        hiddenAliasReadAfter(base, write))
      return false;
    torch::jit::WithInsertPoint guard(write);
    Value* updated = functional(write);
    if (!updated) return false;
    for (Node* link : chain) {
      updated = scatter(link, updated);
      if (!updated) return false;
    }
    // Later reads of the base, of every view of it (the chain's links among them) and of the
    // write's result see the new values.
    Node* last = updated->node();
    Value* written = write->input(0);
    const bool result_read = !write->output()->uses().empty();
    if (result_read) {  // `y = x[0].add_(1)`: y is the written view, made again from the new base
      write->output()->replaceAllUsesWith(written);
    }
    rederiveViews(base, updated, last, write);
    replaceUsesAfter(base, updated, write);
    write->destroy();
    return true;
  }

  std::shared_ptr<Graph>& graph_;
};

}  // namespace

size_t functionalizeViewWrites(std::shared_ptr<torch::jit::Graph>& graph) {
  size_t n = ViewWrites(graph).run();
  if (!n) return 0;
  torch::jit::RemoveTensorMutation(graph);
  lowerCopies(graph);
  torch::jit::ConstantPropagation(graph);
  torch::jit::EliminateDeadCode(graph);
  return n;
}

}  // namespace pt2onnx
