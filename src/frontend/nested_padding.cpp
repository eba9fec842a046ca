// nn.TransformerEncoder's fast path with a padding mask runs its layers on a nested tensor: the
// padded batch is cut into sequences of their own lengths (_nested_tensor_from_mask), each fused
// layer attends within a sequence, and to_padded_tensor pads the result again, with zeros, to the
// longest length. Nested tensors have no ONNX form (nor sizes to record), so the same computation
// is written on the padded batch: each layer masks the padding keys (what attending within a
// sequence means), and the result is zeroed at the padding and cut to the longest sequence.
#include <torch/csrc/jit/ir/constants.h>
#include <torch/csrc/jit/ir/ir.h>

#include <functional>
#include <limits>
#include <vector>

#include "frontend/frontend.h"

namespace pt2onnx {
namespace {

using torch::jit::Node;
using torch::jit::Value;

struct NestedUse {
  std::vector<Node*> layers;  // _transformer_encoder_layer_fwd on the nested values
  std::vector<Node*> pads;    // to_padded_tensor back to a batch
};

bool argIsNone(const Node* node, const char* name) {
  auto index = node->schema().argumentIndexWithName(name);
  return index && node->input(*index)->type()->kind() == c10::TypeKind::NoneType;
}

// Whether to_padded_tensor's output_size is the padded batch's own size: `batch.size()` (torch 2.x's
// encoder pads back to its input's size) or [batch.size(0), batch.size(1), E] as a trace records it.
bool padsToBatchSize(const Node* pad, const Value* batch) {
  auto index = pad->schema().argumentIndexWithName("output_size");
  if (!index || !batch) return false;
  const Node* size = pad->input(*index)->node();
  if (size->kind() == c10::aten::size && size->inputs().size() == 1) return size->input(0) == batch;
  if (size->kind() != c10::prim::ListConstruct || size->inputs().size() != 3) return false;
  for (int64_t d = 0; d < 2; ++d) {
    const Node* dim = size->input(d)->node();
    if (dim->kind() != c10::aten::size || dim->inputs().size() != 2 || dim->input(0) != batch) return false;
    auto which = torch::jit::constant_as<int64_t>(dim->input(1));
    if (!which || *which != d) return false;
  }
  return true;
}

// The layers and paddings the nested value flows through, when that is all it flows through.
bool follow(Value* nested, const Value* batch, NestedUse& use) {
  for (const auto& u : nested->uses()) {
    Node* user = u.user;
    if (u.offset != 0) return false;
    if (user->kind() == c10::aten::_transformer_encoder_layer_fwd && argIsNone(user, "mask")) {
      use.layers.push_back(user);
      if (!follow(user->output(), batch, use)) return false;
    } else if (user->kind() == c10::aten::to_padded_tensor &&
               (argIsNone(user, "output_size") || padsToBatchSize(user, batch))) {
      use.pads.push_back(user);
    } else {
      return false;
    }
  }
  return true;
}

// to_padded_tensor(t, value) of what was a nested batch, on the padded batch: `value` at the
// padding (True in `padding`, False in `keep`), cut to the longest sequence unless it pads back to
// the batch's own size.
void padAgain(torch::jit::Graph& graph, Node* pad, Value* padding, Value* keep) {
  torch::jit::WithInsertPoint guard(pad);
  // torch 2.x's encoder makes the padding mask additive (float, -inf at the padding): nonzero is padding.
  Value* padded = graph.insert(c10::aten::ne, {padding, int64_t{0}});
  Value* zeroed =
      graph.insert(c10::aten::masked_fill,
                   {pad->input(0), graph.insert(c10::aten::unsqueeze, {padded, int64_t{-1}}), pad->input(1)});
  if (!argIsNone(pad, "output_size")) {
    pad->output()->replaceAllUsesWith(zeroed);
    pad->destroy();
    return;
  }
  Value* lengths = graph.insert(c10::aten::sum, {keep, std::vector<int64_t>{1}});
  Value* longest = graph.insert(c10::aten::Int, {graph.insert(c10::aten::max, {lengths})});
  Value* cut = graph.insert(c10::aten::slice, {zeroed, int64_t{1}, int64_t{0}, longest, int64_t{1}});
  pad->output()->replaceAllUsesWith(cut);
  pad->destroy();
}

void rewrite(torch::jit::Graph& graph, Node* make, const NestedUse& use) {
  Value* batch = make->input(0);
  Value* keep = make->input(1);  // True where a token is part of its sequence
  Value* padding;
  {
    torch::jit::WithInsertPoint guard(make);
    padding = graph.insert(c10::aten::logical_not, {keep});
  }
  make->output()->replaceAllUsesWith(batch);
  make->destroy();
  for (Node* layer : use.layers) {
    torch::jit::WithInsertPoint guard(layer);
    layer->replaceInput(*layer->schema().argumentIndexWithName("mask"), padding);
    layer->replaceInput(*layer->schema().argumentIndexWithName("mask_type"), graph.insertConstant(int64_t{1}));
  }
  for (Node* pad : use.pads) padAgain(graph, pad, padding, keep);
}

void collect(torch::jit::Block* block, std::vector<Node*>& makes) {
  for (auto* node : block->nodes()) {
    for (auto* sub : node->blocks()) collect(sub, makes);
    if (node->kind() == c10::aten::_nested_tensor_from_mask) makes.push_back(node);
  }
}

// ---- the scripted encoder ------------------------------------------------------------------
// Scripted, the choice is made at run time: the fast path is taken when the padding mask is
// left-aligned (`_nested_tensor_from_mask_left_aligned`, behind a chain of why-not strings), in a
// branch yielding (nested batch, no mask for the layers) where the other yields (batch, mask).
// On the padded batch both branches become (batch, mask); the left-aligned test is computed; the
// to_padded_tensor under the run-time flag zeroes the padding and cuts to the longest sequence.

// Whether every row of `keep` ([batch, seq] bool) is a run of True from position 0.
Value* leftAligned(torch::jit::Graph& graph, Value* keep) {
  constexpr int64_t kEnd = std::numeric_limits<int64_t>::max();
  Value* head = graph.insert(c10::aten::slice, {keep, int64_t{1}, int64_t{0}, int64_t{-1}, int64_t{1}});
  Value* tail = graph.insert(c10::aten::slice, {keep, int64_t{1}, int64_t{1}, kEnd, int64_t{1}});
  Value* hole = graph.insert(c10::aten::logical_and, {graph.insert(c10::aten::logical_not, {head}), tail});
  Value* any = graph.insert(c10::aten::any, {hole});
  return graph.insert(c10::aten::Bool, {graph.insert(c10::aten::logical_not, {any})});
}

// A `str` If result whose branches each yield a constant and that only len() reads: the lengths.
size_t foldStringLengths(torch::jit::Graph& graph, torch::jit::Block* block) {
  size_t folded = 0;
  for (Node* node : block->nodes()) {
    for (auto* sub : node->blocks()) folded += foldStringLengths(graph, sub);
    if (node->kind() != c10::prim::If) continue;
    for (size_t i = 0; i < node->outputs().size(); ++i) {
      Value* out = node->output(i);
      if (out->type()->kind() != c10::TypeKind::StringType || !out->hasUses()) continue;
      bool lengths_only = true;
      for (const auto& use : out->uses()) lengths_only = lengths_only && use.user->kind() == c10::aten::len;
      std::vector<int64_t> lengths;
      for (auto* branch : node->blocks()) {
        auto text = torch::jit::toIValue(branch->outputs()[i]);
        if (!text || !text->isString()) lengths_only = false;
        if (lengths_only) lengths.push_back(static_cast<int64_t>(text->toStringRef().size()));
      }
      if (!lengths_only) continue;
      for (size_t b = 0; b < node->blocks().size(); ++b) {
        torch::jit::WithInsertPoint guard(node->blocks()[b]->return_node());
        node->blocks()[b]->replaceOutput(i, graph.insertConstant(lengths[b]));
      }
      out->setType(c10::IntType::get());
      for (const auto& use : std::vector<torch::jit::Use>(out->uses())) {
        use.user->output()->replaceAllUsesWith(out);
        use.user->destroy();
      }
      ++folded;
    }
  }
  return folded;
}

// The mask P a `keep` value negates (keep = logical_not(P)), when P is at the top level.
Value* negatedTopLevel(torch::jit::Graph& graph, Value* keep) {
  Node* p = keep->node();
  if (p->kind() != c10::aten::logical_not || p->input(0)->node()->owningBlock() != graph.block()) return nullptr;
  return p->input(0);
}

size_t padScripted(torch::jit::Graph& graph) {
  size_t rewritten = 0;
  std::vector<Node*> makes;
  collect(graph.block(), makes);
  Value* padding = nullptr;
  Value* batch = nullptr;  // the padded batch the nested one was made from (one for all makes)
  for (Node* make : makes) {
    Node* branch_if = make->owningBlock()->owningNode();
    Value* pad = negatedTopLevel(graph, make->input(1));
    if (!branch_if || branch_if->kind() != c10::prim::If || !pad || branch_if->blocks().size() != 2) continue;
    torch::jit::Block* here = make->owningBlock();
    torch::jit::Block* other = here == branch_if->blocks()[0] ? branch_if->blocks()[1] : branch_if->blocks()[0];
    // (nested, None) here against (batch, pad) there.
    std::vector<size_t> nested_at, none_at;
    for (size_t i = 0; i < here->outputs().size(); ++i) {
      if (here->outputs()[i] == make->output() && other->outputs()[i] == make->input(0)) nested_at.push_back(i);
      if (here->outputs()[i]->type()->kind() == c10::TypeKind::NoneType && other->outputs()[i] == pad)
        none_at.push_back(i);
    }
    if (nested_at.size() != 1 || none_at.size() != 1 || make->output()->uses().size() != 1) continue;
    here->replaceOutput(nested_at[0], make->input(0));
    here->replaceOutput(none_at[0], pad);
    batch = make->input(0);
    make->destroy();
    padding = padding && padding != pad ? nullptr : pad;
    ++rewritten;
  }
  std::function<void(torch::jit::Block*)> rest = [&](torch::jit::Block* block) {
    for (auto it = block->nodes().begin(); it != block->nodes().end();) {
      Node* node = *it++;
      for (auto* sub : node->blocks()) rest(sub);
      if (node->kind() == c10::aten::_nested_tensor_from_mask_left_aligned) {
        torch::jit::WithInsertPoint guard(node);
        node->output()->replaceAllUsesWith(leftAligned(graph, node->input(1)));
        node->destroy();
      } else if (node->kind() == c10::aten::to_padded_tensor && padding &&
                 (argIsNone(node, "output_size") || padsToBatchSize(node, batch))) {
        Value* keep;
        {
          torch::jit::WithInsertPoint guard(node);
          keep = graph.insert(c10::aten::logical_not, {padding});
        }
        padAgain(graph, node, padding, keep);
      }
    }
  };
  if (rewritten) rest(graph.block());
  // The why-not chain folds to one branch choosing between constant strings once the fast-path
  // checks that are known while converting are folded: only after the example runs.
  return rewritten + foldStringLengths(graph, graph.block());
}

}  // namespace

size_t padNestedTensors(std::shared_ptr<torch::jit::Graph>& graph) {
  std::vector<Node*> makes;
  collect(graph->block(), makes);
  size_t rewritten = 0;
  for (Node* make : makes) {
    NestedUse use;
    if (!follow(make->output(), make->input(0), use)) continue;
    rewrite(*graph, make, use);
    ++rewritten;
  }
  return rewritten + padScripted(*graph);
}

}  // namespace pt2onnx
