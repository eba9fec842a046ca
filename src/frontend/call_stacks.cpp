// Inlined call stacks that stay valid. Freezing in LibTorch 1.13 removes the functions of the
// module copy it inlined from, while the frozen graph's nodes keep pointing at them in their
// inlined call stacks; when the model then fails in an example run, the interpreter reads those
// pointers to print its TorchScript traceback and crashes. Each call stack is rebuilt with the
// same source ranges, module instances and function names, over functions that live as long as
// the process.
#include <torch/csrc/jit/api/function_impl.h>
#include <torch/csrc/jit/ir/ir.h>
#include <torch/csrc/jit/ir/scope.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "frontend/frontend.h"

namespace pt2onnx {
namespace {

// A function with nothing but a name, for tracebacks to print.
torch::jit::Function* namedFunction(const std::string& name) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<torch::jit::GraphFunction>>* functions =
      new std::map<std::string, std::unique_ptr<torch::jit::GraphFunction>>();  // never freed
  std::lock_guard<std::mutex> lock(mutex);
  auto& f = (*functions)[name];
  if (!f)
    f = std::make_unique<torch::jit::GraphFunction>(c10::QualifiedName(name.empty() ? "<inlined>" : name),
                                                    std::make_shared<torch::jit::Graph>(), nullptr);
  return f.get();
}

}  // namespace

void repairCallStacks(torch::jit::Graph& graph) {
  std::unordered_map<const torch::jit::InlinedCallStack*, torch::jit::InlinedCallStackPtr> rebuilt;
  std::function<torch::jit::InlinedCallStackPtr(const torch::jit::InlinedCallStackPtr&)> rebuild =
      [&](const torch::jit::InlinedCallStackPtr& cs) {
        auto it = rebuilt.find(cs.get());
        if (it != rebuilt.end()) return it->second;
        torch::jit::Function* fn = namedFunction(cs->function_name());
        torch::jit::InlinedCallStackPtr copy =
            cs->callee()
                ? c10::make_intrusive<torch::jit::InlinedCallStack>(rebuild(*cs->callee()), fn, cs->source_range(),
                                                                    cs->module_instance())
                : c10::make_intrusive<torch::jit::InlinedCallStack>(fn, cs->source_range(), cs->module_instance());
        rebuilt.emplace(cs.get(), copy);
        return copy;
      };
  std::function<void(torch::jit::Block*)> walk = [&](torch::jit::Block* block) {
    for (auto* node : block->nodes()) {
      if (auto cs = node->callstack()) node->setCallStack(rebuild(*cs));
      for (auto* sub : node->blocks()) walk(sub);
    }
  };
  walk(graph.block());
}

}  // namespace pt2onnx
