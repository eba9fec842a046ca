// Older spellings of Clip, Pad, Slice and TopK, and the schema fit of every emitted node.
#include "core/legacy_forms.h"

#include <onnx/defs/schema.h>

#include <limits>

#include "core/registry.h"
#include "onnx/dtype.h"

namespace pt2onnx {
namespace {

constexpr int64_t kSliceEnd = std::numeric_limits<int64_t>::max();

bool present(const std::vector<std::string>& inputs, size_t i) { return i < inputs.size() && !inputs[i].empty(); }

// The values of a constant input as int64s / one double, when it is one.
bool intsOf(const ConstantLookup& constant, const std::string& name, std::vector<int64_t>& out) {
  const at::Tensor* t = constant(name);
  if (!t || t->dim() > 1 || at::isFloatingType(t->scalar_type())) return false;
  at::Tensor v = t->to(at::kLong).reshape({-1});
  out.assign(v.data_ptr<int64_t>(), v.data_ptr<int64_t>() + v.numel());
  return true;
}

bool scalarOf(const ConstantLookup& constant, const std::string& name, double& out) {
  const at::Tensor* t = constant(name);
  if (!t || t->numel() != 1) return false;
  out = t->to(at::kDouble).item<double>();
  return true;
}

// Clip-6: min and max as float attributes.
bool clipAttrs(std::vector<std::string>& inputs, std::vector<Attr>& attrs, const ConstantLookup& constant) {
  double lo = 0, hi = 0;
  const bool has_lo = present(inputs, 1), has_hi = present(inputs, 2);
  if ((has_lo && !scalarOf(constant, inputs[1], lo)) || (has_hi && !scalarOf(constant, inputs[2], hi))) return false;
  if (has_lo) attrs.push_back({"min", lo});
  if (has_hi) attrs.push_back({"max", hi});
  inputs.resize(1);
  return true;
}

// Pad-2: pads as an int attribute, the constant value as a float one.
bool padAttrs(std::vector<std::string>& inputs, std::vector<Attr>& attrs, const ConstantLookup& constant) {
  std::vector<int64_t> pads;
  double value = 0;
  if (!present(inputs, 1) || !intsOf(constant, inputs[1], pads)) return false;
  if (present(inputs, 2) && !scalarOf(constant, inputs[2], value)) return false;
  attrs.push_back({"pads", pads});
  if (value != 0) attrs.push_back({"value", value});
  inputs.resize(1);
  return true;
}

// Slice-1: starts, ends and axes as attributes; no steps other than 1.
bool sliceAttrs(std::vector<std::string>& inputs, std::vector<Attr>& attrs, const ConstantLookup& constant) {
  std::vector<int64_t> starts, ends, axes, steps;
  if (!intsOf(constant, inputs.at(1), starts) || !intsOf(constant, inputs.at(2), ends)) return false;
  if (present(inputs, 3) && !intsOf(constant, inputs[3], axes)) return false;
  if (present(inputs, 4)) {
    if (!intsOf(constant, inputs[4], steps)) return false;
    for (int64_t s : steps)
      if (s != 1) return false;
  }
  attrs.push_back({"starts", starts});
  attrs.push_back({"ends", ends});
  if (!axes.empty()) attrs.push_back({"axes", axes});
  inputs.resize(1);
  return true;
}

// TopK-1: k as an attribute.
bool topkAttrs(std::vector<std::string>& inputs, std::vector<Attr>& attrs, const ConstantLookup& constant) {
  std::vector<int64_t> k;
  if (!present(inputs, 1) || !intsOf(constant, inputs[1], k) || k.size() != 1) return false;
  attrs.push_back({"k", k[0]});
  inputs.resize(1);
  return true;
}

bool fits(const onnx::OpSchema& schema, size_t inputs, size_t outputs, const std::vector<Attr>& attrs) {
  if (inputs < static_cast<size_t>(schema.min_input()) || inputs > static_cast<size_t>(schema.max_input()))
    return false;
  if (outputs > static_cast<size_t>(schema.max_output())) return false;
  for (const auto& a : attrs)
    if (!schema.attributes().count(a.name)) return false;
  return true;
}

}  // namespace

void spellForOpset(const std::string& op_type, std::vector<std::string>& inputs, std::vector<Attr>& attrs, int opset,
                   const ConstantLookup& constant) {
  if (opset < 11 && op_type == "Clip" && inputs.size() > 1)
    clipAttrs(inputs, attrs, constant);
  else if (opset < 11 && op_type == "Pad" && inputs.size() > 1)
    padAttrs(inputs, attrs, constant);
  else if (opset < 10 && op_type == "Slice" && inputs.size() >= 3)
    sliceAttrs(inputs, attrs, constant);
  else if (opset < 10 && op_type == "TopK" && inputs.size() == 2)
    topkAttrs(inputs, attrs, constant);
}

std::string rangeBeforeOpset11(Context& ctx, const std::vector<std::string>& inputs, const ConstantLookup& constant) {
  const at::Tensor* typed = nullptr;
  for (const auto& name : inputs)
    if ((typed = constant(name))) break;
  if (!typed)
    throw ConvertError(
        "a range whose start, end and step are all computed at run time needs ONNX's Range, "
        "which opset 11 introduced; try --opset 11");
  const DType element = fromTorch(typed->scalar_type());
  std::vector<std::string> f64;
  for (const auto& name : inputs) f64.push_back(ctx.cast(name, element, DType::kDouble));
  // length = max(ceil((end - start) / step), 0), as Range-11 defines it
  std::string length = ctx.emit("Ceil", {ctx.emit("Div", {ctx.emit("Sub", {f64[1], f64[0]}), f64[2]})});
  length = ctx.emit("Max", {length, ctx.scalar(0, DType::kDouble)});
  length = ctx.emit("Reshape", {ctx.cast(length, DType::kDouble, DType::kInt64), ctx.constI64({1})});
  std::string ones = ctx.emit("Expand", {ctx.constTensor({1}, {1}, DType::kFloat), length});
  std::string positions = ctx.squeeze(ctx.emit("NonZero", {ones}), {0});  // [length] int64
  std::string values =
      ctx.emit("Add", {ctx.emit("Mul", {ctx.cast(positions, DType::kInt64, DType::kDouble), f64[2]}), f64[0]});
  return ctx.cast(values, DType::kDouble, element);
}

std::optional<std::string> sliceBeforeOpset10(Context& ctx, const std::vector<std::string>& inputs,
                                              const ConstantLookup& constant) {
  std::vector<int64_t> starts, ends, axes, steps;
  const bool fixed_starts = intsOf(constant, inputs.at(1), starts), fixed_ends = intsOf(constant, inputs.at(2), ends);
  if (present(inputs, 3) && !intsOf(constant, inputs[3], axes)) return std::nullopt;
  if (present(inputs, 4) && !intsOf(constant, inputs[4], steps)) return std::nullopt;
  bool unit = true;
  for (int64_t s : steps) {
    if (s == 0) return std::nullopt;
    unit = unit && s == 1;
  }
  if (fixed_starts && fixed_ends && unit) return std::nullopt;  // Slice-1's attributes
  const size_t count = !axes.empty() ? axes.size() : fixed_starts ? starts.size() : fixed_ends ? ends.size() : 0;
  if (count == 0) return std::nullopt;
  for (size_t j = axes.size(); j < count; ++j) axes.push_back(static_cast<int64_t>(j));
  const auto j64 = [](size_t j) { return static_cast<int64_t>(j); };
  std::string y = inputs[0];
  for (size_t j = 0; j < count; ++j) {
    const int64_t a = axes[j], step = j < steps.size() ? steps[j] : 1;
    std::string shape = ctx.emit("Shape", {y});
    std::string dim =
        ctx.squeeze(ctx.emit("Slice", {shape, ctx.constI64({a}), ctx.constI64({a == -1 ? kSliceEnd : a + 1})}), {0});
    // A bound as Slice reads it: from the end when negative, then within [0, dim] (a positive
    // step) or [-1, dim - 1] (a negative one).
    std::string low = step > 0 ? ctx.scalarI64(0) : ctx.scalarI64(-1);
    std::string high = step > 0 ? dim : ctx.emit("Sub", {dim, ctx.scalarI64(1)});
    auto bound = [&](const std::string& list, bool fixed, const std::vector<int64_t>& values) {
      std::string b;
      if (fixed) {
        b = values[j] < 0 ? ctx.emit("Add", {ctx.scalarI64(values[j]), dim}) : ctx.scalarI64(values[j]);
      } else {
        b = ctx.squeeze(ctx.emit("Slice", {list, ctx.constI64({j64(j)}), ctx.constI64({j64(j) + 1})}), {0});
        b = ctx.emit("Cast", {b}, {{"to", static_cast<int64_t>(onnx::TensorProto::INT64)}});
        b = ctx.emit("Where", {ctx.emit("Less", {b, ctx.scalarI64(0)}), ctx.emit("Add", {b, dim}), b});
      }
      b = ctx.emit("Where", {ctx.emit("Less", {b, low}), low, b});
      return ctx.emit("Where", {ctx.emit("Greater", {b, high}), high, b});
    };
    std::string from = bound(inputs[1], fixed_starts, starts), to = bound(inputs[2], fixed_ends, ends);
    std::string kept = ctx.emit("Range", {from, to, ctx.scalarI64(step)});
    y = ctx.emit("Gather", {y, kept}, {{"axis", a}});
  }
  return y;
}

int laterOpsetWhere(const std::string& op_type, int opset, const std::function<bool(const onnx::OpSchema&)>& takes) {
  for (int later = opset + 1; later <= maxOpset(); ++later) {
    const onnx::OpSchema* s = onnx::OpSchemaRegistry::Schema(op_type, later);
    if (s && s->since_version() > opset && takes(*s)) return s->since_version();
  }
  return 0;
}

void checkFormFits(const std::string& op_type, size_t inputs, size_t outputs, const std::vector<Attr>& attrs,
                   int opset) {
  const onnx::OpSchema* schema = onnx::OpSchemaRegistry::Schema(op_type, opset);
  if (!schema || fits(*schema, inputs, outputs, attrs)) return;
  const int since =
      laterOpsetWhere(op_type, opset, [&](const onnx::OpSchema& s) { return fits(s, inputs, outputs, attrs); });
  if (since)
    throw ConvertError("this form of ONNX's " + op_type + " (its arguments computed at run time, or an option " +
                       "the opset lacks) needs opset " + std::to_string(since) + "; try --opset " +
                       std::to_string(since));
}

}  // namespace pt2onnx
