// Converters: activations (relu family, sigmoid family, gelu, softmax, ...).
#include "ops/common.h"
#include "ops/typing.h"

namespace pt2onnx {
namespace {

std::string clip(Context& ctx, const Value* self, double lo, double hi) {
  DType dt = ctx.requireDType(self);
  // Clip took its bounds as float attributes before opset 11, and takes integers from opset 12 on.
  if (ctx.opset() < 11) return emitTyped(ctx, "Clip", {ctx.tensor(self)}, dt, {{"min", lo}, {"max", hi}});
  return emitTyped(ctx, "Clip", {ctx.tensor(self), ctx.scalar(lo, dt), ctx.scalar(hi, dt)}, dt);
}

Status relu6(Context& ctx, const Node& node) {
  ctx.bind(ctx.output(node), clip(ctx, ctx.input(node, 0), 0.0, 6.0));
  return Status::Ok();
}

Status hardtanh(Context& ctx, const Node& node) {
  double lo = ctx.constDouble(ctx.arg(node, "min_val"));
  double hi = ctx.constDouble(ctx.arg(node, "max_val"));
  ctx.bind(ctx.output(node), clip(ctx, ctx.input(node, 0), lo, hi));
  return Status::Ok();
}

// PyTorch's hardsigmoid is relu6(x + 3) / 6, i.e. HardSigmoid with alpha 1/6 and beta 1/2.
std::string hardSigmoid(Context& ctx, const std::string& x) {
  return ctx.emit("HardSigmoid", {x}, {{"alpha", 1.0 / 6.0}, {"beta", 0.5}});
}

Status hardsigmoid(Context& ctx, const Node& node) {
  ctx.bind(ctx.output(node), hardSigmoid(ctx, ctx.tensor(ctx.input(node, 0))));
  return Status::Ok();
}

Status hardswish14(Context& ctx, const Node& node) {
  ctx.bind(ctx.output(node), ctx.emit("HardSwish", {ctx.tensor(ctx.input(node, 0))}));
  return Status::Ok();
}

// HardSwish arrived in opset 14; before it, x * hardsigmoid(x).
Status hardswish9(Context& ctx, const Node& node) {
  std::string x = ctx.tensor(ctx.input(node, 0));
  ctx.bind(ctx.output(node), ctx.emit("Mul", {x, hardSigmoid(ctx, x)}));
  return Status::Ok();
}

Status silu(Context& ctx, const Node& node) {
  std::string x = ctx.tensor(ctx.input(node, 0));
  ctx.bind(ctx.output(node), ctx.emit("Mul", {x, ctx.emit("Sigmoid", {x})}));
  return Status::Ok();
}

Status mish(Context& ctx, const Node& node) {
  std::string x = ctx.tensor(ctx.input(node, 0));
  ctx.bind(ctx.output(node), ctx.emit("Mul", {x, ctx.emit("Tanh", {ctx.emit("Softplus", {x})})}));
  return Status::Ok();
}

// Opset 18 has Mish (x * tanh(softplus(x))) as an operator.
Status mish18(Context& ctx, const Node& node) {
  ctx.bind(ctx.output(node), ctx.emit("Mish", {ctx.tensor(ctx.input(node, 0))}));
  return Status::Ok();
}

// gelu(x) = x/2 * (1 + erf(x/sqrt(2))); approximate='tanh':
// x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3))). ONNX has no Gelu before opset 20.
Status gelu(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  DType dt = ctx.requireDType(self);
  std::string x = ctx.tensor(self);
  std::string approximate = "none";
  if (ctx.inputCount(node) > 1) approximate = ctx.constString(ctx.input(node, 1));
  std::string inner;
  if (approximate == "tanh") {
    std::string cube = ctx.emit("Mul", {ctx.emit("Mul", {x, x}), x});
    std::string poly = ctx.emit("Add", {x, ctx.emit("Mul", {cube, ctx.scalar(0.044715, dt)})});
    inner = ctx.emit("Tanh", {ctx.emit("Mul", {poly, ctx.scalar(std::sqrt(2.0 / M_PI), dt)})});
  } else {
    inner = ctx.emit("Erf", {ctx.emit("Div", {x, ctx.scalar(std::sqrt(2.0), dt)})});
  }
  std::string one_plus = ctx.emit("Add", {inner, ctx.scalar(1.0, dt)});
  ctx.bind(ctx.output(node), ctx.emit("Mul", {ctx.emit("Mul", {x, one_plus}), ctx.scalar(0.5, dt)}));
  return Status::Ok();
}

// Opset 20's Gelu has both forms (approximate "none": erf, "tanh": the tanh formula above).
Status gelu20(Context& ctx, const Node& node) {
  std::string approximate = "none";
  if (ctx.inputCount(node) > 1) approximate = ctx.constString(ctx.input(node, 1));
  if (approximate != "none" && approximate != "tanh")
    return ctx.fail(node, "unknown approximate='" + approximate + "'");
  std::string x = ctx.tensor(ctx.input(node, 0));
  ctx.bind(ctx.output(node), ctx.emit("Gelu", {x}, {{"approximate", approximate}}));
  return Status::Ok();
}

Status leakyRelu(Context& ctx, const Node& node) {
  double slope = ctx.inputCount(node) > 1 ? ctx.constDouble(ctx.input(node, 1)) : 0.01;
  ctx.bind(ctx.output(node), ctx.emit("LeakyRelu", {ctx.tensor(ctx.input(node, 0))}, {{"alpha", slope}}));
  return Status::Ok();
}

// rrelu(self, lower, upper, training, generator): in eval a leaky relu with slope (lower + upper) / 2;
// training draws a random slope per element.
Status rrelu(Context& ctx, const Node& node) {
  size_t first = ctx.kind(node) == "aten::rrelu_with_noise" ? 2 : 1;  // after self (and noise)
  if (ctx.constBool(ctx.input(node, first + 2)))
    return ctx.fail(node, "rrelu in training mode draws random slopes; call model.eval() before saving");
  double slope = (ctx.constDouble(ctx.input(node, first)) + ctx.constDouble(ctx.input(node, first + 1))) / 2;
  ctx.bind(ctx.output(node), ctx.emit("LeakyRelu", {ctx.tensor(ctx.input(node, 0))}, {{"alpha", slope}}));
  return Status::Ok();
}

Status elu(Context& ctx, const Node& node) {
  double alpha = ctx.constDouble(ctx.input(node, 1));
  double scale = ctx.constDouble(ctx.input(node, 2));
  double input_scale = ctx.constDouble(ctx.input(node, 3));
  if (scale != 1.0 || input_scale != 1.0) return ctx.fail(node, "elu with scale or input_scale other than 1");
  ctx.bind(ctx.output(node), emitElu(ctx, ctx.tensor(ctx.input(node, 0)), alpha, ctx.requireDType(ctx.input(node, 0))));
  return Status::Ok();
}

// softplus(x, beta, threshold) = log(1 + exp(beta x)) / beta; above the threshold PyTorch returns x,
// which the formula matches to float precision.
Status softplus(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  DType dt = ctx.requireDType(self);
  double beta = ctx.constDouble(ctx.input(node, 1));
  std::string x = ctx.tensor(self);
  if (beta == 1.0) {
    ctx.bind(ctx.output(node), ctx.emit("Softplus", {x}));
    return Status::Ok();
  }
  std::string b = ctx.scalar(beta, dt);
  ctx.bind(ctx.output(node), ctx.emit("Div", {ctx.emit("Softplus", {ctx.emit("Mul", {x, b})}), b}));
  return Status::Ok();
}

// prelu(self, weight): weight holds one slope, or one per channel (dim 1). ONNX PRelu broadcasts
// the slope unidirectionally from the right, so one slope becomes a 0-d tensor (it then fits any
// rank, 0-d input included) and C slopes become [C, 1, ..., 1] against dims 1..rank-1.
Status prelu(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  const Value* weight = ctx.input(node, 1);
  int64_t rank = ctx.requireRank(self);
  DType dt = ctx.requireDType(self);
  std::string w = ctx.tensor(weight, dt);
  int64_t slopes = 1;
  for (int64_t d : ctx.shape(weight)) slopes = d < 0 ? -1 : slopes * d;
  if (slopes == 1) {
    w = ctx.emit("Reshape", {w, ctx.constI64({})});
  } else {
    if (rank < 2) return ctx.fail(node, "prelu with several slopes needs an input with a channel dim (rank 2 or more)");
    std::vector<int64_t> target = {-1};
    target.resize(rank - 1, 1);
    w = ctx.emit("Reshape", {w, ctx.constI64(target)});
  }
  ctx.bind(ctx.output(node), emitTyped(ctx, "PRelu", {ctx.tensor(self), w}, dt));
  return Status::Ok();
}

// relu of an integer tensor: Relu accepts int8/int16/int32/int64 from opset 14; before (and for
// uint8), Max(x, 0) computed in a type Max accepts.
Status relu(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  DType dt = ctx.requireDType(self);
  std::string x = ctx.tensor(self);
  if (isFloating(dt) || onnxAccepts("Relu", ctx.opset(), 0, dt)) {
    ctx.bind(ctx.output(node), emitTyped(ctx, "Relu", {x}, dt));
    return Status::Ok();
  }
  if (dt == DType::kUInt8 || dt == DType::kBool) return passThrough(ctx, node);
  ctx.bind(ctx.output(node), emitTyped(ctx, "Max", {x, ctx.scalar(0, dt)}, dt));
  return Status::Ok();
}

// softmax/log_softmax(self, dim, dtype?). Opset 13 made Softmax act on one axis; before, it
// flattened everything from `axis` on, so a non-last axis is moved last and back.
ConvertFn softmax(std::string op_type) {
  return [op_type](Context& ctx, const Node& node) {
    const Value* self = ctx.input(node, 0);
    int64_t rank = ctx.requireRank(self);
    int64_t axis = normalizeAxis(ctx.constInt(ctx.input(node, 1)), rank);
    std::string x = ctx.tensor(self, ctx.requireDType(ctx.output(node)));
    if (ctx.opset() >= 13 || axis == rank - 1 || rank == 0) {
      ctx.bind(ctx.output(node), ctx.emit(op_type, {x}, {{"axis", rank == 0 ? 0 : axis}}));
      return Status::Ok();
    }
    std::vector<int64_t> perm;
    for (int64_t i = 0; i < rank; ++i) perm.push_back(i);
    std::swap(perm[axis], perm[rank - 1]);
    std::string t = ctx.emit("Transpose", {x}, {{"perm", perm}});
    std::string y = ctx.emit(op_type, {t}, {{"axis", rank - 1}});
    ctx.bind(ctx.output(node), ctx.emit("Transpose", {y}, {{"perm", perm}}));
    return Status::Ok();
  };
}

// glu(self, dim): the first half times the sigmoid of the second. Split without sizes halves the
// dim at run time, so a dynamic size works (opset 18 asks for num_outputs instead).
Status glu(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  int64_t rank = ctx.requireRank(self);
  int64_t axis = normalizeAxis(ctx.constInt(ctx.input(node, 1)), rank);
  int64_t size = ctx.shape(self)[axis];
  if (size >= 0 && size % 2)
    return ctx.fail(node, "glu halves its dimension, which has the odd size " + std::to_string(size));
  std::vector<Attr> attrs = {{"axis", axis}};
  if (ctx.opset() >= 18) attrs.push_back({"num_outputs", int64_t{2}});
  auto halves = ctx.emitN("Split", {ctx.tensor(self)}, attrs, 2);
  ctx.bind(ctx.output(node), ctx.emit("Mul", {halves[0], ctx.emit("Sigmoid", {halves[1]})}));
  return Status::Ok();
}

}  // namespace

void registerActivationOps(Registry& r) {
  r.add("aten::relu", 9, relu);
  r.add("aten::relu6", 9, relu6);
  r.add("aten::hardtanh", 9, hardtanh);
  r.add("aten::hardsigmoid", 9, hardsigmoid);
  r.add("aten::hardswish", 9, hardswish9);
  r.add("aten::hardswish", 14, hardswish14);
  r.add("aten::sigmoid", 9, unaryOp("Sigmoid"));
  r.add("aten::silu", 9, silu);
  r.add("aten::mish", 9, mish);
  r.add("aten::mish", 18, mish18);
  r.add("aten::gelu", 9, gelu);
  r.add("aten::gelu", 20, gelu20);
  r.add("aten::tanh", 9, unaryOp("Tanh"));
  r.add("aten::leaky_relu", 9, leakyRelu);
  r.add("aten::rrelu", 9, rrelu);
  r.add("aten::rrelu_with_noise", 9, rrelu);
  r.add("aten::elu", 9, elu);
  r.add("aten::softplus", 9, softplus);
  r.add("aten::prelu", 9, prelu);
  r.add("aten::softmax", 9, softmax("Softmax"));
  r.add("aten::log_softmax", 9, softmax("LogSoftmax"));
  r.add("aten::glu", 9, glu);
}

}  // namespace pt2onnx
