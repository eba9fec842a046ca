// Converters: reductions — sum/mean/prod, max/min/amax/amin/argmax, var/std, norms, logsumexp, cumsum, all/any.
#include <algorithm>

#include "ops/common.h"
#include "ops/norms.h"
#include "ops/typing.h"

namespace pt2onnx {
namespace {

// The dims of an int[]? reduction argument, normalized and sorted; empty means every dim
// (PyTorch treats None and [] alike).
std::vector<int64_t> reduceAxes(Context& ctx, const Value* dims, int64_t rank) {
  if (!dims || ctx.isNone(dims)) return {};
  auto axes = normalizeAxes(ctx.constInts(dims), rank);
  std::sort(axes.begin(), axes.end());
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  return axes;
}

// ONNX reductions, Max/Min and ArgMax take no bool: such inputs are computed in int32.
DType computeType(DType dt) { return dt == DType::kBool ? DType::kInt32 : dt; }

// `op_type` over `axes` of self (empty: all), computed in the output's dtype. A 0-d self is its
// own reduction (PyTorch accepts dim 0 / -1 on it).
std::string reduceAs(Context& ctx, const std::string& op_type, const Value* self, const std::vector<int64_t>& axes,
                     bool keepdim, DType out) {
  DType ct = computeType(out);
  // int8/uint8 sums and products have no ONNX reduction: they are computed wider and cast back.
  if (DType wide = computeDType(op_type, ctx.opset(), ct); wide != DType::kUndefined) ct = wide;
  std::string x = ctx.tensor(self, ct);
  if (ctx.requireRank(self) > 0) x = ctx.reduce(op_type, x, axes, keepdim);
  return ctx.cast(x, ct, out);
}

// A reduction whose overloads are (self, *, dtype) and (self, dim, keepdim, *, dtype): sum, mean,
// prod (its dim is a lone int, which constInts accepts).
ConvertFn reduceOp(std::string op_type) {
  return [op_type](Context& ctx, const Node& node) {
    const Value* self = ctx.input(node, 0);
    const Value* out = ctx.output(node);
    if (!ctx.isTensor(self)) {  // sum(int[]): a Python list sum
      if (op_type != "ReduceSum") return ctx.fail(node, "only tensors can be reduced");
      ctx.bind(out, ctx.reduce("ReduceSum", ctx.intsTensor(self), {0}, false));
      return Status::Ok();
    }
    int64_t rank = ctx.requireRank(self);
    std::vector<int64_t> axes;
    bool keepdim = false;
    if (ctx.inputCount(node) >= 4) {
      axes = reduceAxes(ctx, ctx.input(node, 1), rank);
      keepdim = ctx.constBool(ctx.input(node, 2));
    }
    ctx.bind(out, reduceAs(ctx, op_type, self, axes, keepdim, ctx.requireDType(out)));
    return Status::Ok();
  };
}

// amax/amin(self, dim=[], keepdim=False)
ConvertFn extremumOp(std::string op_type) {
  return [op_type](Context& ctx, const Node& node) {
    const Value* self = ctx.input(node, 0);
    auto axes = reduceAxes(ctx, ctx.input(node, 1), ctx.requireRank(self));
    bool keepdim = ctx.constBool(ctx.input(node, 2));
    ctx.bind(ctx.output(node), reduceAs(ctx, op_type, self, axes, keepdim, ctx.requireDType(ctx.output(node))));
    return Status::Ok();
  };
}

// aminmax(self, *, dim=None, keepdim=False) -> (min, max); no dim reduces every element.
Status aminmax(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  const Value* dim = ctx.input(node, 1);
  std::vector<int64_t> axes;
  if (!ctx.isNone(dim)) axes = {normalizeAxis(ctx.constInt(dim), std::max<int64_t>(ctx.requireRank(self), 1))};
  bool keepdim = ctx.constBool(ctx.input(node, 2));
  DType dt = ctx.requireDType(ctx.output(node, 0));
  ctx.bind(ctx.output(node, 0), reduceAs(ctx, "ReduceMin", self, axes, keepdim, dt));
  ctx.bind(ctx.output(node, 1), reduceAs(ctx, "ReduceMax", self, axes, keepdim, dt));
  return Status::Ok();
}

// ArgMax/ArgMin of self on one dim; ties go to the first index in both (select_last_index=0).
std::string argReduce(Context& ctx, const std::string& op_type, const Value* self, int64_t axis, bool keepdim) {
  DType ct = computeType(ctx.requireDType(self));
  std::string x = ctx.tensor(self, ct);
  if (ctx.requireRank(self) == 0) x = ctx.unsqueeze(x, {0});
  std::string out = ctx.emit(op_type, {x}, {{"axis", axis}, {"keepdims", static_cast<int64_t>(keepdim)}});
  return ctx.requireRank(self) == 0 ? ctx.emit("Reshape", {out, ctx.constI64({})}) : out;
}

// max/min overloads: (self) over everything; (self, other) elementwise; (self, dim, keepdim)
// returning (values, indices).
ConvertFn maxMin(std::string reduce_op, std::string binary_op, std::string arg_op) {
  return [=](Context& ctx, const Node& node) {
    const Value* self = ctx.input(node, 0);
    const Value* out = ctx.output(node);
    DType dt = ctx.requireDType(out);
    if (ctx.inputCount(node) == 1) {
      ctx.bind(out, reduceAs(ctx, reduce_op, self, {}, false, dt));
      return Status::Ok();
    }
    if (ctx.inputCount(node) == 2) {
      DType ct = computeType(dt);
      std::string y = ctx.emit(binary_op, {ctx.tensor(self, ct), ctx.tensor(ctx.input(node, 1), ct)});
      ctx.bind(out, ctx.cast(y, ct, dt));
      return Status::Ok();
    }
    if (ctx.outputCount(node) != 2) return ctx.fail(node, "expected (values, indices) outputs");
    int64_t rank = ctx.requireRank(self);
    int64_t axis = normalizeAxis(ctx.constInt(ctx.input(node, 1)), rank);
    bool keepdim = ctx.constBool(ctx.input(node, 2));
    ctx.bind(out, reduceAs(ctx, reduce_op, self, {axis}, keepdim, dt));
    ctx.bind(ctx.output(node, 1), argReduce(ctx, arg_op, self, axis, keepdim));
    return Status::Ok();
  };
}

// argmax/argmin(self, dim=None, keepdim=False): dim None indexes the flattened tensor.
ConvertFn argOp(std::string op_type) {
  return [op_type](Context& ctx, const Node& node) {
    const Value* self = ctx.input(node, 0);
    const Value* dim = ctx.input(node, 1);
    bool keepdim = ctx.constBool(ctx.input(node, 2));
    int64_t rank = ctx.requireRank(self);
    if (!ctx.isNone(dim)) {
      int64_t axis = normalizeAxis(ctx.constInt(dim), rank);
      ctx.bind(ctx.output(node), argReduce(ctx, op_type, self, axis, keepdim));
      return Status::Ok();
    }
    DType ct = computeType(ctx.requireDType(self));
    std::string flat = ctx.emit("Reshape", {ctx.tensor(self, ct), ctx.constI64({-1})});
    std::string out = ctx.emit(op_type, {flat}, {{"axis", 0}, {"keepdims", 0}});
    // keepdim with dim=None keeps every dim as size 1.
    if (keepdim && rank > 0) out = ctx.emit("Reshape", {out, ctx.constI64(std::vector<int64_t>(rank, 1))});
    ctx.bind(ctx.output(node), out);
    return Status::Ok();
  };
}

// Number of elements over `axes` (empty: all) as a 0-d tensor of dtype dt; static when it can be.
std::string countOver(Context& ctx, const Value* self, const std::string& x, const std::vector<int64_t>& axes,
                      DType dt) {
  auto shape = ctx.shape(self);
  std::vector<int64_t> dims = axes;
  if (dims.empty())
    for (int64_t d = 0; d < static_cast<int64_t>(shape.size()); ++d) dims.push_back(d);
  int64_t n = 1;
  bool known = true;
  for (int64_t d : dims) {
    if (shape[d] < 0) known = false;
    n *= std::max<int64_t>(shape[d], 0);
  }
  if (known) return ctx.scalar(static_cast<double>(n), dt);
  std::string sizes = ctx.emit("Gather", {ctx.shapeOf(x), ctx.constI64(dims)}, {{"axis", 0}});
  return ctx.cast(ctx.reduce("ReduceProd", sizes, {0}, false), DType::kInt64, dt);
}

// var/std: sum((x - mean)^2) / (N - correction). Overloads: (self, unbiased),
// (self, dim, unbiased, keepdim) and (self, dim, *, correction, keepdim). var_mean/std_mean also
// return the mean.
ConvertFn varStd(bool take_sqrt, bool with_mean = false) {
  return [take_sqrt, with_mean](Context& ctx, const Node& node) {
    const Value* self = ctx.input(node, 0);
    const Value* out = ctx.output(node);
    DType dt = ctx.requireDType(out);
    int64_t rank = ctx.requireRank(self);
    std::vector<int64_t> axes;
    bool keepdim = false;
    int64_t correction = 1;
    if (ctx.inputCount(node) == 2) {
      correction = ctx.constBool(ctx.input(node, 1)) ? 1 : 0;
    } else {
      axes = reduceAxes(ctx, ctx.input(node, 1), rank);
      const Value* c = ctx.input(node, 2);
      if (ctx.dtype(c) == DType::kBool)
        correction = ctx.constBool(c) ? 1 : 0;
      else if (!ctx.isNone(c))
        correction = ctx.constInt(c);
      keepdim = ctx.constBool(ctx.input(node, 3));
    }
    std::string x = ctx.tensor(self, dt);
    if (rank == 0) x = ctx.unsqueeze(x, {0});
    std::string mean = ctx.reduce("ReduceMean", x, axes, true);
    std::string d = ctx.emit("Sub", {x, mean});
    std::string sum = ctx.reduce("ReduceSum", ctx.emit("Mul", {d, d}), axes, keepdim || rank == 0);
    std::string n = rank == 0 ? ctx.scalar(1, dt) : countOver(ctx, self, x, axes, dt);
    std::string denom = correction == 0 ? n : ctx.emit("Sub", {n, ctx.scalar(static_cast<double>(correction), dt)});
    std::string y = ctx.emit("Div", {sum, denom});
    if (take_sqrt) y = ctx.emit("Sqrt", {y});
    if (rank == 0) y = ctx.emit("Reshape", {y, ctx.constI64({})});
    ctx.bind(out, y);
    if (!with_mean) return Status::Ok();
    std::string m = keepdim || rank == 0 ? mean : ctx.reduce("ReduceMean", x, axes, false);
    if (rank == 0) m = ctx.emit("Reshape", {m, ctx.constI64({})});
    ctx.bind(ctx.output(node, 1), m);
    return Status::Ok();
  };
}

// norm overloads by input count: (self, p) | (self, p, *, dtype) | (self, p, dim, keepdim) |
// (self, p, dim, keepdim, *, dtype); linalg_vector_norm(self, ord, dim, keepdim, *, dtype) has
// the last form; frobenius_norm is (self) | (self, dim, keepdim) with p = 2.
ConvertFn normOp(bool frobenius) {
  return [frobenius](Context& ctx, const Node& node) {
    const Value* self = ctx.input(node, 0);
    const Value* out = ctx.output(node);
    DType dt = ctx.requireDType(out);
    int64_t rank = ctx.requireRank(self);
    double p = 2;
    const Value* dims = nullptr;
    bool keepdim = false;
    size_t n = ctx.inputCount(node);
    if (frobenius) {
      if (n >= 3) dims = ctx.input(node, 1);
      if (n >= 3) keepdim = ctx.constBool(ctx.input(node, 2));
    } else {
      if (!ctx.isNone(ctx.input(node, 1))) p = ctx.constDouble(ctx.input(node, 1));
      if (n >= 4) dims = ctx.input(node, 2);
      if (n >= 4) keepdim = ctx.constBool(ctx.input(node, 3));
    }
    auto axes = reduceAxes(ctx, dims, rank);
    std::string x = ctx.tensor(self, dt);
    if (rank == 0) {  // |x| for every p but 0
      ctx.bind(out, p == 0 ? ctx.cast(ctx.cast(x, dt, DType::kBool), DType::kBool, dt) : ctx.emit("Abs", {x}));
      return Status::Ok();
    }
    ctx.bind(out, pNorm(ctx, x, p, axes, keepdim, dt));
    return Status::Ok();
  };
}

// logsumexp(self, dim, keepdim)
Status logsumexp(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  auto axes = reduceAxes(ctx, ctx.input(node, 1), ctx.requireRank(self));
  bool keepdim = ctx.constBool(ctx.input(node, 2));
  DType dt = ctx.requireDType(ctx.output(node));
  ctx.bind(ctx.output(node), reduceAs(ctx, "ReduceLogSumExp", self, axes, keepdim, dt));
  return Status::Ok();
}

// cumsum(self, dim, *, dtype): CumSum takes its axis as a tensor input.
Status cumsum(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  int64_t rank = ctx.requireRank(self);
  int64_t axis = normalizeAxis(ctx.constInt(ctx.input(node, 1)), rank);
  DType dt = ctx.requireDType(ctx.output(node));
  std::string x = ctx.tensor(self, dt);
  if (rank == 0) {
    ctx.bind(ctx.output(node), x);
    return Status::Ok();
  }
  ctx.bind(ctx.output(node), ctx.cumsum(x, axis, rank, dt));
  return Status::Ok();
}

// all/any overloads: (self) | (self, dim, keepdim) | (self, dim[]?, keepdim) (torch 2.2's .dims:
// None reduces every dim, an empty list none). The result is bool (uint8 for uint8 input): the
// min (all) or max (any) of the input cast to bool, computed in int32.
ConvertFn allAny(std::string op_type) {
  return [op_type](Context& ctx, const Node& node) {
    const Value* self = ctx.input(node, 0);
    const Value* out = ctx.output(node);
    int64_t rank = ctx.requireRank(self);
    std::vector<int64_t> axes;  // empty: every dim
    bool keepdim = false, reduce = rank > 0;
    if (ctx.inputCount(node) >= 3) {
      const Value* dim = ctx.input(node, 1);
      if (!ctx.isNone(dim)) {
        for (auto d : ctx.constInts(dim)) axes.push_back(normalizeAxis(d, rank));
        reduce = reduce && !axes.empty();
      }
      keepdim = ctx.constBool(ctx.input(node, 2));
    }
    std::string x = ctx.cast(ctx.tensor(self, DType::kBool), DType::kBool, DType::kInt32);
    if (reduce) x = ctx.reduce(op_type, x, axes, keepdim);
    ctx.bind(out, ctx.cast(ctx.cast(x, DType::kInt32, DType::kBool), DType::kBool, ctx.requireDType(out)));
    return Status::Ok();
  };
}

}  // namespace

std::string pNorm(Context& ctx, const std::string& x, double p, const std::vector<int64_t>& axes, bool keepdim,
                  DType dt) {
  if (p == 2) return ctx.reduce("ReduceL2", x, axes, keepdim);
  if (p == 1) return ctx.reduce("ReduceL1", x, axes, keepdim);
  std::string a = ctx.emit("Abs", {x});
  if (std::isinf(p)) return ctx.reduce(p > 0 ? "ReduceMax" : "ReduceMin", a, axes, keepdim);
  if (p == 0) return ctx.reduce("ReduceSum", ctx.cast(ctx.cast(x, dt, DType::kBool), DType::kBool, dt), axes, keepdim);
  std::string s = ctx.reduce("ReduceSum", ctx.emit("Pow", {a, ctx.scalar(p, dt)}), axes, keepdim);
  return ctx.emit("Pow", {s, ctx.scalar(1.0 / p, dt)});
}

void registerReduceOps(Registry& r) {
  r.add("aten::sum", 9, reduceOp("ReduceSum"));
  r.add("aten::mean", 9, reduceOp("ReduceMean"));
  r.add("aten::prod", 9, reduceOp("ReduceProd"));
  r.add("aten::amax", 9, extremumOp("ReduceMax"));
  r.add("aten::amin", 9, extremumOp("ReduceMin"));
  r.add("aten::aminmax", 9, aminmax);
  r.add("aten::max", 9, maxMin("ReduceMax", "Max", "ArgMax"));
  r.add("aten::min", 9, maxMin("ReduceMin", "Min", "ArgMin"));
  r.add("aten::argmax", 9, argOp("ArgMax"));
  r.add("aten::argmin", 9, argOp("ArgMin"));
  r.add("aten::var", 9, varStd(false));
  r.add("aten::std", 9, varStd(true));
  r.add("aten::var_mean", 9, varStd(false, true));
  r.add("aten::std_mean", 9, varStd(true, true));
  r.add("aten::norm", 9, normOp(false));
  r.add("aten::linalg_vector_norm", 9, normOp(false));
  r.add("aten::frobenius_norm", 9, normOp(true));
  r.add("aten::logsumexp", 9, logsumexp);
  r.add("aten::cumsum", 9, cumsum);
  r.add("aten::all", 9, allAny("ReduceMin"));
  r.add("aten::any", 9, allAny("ReduceMax"));
}

}  // namespace pt2onnx
