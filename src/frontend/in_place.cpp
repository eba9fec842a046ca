// In-place operators before mutation removal: which nodes write and through which views, graph
// inputs and frozen buffers that are written, the dtype an in-place result keeps, and the
// functional copies that mutation removal leaves.
#include "frontend/in_place.h"

#include <spdlog/spdlog.h>
#include <torch/csrc/jit/ir/ir.h>

#include <algorithm>
#include <unordered_set>

#include "frontend/frontend.h"

namespace pt2onnx {

using torch::jit::Block;
using torch::jit::Graph;
using torch::jit::Node;
using torch::jit::Value;

namespace {

bool isTensor(const Value* v) { return v->type()->kind() == c10::TypeKind::TensorType; }

template <typename F>
void forEachNode(Block* block, F&& f) {
  for (auto it = block->nodes().begin(); it != block->nodes().end();) {
    Node* node = *it++;
    for (auto* sub : node->blocks()) forEachNode(sub, f);
    f(node);
  }
}

}  // namespace

bool isView(const Node* node) {
  static const std::unordered_set<std::string> kinds = {
      "aten::slice",   "aten::select",  "aten::unsqueeze", "aten::squeeze", "aten::view",
      "aten::reshape", "aten::flatten", "aten::transpose", "aten::permute", "aten::t",
      "aten::alias",   "aten::narrow",  "aten::detach"};
  return kinds.count(node->kind().toQualString()) && node->inputs().size() >= 1 && isTensor(node->input(0)) &&
         node->outputs().size() == 1;
}

bool isInPlace(const Node* node) {
  const std::string kind = node->kind().toQualString();
  if (kind.rfind("aten::", 0) != 0 || kind.size() < 8 || kind.back() != '_' || kind.substr(kind.size() - 2) == "__")
    return false;
  return node->inputs().size() >= 1 && isTensor(node->input(0)) && node->outputs().size() == 1;
}

Value* aliasRoot(Value* v) {
  while (isView(v->node())) v = v->node()->input(0);
  return v;
}

size_t cloneWrittenInputs(std::shared_ptr<Graph>& graph) {
  std::vector<Value*> roots;
  forEachNode(graph->block(), [&](Node* node) {
    if (!isInPlace(node)) return;
    Value* root = aliasRoot(node->input(0));
    const bool input =
        root->node()->kind() == c10::prim::Param && root->node()->owningBlock() == root->owningGraph()->block();
    const bool constant = root->node()->kind() == c10::prim::Constant;
    if ((input || constant) && std::find(roots.begin(), roots.end(), root) == roots.end()) roots.push_back(root);
  });
  for (Value* root : roots) {
    const bool input = root->node()->kind() == c10::prim::Param;
    if (input)
      spdlog::warn(
          "the model writes its input '{}' in place; ONNX inputs cannot change, so the write makes a new "
          "value, seen by the outputs that return it",
          root->debugNameBase());
    torch::jit::WithInsertPoint guard(input ? graph->block()->nodes().front() : root->node()->next());
    Value* copy = graph->insert(c10::aten::clone, {root});
    root->replaceAllUsesWith(copy);
    copy->node()->replaceInput(0, root);
  }
  return roots.size();
}

size_t keepInPlaceDtypes(std::shared_ptr<Graph>& graph) {
  // `x.mul_(y)` with a float16 x and a float32 y computes in float32 and stores float16; the
  // functional `mul` that mutation removal puts in its place would return float32. These become
  // `x.copy_(mul(x, y).type_as(x))`, which keeps x's dtype; a cast that changes nothing is dropped
  // at conversion.
  static const std::unordered_set<std::string> promoting = {
      "aten::add_",       "aten::sub_",     "aten::mul_",         "aten::div_",        "aten::true_divide_",
      "aten::remainder_", "aten::fmod_",    "aten::pow_",         "aten::atan2_",      "aten::floor_divide_",
      "aten::hypot_",     "aten::lerp_",    "aten::addcmul_",     "aten::addcdiv_",    "aten::copysign_",
      "aten::maximum_",   "aten::minimum_", "aten::bitwise_and_", "aten::bitwise_or_", "aten::bitwise_xor_"};
  size_t rewritten = 0;
  forEachNode(graph->block(), [&](Node* node) {
    if (!promoting.count(node->kind().toQualString())) return;
    bool tensor_operand = false;
    for (size_t i = 1; i < node->inputs().size(); ++i) tensor_operand = tensor_operand || isTensor(node->input(i));
    if (!tensor_operand) return;  // a Python scalar never changes the dtype of a tensor
    const std::string kind = node->kind().toQualString();
    torch::jit::WithInsertPoint guard(node);
    Node* functional = graph->create(c10::Symbol::fromQualString(kind.substr(0, kind.size() - 1)), node->inputs(), 1);
    graph->insertNode(functional);
    if (!functional->maybeSchema()) {
      functional->destroy();
      return;
    }
    functional->output()->setType(node->output()->type());
    Value* self = node->input(0);
    Value* typed = graph->insert(c10::aten::type_as, {functional->output(), self});
    Value* written = graph->insert(c10::aten::copy_, {self, typed});
    written->node()->copyMetadata(node);
    node->output()->replaceAllUsesWith(written);
    node->destroy();
    ++rewritten;
  });
  return rewritten;
}

bool isTypedResultOf(const Value* src, const Value* self) {
  const Node* typed = src->node();
  return typed->kind() == c10::aten::type_as && typed->input(1) == self && !typed->input(0)->node()->inputs().empty() &&
         typed->input(0)->node()->input(0) == self;
}

size_t lowerCopies(std::shared_ptr<Graph>& graph) {
  // aten::copy(self, src), what mutation removal makes of `self.copy_(src)`: src in self's dtype,
  // broadcast to self's shape. keepInPlaceDtypes' copies already have both.
  size_t lowered = 0;
  forEachNode(graph->block(), [&](Node* node) {
    if (node->kind() != c10::aten::copy || node->inputs().size() < 2) return;
    Value* self = node->input(0);
    Value* src = node->input(1);
    Node* typed = src->node();
    const bool own = typed->kind() == c10::aten::to && typed->inputs().size() >= 2 &&
                     typed->input(1)->node()->kind() == c10::prim::dtype && typed->input(1)->node()->input(0) == self &&
                     typed->input(0)->node()->inputs().size() >= 1 && typed->input(0)->node()->input(0) == self;
    torch::jit::WithInsertPoint guard(node);
    Value* result =
        own ? src : graph->insert(c10::aten::expand_as, {graph->insert(c10::aten::type_as, {src, self}), self});
    node->output()->replaceAllUsesWith(result);
    node->destroy();
    ++lowered;
  });
  return lowered;
}

}  // namespace pt2onnx
