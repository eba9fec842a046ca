// Converters: elementwise arithmetic, comparisons, math functions, where/masked_fill and clamp.
#include <spdlog/spdlog.h>

#include <cmath>

#include "ops/common.h"
#include "ops/typing.h"

namespace pt2onnx {
namespace {

// Operands of an arithmetic op, cast to the dtype PyTorch's type promotion gave the output.
struct Operands {
  std::string a, b;
  DType dtype;
};

Operands operands(Context& ctx, const Node& node, const Value* a, const Value* b) {
  DType out = ctx.requireDType(ctx.output(node));
  return {ctx.tensor(a, out), ctx.tensor(b, out), out};
}

// alpha * x for add/sub/rsub; alpha == 1 leaves x alone.
std::string scaled(Context& ctx, const Node& node, const std::string& x, DType dtype) {
  if (ctx.inputCount(node) < 3) return x;
  const Value* alpha = ctx.input(node, 2);
  if (ctx.isNone(alpha) || (ctx.isConstant(alpha) && ctx.constDouble(alpha) == 1.0)) return x;
  return emitTyped(ctx, "Mul", {x, ctx.tensor(alpha, dtype)}, dtype);
}

// ONNX arithmetic takes no bool: on bools PyTorch's mul and minimum are logical and, add and
// maximum are logical or.
std::string boolArithmetic(Context& ctx, const std::string& op_type, const std::string& a, const std::string& b) {
  if (op_type == "Mul" || op_type == "Min") return ctx.emit("And", {a, b});
  if (op_type == "Add" || op_type == "Max") return ctx.emit("Or", {a, b});
  throw ConvertError(op_type + " of two bool tensors has no meaning in PyTorch");
}

// op_type on operands of one dtype; types the schema lacks at this opset (int8/uint8 Add before
// opset 14, int Max before 12, ...) are computed in a wider type and cast back.
std::string arithmetic(Context& ctx, const std::string& op_type, const std::string& a, const std::string& b,
                       DType dtype) {
  if (dtype == DType::kBool) return boolArithmetic(ctx, op_type, a, b);
  return emitTyped(ctx, op_type, {a, b}, dtype);
}

ConvertFn binary(std::string op_type) {
  return [op_type](Context& ctx, const Node& node) {
    auto o = operands(ctx, node, ctx.input(node, 0), ctx.input(node, 1));
    ctx.bind(ctx.output(node), arithmetic(ctx, op_type, o.a, o.b, o.dtype));
    return Status::Ok();
  };
}

ConvertFn addSub(std::string op_type, bool reversed) {
  return [op_type, reversed](Context& ctx, const Node& node) {
    // list + list (aten::add.t) concatenates.
    if (op_type == "Add" && ctx.isTensorList(ctx.input(node, 0)) && ctx.isTensorList(ctx.input(node, 1)))
      return listAdd(ctx, node);
    if (op_type == "Add" && ctx.isList(ctx.input(node, 0)) && ctx.isList(ctx.input(node, 1))) {  // int lists
      ctx.bind(
          ctx.output(node),
          ctx.emit("Concat", {ctx.intsTensor(ctx.input(node, 0)), ctx.intsTensor(ctx.input(node, 1))}, {{"axis", 0}}));
      return Status::Ok();
    }
    auto o = operands(ctx, node, ctx.input(node, 0), ctx.input(node, 1));
    if (reversed) std::swap(o.a, o.b);  // rsub(self, other) = other - alpha * self
    std::string b = o.dtype == DType::kBool ? o.b : scaled(ctx, node, o.b, o.dtype);
    ctx.bind(ctx.output(node), arithmetic(ctx, op_type, o.a, b, o.dtype));
    return Status::Ok();
  };
}

Status div(Context& ctx, const Node& node) {
  auto o = operands(ctx, node, ctx.input(node, 0), ctx.input(node, 1));
  std::string mode;
  if (ctx.inputCount(node) > 2 && !ctx.isNone(ctx.input(node, 2))) mode = ctx.constString(ctx.input(node, 2));
  std::string out;
  if (mode == "floor")
    out = floorDivide(ctx, o.a, o.b, o.dtype);
  else if (mode == "trunc" && isFloating(o.dtype)) {
    // trunc(x) = sign(x) * floor(|x|)
    std::string q = emitTyped(ctx, "Div", {o.a, o.b}, o.dtype);
    std::string floor_abs = emitTyped(ctx, "Floor", {ctx.emit("Abs", {q})}, o.dtype);
    out = emitTyped(ctx, "Mul", {ctx.emit("Sign", {q}), floor_abs}, o.dtype);
  } else {
    // True division was already promoted to a float output; integer Div truncates.
    out = emitTyped(ctx, "Div", {o.a, o.b}, o.dtype);
    const DType x = ctx.dtype(ctx.input(node, 0)), y = ctx.dtype(ctx.input(node, 1));
    static bool told = false;  // once a process
    if (mode.empty() && o.dtype == DType::kFloat && !isFloating(x) && !isFloating(y) && !told) {
      told = true;
      spdlog::warn(
          "true division of integer tensors gives float32, torch's default dtype, as torch.jit.load runs the "
          "model; if it was made under torch.set_default_dtype(torch.float64), convert with --default-dtype "
          "float64");
    }
  }
  ctx.bind(ctx.output(node), out);
  return Status::Ok();
}

Status floorDivideOp(Context& ctx, const Node& node) {
  auto o = operands(ctx, node, ctx.input(node, 0), ctx.input(node, 1));
  ctx.bind(ctx.output(node), floorDivide(ctx, o.a, o.b, o.dtype));
  return Status::Ok();
}

// Python remainder: the result takes the divisor's sign.
Status remainder(Context& ctx, const Node& node) {
  auto o = operands(ctx, node, ctx.input(node, 0), ctx.input(node, 1));
  std::string out;
  if (isFloating(o.dtype)) {
    std::string q = emitTyped(ctx, "Floor", {emitTyped(ctx, "Div", {o.a, o.b}, o.dtype)}, o.dtype);
    out = emitTyped(ctx, "Sub", {o.a, emitTyped(ctx, "Mul", {q, o.b}, o.dtype)}, o.dtype);
  } else if (ctx.opset() < 10) {
    out = integerRemainder(ctx, o.a, o.b, o.dtype, true);
  } else {
    out = ctx.emit("Mod", {o.a, o.b}, {{"fmod", 0}});
  }
  ctx.bind(ctx.output(node), out);
  return Status::Ok();
}

// Floats take Mod's fmod (exact, as C's fmod), which opset 10 introduced.
Status fmod(Context& ctx, const Node& node) {
  auto o = operands(ctx, node, ctx.input(node, 0), ctx.input(node, 1));
  ctx.bind(ctx.output(node), !isFloating(o.dtype) && ctx.opset() < 10 ? integerRemainder(ctx, o.a, o.b, o.dtype, false)
                                                                      : ctx.emit("Mod", {o.a, o.b}, {{"fmod", 1}}));
  return Status::Ok();
}

Status pow(Context& ctx, const Node& node) {
  auto o = operands(ctx, node, ctx.input(node, 0), ctx.input(node, 1));
  ctx.bind(ctx.output(node), emitTyped(ctx, "Pow", {o.a, o.b}, o.dtype));
  return Status::Ok();
}

// Comparisons promote both sides to a common type; the output is bool.
DType commonType(DType a, DType b) {
  if (a == b) return a;
  if (isFloating(a) && !isFloating(b)) return a;
  if (isFloating(b) && !isFloating(a)) return b;
  if (isFloating(a)) return DType::kFloat;
  if (a == DType::kBool) return b;
  if (b == DType::kBool) return a;
  return DType::kInt64;
}

DType scalarPromotion(DType tensor, DType scalar) {
  if (isFloating(scalar) && !isFloating(tensor)) return DType::kFloat;
  if (tensor == DType::kBool && scalar != DType::kBool) return DType::kInt64;
  return tensor;
}

// Python list equality (int[] == int[]): one bool, true when the lengths and all elements agree.
// Both lists are padded to the longer length so that the element comparison always has equal
// shapes; where the lengths differ the length test decides.
std::string listsEqual(Context& ctx, const Value* a, const Value* b) {
  std::string x = ctx.intsTensor(a), y = ctx.intsTensor(b);
  std::string nx = ctx.shapeOf(x), ny = ctx.shapeOf(y);
  std::string n = ctx.emit("Where", {ctx.emit("Greater", {nx, ny}), nx, ny});
  auto padded = [&](const std::string& v, const std::string& len) {
    std::string pads = ctx.emit("Concat", {ctx.constI64({0}), ctx.emit("Sub", {n, len})}, {{"axis", int64_t{0}}});
    return ctx.emit("Pad", {v, pads});
  };
  std::string differ = ctx.emit("Not", {ctx.emit("Equal", {padded(x, nx), padded(y, ny)})});
  std::string mismatches = ctx.reduce("ReduceSum", ctx.cast(differ, DType::kBool, DType::kInt64), {}, false);
  std::string same_length = ctx.squeeze(ctx.emit("Equal", {nx, ny}), {0});
  return ctx.emit("And", {same_length, ctx.emit("Equal", {mismatches, ctx.scalarI64(0)})});
}

ConvertFn compare(std::string op_type, bool negate) {
  return [op_type, negate](Context& ctx, const Node& node) {
    const Value* a = ctx.input(node, 0);
    const Value* b = ctx.input(node, 1);
    if (ctx.isList(a) && ctx.isList(b)) {
      // Lists compare as wholes (one bool), not element by element; ordering them is lexicographic.
      if (op_type != "Equal") return ctx.fail(node, "ordering comparisons of lists are not supported");
      std::string out = listsEqual(ctx, a, b);
      ctx.bind(ctx.output(node), negate ? ctx.emit("Not", {out}) : out);
      return Status::Ok();
    }
    // A Python scalar takes the tensor's type, as in PyTorch's promotion, unless it is of a higher
    // kind: a float against an int or bool tensor compares as float (x < 1.5 is not x < 1), an int
    // against a bool tensor as int (mask == 2 is false everywhere).
    DType t = !ctx.isTensor(b)   ? scalarPromotion(ctx.requireDType(a), ctx.requireDType(b))
              : !ctx.isTensor(a) ? scalarPromotion(ctx.requireDType(b), ctx.requireDType(a))
                                 : commonType(ctx.requireDType(a), ctx.requireDType(b));
    if (t == DType::kBool && op_type != "Equal") t = DType::kInt32;
    // Types the operator (or ONNX Runtime's kernel) lacks, such as 8-bit integers, compare wider.
    if (t != DType::kBool)
      if (DType wider = computeDType(op_type, ctx.opset(), t); wider != DType::kUndefined) t = wider;
    std::string out = ctx.emit(op_type, {ctx.tensor(a, t), ctx.tensor(b, t)});
    if (negate) out = ctx.emit("Not", {out});
    ctx.bind(ctx.output(node), out);
    return Status::Ok();
  };
}

ConvertFn logical(std::string op_type) {
  return [op_type](Context& ctx, const Node& node) {
    std::string a = ctx.tensor(ctx.input(node, 0), DType::kBool);
    std::string b = ctx.tensor(ctx.input(node, 1), DType::kBool);
    DType out = ctx.requireDType(ctx.output(node));
    ctx.bind(ctx.output(node), ctx.cast(ctx.emit(op_type, {a, b}), DType::kBool, out));
    return Status::Ok();
  };
}

Status logicalNot(Context& ctx, const Node& node) {
  std::string x = ctx.tensor(ctx.input(node, 0), DType::kBool);
  ctx.bind(ctx.output(node), ctx.cast(ctx.emit("Not", {x}), DType::kBool, ctx.requireDType(ctx.output(node))));
  return Status::Ok();
}

// ONNX Runtime has no bool Where kernel: bool selections run on uint8 and are cast back.
std::string select(Context& ctx, const std::string& cond, const std::string& a, const std::string& b, DType dt) {
  if (dt != DType::kBool) return ctx.emit("Where", {cond, a, b});
  std::string y = ctx.emit("Where", {cond, ctx.cast(a, dt, DType::kUInt8), ctx.cast(b, dt, DType::kUInt8)});
  return ctx.cast(y, DType::kUInt8, DType::kBool);
}

// where(condition) alone is nonzero(condition, as_tuple=True): one index vector per dim.
Status whereIndices(Context& ctx, const Node& node) {
  const Value* cond = ctx.input(node, 0);
  int64_t rank = ctx.requireRank(cond);
  if (rank == 0) return ctx.fail(node, "where(condition) on a 0-d tensor");
  std::string nz = ctx.emit("NonZero", {ctx.tensor(cond, DType::kBool)});
  std::vector<std::string> rows;
  if (rank == 1)
    rows.push_back(ctx.squeeze(nz, {0}));
  else
    for (const auto& r : ctx.split(nz, 0, std::vector<int64_t>(rank, 1))) rows.push_back(ctx.squeeze(r, {0}));
  ctx.bindList(ctx.output(node), rows);
  return Status::Ok();
}

Status where(Context& ctx, const Node& node) {
  if (ctx.inputCount(node) == 1) return whereIndices(ctx, node);
  DType out = ctx.requireDType(ctx.output(node));
  std::string cond = ctx.tensor(ctx.input(node, 0), DType::kBool);
  ctx.bind(ctx.output(node),
           select(ctx, cond, ctx.tensor(ctx.input(node, 1), out), ctx.tensor(ctx.input(node, 2), out), out));
  return Status::Ok();
}

Status maskedFill(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  DType dt = ctx.requireDType(self);
  std::string mask = ctx.tensor(ctx.input(node, 1), DType::kBool);
  std::string value = ctx.tensor(ctx.input(node, 2), dt);
  ctx.bind(ctx.output(node), select(ctx, mask, value, ctx.tensor(self), dt));
  return Status::Ok();
}

// clamp(self, min?, max?): Clip for floats with scalar bounds; Max/Min for integers (Clip accepts
// them from opset 12, Max/Min too; before, they are computed in a float type) and for tensor
// bounds, which Clip does not take (its min and max must be scalars).
Status clampWith(Context& ctx, const Node& node, const Value* lo, const Value* hi) {
  const Value* self = ctx.input(node, 0);
  DType dt = ctx.requireDType(ctx.output(node));
  std::string x = ctx.tensor(self, dt);
  const bool has_lo = lo && !ctx.isNone(lo);
  const bool has_hi = hi && !ctx.isNone(hi);
  auto scalarBound = [&](const Value* v) { return !ctx.isTensor(v) || ctx.rank(v) == 0; };
  if (isFloating(dt) && (!has_lo || scalarBound(lo)) && (!has_hi || scalarBound(hi))) {
    std::string l = has_lo ? ctx.tensor(lo, dt) : "";
    std::string h = has_hi ? ctx.tensor(hi, dt) : "";
    std::vector<std::string> ins = {x, l, h};
    if (!has_hi) ins.pop_back();
    ctx.bind(ctx.output(node), ctx.emit("Clip", ins));
    return Status::Ok();
  }
  if (has_lo) x = emitTyped(ctx, "Max", {x, ctx.tensor(lo, dt)}, dt);
  if (has_hi) x = emitTyped(ctx, "Min", {x, ctx.tensor(hi, dt)}, dt);
  ctx.bind(ctx.output(node), x);
  return Status::Ok();
}

Status clamp(Context& ctx, const Node& node) {
  return clampWith(ctx, node, ctx.input(node, 1), ctx.inputCount(node) > 2 ? ctx.input(node, 2) : nullptr);
}
Status clampMin(Context& ctx, const Node& node) { return clampWith(ctx, node, ctx.input(node, 1), nullptr); }
Status clampMax(Context& ctx, const Node& node) { return clampWith(ctx, node, nullptr, ctx.input(node, 1)); }

// A one-input op kept in the input's dtype, computed in a wider type where the schema lacks it
// (uint8 Neg, int Floor, float16 Round before ...).
ConvertFn typedUnary(std::string op_type) {
  return [op_type](Context& ctx, const Node& node) {
    const Value* self = ctx.input(node, 0);
    ctx.bind(ctx.output(node), emitTyped(ctx, op_type, {ctx.tensor(self)}, ctx.requireDType(self)));
    return Status::Ok();
  };
}

// round(x, decimals=d) is PyTorch's nearbyint(x * 10^d) / 10^d, or nearbyint(x / 10^-d) * 10^-d
// for d < 0, computed in x's dtype; ONNX Round rounds halfway cases to even as nearbyint does.
Status roundDecimals(Context& ctx, const Node& node) {
  const int64_t decimals = ctx.inputCount(node) == 2 ? ctx.constInt(ctx.input(node, 1)) : 0;
  const DType dtype = ctx.requireDType(ctx.input(node, 0));
  const std::string x = ctx.tensor(ctx.input(node, 0));
  if (decimals == 0) {
    ctx.bind(ctx.output(node), roundHalfEven(ctx, x, dtype));
    return Status::Ok();
  }
  const std::string ten_pow = ctx.scalar(std::pow(10.0, static_cast<double>(std::abs(decimals))), dtype);
  const std::string scaled = emitTyped(ctx, decimals > 0 ? "Mul" : "Div", {x, ten_pow}, dtype);
  const std::string rounded = roundHalfEven(ctx, scaled, dtype);
  ctx.bind(ctx.output(node), emitTyped(ctx, decimals > 0 ? "Div" : "Mul", {rounded, ten_pow}, dtype));
  return Status::Ok();
}

// floor/ceil/round of an integer tensor is the tensor itself.
ConvertFn rounding(std::string op_type) {
  return [op_type](Context& ctx, const Node& node) {
    if (!isFloating(ctx.requireDType(ctx.input(node, 0)))) return passThrough(ctx, node);
    if (op_type == "Round") return roundDecimals(ctx, node);
    return typedUnary(op_type)(ctx, node);
  };
}

Status square(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  std::string x = ctx.tensor(self);
  ctx.bind(ctx.output(node), arithmetic(ctx, "Mul", x, x, ctx.requireDType(self)));
  return Status::Ok();
}

// Python's min() and max() (prim::min, prim::max): of two numbers (an int and a float give a float),
// or of an int list; two lists compare element by element, which only constant lists do here.
ConvertFn pythonMinMax(std::string op_type, std::string reduce_type) {
  return [op_type, reduce_type](Context& ctx, const Node& node) {
    const Value* a = ctx.input(node, 0);
    if (ctx.inputCount(node) == 2) {
      if (ctx.isList(a)) return ctx.fail(node, "min/max of two lists compares them in order; only constants fold");
      return binary(op_type)(ctx, node);
    }
    if (!ctx.isList(a) || ctx.requireDType(ctx.output(node)) != DType::kInt64)
      return ctx.fail(node, "min/max of a list other than an int list");
    ctx.bind(ctx.output(node), ctx.reduce(reduce_type, ctx.intsTensor(a), {0}, false));
    return Status::Ok();
  };
}

}  // namespace

// Round (opset 11) before it: the floor, plus one where the fraction is over a half, or exactly a
// half and the floor odd (halfway cases to even, as ONNX's Round and PyTorch's nearbyint do).
// Infinities and NaN come through the floor unchanged.
std::string roundHalfEven(Context& ctx, const std::string& x, DType dtype) {
  if (ctx.opset() >= 11) return emitTyped(ctx, "Round", {x}, dtype);
  const DType work = dtype == DType::kDouble ? DType::kDouble : DType::kFloat;
  const std::string v = ctx.cast(x, dtype, work), half = ctx.scalar(0.5, work);
  const std::string floor = ctx.emit("Floor", {v}), fraction = ctx.emit("Sub", {v, floor});
  const std::string halved = ctx.emit("Mul", {floor, half});
  const std::string odd =
      ctx.emit("Greater", {ctx.emit("Sub", {halved, ctx.emit("Floor", {halved})}), ctx.scalar(0.25, work)});
  const std::string tie = ctx.emit("And", {ctx.emit("Not", {ctx.emit("Less", {fraction, half})}), odd});
  const std::string up = ctx.emit("Or", {ctx.emit("Greater", {fraction, half}), tie});
  const std::string rounded = ctx.emit("Where", {up, ctx.emit("Add", {floor, ctx.scalar(1, work)}), floor});
  return ctx.cast(rounded, work, dtype);
}

void registerElementwiseOps(Registry& r) {
  r.add("aten::add", 9, addSub("Add", false));
  r.add("aten::sub", 9, addSub("Sub", false));
  r.add("aten::rsub", 9, addSub("Sub", true));
  r.add("aten::mul", 9, binary("Mul"));
  r.add("aten::div", 9, div);
  r.add("aten::true_divide", 9, div);
  r.add("aten::floor_divide", 9, floorDivideOp);
  r.add("aten::floordiv", 9, floorDivideOp);
  r.add("aten::remainder", 9, remainder);
  r.add("aten::fmod", 9, fmod);
  r.add("aten::pow", 9, pow);
  r.add("aten::maximum", 9, binary("Max"));
  r.add("aten::minimum", 9, binary("Min"));
  r.add("prim::max", 9, pythonMinMax("Max", "ReduceMax"));
  r.add("prim::min", 9, pythonMinMax("Min", "ReduceMin"));
  r.add("aten::eq", 9, compare("Equal", false));
  r.add("aten::ne", 9, compare("Equal", true));
  r.add("aten::lt", 9, compare("Less", false));
  r.add("aten::gt", 9, compare("Greater", false));
  r.add("aten::le", 9, compare("Greater", true));
  r.add("aten::ge", 9, compare("Less", true));
  r.add("aten::logical_and", 9, logical("And"));
  r.add("aten::logical_or", 9, logical("Or"));
  r.add("aten::logical_xor", 9, logical("Xor"));
  r.add("aten::__not__", 9, [](Context& ctx, const Node& node) {
    ctx.bind(ctx.output(node), ctx.emit("Not", {ctx.tensor(ctx.input(node, 0), DType::kBool)}));
    return Status::Ok();
  });
  r.add("aten::logical_not", 9, logicalNot);
  r.add("aten::where", 9, where);
  r.add("aten::masked_fill", 9, maskedFill);
  r.add("aten::clamp", 9, clamp);
  r.add("aten::clip", 9, clamp);
  r.add("aten::clamp_min", 9, clampMin);
  r.add("aten::clamp_max", 9, clampMax);
  r.add("aten::neg", 9, typedUnary("Neg"));
  r.add("aten::abs", 9, typedUnary("Abs"));
  r.add("aten::sign", 9, typedUnary("Sign"));
  r.add("aten::floor", 9, rounding("Floor"));
  r.add("aten::ceil", 9, rounding("Ceil"));
  r.add("aten::round", 9, rounding("Round"));
  r.add("aten::square", 9, square);
  r.add("aten::sqrt", 9, floatUnary({"Sqrt"}));
  r.add("aten::rsqrt", 9, floatUnary({"Sqrt", "Reciprocal"}));
  r.add("aten::reciprocal", 9, floatUnary({"Reciprocal"}));
  r.add("aten::exp", 9, floatUnary({"Exp"}));
  r.add("aten::log", 9, floatUnary({"Log"}));
  r.add("aten::sin", 9, floatUnary({"Sin"}));
  r.add("aten::cos", 9, floatUnary({"Cos"}));
  r.add("aten::tan", 9, floatUnary({"Tan"}));
  r.add("aten::atan", 9, floatUnary({"Atan"}));
  r.add("aten::asin", 9, floatUnary({"Asin"}));
  r.add("aten::acos", 9, floatUnary({"Acos"}));
  r.add("aten::erf", 9, floatUnary({"Erf"}));
}

}  // namespace pt2onnx
