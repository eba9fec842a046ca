// Context: ONNX emission (values to names, nodes, constants, opset-dependent building blocks).
#include <ATen/ATen.h>
#include <onnx/defs/schema.h>
#include <torch/csrc/jit/ir/constants.h>

#include <cstring>
#include <sstream>

#include "core/context.h"
#include "core/context_impl.h"
#include "core/legacy_forms.h"
#include "onnx/dtype.h"
#include "onnx/tensor.h"

namespace pt2onnx {

// ---- ONNX side -----------------------------------------------------------------------------

std::string Context::tensor(const Value* value) {
  if (impl_->poisoned.count(value)) throw PoisonedValue();
  auto it = impl_->names.find(value);
  if (it != impl_->names.end()) return it->second;
  if (impl_->lists.count(value)) throw ConvertError(describe(value) + " is a list where a tensor was expected");
  // Not cached: the element is read where it is used, which may be in a subgraph.
  if (auto opt = impl_->optionals.find(value); opt != impl_->optionals.end())
    return emit("OptionalGetElement", {opt->second.first});
  if (isConstant(value)) {
    if (isNone(value)) throw ConvertError("argument " + describe(value) + " is None where a tensor was expected");
    auto iv = constantOf(value);
    std::string name;
    if (iv.isTensor())
      name = impl_->constantTensor(*this, iv.toTensor(), impl_->nameHint(value));
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
      if (iv.toTensor().is_quantized()) return cast(tensor(value), DType::kFloat, as);
      if (fromTorch(iv.toTensor().scalar_type()) == as) return tensor(value);
      return impl_->addInitializer(iv.toTensor().to(toTorch(as)), impl_->nameHint(value));
    }
    if (iv.isInt() || iv.isDouble() || iv.isBool()) return scalar(constDouble(value), as);
  }
  std::string name = tensor(value);
  DType from = dtype(value);
  if (from == DType::kUndefined && isList(value)) {  // as tensor() builds int and float lists
    auto element = value->type()->expectRef<c10::ListType>().getElementType()->kind();
    if (element == c10::TypeKind::IntType) from = DType::kInt64;
    if (element == c10::TypeKind::FloatType) from = DType::kFloat;
  }
  if (from == DType::kUndefined) from = requireDType(value);
  return cast(name, from, as);
}

std::vector<std::string> Context::tensorList(const Value* value) {
  if (impl_->poisoned.count(value)) throw PoisonedValue();
  if (impl_->sequences.count(value))
    throw ConvertError(describe(value) +
                       " is a list whose length is known only at run time (built in a loop); cat, stack, len and "
                       "indexing can read it, this operator cannot");
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
      for (const at::Tensor& t : iv.toTensorVector()) names.push_back(impl_->addInitializer(t, impl_->nameHint(value)));
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
      e.name = impl_->addInitializer(t, impl_->nameHint(value));
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

std::vector<std::string> Context::emitN(const std::string& op_type, const std::vector<std::string>& given_inputs,
                                        const std::vector<Attr>& given_attrs, size_t outputs) {
  const ConstantLookup constant = [this](const std::string& name) -> const at::Tensor* {
    auto it = impl_->small_values.find(name);
    return it == impl_->small_values.end() ? nullptr : &it->second;
  };
  if (op_type == "Range" && opset() < 11 && outputs == 1 && given_inputs.size() == 3 && given_attrs.empty())
    return {rangeBeforeOpset11(*this, given_inputs, constant)};
  if (op_type == "Slice" && opset() < 10 && outputs == 1 && given_inputs.size() >= 3 && given_attrs.empty())
    if (auto gathered = sliceBeforeOpset10(*this, given_inputs, constant)) return {*gathered};
  // Opsets 9 and 10 take some arguments as attributes; the node must then fit the opset's schema.
  std::vector<std::string> inputs = given_inputs;
  std::vector<Attr> attrs = given_attrs;
  spellForOpset(op_type, inputs, attrs, opset(), constant);
  checkFormFits(op_type, inputs.size(), outputs, attrs, opset());
  // An ONNX operator newer than the target opset: the node is refused with the opset it needs (a
  // converter registered below that opset reached a form it has no older spelling for). Names ONNX
  // does not know are the fallback emitter's custom-domain nodes.
  if (!onnx::OpSchemaRegistry::Schema(op_type, opset()))
    if (const int since = laterOpsetWhere(op_type, opset(), [](const onnx::OpSchema&) { return true; }))
      throw ConvertError("this form needs ONNX's " + op_type + " operator, which opset " + std::to_string(since) +
                         " introduced; try --opset " + std::to_string(since));
  onnx::NodeProto* node = impl_->target()->add_node();
  node->set_op_type(op_type);
  node->set_name(op_type + "_" + std::to_string(impl_->node_counter++));
  for (const auto& in : inputs) node->add_input(in);
  std::string hint = op_type;
  if (impl_->current && !impl_->current->outputs().empty()) hint = impl_->nameHint(impl_->current->output(0));
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
          } else if constexpr (std::is_same_v<T, TypeAttr>) {
            a->set_type(onnx::AttributeProto_AttributeType_TYPE_PROTO);
            *a->mutable_tp() = *v;
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
  // ReduceSum moved axes from an attribute to an input at opset 13, the other reductions at 18.
  if (opset() >= 18 || (op_type == "ReduceSum" && opset() >= 13)) {
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

std::vector<Context::BoundValue> Context::boundValues() const {
  std::vector<BoundValue> out;
  for (const auto& [value, name] : impl_->names) {
    const DType dt = dtype(value);
    if (dt != DType::kUndefined && rank(value) >= 0) out.push_back({name, dt, shape(value)});
  }
  return out;
}

bool Context::isBound(const Value* value) const {
  return impl_->names.count(value) || impl_->lists.count(value) || impl_->sequences.count(value) ||
         impl_->optionals.count(value);
}

void Context::bindOptional(const Value* value, const std::string& name, DType element) {
  impl_->optionals[value] = {name, element};
}

bool Context::isOptional(const Value* value) const { return impl_->optionals.count(value) > 0; }

DType Context::optionalDType(const Value* value) const {
  auto it = impl_->optionals.find(value);
  return it != impl_->optionals.end() ? it->second.second : dtype(value);
}

std::string Context::optional(const Value* value, DType element, int64_t rank) {
  if (auto it = impl_->optionals.find(value); it != impl_->optionals.end()) return it->second.first;
  if (!isNone(value)) return emit("Optional", {tensor(value, element)});
  auto type = std::make_shared<onnx::TypeProto>();
  type->mutable_tensor_type()->set_elem_type(toOnnx(element));
  // Of unknown dims: shape inference otherwise takes an empty optional's shape for a scalar's.
  for (int64_t k = 0; k < rank; ++k) type->mutable_tensor_type()->mutable_shape()->add_dim();
  return emit("Optional", {}, {{"type", type}});
}

void Context::bindSequence(const Value* value, const std::string& name, DType element) {
  impl_->sequences[value] = {name, element};
}

bool Context::isSequence(const Value* value) const { return impl_->sequences.count(value) > 0; }

DType Context::sequenceDType(const Value* value) const {
  auto it = impl_->sequences.find(value);
  if (it != impl_->sequences.end()) return it->second.second;
  const Node* p = value->node();
  if (p->kind() == c10::prim::ListConstruct && !p->inputs().empty()) return dtype(p->input(0));
  return DType::kUndefined;
}

std::string Context::sequence(const Value* value, DType element) {
  auto it = impl_->sequences.find(value);
  if (it != impl_->sequences.end()) return it->second.first;
  auto names = tensorList(value);
  if (!names.empty()) return emit("SequenceConstruct", names);
  if (element == DType::kUndefined)
    throw ConvertError("the element type of the empty list " + describe(value) + " is unknown");
  return emit("SequenceEmpty", {}, {{"dtype", static_cast<int64_t>(toOnnx(element))}});
}

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

}  // namespace pt2onnx
