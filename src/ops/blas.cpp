// Converters: matrix products with accumulation (addmv, addr, addbmm), inner, chain_matmul,
// matrix powers, bilinear, determinants.
#include "onnx/dtype.h"
#include "ops/common.h"
#include "ops/typing.h"

namespace pt2onnx {
namespace {

// beta * self + alpha * product, the add* family's sum for beta != 0.
std::string accumulate(Context& ctx, const Node& node, const std::string& product, DType dt) {
  double beta = ctx.constDouble(ctx.arg(node, "beta"));
  double alpha = ctx.constDouble(ctx.arg(node, "alpha"));
  std::string p = alpha == 1.0 ? product : emitTyped(ctx, "Mul", {product, ctx.scalar(alpha, dt)}, dt);
  std::string self = ctx.tensor(ctx.arg(node, "self"), dt);
  if (beta != 1.0) self = emitTyped(ctx, "Mul", {self, ctx.scalar(beta, dt)}, dt);
  return emitTyped(ctx, "Add", {self, p}, dt);
}

// addmv(self, mat, vec): mat @ vec; addr(self, vec1, vec2): the outer product; addbmm(self,
// batch1, batch2): the sum over the batch of batch1 @ batch2.
ConvertFn addProduct(std::string which) {
  return [which](Context& ctx, const Node& node) {
    DType dt = ctx.requireDType(ctx.output(node));
    if (!isFloating(dt)) return ctx.fail(node, "the add* products are converted for floating-point tensors");
    std::string a = ctx.tensor(ctx.input(node, 1), dt), b = ctx.tensor(ctx.input(node, 2), dt);
    std::string product;
    if (which == "addr")
      product = ctx.emit("Mul", {ctx.unsqueeze(a, {1}), ctx.unsqueeze(b, {0})});
    else if (which == "addbmm")
      product = ctx.reduce("ReduceSum", ctx.emit("MatMul", {a, b}), {0}, false);
    else
      product = ctx.emit("MatMul", {a, b});
    // beta == 0 must not let NaN or inf in self through: self * 0 would, so self is dropped but
    // its shape is kept by broadcasting against zeros of it.
    if (ctx.constDouble(ctx.arg(node, "beta")) == 0.0) {
      double alpha = ctx.constDouble(ctx.arg(node, "alpha"));
      std::string p = alpha == 1.0 ? product : ctx.emit("Mul", {product, ctx.scalar(alpha, dt)});
      std::string shape = ctx.shapeOf(ctx.tensor(ctx.arg(node, "self"), dt));
      ctx.bind(ctx.output(node), ctx.emit("Expand", {p, shape}));
      return Status::Ok();
    }
    ctx.bind(ctx.output(node), accumulate(ctx, node, product, dt));
    return Status::Ok();
  };
}

// inner(a, b): the sum over the last dims; shape a.shape[:-1] + b.shape[:-1]. A 0-d operand
// multiplies.
Status inner(Context& ctx, const Node& node) {
  DType dt = ctx.requireDType(ctx.output(node));
  const Value* av = ctx.input(node, 0);
  const Value* bv = ctx.input(node, 1);
  int64_t ra = ctx.requireRank(av), rb = ctx.requireRank(bv);
  std::string a = ctx.tensor(av, dt), b = ctx.tensor(bv, dt);
  if (ra == 0 || rb == 0) {
    ctx.bind(ctx.output(node), emitTyped(ctx, "Mul", {a, b}, dt));
    return Status::Ok();
  }
  std::string last = ctx.unsqueeze(ctx.dimOf(a, ra - 1), {0});
  std::string flat_a = ctx.emit("Reshape", {a, ctx.emit("Concat", {ctx.constI64({-1}), last}, {{"axis", 0}})});
  std::string flat_b = ctx.emit("Reshape", {b, ctx.emit("Concat", {ctx.constI64({-1}), last}, {{"axis", 0}})});
  std::string prod = emitTyped(ctx, "MatMul", {flat_a, ctx.emit("Transpose", {flat_b}, {{"perm", {1, 0}}})}, dt);
  auto head = [&](const std::string& x, int64_t r) { return sliceConst(ctx, ctx.shapeOf(x), {0}, {r - 1}, {0}); };
  std::string shape = ctx.emit("Concat", {head(a, ra), head(b, rb)}, {{"axis", 0}});
  ctx.bind(ctx.output(node), ctx.emit("Reshape", {prod, shape}));
  return Status::Ok();
}

// chain_matmul(matrices): left to right products.
Status chainMatmul(Context& ctx, const Node& node) {
  DType dt = ctx.requireDType(ctx.output(node));
  auto ms = ctx.tensorList(ctx.input(node, 0));
  if (ms.empty()) return ctx.fail(node, "chain_matmul of no matrices");
  std::string y = ms[0];
  for (size_t i = 1; i < ms.size(); ++i) y = emitTyped(ctx, "MatMul", {y, ms[i]}, dt);
  ctx.bind(ctx.output(node), y);
  return Status::Ok();
}

// linalg_matrix_power(self, n): n >= 1 by repeated squaring; n = 0 the identity of each matrix.
// Negative powers need an inverse, which ONNX has no operator for.
Status matrixPower(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  DType dt = ctx.requireDType(self);
  int64_t rank = ctx.requireRank(self);
  if (rank < 2) return ctx.fail(node, "matrix_power takes matrices (rank 2 or more)");
  int64_t n = ctx.constInt(ctx.input(node, 1));
  if (n < 0) return ctx.fail(node, "matrix_power with a negative power needs a matrix inverse, which ONNX lacks");
  std::string x = ctx.tensor(self);
  if (n == 0) {
    // EyeLike of one [m, m] slice, broadcast over the batch.
    std::string m = ctx.unsqueeze(ctx.dimOf(x, rank - 1), {0});
    std::string block = ctx.emit("ConstantOfShape", {ctx.emit("Concat", {m, m}, {{"axis", 0}})});
    // ONNX Runtime's EyeLike makes float, double, int32 and int64 only.
    DType et = dt == DType::kDouble || dt == DType::kInt32 || dt == DType::kInt64 ? dt : DType::kFloat;
    std::string id = ctx.emit("EyeLike", {block}, {{"dtype", static_cast<int64_t>(toOnnx(et))}});
    ctx.bind(ctx.output(node), ctx.emit("Expand", {ctx.cast(id, et, dt), ctx.shapeOf(x)}));
    return Status::Ok();
  }
  std::string result, power = x;
  for (int64_t k = n; k > 0; k >>= 1) {
    if (k & 1) result = result.empty() ? power : emitTyped(ctx, "MatMul", {result, power}, dt);
    if (k > 1) power = emitTyped(ctx, "MatMul", {power, power}, dt);
  }
  ctx.bind(ctx.output(node), result);
  return Status::Ok();
}

// bilinear(x1 [..., I], x2 [..., J], weight [O, I, J], bias [O]?):
// y[..., o] = sum_ij x1[..., i] W[o, i, j] x2[..., j] + b[o], as (x1 W) [..., O, J] times x2 summed over J.
Status bilinear(Context& ctx, const Node& node) {
  DType dt = ctx.requireDType(ctx.output(node));
  const Value* x1v = ctx.input(node, 0);
  int64_t rank = ctx.requireRank(x1v);
  if (rank < 1 || ctx.requireRank(ctx.input(node, 1)) != rank)
    return ctx.fail(node, "bilinear inputs of unequal ranks");
  std::string x1 = ctx.tensor(x1v, dt), x2 = ctx.tensor(ctx.input(node, 1), dt);
  std::string w = ctx.tensor(ctx.input(node, 2), dt);
  std::string lhs = ctx.unsqueeze(x1, {rank - 1, rank});               // [..., 1, 1, I]
  std::string xw = ctx.squeeze(ctx.emit("MatMul", {lhs, w}), {rank});  // [..., O, J]
  std::string y = ctx.reduce("ReduceSum", ctx.emit("Mul", {xw, ctx.unsqueeze(x2, {rank - 1})}), {rank}, false);
  const Value* bias = ctx.input(node, 3);
  if (!ctx.isNone(bias)) y = ctx.emit("Add", {y, ctx.tensor(bias, dt)});
  ctx.bind(ctx.output(node), y);
  return Status::Ok();
}

ConvertFn determinant(bool log) {
  return [log](Context& ctx, const Node& node) {
    const Value* self = ctx.input(node, 0);
    DType dt = ctx.requireDType(self);
    if (!isFloating(dt)) return ctx.fail(node, "det takes floating-point matrices");
    std::string d = ctx.emit("Det", {ctx.tensor(self)});
    ctx.bind(ctx.output(node), log ? ctx.emit("Log", {d}) : d);
    return Status::Ok();
  };
}

// linalg_multi_dot(tensors): left to right products; a 1-D first (last) operand is a row (column)
// vector whose unit dim the result drops.
Status multiDot(Context& ctx, const Node& node) {
  DType dt = ctx.requireDType(ctx.output(node));
  const Node* list = ctx.producer(ctx.input(node, 0));
  if (ctx.kind(*list) != "prim::ListConstruct" || ctx.inputCount(*list) < 2)
    return ctx.fail(node, "multi_dot needs a list of two or more tensors");
  size_t n = ctx.inputCount(*list);
  bool row = ctx.requireRank(ctx.input(*list, 0)) == 1, col = ctx.requireRank(ctx.input(*list, n - 1)) == 1;
  std::string y;
  for (size_t i = 0; i < n; ++i) {
    std::string m = ctx.tensor(ctx.input(*list, i), dt);
    if (i == 0 && row) m = ctx.unsqueeze(m, {0});
    if (i == n - 1 && col) m = ctx.unsqueeze(m, {1});
    y = i == 0 ? m : emitTyped(ctx, "MatMul", {y, m}, dt);
  }
  std::vector<int64_t> drop;
  if (row) drop.push_back(0);
  if (col) drop.push_back(1);
  ctx.bind(ctx.output(node), drop.empty() ? y : ctx.squeeze(y, drop));
  return Status::Ok();
}

// linalg_vecdot(x, y, dim): the sum of x * y over dim (real tensors).
Status vecdot(Context& ctx, const Node& node) {
  DType dt = ctx.requireDType(ctx.output(node));
  int64_t rank = std::max(ctx.requireRank(ctx.input(node, 0)), ctx.requireRank(ctx.input(node, 1)));
  int64_t axis = normalizeAxis(ctx.constInt(ctx.input(node, 2)), std::max<int64_t>(rank, 1));
  std::string prod =
      emitTyped(ctx, "Mul", {ctx.tensor(ctx.input(node, 0), dt), ctx.tensor(ctx.input(node, 1), dt)}, dt);
  ctx.bind(ctx.output(node), ctx.reduce("ReduceSum", prod, {axis}, false));
  return Status::Ok();
}

}  // namespace

void registerBlasOps(Registry& r) {
  r.add("aten::linalg_multi_dot", 9, multiDot);
  r.add("aten::linalg_vecdot", 9, vecdot);
  r.add("aten::addmv", 9, addProduct("addmv"));
  r.add("aten::addr", 9, addProduct("addr"));
  r.add("aten::addbmm", 9, addProduct("addbmm"));
  r.add("aten::inner", 9, inner);
  r.add("aten::chain_matmul", 9, chainMatmul);
  r.add("aten::linalg_matrix_power", 9, matrixPower);
  r.add("aten::bilinear", 9, bilinear);
  r.add("aten::linalg_det", 11, determinant(false));
  r.add("aten::logdet", 11, determinant(true));
}

}  // namespace pt2onnx
