// Dead-node elimination: nodes none of whose outputs reach a graph output.
#include <unordered_map>

#include "optimize/graph_state.h"

namespace pt2onnx {

size_t removeDeadNodes(GraphState& state) {
  auto& graph = state.graph();
  std::unordered_map<std::string, size_t> uses;
  std::vector<std::string> reads;
  for (const auto& node : graph.node()) nodeReads(node, reads);
  for (const auto& name : reads) ++uses[name];
  for (const auto& out : graph.output()) ++uses[out.name()];
  // Nodes are in topological order: walking back, a node's readers have been decided already.
  size_t removed = 0;
  for (int i = graph.node_size() - 1; i >= 0; --i) {
    const auto& node = graph.node(i);
    bool used = false;
    for (const auto& out : node.output()) used = used || (!out.empty() && uses[out] > 0);
    if (used) continue;
    state.removeNode(i);
    ++removed;
    reads.clear();
    nodeReads(node, reads);
    for (const auto& name : reads) --uses[name];
  }
  return removed;
}

}  // namespace pt2onnx
