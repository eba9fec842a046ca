// Archives made on a GPU (`model.cuda()` before torch.jit.trace, as many export scripts do) name
// their device in the code: `torch.zeros(..., device=torch.device("cuda:0"))`, `x.cuda()`. LibTorch
// here runs on the CPU, and an ONNX model has no device, so every such device reads as the CPU:
// the weights already load there (torch::jit::load maps them), and the example runs then work.
#include <spdlog/spdlog.h>
#include <torch/csrc/jit/api/function_impl.h>
#include <torch/csrc/jit/ir/ir.h>
#include <torch/script.h>

#include <set>
#include <string>

#include "frontend/frontend.h"

namespace pt2onnx {
namespace {

using torch::jit::Node;

// Rewrites the block's device constants and `.cuda()` calls; names the devices met in `devices`.
size_t moveBlock(torch::jit::Graph& graph, torch::jit::Block* block, std::set<std::string>& devices) {
  static const auto kCuda = c10::Symbol::fromQualString("aten::cuda");
  size_t moved = 0;
  for (auto it = block->nodes().begin(); it != block->nodes().end();) {
    Node* node = *it++;
    for (auto* sub : node->blocks()) moved += moveBlock(graph, sub, devices);
    if (node->kind() == c10::prim::Constant && node->output()->type()->kind() == c10::TypeKind::DeviceObjType) {
      auto value = torch::jit::toIValue(node->output());
      if (!value || !value->isDevice() || value->toDevice().is_cpu()) continue;
      devices.insert(value->toDevice().str());
      torch::jit::WithInsertPoint guard(node);
      node->output()->replaceAllUsesWith(graph.insertConstant(c10::Device(c10::kCPU)));
      node->destroy();
      ++moved;
    } else if (node->kind() == kCuda && node->inputs().size() == 1) {
      devices.insert("cuda");
      node->output()->replaceAllUsesWith(node->input(0));
      node->destroy();
      ++moved;
    }
  }
  return moved;
}

}  // namespace

void forEachCodeGraph(torch::jit::Module& module, const std::function<void(torch::jit::Graph&)>& visit) {
  for (auto* function : module._ivalue()->compilation_unit()->get_functions())
    if (auto* graph_function = torch::jit::tryToGraphFunction(*function)) visit(*graph_function->graph());
}

size_t moveDevicesToCpu(torch::jit::Module& module) {
  size_t moved = 0;
  std::set<std::string> devices;
  forEachCodeGraph(module, [&](torch::jit::Graph& graph) { moved += moveBlock(graph, graph.block(), devices); });
  if (moved) {
    std::string names;
    for (const auto& d : devices) names += (names.empty() ? "" : ", ") + d;
    spdlog::warn(
        "the model was traced or scripted on {}: pt2onnx runs it on the CPU (an ONNX model names no device; the "
        "runtime chooses one)",
        names);
  }
  return moved;
}

}  // namespace pt2onnx
