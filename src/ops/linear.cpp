// Converters: linear, matmul, mm/bmm, addmm, baddbmm.
#include "ops/common.h"

namespace pt2onnx {
namespace {

// linear(input, weight, bias?) = input @ weight^T + bias. Gemm covers the 2-d case in one node.
Status linear(Context& ctx, const Node& node) {
  const Value* input = ctx.arg(node, "input");
  const Value* bias = ctx.arg(node, "bias");
  DType dt = ctx.requireDType(input);
  std::string x = ctx.tensor(input);
  std::string w = ctx.tensor(ctx.arg(node, "weight"), dt);
  if (ctx.rank(input) == 2) {
    std::vector<std::string> ins = {x, w};
    if (!ctx.isNone(bias)) ins.push_back(ctx.tensor(bias, dt));
    ctx.bind(ctx.output(node), ctx.emit("Gemm", ins, {{"transB", 1}}));
    return Status::Ok();
  }
  std::string y = ctx.emit("MatMul", {x, ctx.emit("Transpose", {w}, {{"perm", {1, 0}}})});
  if (!ctx.isNone(bias)) y = ctx.emit("Add", {y, ctx.tensor(bias, dt)});
  ctx.bind(ctx.output(node), y);
  return Status::Ok();
}

Status matmul(Context& ctx, const Node& node) {
  DType dt = ctx.requireDType(ctx.output(node));
  ctx.bind(ctx.output(node),
           ctx.emit("MatMul", {ctx.tensor(ctx.input(node, 0), dt), ctx.tensor(ctx.input(node, 1), dt)}));
  return Status::Ok();
}

// beta * self + alpha * (a @ b); addmm is Gemm, baddbmm is batched.
Status addmmLike(Context& ctx, const Node& node, bool batched) {
  DType dt = ctx.requireDType(ctx.output(node));
  std::string self = ctx.tensor(ctx.arg(node, "self"), dt);
  std::string a = ctx.tensor(ctx.input(node, 1), dt);
  std::string b = ctx.tensor(ctx.input(node, 2), dt);
  double beta = ctx.constDouble(ctx.arg(node, "beta"));
  double alpha = ctx.constDouble(ctx.arg(node, "alpha"));
  if (!batched) {
    ctx.bind(ctx.output(node), ctx.emit("Gemm", {a, b, self}, {{"alpha", alpha}, {"beta", beta}}));
    return Status::Ok();
  }
  std::string prod = ctx.emit("MatMul", {a, b});
  if (alpha != 1.0) prod = ctx.emit("Mul", {prod, ctx.scalar(alpha, dt)});
  if (beta == 0.0) {
    ctx.bind(ctx.output(node), prod);
    return Status::Ok();
  }
  if (beta != 1.0) self = ctx.emit("Mul", {self, ctx.scalar(beta, dt)});
  ctx.bind(ctx.output(node), ctx.emit("Add", {self, prod}));
  return Status::Ok();
}

// einsum(equation, tensors, path?): ONNX Einsum arrived in opset 12.
Status einsum(Context& ctx, const Node& node) {
  std::string equation = ctx.constString(ctx.input(node, 0));
  DType dt = ctx.requireDType(ctx.output(node));
  std::vector<std::string> operands;
  for (const auto& e : ctx.optionalTensorList(ctx.input(node, 1))) {
    if (e.none) return ctx.fail(node, "einsum operand is None");
    operands.push_back(ctx.cast(e.name, e.dtype, dt));
  }
  ctx.bind(ctx.output(node), ctx.emit("Einsum", operands, {{"equation", equation}}));
  return Status::Ok();
}

}  // namespace

void registerLinearOps(Registry& r) {
  r.add("aten::linear", 1, linear);
  r.add("aten::matmul", 1, matmul);
  r.add("aten::mm", 1, matmul);
  r.add("aten::bmm", 1, matmul);
  r.add("aten::addmm", 1, [](Context& ctx, const Node& node) { return addmmLike(ctx, node, false); });
  r.add("aten::einsum", 12, einsum);
  r.add("aten::baddbmm", 1, [](Context& ctx, const Node& node) { return addmmLike(ctx, node, true); });
}

}  // namespace pt2onnx
