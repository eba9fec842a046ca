// Sizes that follow input values: dims of values whose shape depends on what an input holds
// (`torch.arange(n.item())`, `x[mask]`, `nonzero`) are dynamic even when the example runs saw
// one size, so no converter bakes them and no folding fixes them.
//
// The example runs change only the sizes of dynamic axes, never the data, so a size read from
// the data looks fixed. Two flows are tracked over every block: values that depend on input
// values (not only on input shapes), and tensors whose shape depends on such values.
#include <torch/csrc/jit/ir/ir.h>

#include <unordered_set>

#include "frontend/frontend.h"

namespace pt2onnx {
namespace {

using torch::jit::Node;
using torch::jit::Value;

// Queries that read a tensor's metadata, never its contents.
bool readsOnlyMetadata(const Node* node) {
  static const std::unordered_set<std::string> kinds = {
      "aten::size",       "aten::dim",       "aten::numel",      "aten::len",
      "prim::dtype",      "prim::device",    "prim::shape",      "aten::_shape_as_tensor",
      "aten::zeros_like", "aten::ones_like", "aten::empty_like", "aten::new_zeros",
      "aten::new_ones",   "aten::new_empty", "prim::layout",     "aten::is_floating_point",
      "prim::is_cuda"};
  return kinds.count(node->kind().toQualString()) > 0;
}

// Operators whose output shape depends on the values of their tensor inputs.
bool shapeFollowsValues(const Node* node) {
  static const std::unordered_set<std::string> kinds = {"aten::nonzero",
                                                        "aten::nonzero_numpy",
                                                        "aten::argwhere",
                                                        "aten::masked_select",
                                                        "aten::unique",
                                                        "aten::_unique",
                                                        "aten::_unique2",
                                                        "aten::unique_dim",
                                                        "aten::unique_consecutive",
                                                        "aten::bincount",
                                                        "aten::repeat_interleave",
                                                        "aten::index",
                                                        "aten::_pack_padded_sequence",
                                                        "aten::_pad_packed_sequence",
                                                        "torchvision::nms"};
  if (kinds.count(node->kind().toQualString())) return true;
  // one_hot(labels, -1): as many classes as the largest label needs.
  if (node->kind() == c10::aten::one_hot && node->inputs().size() == 2) {
    auto classes = torch::jit::constant_as<int64_t>(node->input(1));
    return classes && *classes < 0;
  }
  return false;
}

// Operators whose Python-number arguments never change the output's shape.
bool numberArgsKeepShape(const Node* node) {
  static const std::unordered_set<std::string> kinds = {
      "aten::add",          "aten::sub",         "aten::mul",         "aten::div",
      "aten::rsub",         "aten::pow",         "aten::clamp",       "aten::clamp_min",
      "aten::clamp_max",    "aten::where",       "aten::masked_fill", "aten::fill_",
      "aten::eq",           "aten::ne",          "aten::lt",          "aten::gt",
      "aten::le",           "aten::ge",          "aten::remainder",   "aten::fmod",
      "aten::floor_divide", "aten::true_divide", "aten::leaky_relu",  "aten::hardtanh",
      "aten::threshold",    "aten::softplus",    "aten::elu",         "aten::lerp",
      "aten::addcmul",      "aten::addcdiv",     "prim::NumToTensor", "aten::scalar_tensor",
      "aten::full_like",    "prim::If",          "prim::Loop",        "aten::to",
      "aten::type_as",      "aten::dropout",     "aten::celu",        "aten::selu",
      "aten::select",       "aten::roll",        "aten::rrelu",       "aten::hardshrink",
      "aten::softshrink"};
  return kinds.count(node->kind().toQualString()) > 0;
}

bool isTensor(const Value* v) { return v->type()->kind() == c10::TypeKind::TensorType; }

// Python numbers and number lists: what sizes, counts and factors are made of.
bool isNumber(const Value* v) {
  auto type = v->type();
  if (auto list = type->cast<c10::ListType>()) type = list->getElementType();
  switch (type->kind()) {
    case c10::TypeKind::IntType:
    case c10::TypeKind::FloatType:
    case c10::TypeKind::NumberType:
    case c10::TypeKind::BoolType:
      return true;
    default:
      return false;
  }
}

class Flow {
 public:
  explicit Flow(const torch::jit::Graph& graph) {
    for (const auto* v : graph.inputs())
      if (v->type()->kind() != c10::TypeKind::ClassType) data_.insert(v);
  }

  void block(const torch::jit::Block* b) {
    for (const auto* node : b->nodes()) visit(node);
  }

  const std::unordered_set<const Value*>& sized() const { return sized_; }

 private:
  void visit(const Node* node) {
    bool data_in = false, sized_in = false, number_in = false;
    for (const auto* in : node->inputs()) {
      const bool data = data_.count(in) > 0;
      data_in = data_in || data;
      sized_in = sized_in || sized_.count(in) > 0;
      number_in = number_in || (data && isNumber(in));
    }
    // Loop-carried and branch values: block inputs follow the node's inputs, outputs follow the
    // block outputs (twice, so a value carried around a loop reaches its own input).
    for (int pass = 0; pass < (node->kind() == c10::prim::Loop ? 2 : 1); ++pass) {
      for (const auto* sub : node->blocks()) {
        for (size_t i = 0; i < sub->inputs().size(); ++i) {
          const Value* param = sub->inputs()[i];
          // Loop body inputs: (iteration, carried...) fed by (trip count, condition, initial...).
          const size_t outer = node->kind() == c10::prim::Loop && i > 0 ? i + 1 : i;
          if (outer < node->inputs().size()) copy(node->input(outer), param);
          if (node->kind() == c10::prim::Loop && i > 0 && i - 1 < node->outputs().size())
            copy(node->output(i - 1), param);
          if (data_in) data_.insert(param);
        }
        block(sub);
        const size_t skip = node->kind() == c10::prim::Loop ? 1 : 0;  // the loop's continue condition
        for (size_t i = skip; i < sub->outputs().size() && i - skip < node->outputs().size(); ++i)
          copy(sub->outputs()[i], node->output(i - skip));
      }
    }
    if (node->kind() == c10::prim::Constant || readsOnlyMetadata(node)) return;
    const bool sized = sized_in || (number_in && !numberArgsKeepShape(node)) || (data_in && shapeFollowsValues(node));
    // A recurrent layer's final states are [layers * dirs, batch, hidden] whatever the sequence.
    const std::string kind = node->kind().toQualString();
    const bool recurrent =
        kind == "aten::lstm" || kind == "aten::gru" || kind == "aten::rnn_tanh" || kind == "aten::rnn_relu";
    for (size_t i = 0; i < node->outputs().size(); ++i) {
      const Value* out = node->output(i);
      if (data_in) data_.insert(out);
      if (sized && isTensor(out) && !(recurrent && i > 0)) sized_.insert(out);
    }
  }

  void copy(const Value* from, const Value* to) {
    if (data_.count(from)) data_.insert(to);
    if (sized_.count(from)) sized_.insert(to);
  }

  std::unordered_set<const Value*> data_;
  std::unordered_set<const Value*> sized_;
};

}  // namespace

size_t markValueDependentSizes(const torch::jit::Graph& graph, ValueMetaMap& meta) {
  Flow flow(graph);
  flow.block(graph.block());
  size_t marked = 0;
  for (const auto* v : flow.sized()) {
    auto it = meta.find(v->unique());
    if (it == meta.end()) continue;
    bool changed = false;
    for (auto& d : it->second.shape) {
      changed = changed || d >= 0;
      d = -1;
    }
    marked += changed;
  }
  return marked;
}

}  // namespace pt2onnx
