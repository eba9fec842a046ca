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

std::vector<MissingOperator> missingOperators(const torch::jit::Graph& graph, int opset,
                                              const std::vector<std::string>& fallback) {
  std::map<std::string, MissingOperator> missing;
  std::function<void(const torch::jit::Block*)> walk = [&](const torch::jit::Block* block) {
    for (const auto* node : block->nodes()) {
      for (const auto* sub : node->blocks()) walk(sub);
      if (node->kind() == c10::prim::Constant) continue;
      std::string kind = node->kind().toQualString();
      if (registry().find(kind, opset) || fallbackApplies(*node, fallback)) continue;
      auto& m = missing[kind];
      if (m.count++ == 0) {
        m.kind = kind;
        m.location = sourceLocation(*node);
        m.lowest_opset = registry().lowestOpset(kind).value_or(0);
      }
    }
  };
  walk(graph.block());
  std::vector<MissingOperator> out;
  for (auto& [kind, m] : missing) out.push_back(std::move(m));
  return out;
}

void checkSupported(const torch::jit::Graph& graph, int opset, const std::vector<std::string>& fallback) {
  const auto missing = missingOperators(graph, opset, fallback);
  if (missing.empty()) return;
  std::ostringstream msg;
  msg << missing.size() << " operator" << (missing.size() == 1 ? " has" : "s have") << " no converter at opset "
      << opset << "; nothing was written:";
  for (const auto& m : missing) {
    msg << "\n  " << m.kind << " (" << m.count << "x";
    if (!m.location.empty()) msg << ", first at " << m.location;
    msg << ")";
    if (m.lowest_opset && m.lowest_opset <= maxOpset())
      msg << ": needs opset " << m.lowest_opset << " or later; try --opset " << m.lowest_opset;
    else if (m.lowest_opset)
      msg << ": needs opset " << m.lowest_opset << " or later, which a build against ONNX 1." << m.lowest_opset - 5
          << " or later (e.g. Debian 13's) accepts; this one stops at " << maxOpset();
    if (const std::string* why = registry().noteFor(m.kind)) msg << ": " << *why;
  }
  throw Error(ExitCode::kUnsupported, msg.str());
}

}  // namespace pt2onnx
