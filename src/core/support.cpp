// Operator support check: every operator kind in every block with no converter at the opset.
#include <torch/csrc/jit/ir/ir.h>

#include <functional>
#include <map>
#include <optional>
#include <sstream>

#include "core/diagnostics.h"
#include "core/fallback.h"
#include "core/registry.h"
#include "core/stages.h"

namespace pt2onnx {

void checkSupported(const torch::jit::Graph& graph, int opset, const std::vector<std::string>& fallback) {
  struct Missing {
    size_t count = 0;
    std::string location;
    std::optional<int> lowest;
  };
  std::map<std::string, Missing> missing;
  std::function<void(const torch::jit::Block*)> walk = [&](const torch::jit::Block* block) {
    for (const auto* node : block->nodes()) {
      for (const auto* sub : node->blocks()) walk(sub);
      if (node->kind() == c10::prim::Constant) continue;
      std::string kind = node->kind().toQualString();
      if (registry().find(kind, opset) || fallbackApplies(*node, fallback)) continue;
      auto& m = missing[kind];
      if (m.count++ == 0) {
        m.location = sourceLocation(*node);
        m.lowest = registry().lowestOpset(kind);
      }
    }
  };
  walk(graph.block());
  if (missing.empty()) return;
  std::ostringstream msg;
  msg << missing.size() << " operator" << (missing.size() == 1 ? " has" : "s have") << " no converter at opset "
      << opset << "; nothing was written:";
  for (const auto& [kind, m] : missing) {
    msg << "\n  " << kind << " (" << m.count << "x";
    if (!m.location.empty()) msg << ", first at " << m.location;
    msg << ")";
    if (m.lowest) msg << ": needs opset " << *m.lowest << " or later; try --opset " << *m.lowest;
    if (const std::string* why = registry().noteFor(kind)) msg << ": " << *why;
  }
  throw Error(ExitCode::kUnsupported, msg.str());
}

}  // namespace pt2onnx
