// nn.TransformerEncoder's fast path with a padding mask runs its layers on a nested tensor: the
// padded batch is cut into sequences of their own lengths (_nested_tensor_from_mask), each fused
// layer attends within a sequence, and to_padded_tensor pads the result again, with zeros, to the
// longest length. Nested tensors have no ONNX form (nor sizes to record), so the same computation
// is written on the padded batch: each layer masks the padding keys (what attending within a
// sequence means), and the result is zeroed at the padding and cut to the longest sequence.
#include <torch/csrc/jit/ir/constants.h>
#include <torch/csrc/jit/ir/ir.h>

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

// The layers and paddings the nested value flows through, when that is all it flows through.
bool follow(Value* nested, NestedUse& use) {
  for (const auto& u : nested->uses()) {
    Node* user = u.user;
    if (u.offset != 0) return false;
    if (user->kind() == c10::aten::_transformer_encoder_layer_fwd && argIsNone(user, "mask")) {
      use.layers.push_back(user);
      if (!follow(user->output(), use)) return false;
    } else if (user->kind() == c10::aten::to_padded_tensor && argIsNone(user, "output_size")) {
      use.pads.push_back(user);
    } else {
      return false;
    }
  }
  return true;
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
  for (Node* pad : use.pads) {
    torch::jit::WithInsertPoint guard(pad);
    Value* zeroed =
        graph.insert(c10::aten::masked_fill,
                     {pad->input(0), graph.insert(c10::aten::unsqueeze, {padding, int64_t{-1}}), pad->input(1)});
    Value* lengths = graph.insert(c10::aten::sum, {keep, std::vector<int64_t>{1}});
    Value* longest = graph.insert(c10::aten::Int, {graph.insert(c10::aten::max, {lengths})});
    Value* cut = graph.insert(c10::aten::slice, {zeroed, int64_t{1}, int64_t{0}, longest, int64_t{1}});
    pad->output()->replaceAllUsesWith(cut);
    pad->destroy();
  }
}

void collect(torch::jit::Block* block, std::vector<Node*>& makes) {
  for (auto* node : block->nodes()) {
    for (auto* sub : node->blocks()) collect(sub, makes);
    if (node->kind() == c10::aten::_nested_tensor_from_mask) makes.push_back(node);
  }
}

}  // namespace

size_t padNestedTensors(std::shared_ptr<torch::jit::Graph>& graph) {
  std::vector<Node*> makes;
  collect(graph->block(), makes);
  size_t rewritten = 0;
  for (Node* make : makes) {
    NestedUse use;
    if (!follow(make->output(), use)) continue;
    rewrite(*graph, make, use);
    ++rewritten;
  }
  return rewritten;
}

}  // namespace pt2onnx
