// Converters: special math functions (erfc, logit, xlogy, sinc, trunc/frac, hypot, logaddexp,
// copysign, heaviside, signbit, fmin/fmax, float_power, ...) and NaN-aware reductions.
#include <algorithm>
#include <cmath>
#include <limits>

#include "ops/common.h"
#include "ops/typing.h"

namespace pt2onnx {

// IsInf takes float and double only: half types are widened to float, which keeps infinities.
// Before opset 10 (no IsInf), beyond the largest finite value of that type (NaN compares false).
std::string isInfOf(Context& ctx, const std::string& x, DType dt, bool negative, bool positive) {
  DType t = dt == DType::kDouble ? dt : DType::kFloat;
  if (ctx.opset() < 10) {
    const double largest = t == DType::kDouble ? std::numeric_limits<double>::max() : std::numeric_limits<float>::max();
    std::string v = ctx.cast(x, dt, t), out;
    if (positive) out = ctx.emit("Greater", {v, ctx.scalar(largest, t)});
    if (negative) {
      std::string below = ctx.emit("Less", {v, ctx.scalar(-largest, t)});
      out = out.empty() ? below : ctx.emit("Or", {out, below});
    }
    return out;
  }
  return ctx.emit("IsInf", {ctx.cast(x, dt, t)},
                  {{"detect_negative", int64_t{negative}}, {"detect_positive", int64_t{positive}}});
}

namespace {

// The node's inputs 0..n-1 cast to the output's dtype (PyTorch promotes them to it).
std::vector<std::string> promoted(Context& ctx, const Node& node, size_t n, DType* dtype) {
  *dtype = ctx.requireDType(ctx.output(node));
  std::vector<std::string> xs;
  for (size_t i = 0; i < n; ++i) xs.push_back(ctx.tensor(ctx.input(node, i), *dtype));
  return xs;
}

// A function of the promoted inputs: fn(ctx, inputs, dtype) -> output name.
using Formula = std::string (*)(Context&, const std::vector<std::string>&, DType);

ConvertFn formula(size_t arity, Formula fn) {
  return [arity, fn](Context& ctx, const Node& node) {
    DType dt;
    auto xs = promoted(ctx, node, arity, &dt);
    ctx.bind(ctx.output(node), fn(ctx, xs, dt));
    return Status::Ok();
  };
}

std::string isZero(Context& ctx, const std::string& x, DType dt) { return ctx.emit("Equal", {x, ctx.scalar(0, dt)}); }

std::string truncOf(Context& ctx, const std::string& x) {
  return ctx.emit("Mul", {ctx.emit("Sign", {x}), ctx.emit("Floor", {ctx.emit("Abs", {x})})});
}

// erfc(x) = 1 - erf(x)
std::string erfc(Context& ctx, const std::vector<std::string>& x, DType dt) {
  return ctx.emit("Sub", {ctx.scalar(1, dt), ctx.emit("Erf", {x[0]})});
}

// xlogy(x, y) = x * log(y), and 0 where x == 0 unless y is NaN.
std::string xlogy(Context& ctx, const std::vector<std::string>& x, DType dt) {
  std::string product = ctx.emit("Mul", {x[0], ctx.emit("Log", {x[1]})});
  std::string zero = ctx.emit("And", {isZero(ctx, x[0], dt), ctx.emit("Not", {ctx.emit("IsNaN", {x[1]})})});
  return ctx.emit("Where", {zero, ctx.scalar(0, dt), product});
}

// sinc(x) = sin(pi x) / (pi x), 1 at 0.
std::string sinc(Context& ctx, const std::vector<std::string>& x, DType dt) {
  std::string px = ctx.emit("Mul", {x[0], ctx.scalar(M_PI, dt)});
  std::string q = ctx.emit("Div", {ctx.emit("Sin", {px}), px});
  return ctx.emit("Where", {isZero(ctx, x[0], dt), ctx.scalar(1, dt), q});
}

std::string frac(Context& ctx, const std::vector<std::string>& x, DType) {
  return ctx.emit("Sub", {x[0], truncOf(ctx, x[0])});
}

std::string deg2rad(Context& ctx, const std::vector<std::string>& x, DType dt) {
  return ctx.emit("Mul", {x[0], ctx.scalar(M_PI / 180.0, dt)});
}

std::string rad2deg(Context& ctx, const std::vector<std::string>& x, DType dt) {
  return ctx.emit("Mul", {x[0], ctx.scalar(180.0 / M_PI, dt)});
}

std::string hypot(Context& ctx, const std::vector<std::string>& x, DType) {
  return ctx.emit("Sqrt", {ctx.emit("Add", {ctx.emit("Mul", {x[0], x[0]}), ctx.emit("Mul", {x[1], x[1]})})});
}

// logaddexp(a, b) = max(a, b) + log(1 + exp(-|a - b|)); equal arguments (both infinite among
// them, where a - b is NaN) give a + log(2). logaddexp2 is the same in base 2.
std::string logAddExpBase(Context& ctx, const std::vector<std::string>& x, DType dt, bool base2) {
  std::string hi = ctx.emit("Max", {x[0], x[1]});
  std::string d = ctx.emit("Neg", {ctx.emit("Abs", {ctx.emit("Sub", {x[0], x[1]})})});
  std::string e = base2 ? ctx.emit("Pow", {ctx.scalar(2, dt), d}) : ctx.emit("Exp", {d});
  std::string l = ctx.emit("Log", {ctx.emit("Add", {ctx.scalar(1, dt), e})});
  if (base2) l = ctx.emit("Div", {l, ctx.scalar(std::log(2.0), dt)});
  std::string same = ctx.emit("Add", {x[0], ctx.scalar(base2 ? 1.0 : std::log(2.0), dt)});
  return ctx.emit("Where", {ctx.emit("Equal", {x[0], x[1]}), same, ctx.emit("Add", {hi, l})});
}

std::string logaddexp(Context& ctx, const std::vector<std::string>& x, DType dt) {
  return logAddExpBase(ctx, x, dt, false);
}

std::string logaddexp2(Context& ctx, const std::vector<std::string>& x, DType dt) {
  return logAddExpBase(ctx, x, dt, true);
}

// True where x's sign bit is set: x < 0, or -0.0 (1 / -0.0 = -inf).
std::string negativeSign(Context& ctx, const std::string& x, DType dt) {
  std::string zero = ctx.scalar(0, dt);
  return ctx.emit("Or",
                  {ctx.emit("Less", {x, zero}), ctx.emit("Less", {ctx.emit("Div", {ctx.scalar(1, dt), x}), zero})});
}

// copysign(a, b) = |a| with b's sign bit.
std::string copysign(Context& ctx, const std::vector<std::string>& x, DType dt) {
  std::string a = ctx.emit("Abs", {x[0]});
  return ctx.emit("Where", {negativeSign(ctx, x[1], dt), ctx.emit("Neg", {a}), a});
}

// heaviside(x, values) = 0 for x < 0, values for x == 0, 1 for x > 0.
std::string heaviside(Context& ctx, const std::vector<std::string>& x, DType dt) {
  std::string step =
      ctx.emit("Where", {ctx.emit("Greater", {x[0], ctx.scalar(0, dt)}), ctx.scalar(1, dt), ctx.scalar(0, dt)});
  return ctx.emit("Where", {isZero(ctx, x[0], dt), x[1], step});
}

std::string exp2(Context& ctx, const std::vector<std::string>& x, DType dt) {
  return ctx.emit("Pow", {ctx.scalar(2, dt), x[0]});
}

std::string floatPower(Context& ctx, const std::vector<std::string>& x, DType) { return ctx.emit("Pow", x); }

// fmin/fmax: the other operand where one is NaN (NaN only when both are).
ConvertFn nanIgnoring(std::string op_type) {
  return [op_type](Context& ctx, const Node& node) {
    DType dt;
    auto x = promoted(ctx, node, 2, &dt);
    std::string m = emitTyped(ctx, op_type, x, dt);
    if (isFloating(dt)) {
      m = ctx.emit("Where", {ctx.emit("IsNaN", {x[1]}), x[0], m});
      m = ctx.emit("Where", {ctx.emit("IsNaN", {x[0]}), x[1], m});
    }
    ctx.bind(ctx.output(node), m);
    return Status::Ok();
  };
}

// logit(x, eps?) = log(x / (1 - x)), x clamped to [eps, 1 - eps] when eps is given.
Status logit(Context& ctx, const Node& node) {
  DType dt;
  auto x = promoted(ctx, node, 1, &dt);
  std::string v = x[0];
  const Value* eps = ctx.input(node, 1);
  if (!ctx.isNone(eps)) {
    double e = ctx.constDouble(eps);
    v = ctx.emit("Min", {ctx.emit("Max", {v, ctx.scalar(e, dt)}), ctx.scalar(1 - e, dt)});
  }
  ctx.bind(ctx.output(node), ctx.emit("Log", {ctx.emit("Div", {v, ctx.emit("Sub", {ctx.scalar(1, dt), v})})}));
  return Status::Ok();
}

// trunc of an integer tensor is itself.
Status trunc(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  if (!isFloating(ctx.requireDType(self))) return passThrough(ctx, node);
  ctx.bind(ctx.output(node), truncOf(ctx, ctx.tensor(self)));
  return Status::Ok();
}

// sgn of a real tensor is its sign; bool stays as is.
Status sgn(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  DType dt = ctx.requireDType(self);
  if (dt == DType::kBool) return passThrough(ctx, node);
  ctx.bind(ctx.output(node), emitTyped(ctx, "Sign", {ctx.tensor(self)}, dt));
  return Status::Ok();
}

Status signbit(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  DType dt = ctx.requireDType(self);
  std::string x = ctx.tensor(self);
  if (dt == DType::kBool) {
    ctx.bind(ctx.output(node), ctx.emit("Xor", {x, x}));  // all false
    return Status::Ok();
  }
  if (!isFloating(dt)) {
    ctx.bind(ctx.output(node), ctx.emit("Less", {x, ctx.scalar(0, dt)}));
    return Status::Ok();
  }
  ctx.bind(ctx.output(node), negativeSign(ctx, x, dt));
  return Status::Ok();
}

// isneginf / isposinf: IsInf with one direction; integers are never infinite.
ConvertFn isInfSide(bool negative) {
  return [negative](Context& ctx, const Node& node) {
    const Value* self = ctx.input(node, 0);
    std::string x = ctx.tensor(self);
    if (!isFloating(ctx.requireDType(self))) {
      std::string b = ctx.tensor(self, DType::kBool);
      ctx.bind(ctx.output(node), ctx.emit("Xor", {b, b}));
      return Status::Ok();
    }
    ctx.bind(ctx.output(node), isInfOf(ctx, x, ctx.requireDType(self), negative, !negative));
    return Status::Ok();
  };
}

// The dims of an optional int[] argument, normalized and sorted; empty for None or [].
std::vector<int64_t> dimsArg(Context& ctx, const Value* dims, int64_t rank) {
  if (ctx.isNone(dims)) return {};
  auto axes = normalizeAxes(ctx.constInts(dims), std::max<int64_t>(rank, 1));
  std::sort(axes.begin(), axes.end());
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  return axes;
}

// All axes when `axes` is empty (ReduceSum with no axes input would reduce nothing at opset 13
// with noop_with_empty_axes, so they are spelled out).
std::vector<int64_t> orAll(std::vector<int64_t> axes, int64_t rank) {
  if (!axes.empty()) return axes;
  for (int64_t i = 0; i < rank; ++i) axes.push_back(i);
  return axes;
}

std::string sumOver(Context& ctx, const std::string& x, const std::vector<int64_t>& axes, int64_t rank, bool keep) {
  if (rank == 0) return x;
  return ctx.reduce("ReduceSum", x, orAll(axes, rank), keep);
}

// nansum / nanmean(self, dim?, keepdim, dtype?): NaNs count as 0 and, for the mean, not at all.
ConvertFn nanReduce(bool mean) {
  return [mean](Context& ctx, const Node& node) {
    const Value* self = ctx.input(node, 0);
    int64_t rank = ctx.requireRank(self);
    DType dt = ctx.requireDType(ctx.output(node));
    std::string x = ctx.tensor(self, dt);
    auto axes = dimsArg(ctx, ctx.input(node, 1), rank);
    bool keep = ctx.constBool(ctx.input(node, 2));
    std::string ok = isFloating(dt) ? ctx.emit("Not", {ctx.emit("IsNaN", {x})}) : "";
    if (!ok.empty()) x = ctx.emit("Where", {ok, x, ctx.scalar(0, dt)});
    std::string sum = sumOver(ctx, x, axes, rank, keep);
    if (mean) {
      if (!isFloating(dt)) return ctx.fail(node, "nanmean needs a floating point input");
      sum = ctx.emit("Div", {sum, sumOver(ctx, ctx.cast(ok, DType::kBool, dt), axes, rank, keep)});
    }
    ctx.bind(ctx.output(node), sum);
    return Status::Ok();
  };
}

// count_nonzero(self, dim=None | int[] dim) -> int64
Status countNonzero(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  int64_t rank = ctx.requireRank(self);
  DType dt = ctx.requireDType(self);
  std::string x = ctx.tensor(self);
  std::string nz = x;
  if (dt != DType::kBool) {
    // Equal has no form for some element types at some opsets (float before 11, int8 before 13).
    DType t = computeDType("Equal", ctx.opset(), dt);
    if (t == DType::kUndefined)
      return ctx.fail(node, std::string("count_nonzero of ") + dtypeName(dt) + " needs a later opset");
    nz = ctx.emit("Not", {ctx.emit("Equal", {ctx.cast(x, dt, t), ctx.scalar(0, t)})});
  }
  std::vector<int64_t> axes;
  if (ctx.inputCount(node) > 1) axes = dimsArg(ctx, ctx.input(node, 1), rank);
  ctx.bind(ctx.output(node), sumOver(ctx, ctx.cast(nz, DType::kBool, DType::kInt64), axes, rank, false));
  return Status::Ok();
}

// logcumsumexp(self, dim) = m + log(cumsum(exp(x - m))) with m the max over dim (0 where it is
// infinite, so all -inf gives -inf and +inf gives +inf rather than NaN).
Status logcumsumexp(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  int64_t rank = ctx.requireRank(self);
  DType dt = ctx.requireDType(ctx.output(node));
  std::string x = ctx.tensor(self, dt);
  if (rank == 0) return passThrough(ctx, node);
  int64_t axis = normalizeAxis(ctx.constInt(ctx.input(node, 1)), rank);
  std::string m = ctx.reduce("ReduceMax", x, {axis}, true);
  m = ctx.emit("Where", {isInfOf(ctx, m, dt), ctx.scalar(0, dt), m});
  std::string c = ctx.cumsum(ctx.emit("Exp", {ctx.emit("Sub", {x, m})}), axis, rank, dt);
  ctx.bind(ctx.output(node), ctx.emit("Add", {ctx.emit("Log", {c}), m}));
  return Status::Ok();
}

// special_xlog1py(x, y) = x * log(1 + y), and 0 where x == 0 unless y is NaN.
std::string xlog1py(Context& ctx, const std::vector<std::string>& x, DType dt) {
  std::string product = ctx.emit("Mul", {x[0], ctx.emit("Log", {ctx.emit("Add", {x[1], ctx.scalar(1, dt)})})});
  std::string zero = ctx.emit("And", {isZero(ctx, x[0], dt), ctx.emit("Not", {ctx.emit("IsNaN", {x[1]})})});
  return ctx.emit("Where", {zero, ctx.scalar(0, dt), product});
}

// special_entr(x) = -x log x for x > 0, 0 at 0, -inf below 0 (NaN stays NaN).
std::string entr(Context& ctx, const std::vector<std::string>& x, DType dt) {
  std::string v = ctx.emit("Neg", {ctx.emit("Mul", {x[0], ctx.emit("Log", {x[0]})})});
  v = ctx.emit("Where", {isZero(ctx, x[0], dt), ctx.scalar(0, dt), v});
  return ctx.emit("Where", {ctx.emit("Less", {x[0], ctx.scalar(0, dt)}),
                            ctx.scalar(-std::numeric_limits<double>::infinity(), dt), v});
}

// special_ndtr(x) = (1 + erf(x / sqrt 2)) / 2, the standard normal CDF.
std::string ndtr(Context& ctx, const std::vector<std::string>& x, DType dt) {
  std::string e = ctx.emit("Erf", {ctx.emit("Div", {x[0], ctx.scalar(std::sqrt(2.0), dt)})});
  return ctx.emit("Mul", {ctx.emit("Add", {e, ctx.scalar(1, dt)}), ctx.scalar(0.5, dt)});
}

// ldexp(x, e) = x * 2^e
std::string ldexp(Context& ctx, const std::vector<std::string>& x, DType dt) {
  return ctx.emit("Mul", {x[0], ctx.emit("Pow", {ctx.scalar(2, dt), x[1]})});
}

// isclose(a, b, rtol, atol, equal_nan): a == b, or |a - b| finite and <= atol + |rtol * b|; with
// equal_nan two NaNs are close.
Status isclose(Context& ctx, const Node& node) {
  const Value* av = ctx.input(node, 0);
  DType dt = ctx.requireDType(av);
  if (!isFloating(dt)) return ctx.fail(node, "isclose is converted for floating-point tensors");
  std::string a = ctx.tensor(av, dt), b = ctx.tensor(ctx.input(node, 1), dt);
  double rtol = ctx.constDouble(ctx.input(node, 2)), atol = ctx.constDouble(ctx.input(node, 3));
  std::string close = ctx.emit("Equal", {a, b});
  if (ctx.constBool(ctx.input(node, 4)))
    close = ctx.emit("Or", {close, ctx.emit("And", {ctx.emit("IsNaN", {a}), ctx.emit("IsNaN", {b})})});
  std::string err = ctx.emit("Abs", {ctx.emit("Sub", {a, b})});
  std::string allowed =
      ctx.emit("Add", {ctx.scalar(atol, dt), ctx.emit("Abs", {ctx.emit("Mul", {b, ctx.scalar(rtol, dt)})})});
  std::string finite = ctx.emit("Not", {ctx.emit("Or", {isInfOf(ctx, err, dt), ctx.emit("IsNaN", {err})})});
  std::string within = ctx.emit("And", {finite, ctx.emit("Not", {ctx.emit("Greater", {err, allowed})})});
  ctx.bind(ctx.output(node), ctx.emit("Or", {close, within}));
  return Status::Ok();
}

// isin(elements, test_elements, assume_unique, invert): whether each element equals any test
// element (an empty test set matches nothing).
Status isin(Context& ctx, const Node& node) {
  const Value* ev = ctx.input(node, 0);
  const Value* tv = ctx.input(node, 1);
  DType a = ctx.requireDType(ev), b = ctx.requireDType(tv);
  DType dt = a == b ? a : isFloating(a) || isFloating(b) ? DType::kDouble : DType::kInt64;
  DType ct = computeDType("Equal", ctx.opset(), dt);
  if (ct == DType::kUndefined) return ctx.fail(node, std::string("isin of ") + dtypeName(dt) + " tensors");
  std::string e = ctx.unsqueeze(ctx.tensor(ev, ct), {ctx.requireRank(ev)});
  std::string t = ctx.emit("Reshape", {ctx.tensor(tv, ct), ctx.constI64({-1})});
  std::string hits = ctx.cast(ctx.emit("Equal", {e, t}), DType::kBool, DType::kInt64);
  std::string found =
      ctx.emit("Greater", {ctx.reduce("ReduceSum", hits, {ctx.requireRank(ev)}, false), ctx.scalarI64(0)});
  ctx.bind(ctx.output(node), ctx.constBool(ctx.input(node, 3)) ? ctx.emit("Not", {found}) : found);
  return Status::Ok();
}

// trapz / trapezoid / cumulative_trapezoid(y, x | dx, dim): the trapezoid rule along dim, with
// sample points x (1-D, or y's shape) or a constant spacing dx; the cumulative form keeps the
// running sums (CumSum: opset 11).
ConvertFn trapezoid(bool cumulative) {
  return [cumulative](Context& ctx, const Node& node) {
    const Value* yv = ctx.input(node, 0);
    DType dt = ctx.requireDType(ctx.output(node));
    int64_t rank = ctx.requireRank(yv);
    if (rank == 0) return ctx.fail(node, "the trapezoid rule needs a tensor of rank 1 or more");
    int64_t axis = normalizeAxis(ctx.constInt(ctx.input(node, 2)), rank);
    std::string y = ctx.tensor(yv, dt);
    auto tail = [&](const std::string& v) { return sliceConst(ctx, v, {1}, {kInt64Max}, {axis}); };
    auto head = [&](const std::string& v) { return sliceConst(ctx, v, {0}, {-1}, {axis}); };
    std::string pairs = ctx.emit("Mul", {ctx.emit("Add", {tail(y), head(y)}), ctx.scalar(0.5, dt)});
    const Value* spacing = ctx.input(node, 1);
    if (ctx.isTensor(spacing)) {
      std::string x = ctx.tensor(spacing, dt);
      int64_t xr = ctx.requireRank(spacing);
      if (xr == 1 && rank > 1) {
        std::string dx =
            ctx.emit("Sub", {sliceConst(ctx, x, {1}, {kInt64Max}, {0}), sliceConst(ctx, x, {0}, {-1}, {0})});
        std::vector<int64_t> trailing;
        for (int64_t i = 1; i < rank - axis; ++i) trailing.push_back(i);
        pairs = ctx.emit("Mul", {pairs, trailing.empty() ? dx : ctx.unsqueeze(dx, trailing)});
      } else if (xr == rank) {
        pairs = ctx.emit("Mul", {pairs, ctx.emit("Sub", {tail(x), head(x)})});
      } else {
        return ctx.fail(node, "sample points x must be 1-D or of y's rank");
      }
    } else {
      pairs = ctx.emit("Mul", {pairs, ctx.tensor(spacing, dt)});
    }
    if (cumulative) {
      ctx.bind(ctx.output(node), ctx.cumsum(pairs, axis, rank, dt));
      return Status::Ok();
    }
    ctx.bind(ctx.output(node), ctx.reduce("ReduceSum", pairs, {axis}, false));
    return Status::Ok();
  };
}

}  // namespace

void registerSpecialOps(Registry& r) {
  r.add("aten::special_xlog1py", 9, formula(2, xlog1py));
  r.add("aten::special_entr", 9, formula(1, entr));
  r.add("aten::special_ndtr", 9, formula(1, ndtr));
  r.add("aten::ldexp", 9, formula(2, ldexp));
  r.add("aten::isclose", 9, isclose);
  r.add("aten::isin", 9, isin);
  r.add("aten::trapz", 9, trapezoid(false));
  r.add("aten::trapezoid", 9, trapezoid(false));
  r.add("aten::cumulative_trapezoid", 9, trapezoid(true));
  r.add("aten::erfc", 9, formula(1, erfc));
  r.add("aten::logit", 9, logit);
  r.add("aten::xlogy", 9, formula(2, xlogy));
  r.add("aten::sinc", 9, formula(1, sinc));
  r.add("aten::trunc", 9, trunc);
  r.add("aten::frac", 9, formula(1, frac));
  r.add("aten::deg2rad", 9, formula(1, deg2rad));
  r.add("aten::rad2deg", 9, formula(1, rad2deg));
  r.add("aten::hypot", 9, formula(2, hypot));
  r.add("aten::logaddexp", 9, formula(2, logaddexp));
  r.add("aten::logaddexp2", 9, formula(2, logaddexp2));
  r.add("aten::copysign", 9, formula(2, copysign));
  r.add("aten::heaviside", 9, formula(2, heaviside));
  r.add("aten::signbit", 9, signbit);
  r.add("aten::exp2", 9, formula(1, exp2));
  r.add("aten::float_power", 9, formula(2, floatPower));
  r.add("aten::fmin", 9, nanIgnoring("Min"));
  r.add("aten::fmax", 9, nanIgnoring("Max"));
  r.add("aten::sgn", 9, sgn);
  r.add("aten::positive", 9, passThrough);
  r.add("aten::isneginf", 9, isInfSide(true));
  r.add("aten::isposinf", 9, isInfSide(false));
  r.add("aten::nansum", 9, nanReduce(false));
  r.add("aten::nanmean", 9, nanReduce(true));
  r.add("aten::count_nonzero", 9, countNonzero);
  r.add("aten::logcumsumexp", 9, logcumsumexp);
}

}  // namespace pt2onnx
