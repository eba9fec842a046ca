// The fallback emitter (--fallback NAMESPACE): an operator with no converter becomes one node in the
// custom ONNX domain named after its namespace, for runtimes that implement it as a plugin.
#include "core/fallback.h"

#include <torch/csrc/jit/ir/constants.h>
#include <torch/csrc/jit/ir/ir.h>

#include <algorithm>

#include "core/context.h"
#include "core/context_impl.h"

namespace pt2onnx {
namespace {

// A constant non-tensor argument as an attribute; nullopt for None and for types ONNX attributes
// cannot hold.
std::optional<Attr> constantAttr(const std::string& name, const c10::IValue& iv) {
  if (iv.isInt()) return Attr(name, iv.toInt());
  if (iv.isDouble()) return Attr(name, iv.toDouble());
  if (iv.isBool()) return Attr(name, static_cast<int64_t>(iv.toBool()));
  if (iv.isString()) return Attr(name, iv.toStringRef());
  if (iv.isIntList()) return Attr(name, iv.toIntVector());
  if (iv.isDoubleList()) return Attr(name, iv.toDoubleVector());
  if (iv.isBoolList()) {
    std::vector<int64_t> v;
    for (bool b : iv.toBoolList()) v.push_back(b);
    return Attr(name, v);
  }
  return std::nullopt;
}

}  // namespace

bool fallbackApplies(const Node& node, const std::vector<std::string>& namespaces) {
  if (namespaces.empty() || !node.maybeSchema()) return false;
  const std::string ns = node.kind().ns().toUnqualString();
  if (ns == "prim") return false;  // structure (lists, tuples, control flow), never an operator call
  return std::find(namespaces.begin(), namespaces.end(), ns) != namespaces.end() ||
         std::find(namespaces.begin(), namespaces.end(), std::string(kFallbackAll)) != namespaces.end();
}

Status emitFallback(Context& ctx, const Node& node) {
  const auto& schema = node.schema();
  std::vector<std::string> inputs;
  std::vector<Attr> attrs;
  for (size_t i = 0; i < node.inputs().size() && i < schema.arguments().size(); ++i) {
    const Value* v = node.inputs()[i];
    const std::string& name = schema.arguments()[i].name();
    if (ctx.isNone(v)) {
      // An omitted optional tensor keeps its input slot empty; other Nones have no attribute.
      if (ctx.isTensor(v)) inputs.emplace_back();
      continue;
    }
    if (ctx.isTensor(v)) {
      inputs.push_back(ctx.tensor(v));
    } else if (ctx.isTensorList(v)) {
      for (auto& element : ctx.tensorList(v)) inputs.push_back(element);
    } else if (ctx.isConstant(v)) {
      auto attr = constantAttr(name, *torch::jit::toIValue(const_cast<Value*>(v)));
      if (!attr)
        return ctx.fail(node, "argument '" + name + "' (" + v->type()->str() + ") cannot be an ONNX attribute");
      attrs.push_back(*attr);
    } else {
      inputs.push_back(ctx.tensor(v));  // a number or int list computed at run time
    }
  }
  while (!inputs.empty() && inputs.back().empty()) inputs.pop_back();
  for (const Value* out : node.outputs())
    if (!ctx.isTensor(out))
      return ctx.fail(node, "output %" + out->debugName() + " is a " + out->type()->str() +
                                ", which a custom-domain node cannot return");
  if (!schema.overload_name().empty()) attrs.emplace_back("overload", schema.overload_name());
  const std::string domain = node.kind().ns().toUnqualString();
  auto names = ctx.emitN(node.kind().toUnqualString(), inputs, attrs, node.outputs().size());
  auto* graph = ctx.impl().target();
  graph->mutable_node(graph->node_size() - 1)->set_domain(domain);
  for (size_t i = 0; i < names.size(); ++i) ctx.bind(node.outputs()[i], names[i]);
  ctx.impl().fallback_counts[node.kind().toQualString()]++;
  return Status::Ok();
}

}  // namespace pt2onnx
