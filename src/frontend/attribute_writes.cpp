// Module attributes a scripted method writes and reads back (`self.weights = f(n); w = self.weights`)
// become data flow: each read after a write takes the written value, and the write goes. What a
// write leaves behind for the next call is state an ONNX model cannot keep; a read before any write
// in the call sees the value the archive saved (resolveAttributes), which a warning points out.
#include <spdlog/spdlog.h>
#include <torch/csrc/jit/ir/ir.h>

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "frontend/frontend.h"

namespace pt2onnx {
namespace {

using torch::jit::Node;
using torch::jit::Value;

// The attribute path of a module object from self ("" for self, "encoder.layer0"), if it is one.
std::optional<std::string> objectPath(const Value* v, const Value* self) {
  if (v == self) return std::string();
  const Node* p = v->node();
  if (p->kind() != c10::prim::GetAttr) return std::nullopt;
  auto base = objectPath(p->input(0), self);
  if (!base) return std::nullopt;
  return *base + (base->empty() ? "" : ".") + p->s(c10::attr::name);
}

std::optional<std::string> attributeKey(const Node* node, const Value* self) {
  auto object = objectPath(node->input(0), self);
  if (!object) return std::nullopt;
  return *object + (object->empty() ? "" : ".") + node->s(c10::attr::name);
}

// Whether `node` is a prim::If with attribute writes directly in its branches.
bool writesInBranches(const Node* node) {
  if (node->kind() != c10::prim::If) return false;
  for (const auto* block : node->blocks())
    for (const auto* n : block->nodes())
      if (n->kind() == c10::prim::SetAttr) return true;
  return false;
}

// Whether every attribute write is addressed from self and is in the top-level block or directly in
// a branch of a top-level if, on an object from the top level (`if self.scales is None:
// self.scales = ...`, a cache filled on the first call).
bool writesFollowable(torch::jit::Block* block, const Value* self, int depth) {
  for (auto* node : block->nodes()) {
    const bool branch = depth == 0 && node->kind() == c10::prim::If;
    for (auto* sub : node->blocks())
      if (!writesFollowable(sub, self, branch ? 1 : 2)) return false;
    if (node->kind() != c10::prim::SetAttr) continue;
    if (node->input(0)->node()->kind() == c10::prim::CreateObject) continue;  // an object made here
    if (depth > 1 || !attributeKey(node, self)) return false;
    const Node* object = node->input(0)->node();
    if (depth == 1 && object->owningBlock()->owningNode() && object->kind() != c10::prim::Param) return false;
  }
  return true;
}

// The node of the top-level block that holds `node` (itself when it is there).
const Node* topLevel(const Node* node) {
  while (node->owningBlock()->owningNode()) node = node->owningBlock()->owningNode();
  return node;
}

// Writes in branches and loop bodies that nothing in the call reads back (`if not self._has_warned:
// self._has_warned = True`) only leave state for the next call: they go, and their keys join
// `writes`. Returns how many.
size_t dropStateWrites(torch::jit::Graph& graph, const Value* self, std::set<std::string>& writes) {
  std::map<const Node*, size_t> position;  // of each top-level node
  for (const auto* node : graph.block()->nodes()) position.emplace(node, position.size());
  std::map<std::string, size_t> last_read;  // key -> the top-level position of its last read
  std::vector<std::pair<Node*, std::string>> nested;
  std::function<void(torch::jit::Block*)> walk = [&](torch::jit::Block* block) {
    for (auto* node : block->nodes()) {
      for (auto* sub : node->blocks()) walk(sub);
      if (node->kind() != c10::prim::GetAttr && node->kind() != c10::prim::SetAttr) continue;
      auto key = attributeKey(node, self);
      if (!key) continue;
      const size_t at = position.at(topLevel(node));
      if (node->kind() == c10::prim::GetAttr) {
        last_read[*key] = std::max(last_read[*key], at + 1);
      } else if (block != graph.block()) {
        nested.emplace_back(node, *key);
      }
    }
  };
  walk(graph.block());
  size_t dropped = 0;
  for (auto& [node, key] : nested) {
    auto read = last_read.find(key);
    if (read != last_read.end() && read->second > position.at(topLevel(node))) continue;
    writes.insert(key);
    node->destroy();
    ++dropped;
  }
  return dropped;
}

// Submodules reached from self (`conv = self.conv` in a branch, as an inlined method writes
// `self.conv.bias`) are read once, at the top of the graph: a module attribute holds the same
// module all call long, and an attribute write in a branch then addresses an object the if's
// outputs can reach.
void hoistSubmoduleReads(torch::jit::Graph& graph, Value* self) {
  std::map<std::string, Value*> hoisted;  // attribute path -> its read at the top
  Node* insert_after = graph.param_node();
  std::function<void(torch::jit::Block*)> walk = [&](torch::jit::Block* block) {
    for (auto it = block->nodes().begin(); it != block->nodes().end();) {
      Node* node = *it++;
      for (auto* sub : node->blocks()) walk(sub);
      if (node->kind() != c10::prim::GetAttr || node->output()->type()->kind() != c10::TypeKind::ClassType) continue;
      auto key = attributeKey(node, self);
      if (!key) continue;
      auto found = hoisted.find(*key);
      if (found != hoisted.end()) {
        node->output()->replaceAllUsesWith(found->second);
        node->destroy();
        continue;
      }
      // The object it reads from is self or an earlier hoisted read, so the node can move up.
      node->moveAfter(insert_after);
      insert_after = node;
      hoisted.emplace(*key, node->output());
    }
  };
  walk(graph.block());
}

}  // namespace

size_t forwardAttributeWrites(std::shared_ptr<torch::jit::Graph>& graph) {
  if (graph->inputs().empty() || graph->inputs()[0]->type()->kind() != c10::TypeKind::ClassType) return 0;
  Value* self = graph->inputs()[0];
  std::set<std::string> writes;
  size_t forwarded = dropStateWrites(*graph, self, writes);
  if (!writesFollowable(graph->block(), self, 0)) {
    // Writes to a submodule's attribute in a branch (an inlined `self.conv.bias = ...`) address a
    // submodule read in that branch: read once at the top instead, unless a module itself is
    // written (then the same path may not hold the same module all call long).
    bool writes_modules = false;
    std::function<void(torch::jit::Block*)> find = [&](torch::jit::Block* block) {
      for (auto* node : block->nodes()) {
        for (auto* sub : node->blocks()) find(sub);
        if (node->kind() == c10::prim::SetAttr && node->input(1)->type()->kind() == c10::TypeKind::ClassType)
          writes_modules = true;
      }
    };
    find(graph->block());
    if (writes_modules) return forwarded;
    hoistSubmoduleReads(*graph, self);
    if (!writesFollowable(graph->block(), self, 0)) return forwarded;
  }
  std::map<std::string, Value*> written;  // attribute path -> the value it holds now
  std::set<std::string> read_first;
  std::map<std::string, std::pair<Value*, std::string>> targets;  // attribute path -> (object, name)
  std::function<void(torch::jit::Block*)> walk = [&](torch::jit::Block* block) {
    for (auto it = block->nodes().begin(); it != block->nodes().end();) {
      Node* node = *it++;
      if (writesInBranches(node)) {
        // Each attribute a branch writes becomes an output of the if: the value written there, or
        // the one held before (read from the archive when nothing wrote it yet).
        const auto before = written;
        std::map<std::string, Value*> after[2];
        for (size_t b = 0; b < 2; ++b) {
          written = before;
          walk(node->blocks()[b]);
          after[b] = written;
        }
        written = before;
        std::set<std::string> changed;
        for (const auto& branch : after)
          for (const auto& [key, v] : branch)
            if (!before.count(key) || before.at(key) != v) changed.insert(key);
        for (const auto& key : changed) {
          auto [object, name] = targets.at(key);
          Value* prior = nullptr;
          if (before.count(key)) {
            prior = before.at(key);
          } else {
            torch::jit::WithInsertPoint guard(node);
            prior = graph->insertGetAttr(object, name);
            read_first.insert(key);
          }
          for (size_t b = 0; b < 2; ++b)
            node->blocks()[b]->registerOutput(after[b].count(key) ? after[b].at(key) : prior);
          Value* out = node->addOutput();
          out->setType(object->type()->expectRef<c10::ClassType>().getAttribute(name));
          written[key] = out;
        }
        continue;
      }
      for (auto* sub : node->blocks()) walk(sub);
      if (node->kind() == c10::prim::SetAttr && attributeKey(node, self)) {
        const std::string key = *attributeKey(node, self);
        targets[key] = {node->input(0), node->s(c10::attr::name)};
        written[key] = node->input(1);
        writes.insert(key);
        node->destroy();
        ++forwarded;
        continue;
      }
      if (node->kind() != c10::prim::GetAttr || node->output()->type()->kind() == c10::TypeKind::ClassType) continue;
      auto key = attributeKey(node, self);
      if (!key) continue;
      auto w = written.find(*key);
      if (w == written.end()) {
        read_first.insert(*key);
        continue;
      }
      node->output()->replaceAllUsesWith(w->second);
      node->destroy();
    }
  };
  // Writes seen so far are those before the node in program order: nested blocks are walked when
  // reached, and every write is in the top-level block or a branch of a top-level if
  // (writesFollowable).
  walk(graph->block());
  for (const auto& key : read_first)
    if (writes.count(key))
      spdlog::warn(
          "the model reads self.{} before it writes it: the converted model always uses the value saved in the "
          "archive (the state after the last call is not kept)",
          key);
  return forwarded;
}

}  // namespace pt2onnx
