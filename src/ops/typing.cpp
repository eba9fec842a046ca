// Element types ONNX accepts per operator and opset (read from ONNX's own schemas), and casts
// around the gaps: int8/uint8 arithmetic before opset 14, float16 where only float is defined, ...
#include "ops/typing.h"

#include <onnx/defs/data_type_utils.h>
#include <onnx/defs/schema.h>

#include <algorithm>
#include <set>

#include "core/diagnostics.h"
#include "onnx/dtype.h"

namespace pt2onnx {

bool onnxAccepts(const std::string& op_type, int opset, size_t index, DType dtype) {
  const onnx::OpSchema* schema = onnx::OpSchemaRegistry::Schema(op_type, opset);
  if (!schema || schema->inputs().empty()) return false;
  const auto& formal = schema->inputs()[std::min(index, schema->inputs().size() - 1)];
  const std::string wanted = "tensor(" + onnx::Utils::DataTypeUtils::ToDataTypeString(toOnnx(dtype)) + ")";
  for (const auto& param : schema->typeConstraintParams()) {
    if (param.type_param_str != formal.GetTypeStr()) continue;
    const auto& allowed = param.allowed_type_strs;
    return std::find(allowed.begin(), allowed.end(), wanted) != allowed.end();
  }
  return formal.GetTypeStr() == wanted;  // a fixed type rather than a type parameter
}

// Types a schema allows that ONNX Runtime's CPU kernels lack (measured on 1.20): 8- and 16-bit
// integers in arithmetic (from opset 14), comparisons, Max/Min and TopK; int16 and uint8 Neg and
// Relu (int8 Relu from 14), int8/int16 Where, int16 ArgMax/ArgMin. These compute wider, as the
// schema of the opsets before requires anyway.
bool runtimeLacks(const std::string& op_type, int opset, DType dtype) {
  const bool narrow = dtype == DType::kInt8 || dtype == DType::kUInt8 || dtype == DType::kInt16;
  if (!narrow) return false;
  static const std::set<std::string> no_narrow = {
      "Add", "Sub", "Mul", "Div", "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "Max", "Min", "TopK"};
  if (no_narrow.count(op_type)) return true;
  if (op_type == "Neg") return dtype != DType::kInt8;
  if (op_type == "Relu") return dtype != DType::kInt8 || opset < 14;
  if (op_type == "Where") return dtype != DType::kUInt8;
  if (op_type == "ArgMax" || op_type == "ArgMin") return dtype == DType::kInt16;
  return false;
}

DType computeDType(const std::string& op_type, int opset, DType dtype, size_t index) {
  if (onnxAccepts(op_type, opset, index, dtype) && !runtimeLacks(op_type, opset, dtype)) return dtype;
  // Equal before 11 takes bool, int32 and int64; the old-opset pass spells it for floats with Less,
  // Greater and IsNaN.
  if (op_type == "Equal" && opset < 11 && isFloating(dtype) && dtype != DType::kBFloat16) return dtype;
  std::vector<DType> wider;
  switch (dtype) {
    case DType::kInt8:
    case DType::kUInt8:
    case DType::kInt16:
      wider = {DType::kInt32, DType::kInt64, DType::kFloat};
      break;
    case DType::kInt32:
      wider = {DType::kInt64, DType::kDouble};
      break;
    case DType::kInt64:
      wider = {DType::kDouble};
      break;
    case DType::kHalf:
    case DType::kBFloat16:
      wider = {DType::kFloat, DType::kDouble};
      break;
    case DType::kFloat:
      wider = {DType::kDouble};
      break;
    default:
      break;
  }
  for (DType t : wider)
    if (onnxAccepts(op_type, opset, index, t) && !runtimeLacks(op_type, opset, t)) return t;
  return DType::kUndefined;
}

std::string emitTyped(Context& ctx, const std::string& op_type, const std::vector<std::string>& inputs, DType dtype,
                      const std::vector<Attr>& attrs) {
  DType t = computeDType(op_type, ctx.opset(), dtype);
  if (t == DType::kUndefined)
    throw ConvertError(std::string("ONNX ") + op_type + " at opset " + std::to_string(ctx.opset()) +
                       " is not defined for " + dtypeName(dtype) + " tensors");
  std::vector<std::string> cast_inputs;
  for (const auto& in : inputs) cast_inputs.push_back(ctx.cast(in, dtype, t));
  return ctx.cast(ctx.emit(op_type, cast_inputs, attrs), t, dtype);
}

// Integer remainders before opset 10 (no Mod): a - b * (a / b) with the division truncating, as
// C's % (fmod's sign, of a); for remainder's (of b), b is added where the two signs differ. Exact.
std::string integerRemainder(Context& ctx, const std::string& given_a, const std::string& given_b, DType given,
                             bool sign_of_b) {
  // in int64 for the narrower types, which not every runtime's Div and Less take
  const DType dt = given == DType::kInt32 ? given : DType::kInt64;
  const std::string a = ctx.cast(given_a, given, dt), b = ctx.cast(given_b, given, dt);
  std::string r = ctx.emit("Sub", {a, ctx.emit("Mul", {ctx.emit("Div", {a, b}), b})});
  if (!sign_of_b) return ctx.cast(r, dt, given);
  std::string zero = ctx.scalar(0, dt);
  std::string differ = ctx.emit("Xor", {ctx.emit("Less", {r, zero}), ctx.emit("Less", {b, zero})});
  std::string fix = ctx.emit("And", {differ, ctx.emit("Not", {ctx.emit("Equal", {r, zero})})});
  return ctx.cast(ctx.emit("Where", {fix, ctx.emit("Add", {r, b}), r}), dt, given);
}

// Floor division: exact for integers via a - mod(a, b) (ONNX Mod with fmod=0 follows the
// divisor's sign like Python), Floor(a / b) for floats.
std::string floorDivide(Context& ctx, const std::string& a, const std::string& b, DType dtype) {
  if (isFloating(dtype)) return emitTyped(ctx, "Floor", {emitTyped(ctx, "Div", {a, b}, dtype)}, dtype);
  std::string rem =
      ctx.opset() < 10 ? integerRemainder(ctx, a, b, dtype, true) : ctx.emit("Mod", {a, b}, {{"fmod", 0}});
  return emitTyped(ctx, "Div", {emitTyped(ctx, "Sub", {a, rem}, dtype), b}, dtype);
}

std::string emitElu(Context& ctx, const std::string& x, double alpha, DType dtype) {
  if (dtype != DType::kDouble) return ctx.emit("Elu", {x}, {{"alpha", alpha}});
  std::string zero = ctx.scalar(0, dtype);
  std::string negative = ctx.emit("Sub", {ctx.emit("Exp", {ctx.emit("Min", {x, zero})}), ctx.scalar(1, dtype)});
  return ctx.emit("Where", {ctx.emit("Greater", {x, zero}), x, ctx.emit("Mul", {negative, ctx.scalar(alpha, dtype)})});
}

}  // namespace pt2onnx
