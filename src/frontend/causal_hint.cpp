// torch 2.x's nn.Transformer* modules, given a mask but no is_causal hint, test at run time whether
// the mask equals the causal one (_detect_is_causal_mask: same size and every element equal to
// triu(full((s, s), -inf), 1)) and, when it does, let scaled_dot_product_attention build the
// causal mask itself instead of reading it. Both paths compute the same attention: the hint only
// picks a faster kernel (torch documents is_causal=False with a causal mask as merely slower). A
// run-time bool there would become an ONNX If over optional masks, so the test is replaced by
// False: the mask is read as given, in every case.
#include <torch/csrc/jit/ir/constants.h>
#include <torch/csrc/jit/ir/ir.h>

#include <cmath>
#include <vector>

#include "frontend/frontend.h"

namespace pt2onnx {
namespace {

using torch::jit::Node;
using torch::jit::Value;

const Node* producedBy(const Value* value, c10::Symbol kind) {
  const Node* node = value->node();
  return node->kind() == kind ? node : nullptr;
}

bool isConstant(const Value* value, double expected) {
  auto iv = torch::jit::toIValue(const_cast<Value*>(value));
  if (!iv) return false;
  if (iv->isDouble()) return iv->toDouble() == expected;
  if (iv->isInt()) return static_cast<double>(iv->toInt()) == expected;
  return false;
}

bool isFalse(const Value* value) {
  auto iv = torch::jit::toIValue(const_cast<Value*>(value));
  return iv && iv->isBool() && !iv->toBool();
}

// triu(full([s, s], -inf, ...), 1): the additive causal mask of a square attention.
bool isSquareCausalMask(const Value* value) {
  const Node* triu = producedBy(value, c10::aten::triu);
  if (!triu || triu->inputs().size() != 2 || !isConstant(triu->input(1), 1)) return false;
  const Node* full = producedBy(triu->input(0), c10::aten::full);
  if (!full || full->inputs().size() < 2 || !isConstant(full->input(1), -INFINITY)) return false;
  const Node* sizes = producedBy(full->input(0), c10::prim::ListConstruct);
  return sizes && sizes->inputs().size() == 2 && sizes->input(0) == sizes->input(1);
}

// The tensor size() was called on, for the overload without a dim.
const Value* sizeOf(const Value* list) {
  const Node* size = producedBy(list, c10::aten::size);
  return size && size->inputs().size() == 1 ? size->input(0) : nullptr;
}

// prim::If(size(a) == size(b)) { bool((a == b).all()) } else { False }, b (or a) the causal mask.
bool isCausalMaskTest(const Node* node) {
  if (node->kind() != c10::prim::If || node->outputs().size() != 1 || node->blocks().size() != 2) return false;
  if (node->output()->type()->kind() != c10::TypeKind::BoolType) return false;
  const Node* cond = producedBy(node->input(0), c10::aten::eq);
  if (!cond || cond->inputs().size() != 2) return false;
  const Value* a = sizeOf(cond->input(0));
  const Value* b = sizeOf(cond->input(1));
  if (!a || !b || !(isSquareCausalMask(a) || isSquareCausalMask(b))) return false;
  if (!isFalse(node->blocks()[1]->outputs()[0])) return false;
  const Node* to_bool = producedBy(node->blocks()[0]->outputs()[0], c10::aten::Bool);
  const Node* all = to_bool ? producedBy(to_bool->input(0), c10::aten::all) : nullptr;
  if (!all || all->inputs().size() != 1) return false;
  const Node* eq = producedBy(all->input(0), c10::aten::eq);
  if (!eq || eq->inputs().size() != 2) return false;
  return (eq->input(0) == a && eq->input(1) == b) || (eq->input(0) == b && eq->input(1) == a);
}

void collect(torch::jit::Block* block, std::vector<Node*>& tests) {
  for (auto* node : block->nodes()) {
    for (auto* sub : node->blocks()) collect(sub, tests);
    if (isCausalMaskTest(node)) tests.push_back(node);
  }
}

}  // namespace

size_t dropCausalMaskTests(std::shared_ptr<torch::jit::Graph>& graph) {
  std::vector<Node*> tests;
  collect(graph->block(), tests);
  if (tests.empty()) return 0;
  torch::jit::WithInsertPoint guard(graph->block()->nodes().front());
  Value* no = graph->insertConstant(false);
  for (Node* test : tests) test->output()->replaceAllUsesWith(no);
  return tests.size();
}

}  // namespace pt2onnx
