// Recorder: runs forward() once with a hook after every value to learn dtypes, shapes and values.
#include <torch/csrc/jit/ir/ir.h>
#include <torch/csrc/jit/runtime/custom_operator.h>
#include <torch/csrc/jit/runtime/interpreter.h>
#include <torch/script.h>

#include "frontend/frontend.h"

namespace pt2onnx {
namespace {

struct Sink {
  std::vector<Observation>* observations = nullptr;
  const std::vector<char>* keep = nullptr;
};
thread_local Sink g_sink;

}  // namespace

Quantization quantizationOf(const at::Tensor& t) {
  Quantization q;
  q.storage = t.scalar_type() == c10::ScalarType::QUInt8  ? DType::kUInt8
              : t.scalar_type() == c10::ScalarType::QInt8 ? DType::kInt8
                                                          : DType::kUndefined;
  const auto scheme = t.qscheme();
  if (scheme == c10::kPerTensorAffine || scheme == c10::kPerTensorSymmetric) {
    q.scales = {t.q_scale()};
    q.zero_points = {t.q_zero_point()};
    return q;
  }
  if (scheme == c10::kPerChannelAffine || scheme == c10::kPerChannelSymmetric) {
    at::Tensor s = t.q_per_channel_scales().to(at::kDouble).contiguous();
    at::Tensor z = t.q_per_channel_zero_points().to(at::kLong).contiguous();
    q.scales.assign(s.data_ptr<double>(), s.data_ptr<double>() + s.numel());
    q.zero_points.assign(z.data_ptr<int64_t>(), z.data_ptr<int64_t>() + z.numel());
    q.axis = t.q_per_channel_axis();
    return q;
  }
  q.storage = DType::kUndefined;  // float zero points: no ONNX form
  return q;
}

namespace {

void recordHook(torch::jit::Stack& stack) {
  const int64_t id = stack.back().toInt();
  stack.pop_back();
  c10::IValue value = std::move(stack.back());
  stack.pop_back();
  if (!g_sink.observations) return;
  Observation& o = (*g_sink.observations)[id];
  const bool again = o.seen;  // inside a loop body: sizes that change between iterations become -1
  o.seen = true;
  if (!value.isTensor()) {
    o.value = std::move(value);
    return;
  }
  const at::Tensor& t = value.toTensor();
  o.dtype = t.scalar_type();
  if (t.is_quantized() && !o.quant) o.quant = quantizationOf(t);
  if (t.is_nested()) {  // no sizes: a batch of tensors of different lengths (encoder fast path)
    o.dense = false;
    return;
  }
  o.dense = o.dense && t.is_contiguous() && t.storage_offset() == 0 && t.has_storage() &&
            t.storage().nbytes() == static_cast<size_t>(t.numel()) * t.element_size();
  if (again && o.sizes.size() == static_cast<size_t>(t.dim())) {
    for (size_t k = 0; k < o.sizes.size(); ++k)
      if (o.sizes[k] != t.size(k)) o.sizes[k] = -1;
  } else if (!again) {
    o.sizes = t.sizes().vec();
  }
  if ((*g_sink.keep)[id]) o.value = std::move(value);
}

const c10::Symbol& hookSymbol() {
  // The operator is conservative about aliasing, so no pass treats the hook as dead code.
  static torch::jit::RegisterOperators registration(
      {torch::jit::Operator("pt2onnx::record(Any x, int id) -> ()", recordHook, c10::AliasAnalysisKind::CONSERVATIVE)});
  static const c10::Symbol symbol = c10::Symbol::fromQualString("pt2onnx::record");
  return symbol;
}

bool recordable(const torch::jit::Value* v) {
  auto type = v->type();
  switch (type->kind()) {
    case c10::TypeKind::TensorType:
    case c10::TypeKind::IntType:
    case c10::TypeKind::FloatType:
    case c10::TypeKind::BoolType:
    case c10::TypeKind::NumberType:
      return true;
    case c10::TypeKind::ListType: {
      auto element = type->expectRef<c10::ListType>().getElementType()->kind();
      return element == c10::TypeKind::IntType || element == c10::TypeKind::FloatType ||
             element == c10::TypeKind::BoolType;
    }
    default:
      return false;
  }
}

// (value, node after which to record it); a null node with a block: record at the block's start.
struct Target {
  torch::jit::Value* value;
  torch::jit::Node* after;
  torch::jit::Block* block;
};

void collect(torch::jit::Block* block, std::vector<Target>& out) {
  for (auto* node : block->nodes()) {
    if (node->kind() == c10::prim::Constant) continue;
    for (auto* sub : node->blocks()) {
      for (auto* param : sub->inputs())
        if (recordable(param)) out.push_back({param, nullptr, sub});
      collect(sub, out);
    }
    for (auto* v : node->outputs())
      if (recordable(v)) out.push_back({v, node, nullptr});
  }
}

}  // namespace

Recorder::Recorder(std::shared_ptr<torch::jit::Graph> graph, const std::unordered_set<const torch::jit::Value*>& keep)
    : graph_(std::move(graph)), keep_(keep) {
  const auto& symbol = hookSymbol();
  std::vector<Target> targets;
  for (auto* v : graph_->inputs())
    if (recordable(v)) targets.push_back({v, nullptr, nullptr});
  collect(graph_->block(), targets);

  torch::jit::Node* first = graph_->block()->nodes().front();
  for (const auto& [value, after, block] : targets) {
    auto* id = graph_->create(c10::prim::Constant);
    id->i_(c10::attr::value, static_cast<int64_t>(values_.size()));
    id->output()->setType(c10::IntType::get());
    id->insertBefore(first);
    auto* hook = graph_->create(symbol, {value, id->output()}, 0);
    if (after)
      hook->insertAfter(after);
    else if (block)
      hook->insertBefore(block->nodes().front());
    else
      hook->insertBefore(first);
    hooks_.push_back(hook);
    hooks_.push_back(id);
    values_.push_back(value);
  }
}

Recorder::~Recorder() { detach(); }

std::vector<Observation> Recorder::run(const c10::IValue& self, const std::vector<c10::IValue>& inputs,
                                       std::vector<c10::IValue>* outputs) {
  std::vector<Observation> observations(values_.size());
  std::vector<char> keep(values_.size());
  for (size_t i = 0; i < values_.size(); ++i) keep[i] = keep_.count(values_[i]) ? 1 : 0;
  g_sink = {&observations, &keep};
  struct Reset {
    ~Reset() { g_sink = {}; }
  } reset;
  torch::NoGradGuard no_grad;
  torch::jit::Code code(graph_, "forward");
  torch::jit::InterpreterState state(code);
  torch::jit::Stack stack;
  if (!graph_->inputs().empty() && graph_->inputs()[0]->type()->kind() == c10::TypeKind::ClassType)
    stack.push_back(self);
  for (const auto& v : inputs) stack.push_back(v);
  state.run(stack);
  if (outputs) *outputs = std::move(stack);
  return observations;
}

void Recorder::detach() {
  // Hooks were pushed before their id constants, so uses go before definitions.
  for (auto* node : hooks_) node->destroy();
  hooks_.clear();
}

}  // namespace pt2onnx
