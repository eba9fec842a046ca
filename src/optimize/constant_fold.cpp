// Constant folding: nodes whose inputs are all constants (small initializers, shapes of static
// dims) become initializers. A dynamic dim is never made a constant: a Shape with dynamic dims
// stays computed, and only the data-movement ops after it (Gather, Slice, Squeeze, Unsqueeze,
// Concat) are looked through to fold the parts that pick static dims alone.
#include <ATen/ATen.h>

#include <algorithm>
#include <unordered_map>

#include "io/tensor_file.h"
#include "onnx/tensor.h"
#include "optimize/evaluate.h"
#include "optimize/graph_state.h"

namespace pt2onnx {
namespace {

// Folded values larger than this stay computed, so folding never makes weight-sized constants.
constexpr int64_t kMaxFoldedBytes = 64 << 10;
constexpr int64_t kDynamic = -1;  // a dynamic dim inside a partly known shape

bool movesData(const std::string& op) {
  return op == "Gather" || op == "Slice" || op == "Squeeze" || op == "Unsqueeze" || op == "Concat";
}

int64_t attrInt(const onnx::NodeProto& node, const char* name, int64_t fallback) {
  for (const auto& a : node.attribute())
    if (a.name() == name) return a.i();
  return fallback;
}

// The dims a Shape node reads (its start/end attributes, opset 15), -1 for dynamic ones.
std::optional<std::vector<int64_t>> shapeDims(GraphState& state, const onnx::NodeProto& node) {
  const ValueShape s = state.shape(state.resolve(node.input(0)));
  if (!s.known) return std::nullopt;
  const auto rank = static_cast<int64_t>(s.dims.size());
  auto bound = [rank](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + rank : v, 0, rank); };
  const int64_t start = bound(attrInt(node, "start", 0)), end = bound(attrInt(node, "end", rank));
  if (start >= end) return std::vector<int64_t>{};
  return std::vector<int64_t>(s.dims.begin() + start, s.dims.begin() + end);
}

bool hasDynamic(const at::Tensor& t) { return t.scalar_type() == at::kLong && (t == kDynamic).any().item<bool>(); }

class Folder {
 public:
  explicit Folder(GraphState& state) : state_(state) {}

  size_t run() {
    size_t folded = 0;
    auto& graph = state_.graph();
    for (int i = 0; i < graph.node_size(); ++i) {
      const auto& node = graph.node(i);
      if (!node.domain().empty() || node.output_size() == 0) continue;
      bool to_output = false;
      for (const auto& out : node.output()) to_output = to_output || state_.isGraphOutput(out);
      if (to_output) continue;
      std::optional<std::vector<at::Tensor>> outs = evaluate(node);
      if (!outs || outs->size() != static_cast<size_t>(node.output_size())) continue;
      int64_t bytes = 0;
      for (const auto& t : *outs) bytes += t.numel() * t.element_size();
      if (bytes > kMaxFoldedBytes) continue;
      for (size_t k = 0; k < outs->size(); ++k) {
        if (node.output(k).empty()) continue;
        onnx::TensorProto init;
        toTensorProto((*outs)[k].contiguous(), node.output(k), &init);
        state_.addInitializer(std::move(init));
        constants_[node.output(k)] = (*outs)[k];
      }
      state_.removeNode(i);
      ++folded;
    }
    return folded;
  }

 private:
  std::optional<std::vector<at::Tensor>> evaluate(const onnx::NodeProto& node) {
    const std::string& op = node.op_type();
    if (op == "Shape" || op == "Size") {
      auto dims = shapeDims(state_, node);
      if (!dims) return std::nullopt;
      const bool all_static = std::all_of(dims->begin(), dims->end(), [](int64_t d) { return d >= 0; });
      if (op == "Size") {
        if (!all_static) return std::nullopt;
        int64_t n = 1;
        for (auto d : *dims) n *= d;
        return std::vector<at::Tensor>{at::scalar_tensor(n, at::kLong)};
      }
      at::Tensor t = at::tensor(*dims, at::kLong);
      if (all_static) return std::vector<at::Tensor>{t};
      partial_[node.output(0)] = t;
      return std::nullopt;
    }
    std::vector<at::Tensor> in;
    bool any_partial = false;
    for (const auto& name : node.input()) {
      if (name.empty()) {
        in.emplace_back();
        continue;
      }
      const std::string& source = state_.resolve(name);
      auto p = partial_.find(source);
      if (p != partial_.end()) {
        any_partial = true;
        in.push_back(p->second);
        continue;
      }
      at::Tensor t = constant(source);
      if (!t.defined()) return std::nullopt;
      in.push_back(t);
    }
    if (any_partial && !movesData(op)) return std::nullopt;
    std::optional<std::vector<at::Tensor>> out;
    try {
      out = evaluateNode(node, in);
    } catch (const std::exception&) {
      return std::nullopt;  // inputs the operator rejects: the runtime will say so
    }
    if (!out || !any_partial) return out;
    if (out->size() == 1 && hasDynamic(out->front())) {
      partial_[node.output(0)] = out->front();
      return std::nullopt;
    }
    return out;
  }

  at::Tensor constant(const std::string& name) {
    auto it = constants_.find(name);
    if (it != constants_.end()) return it->second;
    const onnx::TensorProto* init = state_.smallInitializer(name);
    if (!init) return {};
    at::Tensor t;
    try {
      t = readTensorProto(init->SerializeAsString());
    } catch (const std::exception&) {
      return {};
    }
    constants_.emplace(name, t);
    return t;
  }

  GraphState& state_;
  std::unordered_map<std::string, at::Tensor> constants_;
  std::unordered_map<std::string, at::Tensor> partial_;
};

}  // namespace

size_t foldConstants(GraphState& state) { return Folder(state).run(); }

}  // namespace pt2onnx
