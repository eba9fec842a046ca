// Context: argument access, type/shape queries and ONNX emission for converters.
#include "core/context.h"

#include <ATen/ATen.h>
#include <torch/csrc/jit/ir/constants.h>

#include <cstring>
#include <sstream>

#include "core/context_impl.h"
#include "onnx/dtype.h"
#include "onnx/tensor.h"

namespace pt2onnx {
namespace {

std::string sanitize(const std::string& hint) {
  std::string out;
  for (char c : hint) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.') ? c : '_';
  return out.empty() ? std::string("v") : out;
}

std::string describe(const Value* value) { return "%" + value->debugName(); }

c10::IValue constantOf(const Value* value) {
  auto iv = torch::jit::toIValue(const_cast<Value*>(value));
  if (!iv) throw ConvertError("argument " + describe(value) + " must be a constant");
  return *iv;
}

}  // namespace

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
  for (size_t i = 1; used_names.count(name); ++i) name = base + "_" + std::to_string(i);
  used_names.insert(name);
  return name;
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
  toTensorProto(t, name, main->add_initializer());
  if (small) small_constants[key] = name;
  return name;
}

// ---- Context -------------------------------------------------------------------------------

Context::Context(int opset, std::shared_ptr<torch::jit::Graph> graph, const ValueMetaMap& meta, onnx::GraphProto* out)
    : impl_(std::make_unique<Impl>()) {
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

bool Context::isNone(const Value* value) const {
  // A prim::Constant without a value is None, also when typed Optional (`Tensor? = prim::Constant()`).
  return value->type()->kind() == c10::TypeKind::NoneType ||
         (value->node()->kind() == c10::prim::Constant && !value->node()->hasAttribute(c10::attr::value));
}

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
    if (iv && iv->isTensor()) return fromTorch(iv->toTensor().scalar_type());
  }
  if (auto tt = type->cast<c10::TensorType>())
    if (auto st = tt->scalarType()) return fromTorch(*st);
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

std::vector<int64_t> Context::shape(const Value* value) const {
  auto it = impl_->meta->find(value->unique());
  if (it != impl_->meta->end()) return it->second.shape;
  if (isConstant(value)) {
    auto iv = torch::jit::toIValue(const_cast<Value*>(value));
    if (iv && iv->isTensor()) return iv->toTensor().sizes().vec();
  }
  if (rank(value) == 0) return {};
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

// ---- ONNX side -----------------------------------------------------------------------------

std::string Context::tensor(const Value* value) {
  if (impl_->poisoned.count(value)) throw PoisonedValue();
  auto it = impl_->names.find(value);
  if (it != impl_->names.end()) return it->second;
  if (impl_->lists.count(value)) throw ConvertError(describe(value) + " is a list where a tensor was expected");
  if (isConstant(value)) {
    if (isNone(value)) throw ConvertError("argument " + describe(value) + " is None where a tensor was expected");
    auto iv = constantOf(value);
    std::string name;
    if (iv.isTensor())
      name = impl_->addInitializer(iv.toTensor(), value->debugName());
    else if (iv.isInt())
      name = scalarI64(iv.toInt());
    else if (iv.isDouble())
      name = scalar(iv.toDouble(), DType::kFloat);
    else if (iv.isBool())
      name = scalar(iv.toBool(), DType::kBool);
    else if (iv.isIntList())
      name = constI64(iv.toIntVector());
    else if (iv.isDoubleList()) {
      auto v = iv.toDoubleVector();
      name = constTensor(v, {static_cast<int64_t>(v.size())}, DType::kFloat);
    } else {
      throw ConvertError("constant " + describe(value) + " of type " + value->type()->str() + " cannot be a tensor");
    }
    impl_->names[value] = name;
    return name;
  }
  if (value->node()->kind() == c10::prim::ListConstruct) return intsTensor(value);
  throw InternalError("value " + describe(value) + " is used before its producer " +
                      value->node()->kind().toQualString() + " was converted");
}

std::string Context::tensor(const Value* value, DType as) {
  if (isConstant(value) && !isNone(value)) {
    auto iv = constantOf(value);
    if (iv.isTensor()) {
      if (fromTorch(iv.toTensor().scalar_type()) == as) return tensor(value);
      return impl_->addInitializer(iv.toTensor().to(toTorch(as)), value->debugName());
    }
    if (iv.isInt() || iv.isDouble() || iv.isBool()) return scalar(constDouble(value), as);
  }
  std::string name = tensor(value);
  return cast(name, requireDType(value), as);
}

std::vector<std::string> Context::tensorList(const Value* value) {
  if (impl_->poisoned.count(value)) throw PoisonedValue();
  auto it = impl_->lists.find(value);
  if (it != impl_->lists.end()) return it->second;
  const Node* p = value->node();
  if (p->kind() == c10::prim::ListConstruct || p->kind() == c10::prim::TupleConstruct) {
    std::vector<std::string> names;
    for (const Value* element : p->inputs()) names.push_back(tensor(element));
    return names;
  }
  if (isConstant(value)) {
    auto iv = constantOf(value);
    if (iv.isTensorList()) {
      std::vector<std::string> names;
      for (const at::Tensor& t : iv.toTensorVector()) names.push_back(impl_->addInitializer(t, value->debugName()));
      return names;
    }
  }
  throw ConvertError(describe(value) + " is not a list of tensors this converter can follow");
}

std::vector<Context::ListElement> Context::optionalTensorList(const Value* value) {
  std::vector<ListElement> out;
  const Node* p = value->node();
  if (p->kind() == c10::prim::ListConstruct) {
    for (const Value* v : p->inputs()) {
      ListElement e;
      if (!isNone(v)) {
        e.none = false;
        e.dtype = requireDType(v);
        e.rank = requireRank(v);
        e.name = tensor(v);
      }
      out.push_back(e);
    }
    return out;
  }
  auto iv = constantOf(value);
  if (!iv.isList()) throw ConvertError(describe(value) + " is neither a list nor a constant list");
  for (const c10::IValue& element : iv.toListRef()) {
    ListElement e;
    if (element.isTensor()) {
      const at::Tensor& t = element.toTensor();
      e.none = false;
      e.dtype = fromTorch(t.scalar_type());
      e.rank = t.dim();
      e.name = impl_->addInitializer(t, value->debugName());
    } else if (!element.isNone()) {
      throw ConvertError(describe(value) + " holds a " + element.tagKind() + " where a tensor or None was expected");
    }
    out.push_back(e);
  }
  return out;
}

std::string Context::intsTensor(const Value* value) {
  if (auto ints = maybeConstInts(value)) return constI64(*ints);
  if (impl_->poisoned.count(value)) throw PoisonedValue();
  auto it = impl_->names.find(value);
  if (it != impl_->names.end()) return it->second;
  const Node* p = value->node();
  if (p->kind() != c10::prim::ListConstruct)
    throw ConvertError(describe(value) + " is an int list this converter cannot follow");
  std::vector<std::string> parts;
  std::vector<int64_t> run;  // consecutive constants are packed into one initializer
  for (const Value* element : p->inputs()) {
    if (auto c = maybeConstInt(element)) {
      run.push_back(*c);
      continue;
    }
    if (!run.empty()) parts.push_back(constI64(run));
    run.clear();
    std::string scalar_name = tensor(element, DType::kInt64);
    int64_t r = rank(element);
    parts.push_back(r == 1 ? scalar_name : unsqueeze(scalar_name, {0}));
  }
  if (!run.empty()) parts.push_back(constI64(run));
  std::string name = parts.size() == 1 ? parts[0] : emit("Concat", parts, {{"axis", 0}});
  // A name made inside an If/Loop body is not visible from other branches: cache top-level ones only.
  if (impl_->graphs.size() == 1) impl_->names[value] = name;
  return name;
}

std::vector<std::string> Context::emitN(const std::string& op_type, const std::vector<std::string>& inputs,
                                        const std::vector<Attr>& attrs, size_t outputs) {
  onnx::NodeProto* node = impl_->target()->add_node();
  node->set_op_type(op_type);
  node->set_name(op_type + "_" + std::to_string(impl_->node_counter++));
  for (const auto& in : inputs) node->add_input(in);
  std::string hint = op_type;
  if (impl_->current && !impl_->current->outputs().empty()) hint = impl_->current->output(0)->debugName();
  std::vector<std::string> names;
  for (size_t i = 0; i < outputs; ++i) {
    names.push_back(impl_->freshName(hint));
    node->add_output(names.back());
  }
  for (const auto& attr : attrs) {
    auto* a = node->add_attribute();
    a->set_name(attr.name);
    std::visit(
        [a](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, int64_t>) {
            a->set_type(onnx::AttributeProto_AttributeType_INT);
            a->set_i(v);
          } else if constexpr (std::is_same_v<T, double>) {
            a->set_type(onnx::AttributeProto_AttributeType_FLOAT);
            a->set_f(static_cast<float>(v));
          } else if constexpr (std::is_same_v<T, std::string>) {
            a->set_type(onnx::AttributeProto_AttributeType_STRING);
            a->set_s(v);
          } else if constexpr (std::is_same_v<T, std::vector<int64_t>>) {
            a->set_type(onnx::AttributeProto_AttributeType_INTS);
            for (auto x : v) a->add_ints(x);
          } else if constexpr (std::is_same_v<T, std::vector<double>>) {
            a->set_type(onnx::AttributeProto_AttributeType_FLOATS);
            for (auto x : v) a->add_floats(static_cast<float>(x));
          } else {
            a->set_type(onnx::AttributeProto_AttributeType_GRAPH);
            *a->mutable_g() = *v;
          }
        },
        attr.data);
  }
  return names;
}

std::string Context::emit(const std::string& op_type, const std::vector<std::string>& inputs,
                          const std::vector<Attr>& attrs) {
  return emitN(op_type, inputs, attrs, 1)[0];
}

std::string Context::cast(const std::string& name, DType from, DType to) {
  if (from == to) return name;
  return emit("Cast", {name}, {{"to", static_cast<int64_t>(toOnnx(to))}});
}

std::string Context::constI64(const std::vector<int64_t>& values) {
  auto t = at::tensor(c10::ArrayRef<int64_t>(values), at::kLong);
  return impl_->addInitializer(t, "const");
}

std::string Context::scalarI64(int64_t value) {
  return impl_->addInitializer(at::scalar_tensor(value, at::kLong), "const");
}

std::string Context::scalar(double value, DType dtype) {
  return impl_->addInitializer(at::scalar_tensor(value, at::TensorOptions().dtype(toTorch(dtype))), "const");
}

std::string Context::constTensor(const std::vector<double>& values, const std::vector<int64_t>& dims, DType dtype) {
  auto t = at::tensor(c10::ArrayRef<double>(values), at::kDouble).reshape(dims).to(toTorch(dtype));
  return impl_->addInitializer(t, "const");
}

// Unsqueeze, Squeeze, ReduceSum and Split took their axes/sizes as attributes before opset 13
// and as inputs from opset 13 on.
std::string Context::unsqueeze(const std::string& x, const std::vector<int64_t>& axes) {
  if (opset() >= 13) return emit("Unsqueeze", {x, constI64(axes)});
  return emit("Unsqueeze", {x}, {{"axes", axes}});
}

std::string Context::squeeze(const std::string& x, const std::vector<int64_t>& axes) {
  if (axes.empty()) return emit("Squeeze", {x});
  if (opset() >= 13) return emit("Squeeze", {x, constI64(axes)});
  return emit("Squeeze", {x}, {{"axes", axes}});
}

std::string Context::reduce(const std::string& op_type, const std::string& x, const std::vector<int64_t>& axes,
                            bool keepdims) {
  std::vector<Attr> attrs = {{"keepdims", static_cast<int64_t>(keepdims)}};
  // Only ReduceSum moved axes to an input at opset 13; the other reductions move at opset 18.
  if (op_type == "ReduceSum" && opset() >= 13) {
    if (axes.empty()) return emit(op_type, {x}, attrs);
    return emit(op_type, {x, constI64(axes)}, attrs);
  }
  if (!axes.empty()) attrs.push_back({"axes", axes});
  return emit(op_type, {x}, attrs);
}

std::vector<std::string> Context::split(const std::string& x, int64_t axis, const std::vector<int64_t>& sizes) {
  if (opset() >= 13) return emitN("Split", {x, constI64(sizes)}, {{"axis", axis}}, sizes.size());
  return emitN("Split", {x}, {{"axis", axis}, {"split", sizes}}, sizes.size());
}

std::string Context::shapeOf(const std::string& x) { return emit("Shape", {x}); }

std::string Context::dimOf(const std::string& x, int64_t axis) {
  return emit("Gather", {shapeOf(x), scalarI64(axis)}, {{"axis", 0}});
}

void Context::bind(const Value* value, const std::string& name) { impl_->names[value] = name; }

void Context::bindList(const Value* value, std::vector<std::string> names) { impl_->lists[value] = std::move(names); }

bool Context::isBound(const Value* value) const { return impl_->names.count(value) || impl_->lists.count(value); }

Status Context::fail(const Node& node, const std::string& why) {
  Diagnostic d{kind(node), sourceLocation(node), why, ""};
  std::ostringstream detail;
  for (size_t i = 0; i < node.inputs().size(); ++i) {
    const Value* in = node.input(i);
    if (i) detail << ", ";
    detail << describe(in) << ": ";
    if (isTensor(in)) {
      detail << dtypeName(dtype(in));
      int64_t r = rank(in);
      if (r >= 0) {
        detail << "[";
        auto s = shape(in);
        for (size_t k = 0; k < s.size(); ++k)
          detail << (k ? "," : "") << (s[k] < 0 ? std::string("?") : std::to_string(s[k]));
        detail << "]";
      }
    } else {
      detail << in->type()->str();
    }
  }
  d.detail = detail.str();
  impl_->diagnostics.push_back(d);
  return Status::Fail(why);
}

// ---- subgraphs -----------------------------------------------------------------------------

void Context::beginSubgraph(const std::string& name) {
  auto g = std::make_shared<onnx::GraphProto>();
  g->set_name(impl_->freshName(name));
  impl_->open_subgraphs.push_back(g);
  impl_->graphs.push_back(g.get());
}

GraphAttr Context::endSubgraph() {
  if (impl_->open_subgraphs.empty()) throw InternalError("endSubgraph without beginSubgraph");
  GraphAttr g = impl_->open_subgraphs.back();
  impl_->open_subgraphs.pop_back();
  impl_->graphs.pop_back();
  return g;
}

void Context::addSubgraphInput(const std::string& name, DType dtype, const std::optional<std::vector<int64_t>>& shape) {
  auto* vi = impl_->target()->add_input();
  vi->set_name(name);
  auto* tt = vi->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(toOnnx(dtype));
  if (!shape) return;
  auto* sh = tt->mutable_shape();
  for (auto d : *shape) {
    auto* dim = sh->add_dim();
    if (d >= 0) dim->set_dim_value(d);
  }
}

void Context::addSubgraphOutput(const std::string& name, DType dtype) {
  auto* vi = impl_->target()->add_output();
  vi->set_name(name);
  vi->mutable_type()->mutable_tensor_type()->set_elem_type(toOnnx(dtype));
}

std::vector<const torch::jit::Block*> Context::blocks(const Node& node) const {
  return {node.blocks().begin(), node.blocks().end()};
}

std::vector<const Value*> Context::blockInputs(const torch::jit::Block* block) const {
  return {block->inputs().begin(), block->inputs().end()};
}

std::vector<const Value*> Context::blockOutputs(const torch::jit::Block* block) const {
  return {block->outputs().begin(), block->outputs().end()};
}

std::string Context::freshName(const std::string& hint) { return impl_->freshName(hint); }

}  // namespace pt2onnx
