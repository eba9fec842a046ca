// Common subexpression elimination (a node computing what an earlier one computed: same operator,
// inputs and attributes) and merging of small initializers with the same type, dims and bytes.
#include <algorithm>
#include <unordered_map>

#include "optimize/graph_state.h"

namespace pt2onnx {
namespace {

// Operators whose every run gives new values.
bool isRandom(const std::string& op) {
  return op == "RandomNormal" || op == "RandomNormalLike" || op == "RandomUniform" || op == "RandomUniformLike" ||
         op == "Multinomial" || op == "Bernoulli";
}

bool hasSubgraph(const onnx::NodeProto& node) {
  for (const auto& a : node.attribute())
    if (a.has_g() || a.graphs_size() > 0) return true;
  return false;
}

std::string nodeKey(GraphState& state, const onnx::NodeProto& node) {
  std::string key = node.domain() + '\n' + node.op_type() + '\n';
  for (const auto& in : node.input()) key += state.resolve(in) + '\n';
  key += std::to_string(node.output_size()) + '\n';
  for (const auto& out : node.output()) key += out.empty() ? '0' : '1';
  std::vector<std::string> attrs;
  for (const auto& a : node.attribute()) attrs.push_back(a.SerializeAsString());
  std::sort(attrs.begin(), attrs.end());
  for (const auto& a : attrs) key += '\n' + std::to_string(a.size()) + ':' + a;
  return key;
}

}  // namespace

size_t mergeCommonSubexpressions(GraphState& state) {
  auto& graph = state.graph();
  std::unordered_map<std::string, int> first;  // key -> node index
  size_t removed = 0;
  for (int i = 0; i < graph.node_size(); ++i) {
    const auto& node = graph.node(i);
    if (isRandom(node.op_type()) || hasSubgraph(node)) continue;
    auto [it, fresh] = first.emplace(nodeKey(state, node), i);
    if (fresh) continue;
    const auto& original = graph.node(it->second);
    bool outputs_free = true;
    for (const auto& out : node.output()) outputs_free = outputs_free && !state.isGraphOutput(out);
    if (!outputs_free) continue;
    for (int k = 0; k < node.output_size(); ++k)
      if (!node.output(k).empty()) state.replace(node.output(k), original.output(k));
    state.removeNode(i);
    ++removed;
  }
  return removed;
}

size_t mergeDuplicateInitializers(GraphState& state) {
  auto& graph = state.graph();
  std::unordered_map<std::string, std::string> first;  // type, dims and bytes -> name
  size_t merged = 0;
  for (const auto& init : graph.initializer()) {
    if (!state.smallInitializer(init.name())) continue;
    onnx::TensorProto unnamed = init;
    unnamed.clear_name();
    auto [it, fresh] = first.emplace(unnamed.SerializeAsString(), init.name());
    if (fresh || !state.replace(init.name(), it->second)) continue;
    ++merged;
  }
  return merged;
}

}  // namespace pt2onnx
