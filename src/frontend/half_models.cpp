// Archives whose weights are float16 or bfloat16 (`model.half()` on a GPU before tracing, as many
// deployment scripts do) cannot run on LibTorch's CPU kernels, most of which have no float16 form
// in LibTorch 1.13 (addmm, convolution, softmax, norms). pt2onnx converts them in float32: the
// weights are widened (exactly: every float16 value is a float32 value), and every dtype argument
// in the code that names float16 or bfloat16 (`x.half()`, `torch.zeros(..., dtype=torch.half)`)
// names float32. The ONNX model then computes in float32; inputs declared float16 keep their type
// and are cast on entry (src/frontend/inputs.cpp).
#include <spdlog/spdlog.h>
#include <torch/csrc/jit/ir/ir.h>
#include <torch/script.h>

#include <set>
#include <string>
#include <vector>

#include "frontend/frontend.h"

namespace pt2onnx {
namespace {

using torch::jit::Node;

bool isHalf(c10::ScalarType t) { return t == c10::ScalarType::Half || t == c10::ScalarType::BFloat16; }
std::string dtypeName(c10::ScalarType t) { return t == c10::ScalarType::Half ? "float16" : "bfloat16"; }

// Whether schema argument `arg` is a dtype (ScalarType or ScalarType?).
bool isDtypeArgument(const c10::Argument& arg) {
  c10::TypePtr type = arg.real_type();
  if (auto optional = type->cast<c10::OptionalType>()) type = optional->getElementType();
  return type->kind() == c10::TypeKind::ScalarTypeType;
}

// Rewrites float16/bfloat16 dtype arguments and .half()/.bfloat16() calls in the block.
size_t widenBlock(torch::jit::Graph& graph, torch::jit::Block* block) {
  static const auto kHalf = c10::Symbol::fromQualString("aten::half");
  static const auto kBFloat16 = c10::Symbol::fromQualString("aten::bfloat16");
  size_t changed = 0;
  for (auto it = block->nodes().begin(); it != block->nodes().end();) {
    Node* node = *it++;
    for (auto* sub : node->blocks()) changed += widenBlock(graph, sub);
    if ((node->kind() == kHalf || node->kind() == kBFloat16) && node->inputs().size() >= 1) {
      torch::jit::WithInsertPoint guard(node);
      Node* to = graph.create(c10::aten::to, {node->input(0), graph.insertConstant(static_cast<int64_t>(c10::kFloat)),
                                              graph.insertConstant(false), graph.insertConstant(false),
                                              graph.insertConstant(c10::IValue())});
      graph.insertNode(to);
      to->output()->setType(node->output()->type());
      node->output()->replaceAllUsesWith(to->output());
      node->destroy();
      ++changed;
      continue;
    }
    if (node->kind() == c10::prim::Constant && node->output()->type()->kind() == c10::TypeKind::TensorType) {
      auto value = torch::jit::toIValue(node->output());
      if (!value || !value->isTensor() || !isHalf(value->toTensor().scalar_type())) continue;
      torch::jit::WithInsertPoint guard(node);
      node->output()->replaceAllUsesWith(graph.insertConstant(value->toTensor().to(c10::kFloat)));
      node->destroy();
      ++changed;
      continue;
    }
    const c10::FunctionSchema* schema = node->maybeSchema();
    if (!schema) continue;
    for (size_t i = 0; i < node->inputs().size() && i < schema->arguments().size(); ++i) {
      if (!isDtypeArgument(schema->arguments()[i])) continue;
      auto value = torch::jit::toIValue(node->input(i));
      if (!value || !value->isInt() || !isHalf(static_cast<c10::ScalarType>(value->toInt()))) continue;
      torch::jit::WithInsertPoint guard(node);
      node->replaceInput(i, graph.insertConstant(static_cast<int64_t>(c10::kFloat)));
      ++changed;
    }
  }
  return changed;
}

}  // namespace

bool widenHalfModel(torch::jit::Module& module) {
  std::vector<at::Tensor> halves;  // parameters and buffers; other dtypes (a float64 one) stay
  std::set<std::string> kinds;
  for (const auto& p : module.named_parameters(/*recurse=*/true))
    if (isHalf(p.value.scalar_type())) halves.push_back(p.value);
  for (const auto& b : module.named_buffers(/*recurse=*/true))
    if (isHalf(b.value.scalar_type())) halves.push_back(b.value);
  if (halves.empty()) return false;
  const size_t tensors = halves.size();
  for (auto& t : halves) {
    kinds.insert(dtypeName(t.scalar_type()));
    t.set_data(t.to(c10::kFloat));  // in place: the module holds the same tensor
  }
  size_t changed = 0;
  forEachCodeGraph(module, [&](torch::jit::Graph& graph) { changed += widenBlock(graph, graph.block()); });
  std::string names;
  for (const auto& k : kinds) names += (names.empty() ? "" : " and ") + k;
  spdlog::warn(
      "the model's weights are {} ({} tensors), which LibTorch cannot compute with on the CPU: pt2onnx converts it in "
      "float32 (weights widened exactly{}), so the ONNX model computes and returns float32; float16 inputs stay "
      "float16 and are cast on entry",
      names, tensors, changed ? ", dtype arguments naming them read as float32" : "");
  return true;
}

}  // namespace pt2onnx
