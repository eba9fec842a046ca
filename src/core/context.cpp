// Context: the conversion state, argument access and type/shape queries on TorchScript values.
#include "core/context.h"

#include <ATen/ATen.h>
#include <torch/csrc/jit/ir/constants.h>

#include <cstring>
#include <functional>
#include <sstream>

#include "core/context_impl.h"
#include "onnx/dtype.h"

namespace pt2onnx {

int64_t normalizeAxis(int64_t axis, int64_t rank) {
  int64_t r = axis < 0 ? axis + rank : axis;
  if (r < 0 || r >= std::max<int64_t>(rank, 1))
    throw ConvertError("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  return r;
}

// ---- Impl ----------------------------------------------------------------------------------

std::string Context::Impl::freshName(const std::string& hint) {
  std::string base = sanitize(hint);
  std::string name = base;
  // Names are never released, so every suffix below next_suffix[base] is taken: each base's
  // search resumes where it stopped, which keeps naming linear in the number of names.
  size_t& i = next_suffix[base];
  if (i == 0) i = 1;
  while (used_names.count(name)) name = base + "_" + std::to_string(i++);
  used_names.insert(name);
  return name;
}

std::string Context::Impl::nameHint(const Value* value) {
  if (value->hasDebugName()) return value->debugName();
  if (positions.empty()) {
    std::function<void(const torch::jit::Block*)> number = [&](const torch::jit::Block* block) {
      for (const Value* v : block->inputs()) positions.emplace(v, positions.size() + 1);
      for (const Node* node : block->nodes()) {
        for (const torch::jit::Block* sub : node->blocks()) number(sub);
        for (const Value* v : node->outputs()) positions.emplace(v, positions.size() + 1);
      }
    };
    number(graph->block());
  }
  auto it = positions.find(value);
  return it != positions.end() ? std::to_string(it->second) : "t" + std::to_string(value->unique());
}

std::string Context::Impl::addInitializer(const at::Tensor& tensor, const std::string& hint) {
  const bool small = tensor.numel() <= 64;
  std::string key;
  at::Tensor t = tensor.detach().contiguous();
  if (small) {
    std::ostringstream k;
    k << c10::toString(t.scalar_type()) << t.sizes() << ":";
    key = k.str() + std::string(static_cast<const char*>(t.data_ptr()), t.numel() * t.element_size());
    auto it = small_constants.find(key);
    if (it != small_constants.end()) return it->second;
  }
  std::string name = freshName(hint);
  const std::string stored = weights->add(t, name, main->add_initializer());
  if (stored != name) main->mutable_initializer()->RemoveLast();  // the same tensor is already there
  if (small) {
    small_constants[key] = stored;
    small_values.emplace(stored, t);
  }
  return stored;
}

// ---- Context -------------------------------------------------------------------------------

Context::Context(int opset, std::shared_ptr<torch::jit::Graph> graph, const ValueMetaMap& meta, onnx::GraphProto* out,
                 Weights& weights)
    : impl_(std::make_unique<Impl>()) {
  impl_->weights = &weights;
  impl_->opset = opset;
  impl_->graph = std::move(graph);
  impl_->meta = &meta;
  impl_->main = out;
  impl_->graphs.push_back(out);
}

Context::~Context() = default;

Context::Impl& Context::impl() { return *impl_; }

int Context::opset() const { return impl_->opset; }

std::string Context::kind(const Node& node) const { return node.kind().toQualString(); }

const Value* Context::arg(const Node& node, const char* schema_name) const {
  auto* schema = node.maybeSchema();
  if (!schema) throw InternalError(kind(node) + " has no schema; read its inputs by index");
  auto index = schema->argumentIndexWithName(schema_name);
  if (!index) throw InternalError(kind(node) + " has no argument named '" + schema_name + "'");
  return node.input(*index);
}

const Value* Context::input(const Node& node, size_t index) const {
  if (index >= node.inputs().size()) throw ConvertError("expected at least " + std::to_string(index + 1) + " inputs");
  return node.input(index);
}

size_t Context::inputCount(const Node& node) const { return node.inputs().size(); }

const Value* Context::output(const Node& node, size_t index) const { return node.output(index); }

size_t Context::outputCount(const Node& node) const { return node.outputs().size(); }

const Node* Context::producer(const Value* value) const { return value->node(); }

bool Context::hasUses(const Value* value) const { return !value->uses().empty(); }

std::vector<const Node*> Context::users(const Value* value) const {
  std::vector<const Node*> out;
  for (const auto& use : value->uses()) out.push_back(use.user);
  return out;
}

bool Context::isNone(const Value* value) const {
  // A prim::Constant without a value is None, also when typed Optional (`Tensor? = prim::Constant()`).
  return value->type()->kind() == c10::TypeKind::NoneType ||
         (value->node()->kind() == c10::prim::Constant && !value->node()->hasAttribute(c10::attr::value));
}

bool Context::isOptionalType(const Value* value) const { return value->type()->kind() == c10::TypeKind::OptionalType; }

bool Context::isConstant(const Value* value) const { return value->node()->kind() == c10::prim::Constant; }

bool Context::isTensor(const Value* value) const {
  auto type = value->type();
  if (auto opt = type->cast<c10::OptionalType>()) type = opt->getElementType();
  return type->isSubtypeOf(*c10::TensorType::get());
}

bool Context::isList(const Value* value) const { return value->type()->kind() == c10::TypeKind::ListType; }

bool Context::isTensorList(const Value* value) const {
  auto list = value->type()->cast<c10::ListType>();
  if (!list) return false;
  auto element = list->getElementType();
  if (auto opt = element->cast<c10::OptionalType>()) element = opt->getElementType();
  return element->isSubtypeOf(*c10::TensorType::get());
}

int64_t Context::constInt(const Value* value) const {
  auto iv = constantOf(value);
  if (iv.isInt()) return iv.toInt();
  if (iv.isBool()) return iv.toBool();
  if (iv.isTensor() && iv.toTensor().numel() == 1 && !iv.toTensor().is_floating_point())
    return iv.toTensor().item<int64_t>();
  throw ConvertError("argument " + describe(value) + " must be a constant int");
}

double Context::constDouble(const Value* value) const {
  auto iv = constantOf(value);
  if (iv.isDouble()) return iv.toDouble();
  if (iv.isInt()) return static_cast<double>(iv.toInt());
  if (iv.isBool()) return iv.toBool() ? 1.0 : 0.0;
  if (iv.isTensor() && iv.toTensor().numel() == 1) return iv.toTensor().item<double>();
  throw ConvertError("argument " + describe(value) + " must be a constant number");
}

bool Context::constBool(const Value* value) const {
  auto iv = constantOf(value);
  if (iv.isBool()) return iv.toBool();
  if (iv.isInt()) return iv.toInt() != 0;
  throw ConvertError("argument " + describe(value) + " must be a constant bool");
}

std::string Context::constString(const Value* value) const {
  auto iv = constantOf(value);
  if (iv.isString()) return iv.toStringRef();
  throw ConvertError("argument " + describe(value) + " must be a constant string");
}

std::vector<int64_t> Context::constInts(const Value* value) const {
  if (auto v = maybeConstInts(value)) return *v;
  throw ConvertError("argument " + describe(value) + " must be a constant int list");
}

std::vector<double> Context::constDoubles(const Value* value) const {
  auto iv = constantOf(value);
  if (iv.isDoubleList()) return iv.toDoubleVector();
  if (iv.isIntList()) {
    auto ints = iv.toIntVector();
    return std::vector<double>(ints.begin(), ints.end());
  }
  if (iv.isDouble() || iv.isInt()) return {constDouble(value)};
  throw ConvertError("argument " + describe(value) + " must be a constant float list");
}

std::optional<int64_t> Context::maybeConstInt(const Value* value) const {
  auto iv = torch::jit::toIValue(const_cast<Value*>(value));
  if (!iv) return std::nullopt;
  if (iv->isInt()) return iv->toInt();
  if (iv->isBool()) return static_cast<int64_t>(iv->toBool());
  return std::nullopt;
}

std::optional<std::vector<int64_t>> Context::maybeConstInts(const Value* value) const {
  auto iv = torch::jit::toIValue(const_cast<Value*>(value));
  if (iv) {
    if (iv->isIntList()) return iv->toIntVector();
    if (iv->isInt()) return std::vector<int64_t>{iv->toInt()};
    return std::nullopt;
  }
  // A list built from constants that constant propagation left alone.
  const Node* p = value->node();
  if (p->kind() != c10::prim::ListConstruct) return std::nullopt;
  std::vector<int64_t> out;
  for (const Value* element : p->inputs()) {
    auto v = maybeConstInt(element);
    if (!v) return std::nullopt;
    out.push_back(*v);
  }
  return out;
}

// ---- types and shapes ----------------------------------------------------------------------

DType Context::dtype(const Value* value) const {
  auto it = impl_->meta->find(value->unique());
  if (it != impl_->meta->end() && it->second.dtype != DType::kUndefined) return it->second.dtype;
  auto type = value->type();
  switch (type->kind()) {
    case c10::TypeKind::IntType:
      return DType::kInt64;
    case c10::TypeKind::FloatType:
      return DType::kFloat;
    case c10::TypeKind::BoolType:
      return DType::kBool;
    default:
      break;
  }
  if (isConstant(value)) {
    auto iv = torch::jit::toIValue(const_cast<Value*>(value));
    if (iv && iv->isTensor())
      return iv->toTensor().is_quantized() ? DType::kFloat : fromTorch(iv->toTensor().scalar_type());
  }
  if (auto tt = type->cast<c10::TensorType>())
    if (auto st = tt->scalarType()) return fromTorch(*st);
  if (auto opt = impl_->optionals.find(value); opt != impl_->optionals.end()) return opt->second.second;
  // `if y is not None: y...` reads an optional's element where no example run went.
  if (value->node()->kind() == c10::prim::unchecked_cast) return dtype(value->node()->input());
  return DType::kUndefined;
}

int64_t Context::rank(const Value* value) const {
  auto it = impl_->meta->find(value->unique());
  if (it != impl_->meta->end()) return static_cast<int64_t>(it->second.shape.size());
  auto kind = value->type()->kind();
  if (kind == c10::TypeKind::IntType || kind == c10::TypeKind::FloatType || kind == c10::TypeKind::BoolType) return 0;
  if (isConstant(value)) {
    auto iv = torch::jit::toIValue(const_cast<Value*>(value));
    if (iv && iv->isTensor()) return iv->toTensor().dim();
  }
  if (auto tt = value->type()->cast<c10::TensorType>())
    if (auto d = tt->dim()) return static_cast<int64_t>(*d);
  return -1;
}

std::vector<std::vector<int64_t>> Context::observedSizes(const Value* value) const {
  auto it = impl_->meta->find(value->unique());
  if (it == impl_->meta->end()) return {};
  std::vector<std::vector<int64_t>> seen;
  if (!it->second.sizes.empty() || it->second.shape.empty()) seen.push_back(it->second.sizes);
  for (const auto& s : it->second.resized_sizes)
    if (!s.empty()) seen.push_back(s);
  return seen;
}

bool Context::denseStorage(const Value* value) const {
  auto it = impl_->meta->find(value->unique());
  return it != impl_->meta->end() && it->second.dense;
}

std::vector<int64_t> Context::shape(const Value* value) const {
  auto it = impl_->meta->find(value->unique());
  if (it != impl_->meta->end()) return it->second.shape;
  if (isConstant(value)) {
    auto iv = torch::jit::toIValue(const_cast<Value*>(value));
    if (iv && iv->isTensor()) return iv->toTensor().sizes().vec();
  }
  // Unrecorded (a branch no example run took) but of known rank: every dim is computed in the graph.
  if (int64_t r = rank(value); r >= 0) return std::vector<int64_t>(static_cast<size_t>(r), -1);
  throw ConvertError("the shape of " + describe(value) + " is unknown");
}

int64_t Context::requireRank(const Value* value) const {
  int64_t r = rank(value);
  if (r < 0) throw ConvertError("the rank of " + describe(value) + " is unknown");
  return r;
}

DType Context::requireDType(const Value* value) const {
  DType d = dtype(value);
  if (d == DType::kUndefined) throw ConvertError("the element type of " + describe(value) + " is unknown");
  return d;
}

}  // namespace pt2onnx
