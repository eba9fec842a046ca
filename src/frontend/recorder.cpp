// Recorder: runs forward() once with a hook after every value to learn dtypes, shapes and values.
#include <torch/csrc/jit/ir/constants.h>
#include <torch/csrc/jit/ir/ir.h>
#include <torch/csrc/jit/passes/dead_code_elimination.h>
#include <torch/csrc/jit/runtime/custom_operator.h>
#include <torch/csrc/jit/runtime/interpreter.h>
#include <torch/script.h>

#include <functional>
#include <optional>
#include <string>
#include <unordered_set>

#include "core/diagnostics.h"
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
  return runGraph(graph_, self, inputs, outputs);
}

std::vector<Observation> Recorder::runGraph(const std::shared_ptr<torch::jit::Graph>& graph, const c10::IValue& self,
                                            const std::vector<c10::IValue>& inputs, std::vector<c10::IValue>* outputs) {
  std::vector<Observation> observations(values_.size());
  std::vector<char> keep(values_.size());
  for (size_t i = 0; i < values_.size(); ++i) keep[i] = keep_.count(values_[i]) ? 1 : 0;
  g_sink = {&observations, &keep};
  struct Reset {
    ~Reset() { g_sink = {}; }
  } reset;
  torch::NoGradGuard no_grad;
  torch::jit::Code code(graph, "forward");
  torch::jit::InterpreterState state(code);
  torch::jit::Stack stack;
  if (!graph->inputs().empty() && graph->inputs()[0]->type()->kind() == c10::TypeKind::ClassType) stack.push_back(self);
  for (const auto& v : inputs) stack.push_back(v);
  state.run(stack);
  if (outputs) *outputs = std::move(stack);
  return observations;
}

namespace {

// Tensors to meta tensors of the same sizes, strides and dtypes, in lists and tuples too. Returns
// false for a value it cannot carry over (a quantized or sparse tensor, an object).
bool toMeta(c10::IValue& v) {
  if (v.isTensor()) {
    const at::Tensor& t = v.toTensor();
    if (!t.defined()) return true;
    if (t.is_quantized() || t.layout() != c10::kStrided || t.is_nested()) return false;
    v = metaLike(t);
    return true;
  }
  if (v.isList()) {
    auto list = v.toList();
    for (size_t i = 0; i < list.size(); ++i) {
      c10::IValue item = list.get(i);
      if (!toMeta(item)) return false;
      list.set(i, item);
    }
    return true;
  }
  if (v.isTuple()) {
    std::vector<c10::IValue> items(v.toTupleRef().elements().begin(), v.toTupleRef().elements().end());
    for (auto& item : items)
      if (!toMeta(item)) return false;
    v = c10::ivalue::Tuple::create(std::move(items));
    return true;
  }
  return !v.isObject() && !v.isGenericDict() && !v.isFuture() && !v.isCapsule();
}

// The graph's tensor constants (the frozen weights) as meta tensors, and its "cpu" device
// constants as "meta", until destroyed. Constants of 0 dims stay: LibTorch mixes those with
// tensors of any device, and a size or a number read from one keeps its value. ok() is false when
// a constant cannot be carried over; the graph is then as it was.
class MetaConstants {
 public:
  explicit MetaConstants(torch::jit::Block* block) { ok_ = swap(block); }
  ~MetaConstants() {
    for (auto& [node, value] : saved_) {
      if (value.isTensor())
        node->t_(c10::attr::value, value.toTensor());
      else if (value.isString())
        node->s_(c10::attr::value, value.toStringRef());
      else
        node->ival_(c10::attr::value, value);
    }
  }
  bool ok() const { return ok_; }

 private:
  bool swap(torch::jit::Block* block) {
    for (auto* node : block->nodes()) {
      for (auto* sub : node->blocks())
        if (!swap(sub)) return false;
      if (node->kind() != c10::prim::Constant || !node->hasAttribute(c10::attr::value)) continue;
      const auto& type = node->output()->type();
      if (type->kind() == c10::TypeKind::DeviceObjType &&
          node->kindOf(c10::attr::value) == torch::jit::AttributeKind::s) {
        if (node->s(c10::attr::value) != "cpu") continue;
        saved_.emplace_back(node, c10::IValue(node->s(c10::attr::value)));
        node->s_(c10::attr::value, "meta");
        continue;
      }
      if (type->kind() == c10::TypeKind::TensorType && node->kindOf(c10::attr::value) == torch::jit::AttributeKind::t) {
        const at::Tensor t = node->t(c10::attr::value);
        if (t.dim() == 0) continue;
        if (t.is_quantized() || t.layout() != c10::kStrided || !t.device().is_cpu()) return false;
        saved_.emplace_back(node, c10::IValue(t));
        node->t_(c10::attr::value, metaLike(t));
        continue;
      }
      // A list of tensors (an LSTM's flat weights) in LibTorch's generic constant form.
      if (type->kind() == c10::TypeKind::ListType &&
          node->kindOf(c10::attr::value) == torch::jit::AttributeKind::ival) {
        c10::IValue list = node->ival(c10::attr::value);
        if (list.isTensorList()) {
          c10::IValue meta = list.toTensorList().copy();
          if (!toMeta(meta)) return false;
          saved_.emplace_back(node, list);
          node->ival_(c10::attr::value, meta);
          continue;
        }
      }
      // A tuple of tensors, an object holding some (quantized packed weights): not carried over.
      if (mayHoldTensors(type)) return false;
    }
    return true;
  }

  static bool mayHoldTensors(const c10::TypePtr& type) {
    switch (type->kind()) {
      case c10::TypeKind::TensorType:
      case c10::TypeKind::ClassType:
      case c10::TypeKind::AnyType:
      case c10::TypeKind::InterfaceType:
        return true;
      default:
        break;
    }
    for (const auto& contained : type->containedTypes())
      if (mayHoldTensors(contained)) return true;
    return false;
  }

  std::vector<std::pair<torch::jit::Node*, c10::IValue>> saved_;
  bool ok_ = false;
};

// Whether the graph asks where its tensors are in a way a meta tensor answers differently from a
// CPU one (`x.is_cpu`, `str(x.device)`, `x.device == y`): PyTorch's encoder picks its fast path
// that way, and a run on meta tensors would take another branch than the real runs. A device
// passed on as a `device=` argument (tensors made beside the input) is fine.
bool asksForDevices(torch::jit::Block* block) {
  for (auto* node : block->nodes()) {
    for (auto* sub : node->blocks())
      if (asksForDevices(sub)) return true;
    const auto kind = node->kind();
    static const std::unordered_set<std::string> queries = {"prim::is_cpu", "prim::is_meta", "aten::get_device",
                                                            "aten::is_meta"};
    if (queries.count(kind.toQualString())) return true;
    if (kind != c10::prim::device) continue;
    for (const auto& use : node->output()->uses()) {
      const auto* schema = use.user->maybeSchema();
      if (!schema || use.offset >= schema->arguments().size() || schema->arguments()[use.offset].name() != "device")
        return true;
    }
  }
  return false;
}

}  // namespace

std::optional<std::vector<Observation>> Recorder::runShapesOnly(const c10::IValue& self,
                                                                const std::vector<c10::IValue>& inputs,
                                                                std::string* why) {
  registerMetaKernels();
  const bool has_self = !graph_->inputs().empty() && graph_->inputs()[0]->type()->kind() == c10::TypeKind::ClassType;
  if (has_self && !graph_->inputs()[0]->uses().empty()) {
    if (why) *why = "the method reads the module's attributes";
    return std::nullopt;
  }
  if (asksForDevices(graph_->block())) {
    if (why) *why = "the model looks at its tensors' devices";
    return std::nullopt;
  }
  std::vector<c10::IValue> meta_inputs = inputs;
  for (auto& v : meta_inputs)
    if (!toMeta(v)) {
      if (why) *why = "an input has no meta form";
      return std::nullopt;
    }
  std::optional<std::vector<Observation>> observations;
  {
    MetaConstants constants(graph_->block());
    if (!constants.ok()) {
      if (why) *why = "a constant has no meta form";
      return std::nullopt;
    }
    try {
      observations = run(self, meta_inputs);
    } catch (const std::exception& e) {
      if (why) *why = e.what();
    }
  }
  return observations;
}

std::vector<Observation> Recorder::runKept(const c10::IValue& self, const std::vector<c10::IValue>& inputs,
                                           const std::vector<Observation>& shapes) {
  // A copy without the model's results and without the hooks of values not kept: dead code
  // elimination leaves what the kept values are made from (the hooks count as side effects).
  // Numbers the meta run saw (sizes, mostly) become constants first: read from a deep tensor's
  // shape, they would otherwise keep everything that tensor is made from.
  std::shared_ptr<torch::jit::Graph> pruned = graph_->copy();
  std::unordered_set<int64_t> kept;
  for (size_t i = 0; i < values_.size(); ++i)
    if (keep_.count(values_[i])) kept.insert(static_cast<int64_t>(i));
  auto known_number = [&](int64_t id) -> std::optional<c10::IValue> {
    if (id < 0 || static_cast<size_t>(id) >= shapes.size() || !shapes[id].seen) return std::nullopt;
    const c10::IValue& v = shapes[id].value;
    if (v.isInt() || v.isDouble() || v.isBool() || v.isIntList() || v.isBoolList() || v.isDoubleList()) return v;
    return std::nullopt;  // tensors hold no data on meta, and a device read there says "meta"
  };
  std::function<void(torch::jit::Block*)> prune = [&](torch::jit::Block* block) {
    for (auto it = block->nodes().begin(); it != block->nodes().end();) {
      torch::jit::Node* node = *it++;
      for (auto* sub : node->blocks()) prune(sub);
      if (node->kind() != hookSymbol()) continue;
      auto id = torch::jit::constant_as<int64_t>(node->input(1));
      if (!id || !kept.count(*id)) {
        node->destroy();
        continue;
      }
      // Only at the top level: a value inside a loop body takes a value per iteration.
      torch::jit::Value* value = node->input(0);
      auto number = block == pruned->block() ? known_number(*id) : std::nullopt;
      if (!number) continue;
      torch::jit::WithInsertPoint guard(pruned->block()->nodes().front());
      if (auto constant = torch::jit::tryInsertConstant(*pruned, *number)) {
        node->destroy();
        value->replaceAllUsesWith(*constant);
      }
    }
  };
  prune(pruned->block());
  for (size_t i = pruned->outputs().size(); i-- > 0;) pruned->eraseOutput(i);
  torch::jit::EliminateDeadCode(pruned);
  return runGraph(pruned, self, inputs);
}

void Recorder::detach() {
  // Hooks were pushed before their id constants, so uses go before definitions.
  for (auto* node : hooks_) node->destroy();
  hooks_.clear();
}

}  // namespace pt2onnx
