// Converters: less common math — triu/tril, scatter, shrink/celu/logsigmoid, log/hyperbolic functions,
// atan2, isnan/isinf/isfinite, nan_to_num, addcmul/addcdiv/lerp, meshgrid, unflatten, grid_sampler, one_hot, cumprod.
#include "ops/common.h"
#include "ops/indexing.h"
#include "ops/typing.h"

namespace pt2onnx {

// atan(y / x) is the angle for x > 0; for x < 0 it is off by pi, and the angle lies on y's side
// (+pi for y >= 0, -pi for y < 0). x = 0 gives y / x = +-inf and atan +-pi/2, as wanted; only
// 0 / 0 (NaN) needs its own answer, 0. Signed zeros are not told apart.
std::string atan2Of(Context& ctx, const std::string& y, const std::string& x, DType dt) {
  std::string zero = ctx.scalar(0, dt);
  std::string base = ctx.emit("Atan", {ctx.emit("Div", {y, x})});
  std::string shift = ctx.emit("Where", {ctx.emit("Less", {y, zero}), ctx.scalar(-kPi, dt), ctx.scalar(kPi, dt)});
  std::string angle = ctx.emit("Add", {base, ctx.emit("Where", {ctx.emit("Less", {x, zero}), shift, zero})});
  std::string origin = ctx.emit("And", {ctx.emit("Equal", {x, zero}), ctx.emit("Equal", {y, zero})});
  return ctx.emit("Where", {origin, zero, angle});
}

namespace {

// Input i in the output's dtype (integer inputs of float-valued functions are promoted).
std::string inOutType(Context& ctx, const Node& node, size_t i) {
  return ctx.tensor(ctx.input(node, i), ctx.requireDType(ctx.output(node)));
}

// The size of `axis` as a 0-d INT64 tensor, constant when it is fixed.
std::string dimScalar(Context& ctx, const Value* self, const std::string& x, int64_t axis) {
  int64_t n = ctx.shape(self)[axis];
  return n >= 0 ? ctx.scalarI64(n) : ctx.dimOf(x, axis);
}

// A [rows, cols] bool mask: (j - i >= k) when upper, (j - i <= k) otherwise, for row i, column j.
std::string triangleMask(Context& ctx, const std::string& rows, const std::string& cols, const std::string& k,
                         bool upper) {
  std::string zero = ctx.scalarI64(0), one = ctx.scalarI64(1);
  std::string i = ctx.unsqueeze(ctx.emit("Range", {zero, rows, one}), {1});
  std::string j = ctx.unsqueeze(ctx.emit("Range", {zero, cols, one}), {0});
  std::string d = ctx.emit("Sub", {j, i});
  return ctx.emit("Not", {ctx.emit(upper ? "Less" : "Greater", {d, k})});
}

// ---- triu / tril ---------------------------------------------------------------------------

// ONNX Runtime implements Where, Greater and Trilu for float, double and int64 (and some more);
// other element types are computed in a type that holds their values exactly and cast back.
DType computeType(DType dt) {
  if (dt == DType::kHalf || dt == DType::kBFloat16) return DType::kFloat;
  if (isIntegral(dt)) return DType::kInt64;
  return dt;
}

// Before opset 14 (no Trilu): zero the entries outside the triangle of the last two dims (for
// bool tensors, And with the mask).
ConvertFn triangleMasked(bool upper) {
  return [upper](Context& ctx, const Node& node) {
    const Value* self = ctx.input(node, 0);
    int64_t rank = ctx.requireRank(self);
    if (rank < 2) return ctx.fail(node, "triu/tril need a tensor of rank 2 or more");
    DType dt = ctx.requireDType(self);
    DType work = computeType(dt);
    std::string x = ctx.tensor(self, work);
    std::string k = ctx.tensor(ctx.input(node, 1), DType::kInt64);
    std::string rows = dimScalar(ctx, self, x, rank - 2), cols = dimScalar(ctx, self, x, rank - 1);
    std::string mask = triangleMask(ctx, rows, cols, k, upper);
    std::string out =
        work == DType::kBool ? ctx.emit("And", {x, mask}) : ctx.emit("Where", {mask, x, ctx.scalar(0, work)});
    ctx.bind(ctx.output(node), ctx.cast(out, work, dt));
    return Status::Ok();
  };
}

// Trilu (opset 14) keeps the upper or lower triangle, diagonal k, of the last two dims.
ConvertFn trilu(bool upper) {
  return [upper](Context& ctx, const Node& node) {
    const Value* self = ctx.input(node, 0);
    if (ctx.requireRank(self) < 2) return ctx.fail(node, "triu/tril need a tensor of rank 2 or more");
    DType dt = ctx.requireDType(self);
    DType work = computeType(dt);
    std::vector<std::string> ins = {ctx.tensor(self, work)};
    const Value* k = ctx.input(node, 1);
    if (ctx.maybeConstInt(k) != 0) ins.push_back(ctx.tensor(k, DType::kInt64));
    std::string out = ctx.emit("Trilu", ins, {{"upper", static_cast<int64_t>(upper)}});
    ctx.bind(ctx.output(node), ctx.cast(out, work, dt));
    return Status::Ok();
  };
}

// ---- scatter -------------------------------------------------------------------------------

// ScatterElements with reduction "add" before opset 16 (it has none): along `axis`, each position m
// of the result receives the sum of the updates whose index is m. With the axis moved last, a
// one-hot [..., n, M] of the n indices over the M positions, multiplied by the updates as
// [..., 1, n], gives [..., 1, M]; it is padded with zeros to self's shape where the index tensor is
// smaller, moved back, and added to self. Repeated indices sum, as in PyTorch.
std::string scatterAddByOneHot(Context& ctx, const std::string& x, const std::string& idx, const std::string& updates,
                               int64_t axis, int64_t rank, DType dt) {
  std::vector<int64_t> perm;
  for (int64_t d = 0; d < rank; ++d)
    if (d != axis) perm.push_back(d);
  perm.push_back(axis);
  std::string xt = transposed(ctx, x, perm), it = transposed(ctx, idx, perm), ut = transposed(ctx, updates, perm);
  std::string positions = ctx.emit("Range", {ctx.scalarI64(0), ctx.dimOf(xt, rank - 1), ctx.scalarI64(1)});  // [M]
  std::string hits = ctx.cast(ctx.emit("Equal", {ctx.unsqueeze(it, {rank}), positions}), DType::kBool, dt);
  std::string received = ctx.squeeze(ctx.emit("MatMul", {ctx.unsqueeze(ut, {rank - 1}), hits}), {rank - 1});
  std::string missing = ctx.emit("Sub", {ctx.shapeOf(xt), ctx.shapeOf(received)});
  std::string pads = ctx.emit("Concat", {ctx.constI64(std::vector<int64_t>(rank, 0)), missing}, {{"axis", 0}});
  std::string padded = ctx.padWithZeros(received, pads, rank, dt);
  return transposed(ctx, ctx.emit("Add", {xt, padded}), inversePerm(perm));
}

// scatter(self, dim, index, src | value[, reduce]) and scatter_add(self, dim, index, src):
// ScatterElements. PyTorch reads only the index-shaped corner of src; ONNX wants updates of
// exactly the index's shape. A Scalar value is broadcast to that shape.
ConvertFn scatter(bool add) {
  return [add](Context& ctx, const Node& node) {
    const Value* self = ctx.input(node, 0);
    DType dt = ctx.requireDType(self);
    int64_t rank = ctx.requireRank(self);
    int64_t axis = normalizeAxis(ctx.constInt(ctx.input(node, 1)), rank);
    const Value* index = ctx.input(node, 2);
    const Value* src = ctx.input(node, 3);
    std::string reduction = add ? "add" : "";
    if (!add && ctx.inputCount(node) > 4 && !ctx.isNone(ctx.input(node, 4))) {
      std::string reduce = ctx.constString(ctx.input(node, 4));
      if (reduce != "add" && reduce != "multiply") return ctx.fail(node, "scatter reduce='" + reduce + "' is unknown");
      reduction = reduce == "add" ? "add" : "mul";
    }
    // ScatterElements' reduction attribute arrived in opset 16; a sum has a one-hot form before it
    // (MatMul's types).
    const bool one_hot = reduction == "add" && ctx.opset() < 16 &&
                         (dt == DType::kFloat || dt == DType::kDouble || dt == DType::kHalf || dt == DType::kInt32 ||
                          dt == DType::kInt64);
    if (!reduction.empty() && ctx.opset() < 16 && !one_hot)
      return ctx.fail(node, std::string("scatter with reduce='") + (reduction == "mul" ? "multiply" : "add") +
                                "' of a " + dtypeName(dt) +
                                " tensor needs ScatterElements' reduction (opset 16 or later); try --opset 16");
    std::string idx = ctx.tensor(index, DType::kInt64);
    std::string updates;
    if (!ctx.isTensor(src)) {
      updates = ctx.emit("Expand", {ctx.tensor(src, dt), ctx.shapeOf(idx)});
    } else {
      updates = ctx.tensor(src, dt);
      auto is = ctx.shape(index), ss = ctx.shape(src);
      bool same = is == ss;
      for (int64_t d : is) same = same && d >= 0;
      std::vector<int64_t> axes;
      for (int64_t d = 0; d < rank; ++d) axes.push_back(d);
      if (!same)
        updates = ctx.emit(
            "Slice", {updates, ctx.constI64(std::vector<int64_t>(rank, 0)), ctx.shapeOf(idx), ctx.constI64(axes)});
    }
    if (one_hot) {
      ctx.bind(ctx.output(node), scatterAddByOneHot(ctx, ctx.tensor(self, dt), idx, updates, axis, rank, dt));
      return Status::Ok();
    }
    std::vector<Attr> attrs = {{"axis", axis}};
    if (!reduction.empty()) attrs.push_back({"reduction", reduction});
    // Scatter (opset 9) is ScatterElements (11) under its old name, without reductions.
    const char* op = reduction.empty() ? scatterElementsOp(ctx) : "ScatterElements";
    ctx.bind(ctx.output(node), ctx.emit(op, {ctx.tensor(self), idx, updates}, attrs));
    return Status::Ok();
  };
}

// ---- activations ---------------------------------------------------------------------------

// threshold(self, threshold, value) = self > threshold ? self : value.
Status threshold(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  DType dt = ctx.requireDType(self);
  DType work = computeType(dt);
  std::string x = ctx.tensor(self, work);
  std::string keep = ctx.emit("Greater", {x, ctx.tensor(ctx.input(node, 1), work)});
  std::string out = ctx.emit("Where", {keep, x, ctx.tensor(ctx.input(node, 2), work)});
  ctx.bind(ctx.output(node), ctx.cast(out, work, dt));
  return Status::Ok();
}

// celu(x, a) = max(0, x) + min(0, a (exp(x / a) - 1)) = a * elu(x / a).
Status celuAsElu(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  DType dt = ctx.requireDType(self);
  double alpha = ctx.constDouble(ctx.input(node, 1));
  std::string x = ctx.tensor(self);
  if (alpha == 1.0) {
    ctx.bind(ctx.output(node), emitElu(ctx, x, 1.0, dt));
    return Status::Ok();
  }
  std::string a = ctx.scalar(alpha, dt);
  ctx.bind(ctx.output(node), ctx.emit("Mul", {emitElu(ctx, ctx.emit("Div", {x, a}), 1.0, dt), a}));
  return Status::Ok();
}

// Celu arrived in opset 12, for float tensors only.
Status celu(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  if (ctx.requireDType(self) != DType::kFloat) return celuAsElu(ctx, node);
  double alpha = ctx.constDouble(ctx.input(node, 1));
  ctx.bind(ctx.output(node), ctx.emit("Celu", {ctx.tensor(self)}, {{"alpha", alpha}}));
  return Status::Ok();
}

// log(sigmoid(x)) = min(x, 0) - log(1 + exp(-|x|)), which never overflows.
Status logSigmoid(Context& ctx, const Node& node) {
  DType dt = ctx.requireDType(ctx.output(node));
  std::string x = inOutType(ctx, node, 0);
  std::string e = ctx.emit("Exp", {ctx.emit("Neg", {ctx.emit("Abs", {x})})});
  std::string l = ctx.emit("Log", {ctx.emit("Add", {e, ctx.scalar(1, dt)})});
  ctx.bind(ctx.output(node), ctx.emit("Sub", {ctx.emit("Min", {x, ctx.scalar(0, dt)}), l}));
  return Status::Ok();
}

// Shrink: x < -lambd ? x + bias : x > lambd ? x - bias : 0. hardshrink has bias 0, softshrink
// bias lambd.
ConvertFn shrink(bool soft) {
  return [soft](Context& ctx, const Node& node) {
    double lambd = ctx.constDouble(ctx.input(node, 1));
    std::vector<Attr> attrs = {{"lambd", lambd}, {"bias", soft ? lambd : 0.0}};
    ctx.bind(ctx.output(node), ctx.emit("Shrink", {ctx.tensor(ctx.input(node, 0))}, attrs));
    return Status::Ok();
  };
}

// ---- elementwise math ----------------------------------------------------------------------

// A one-input ONNX function computed in the output's (floating) dtype.
// log_b(x) = ln(x) / ln(b).
ConvertFn logBase(double base) {
  return [base](Context& ctx, const Node& node) {
    DType dt = ctx.requireDType(ctx.output(node));
    std::string l = ctx.emit("Log", {inOutType(ctx, node, 0)});
    ctx.bind(ctx.output(node), ctx.emit("Div", {l, ctx.scalar(std::log(base), dt)}));
    return Status::Ok();
  };
}

// log1p(x) = ln(1 + x) and expm1(x) = exp(x) - 1. Without fused ONNX ops, tiny |x| lose their
// relative precision; the absolute error stays within float epsilon.
Status log1p(Context& ctx, const Node& node) {
  DType dt = ctx.requireDType(ctx.output(node));
  std::string sum = ctx.emit("Add", {inOutType(ctx, node, 0), ctx.scalar(1, dt)});
  ctx.bind(ctx.output(node), ctx.emit("Log", {sum}));
  return Status::Ok();
}

Status expm1(Context& ctx, const Node& node) {
  DType dt = ctx.requireDType(ctx.output(node));
  std::string e = ctx.emit("Exp", {inOutType(ctx, node, 0)});
  ctx.bind(ctx.output(node), ctx.emit("Sub", {e, ctx.scalar(1, dt)}));
  return Status::Ok();
}

Status atan2(Context& ctx, const Node& node) {
  DType dt = ctx.requireDType(ctx.output(node));
  ctx.bind(ctx.output(node), atan2Of(ctx, inOutType(ctx, node, 0), inOutType(ctx, node, 1), dt));
  return Status::Ok();
}

// IsNaN/IsInf test floats (IsInf only float and double before opset 20); other types are cast
// to float, where integers are never NaN or infinite.
ConvertFn floatTest(std::string op_type) {
  return [op_type](Context& ctx, const Node& node) {
    const Value* self = ctx.input(node, 0);
    DType dt = ctx.requireDType(self);
    bool native = dt == DType::kFloat || dt == DType::kDouble || (dt == DType::kHalf && op_type == "IsNaN");
    std::string x = native ? ctx.tensor(self) : ctx.tensor(self, DType::kFloat);
    ctx.bind(ctx.output(node),
             op_type == "IsInf" ? isInfOf(ctx, x, native ? dt : DType::kFloat) : ctx.emit(op_type, {x}));
    return Status::Ok();
  };
}

// isfinite(self): neither inf nor NaN; integer and bool tensors are finite everywhere.
Status isFinite(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  DType dt = ctx.requireDType(self);
  std::string x = ctx.tensor(self);
  if (!isFloating(dt)) {
    ctx.bind(ctx.output(node), ctx.emit("Expand", {ctx.scalar(1, DType::kBool), ctx.shapeOf(x)}));
    return Status::Ok();
  }
  if (dt != DType::kFloat && dt != DType::kDouble) x = ctx.cast(x, dt, DType::kFloat);
  std::string bad =
      ctx.emit("Or", {isInfOf(ctx, x, dt == DType::kDouble ? dt : DType::kFloat), ctx.emit("IsNaN", {x})});
  ctx.bind(ctx.output(node), ctx.emit("Not", {bad}));
  return Status::Ok();
}

// nan_to_num(self, nan=0, posinf=None, neginf=None): None infinities become the dtype's largest
// and lowest finite values. Integer and bool tensors pass through.
Status nanToNum(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  DType dt = ctx.requireDType(self);
  if (!isFloating(dt)) return passThrough(ctx, node);
  double big = dt == DType::kDouble     ? std::numeric_limits<double>::max()
               : dt == DType::kHalf     ? 65504.0
               : dt == DType::kBFloat16 ? 3.3895313892515355e38
                                        : static_cast<double>(std::numeric_limits<float>::max());
  auto value = [&](size_t i, double if_none) {
    const Value* v = ctx.input(node, i);
    return ctx.isNone(v) ? if_none : ctx.constDouble(v);
  };
  DType work = dt == DType::kDouble ? dt : DType::kFloat;
  std::string x = ctx.tensor(self, work);
  std::string y = ctx.emit("Where", {ctx.emit("IsNaN", {x}), ctx.scalar(value(1, 0), work), x});
  std::string pos = isInfOf(ctx, x, work, false, true);
  std::string neg = isInfOf(ctx, x, work, true, false);
  y = ctx.emit("Where", {pos, ctx.scalar(value(2, big), work), y});
  y = ctx.emit("Where", {neg, ctx.scalar(value(3, -big), work), y});
  ctx.bind(ctx.output(node), ctx.cast(y, work, dt));
  return Status::Ok();
}

// addcmul(self, t1, t2, value) = self + value * t1 * t2; addcdiv the same with t1 / t2.
ConvertFn addcOp(std::string op_type) {
  return [op_type](Context& ctx, const Node& node) {
    DType dt = ctx.requireDType(ctx.output(node));
    std::string term = ctx.emit(op_type, {inOutType(ctx, node, 1), inOutType(ctx, node, 2)});
    const Value* value = ctx.input(node, 3);
    if (!(ctx.isConstant(value) && ctx.constDouble(value) == 1.0))
      term = ctx.emit("Mul", {ctx.tensor(value, dt), term});
    ctx.bind(ctx.output(node), ctx.emit("Add", {inOutType(ctx, node, 0), term}));
    return Status::Ok();
  };
}

// lerp(self, end, w) = self + w (end - self). For a constant w >= 0.5 PyTorch computes
// end - (end - self)(1 - w), which is exact at w = 1; it is followed here too.
Status lerp(Context& ctx, const Node& node) {
  DType dt = ctx.requireDType(ctx.output(node));
  std::string a = inOutType(ctx, node, 0);
  std::string b = inOutType(ctx, node, 1);
  const Value* weight = ctx.input(node, 2);
  std::string diff = ctx.emit("Sub", {b, a});
  if (!ctx.isTensor(weight) && ctx.isConstant(weight) && ctx.constDouble(weight) >= 0.5) {
    std::string rest = ctx.scalar(1.0 - ctx.constDouble(weight), dt);
    ctx.bind(ctx.output(node), ctx.emit("Sub", {b, ctx.emit("Mul", {diff, rest})}));
    return Status::Ok();
  }
  std::string w = ctx.tensor(weight, dt);
  ctx.bind(ctx.output(node), ctx.emit("Add", {a, ctx.emit("Mul", {w, diff})}));
  return Status::Ok();
}

// ---- shapes --------------------------------------------------------------------------------

// A 1-D INT64 shape from fixed entries and computed pieces, constants packed together.
struct ShapeBuilder {
  std::vector<std::string> parts;
  std::vector<int64_t> run;
  void flush(Context& ctx) {
    if (!run.empty()) parts.push_back(ctx.constI64(run));
    run.clear();
  }
  void add(Context& ctx, const std::string& piece) {
    flush(ctx);
    parts.push_back(piece);
  }
  std::string build(Context& ctx) {
    flush(ctx);
    return parts.size() == 1 ? parts[0] : ctx.emit("Concat", parts, {{"axis", 0}});
  }
};

// meshgrid(tensors[, indexing]): input i (0-d or 1-D) is laid along output dim i and expanded to
// the sizes of all inputs. 'xy' swaps the roles of the first two dims.
Status meshgrid(Context& ctx, const Node& node) {
  const Value* list = ctx.input(node, 0);
  const Node* p = ctx.producer(list);
  if (ctx.kind(*p) != "prim::ListConstruct") return ctx.fail(node, "meshgrid needs a list built in the graph");
  bool xy = ctx.inputCount(node) > 1 && ctx.constString(ctx.input(node, 1)) == "xy";
  const int64_t n = static_cast<int64_t>(ctx.inputCount(*p));
  auto placeOf = [&](int64_t i) { return xy && n >= 2 && i < 2 ? 1 - i : i; };  // an involution
  ShapeBuilder full;
  for (int64_t d = 0; d < n; ++d) {
    const Value* t = ctx.input(*p, placeOf(d));
    if (ctx.requireRank(t) > 1) return ctx.fail(node, "meshgrid takes 0-d or 1-D tensors");
    int64_t size = ctx.rank(t) == 0 ? 1 : ctx.shape(t)[0];
    if (size >= 0)
      full.run.push_back(size);
    else
      full.add(ctx, ctx.shapeOf(ctx.tensor(t)));
  }
  std::string shape = full.build(ctx);
  std::vector<std::string> outs;
  for (int64_t i = 0; i < n; ++i) {
    std::vector<int64_t> along(n, 1);
    along[placeOf(i)] = -1;
    std::string r = ctx.emit("Reshape", {ctx.tensor(ctx.input(*p, i)), ctx.constI64(along)});
    outs.push_back(ctx.emit("Expand", {r, shape}));
  }
  ctx.bindList(ctx.output(node), outs);
  return Status::Ok();
}

// unflatten(self, dim, sizes): Reshape to shape[:dim] + sizes + shape[dim+1:]. Reshape's 0 copies
// the input dim at the same position, which holds for the leading dims only.
Status unflatten(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  int64_t rank = ctx.requireRank(self);
  int64_t axis = normalizeAxis(ctx.constInt(ctx.input(node, 1)), rank);
  auto shape = ctx.shape(self);
  std::string x = ctx.tensor(self);
  ShapeBuilder target;
  for (int64_t d = 0; d < axis; ++d) target.run.push_back(shape[d] >= 0 ? shape[d] : 0);
  const Value* sizes = ctx.input(node, 2);
  if (auto c = ctx.maybeConstInts(sizes)) {
    for (int64_t s : *c)
      if (s == 0) return ctx.fail(node, "unflatten into a size of 0 is not supported");
    target.run.insert(target.run.end(), c->begin(), c->end());
  } else {
    target.add(ctx, ctx.intsTensor(sizes));
  }
  bool tail_fixed = true;
  for (int64_t d = axis + 1; d < rank; ++d) tail_fixed = tail_fixed && shape[d] >= 0;
  if (tail_fixed)
    target.run.insert(target.run.end(), shape.begin() + axis + 1, shape.end());
  else
    target.add(ctx, ctx.emit("Slice", {ctx.shapeOf(x), ctx.constI64({axis + 1}), ctx.constI64({kInt64Max})}));
  ctx.bind(ctx.output(node), ctx.emit("Reshape", {x, target.build(ctx)}));
  return Status::Ok();
}

// ---- sampling and encoding -----------------------------------------------------------------

// grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners): GridSample, opset 16,
// which samples 4-D inputs only (5-D arrives in opset 20, which also renames the modes bilinear
// and bicubic to linear and cubic).
Status gridSampler(Context& ctx, const Node& node) {
  static const char* kModes16[] = {"bilinear", "nearest", "bicubic"};
  static const char* kModes20[] = {"linear", "nearest", "cubic"};
  const char* const* kModes = ctx.opset() >= 20 ? kModes20 : kModes16;
  static const char* kPadding[] = {"zeros", "border", "reflection"};
  const Value* input = ctx.input(node, 0);
  if (ctx.requireRank(input) != 4) return ctx.fail(node, "grid_sample is supported for 4-D inputs only");
  int64_t mode = ctx.constInt(ctx.input(node, 2));
  int64_t padding = ctx.constInt(ctx.input(node, 3));
  if (mode < 0 || mode > 2) return ctx.fail(node, "unknown interpolation mode " + std::to_string(mode));
  if (padding < 0 || padding > 2) return ctx.fail(node, "unknown padding mode " + std::to_string(padding));
  bool align = ctx.constBool(ctx.input(node, 4));
  std::string grid = ctx.tensor(ctx.input(node, 1), ctx.requireDType(input));
  std::vector<Attr> attrs = {
      {"mode", kModes[mode]}, {"padding_mode", kPadding[padding]}, {"align_corners", static_cast<int64_t>(align)}};
  ctx.bind(ctx.output(node), ctx.emit("GridSample", {ctx.tensor(input), grid}, attrs));
  return Status::Ok();
}

// one_hot(self, num_classes): OneHot with off/on values 0/1 as INT64 on a new last axis. The class
// count may be computed at run time (`int(n.item())`); -1, PyTorch's "as many as the largest label
// needs", is max(self) + 1, computed in the graph too (a constant -1, or a run-time count that is -1).
Status oneHot(Context& ctx, const Node& node) {
  std::string idx = ctx.tensor(ctx.input(node, 0), DType::kInt64);
  const Value* classes = ctx.input(node, 1);
  auto fixed = ctx.maybeConstInt(classes);
  std::string depth;
  if (fixed && *fixed >= 0) {
    depth = ctx.constI64({*fixed});
  } else {
    std::string needed = ctx.emit("Add", {ctx.reduce("ReduceMax", idx, {}, false), ctx.scalarI64(1)});
    if (fixed) {
      depth = needed;
    } else {
      std::string given = ctx.tensor(classes, DType::kInt64);
      depth = ctx.emit("Where", {ctx.emit("Less", {given, ctx.scalarI64(0)}), needed, given});
    }
  }
  std::string out = ctx.emit("OneHot", {idx, depth, ctx.constI64({0, 1})}, {{"axis", -1}});
  ctx.bind(ctx.output(node), out);
  return Status::Ok();
}

// cumprod(self, dim, dtype): ONNX has no CumProd. out[i] = prod_j x[j] for j <= i, exactly: x is
// repeated along a new axis i, entries with j > i are replaced by 1, and the j axis is reduced.
// This takes n^2 elements for a dim of size n.
Status cumprod(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  DType out = ctx.requireDType(ctx.output(node));
  int64_t rank = ctx.requireRank(self);
  if (rank == 0) {
    ctx.bind(ctx.output(node), ctx.tensor(self, out));
    return Status::Ok();
  }
  int64_t axis = normalizeAxis(ctx.constInt(ctx.input(node, 1)), rank);
  // ReduceProd runs on float, double, int32 and int64.
  DType work = out == DType::kDouble || out == DType::kInt32 ? out : isFloating(out) ? DType::kFloat : DType::kInt64;
  std::string x = ctx.tensor(self, work);
  std::string n = dimScalar(ctx, self, x, axis);
  std::string mask = triangleMask(ctx, n, n, ctx.scalarI64(0), false);  // [i, j]: j <= i
  std::vector<int64_t> trailing;
  for (int64_t d = 2; d < rank - axis + 1; ++d) trailing.push_back(d);
  if (!trailing.empty()) mask = ctx.unsqueeze(mask, trailing);
  std::string rows = ctx.emit("Where", {mask, ctx.unsqueeze(x, {axis}), ctx.scalar(1, work)});
  ctx.bind(ctx.output(node), ctx.cast(ctx.reduce("ReduceProd", rows, {axis + 1}, false), work, out));
  return Status::Ok();
}

}  // namespace

void registerMathOps(Registry& r) {
  r.add("aten::triu", 9, triangleMasked(true));
  r.add("aten::tril", 9, triangleMasked(false));
  r.add("aten::triu", 14, trilu(true));
  r.add("aten::tril", 14, trilu(false));
  r.add("aten::scatter", 9, scatter(false));
  r.add("aten::scatter_add", 9, scatter(true));
  r.add("aten::threshold", 9, threshold);
  r.add("aten::selu", 9, unaryOp("Selu"));
  r.add("aten::celu", 9, celuAsElu);
  r.add("aten::celu", 12, celu);
  r.add("aten::log_sigmoid", 9, logSigmoid);
  r.add("aten::hardshrink", 9, shrink(false));
  r.add("aten::softshrink", 9, shrink(true));
  r.add("aten::log2", 9, logBase(2.0));
  r.add("aten::log10", 9, logBase(10.0));
  r.add("aten::log1p", 9, log1p);
  r.add("aten::expm1", 9, expm1);
  r.add("aten::sinh", 9, floatUnary({"Sinh"}));
  r.add("aten::cosh", 9, floatUnary({"Cosh"}));
  r.add("aten::asinh", 9, floatUnary({"Asinh"}));
  r.add("aten::acosh", 9, floatUnary({"Acosh"}));
  r.add("aten::atanh", 9, floatUnary({"Atanh"}));
  r.add("aten::atan2", 9, atan2);
  r.add("aten::arctan2", 9, atan2);
  r.add("aten::isnan", 9, floatTest("IsNaN"));
  r.add("aten::isinf", 9, floatTest("IsInf"));
  r.add("aten::isfinite", 9, isFinite);
  r.add("aten::nan_to_num", 9, nanToNum);
  r.add("aten::addcmul", 9, addcOp("Mul"));
  r.add("aten::addcdiv", 9, addcOp("Div"));
  r.add("aten::lerp", 9, lerp);
  r.add("aten::meshgrid", 9, meshgrid);
  r.add("aten::unflatten", 9, unflatten);
  r.add("aten::grid_sampler", 16, gridSampler);
  r.add("aten::one_hot", 9, oneHot);
  r.add("aten::cumprod", 9, cumprod);
}

}  // namespace pt2onnx
