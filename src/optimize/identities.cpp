// Identity elimination: nodes whose output equals their first input (Identity, a Cast to the same
// type, a Reshape/Expand/Squeeze/Unsqueeze/Flatten to the same static shape, a Transpose by the
// identity permutation, Dropout in inference, an Unsqueeze undone by a Squeeze on the same axes).
#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "optimize/graph_state.h"

namespace pt2onnx {
namespace {

bool sameStaticShape(GraphState& state, const std::string& a, const std::string& b) {
  const ValueShape sa = state.shape(a), sb = state.shape(b);
  return sa.isStatic() && sb.isStatic() && sa.dims == sb.dims;
}

// Axes of an Unsqueeze or Squeeze, from the attribute (before opset 13) or a constant input.
bool constantAxes(GraphState& state, const onnx::NodeProto& node, std::vector<int64_t>& axes) {
  if (const auto* a = attribute(node, "axes")) {
    axes.assign(a->ints().begin(), a->ints().end());
    return true;
  }
  if (node.input_size() < 2) return false;
  const onnx::TensorProto* t = state.smallInitializer(state.resolve(node.input(1)));
  if (!t || t->data_type() != onnx::TensorProto::INT64) return false;
  if (t->has_raw_data()) {
    axes.resize(t->raw_data().size() / sizeof(int64_t));
    std::memcpy(axes.data(), t->raw_data().data(), axes.size() * sizeof(int64_t));
  } else {
    axes.assign(t->int64_data().begin(), t->int64_data().end());
  }
  return true;
}

bool isIdentity(GraphState& state, const onnx::NodeProto& node) {
  const std::string& op = node.op_type();
  if (!node.domain().empty() || node.input_size() == 0 || node.output_size() == 0) return false;
  const std::string& in = node.input(0);
  const std::string& out = node.output(0);
  if (op == "Identity") return true;
  if (op == "Cast") {
    const auto* to = attribute(node, "to");
    return to && state.elemType(in) != 0 && state.elemType(in) == to->i();
  }
  if (op == "Reshape" || op == "Expand" || op == "Squeeze" || op == "Unsqueeze" || op == "Flatten")
    return sameStaticShape(state, in, out);
  if (op == "Transpose") {
    const auto* perm = attribute(node, "perm");
    if (!perm) return false;  // the default reverses the dims
    for (int i = 0; i < perm->ints_size(); ++i)
      if (perm->ints(i) != i) return false;
    return true;
  }
  if (op == "Dropout") {
    // In inference (no training_mode input) Dropout passes its input; the mask must be unused.
    const bool training_input = node.input_size() >= 3 && !node.input(2).empty();
    return !training_input && (node.output_size() < 2 || node.output(1).empty());
  }
  return false;
}

}  // namespace

size_t removeIdentities(GraphState& state) {
  auto& graph = state.graph();
  // Unsqueeze outputs -> (input, axes), to spot a Squeeze that undoes one.
  std::unordered_map<std::string, std::pair<std::string, std::vector<int64_t>>> unsqueezed;
  size_t removed = 0;
  for (int i = 0; i < graph.node_size(); ++i) {
    const auto& node = graph.node(i);
    if (node.op_type() == "Unsqueeze" && node.domain().empty()) {
      std::vector<int64_t> axes;
      if (constantAxes(state, node, axes)) unsqueezed[node.output(0)] = {state.resolve(node.input(0)), axes};
    }
    std::string source;
    if (isIdentity(state, node)) source = node.input(0);
    if (source.empty() && node.op_type() == "Squeeze" && node.domain().empty() && node.input_size() > 0) {
      auto it = unsqueezed.find(state.resolve(node.input(0)));
      std::vector<int64_t> axes;
      // Negative axes count from different ranks on the two sides: only non-negative ones match.
      if (it != unsqueezed.end() && constantAxes(state, node, axes) && axes == it->second.second &&
          std::all_of(axes.begin(), axes.end(), [](int64_t a) { return a >= 0; }))
        source = it->second.first;
    }
    if (source.empty() || !state.replace(node.output(0), source)) continue;
    state.removeNode(i);
    ++removed;
  }
  return removed;
}

}  // namespace pt2onnx
