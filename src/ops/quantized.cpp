// Converters: quantized:: operators of models quantized with torch.ao.quantization (static:
// quantized conv/linear/add/cat/norm layers; dynamic: linear with activations quantized on the fly).
// Each computes its float result on the dequantized inputs; the driver then puts the result back
// on the grid the example runs recorded for it (QuantizeLinear/DequantizeLinear), the QDQ form that
// ONNX Runtime and TensorRT run in 8 bits. Weights stay 8-bit, dequantized in the graph.
#include <algorithm>

#include "core/registry.h"
#include "ops/common.h"
#include "ops/quantized_common.h"

namespace pt2onnx {
namespace {

// A quantized result no example run produced has no recorded grid.
Status requireRecorded(Context& ctx, const Node& node) {
  if (ctx.quantization(ctx.output(node))) return Status::Ok();
  return ctx.fail(node,
                  "the example inputs did not run this quantized operator, so its output's scale and zero point "
                  "are unknown; give inputs that reach it (--input-data)");
}

// Converts the node with the float operator's converter: the quantized schema starts with the
// same arguments (extra trailing ones, the output scale and zero point, are not read).
ConvertFn like(std::string float_kind) {
  return [float_kind](Context& ctx, const Node& node) -> Status {
    if (Status s = requireRecorded(ctx, node); !s.ok) return s;
    return convertAs(ctx, node, float_kind);
  };
}

// quantized::conv{1,2,3}d[_relu](qx, packed_weight, output_scale, output_zero_point) and
// conv_transpose{1,2,3}d: the settings come from the packed weights.
ConvertFn conv(int dims, bool relu) {
  return [dims, relu](Context& ctx, const Node& node) -> Status {
    if (Status s = requireRecorded(ctx, node); !s.ok) return s;
    if (ctx.inputCount(node) != 4)
      return ctx.fail(node, "this older quantized convolution form (settings as arguments) is not supported");
    auto w = ctx.packedWeights(ctx.input(node, 1), dims);
    const auto n = static_cast<size_t>(dims);
    if (w.weight_shape.size() != n + 2) return ctx.fail(node, "unexpected packed convolution weight rank");
    std::vector<int64_t> kernel(w.weight_shape.begin() + 2, w.weight_shape.end());
    std::vector<int64_t> pads = expandInts(w.padding, n);
    pads.insert(pads.end(), pads.begin(), pads.end());
    std::vector<std::string> inputs = {ctx.tensor(ctx.input(node, 0)), w.weight};
    if (!w.bias.empty()) inputs.push_back(w.bias);
    std::vector<Attr> attrs = {{"kernel_shape", kernel},
                               {"strides", expandInts(w.stride, n)},
                               {"pads", pads},
                               {"dilations", expandInts(w.dilation, n)},
                               {"group", w.groups}};
    if (w.transposed) {
      auto op = expandInts(w.output_padding, n);
      if (std::any_of(op.begin(), op.end(), [](int64_t v) { return v != 0; })) attrs.push_back({"output_padding", op});
    }
    std::string y = ctx.emit(w.transposed ? "ConvTranspose" : "Conv", inputs, attrs);
    ctx.bind(ctx.output(node), relu ? ctx.emit("Relu", {y}) : y);
    return Status::Ok();
  };
}

// x @ weight^T + bias with the packed weights: Gemm for a matrix (the dequantized weight feeds it
// directly, the pattern runtimes fuse into an 8-bit Gemm), else MatMul.
std::string packedLinear(Context& ctx, const Value* input, const std::string& x, const Context::PackedWeights& w) {
  if (ctx.rank(input) == 2 && (ctx.opset() >= 11 || !w.bias.empty())) {
    std::vector<std::string> ins = {x, w.weight};
    if (!w.bias.empty()) ins.push_back(w.bias);
    return ctx.emit("Gemm", ins, {{"transB", 1}});
  }
  std::string y = ctx.emit("MatMul", {x, ctx.emit("Transpose", {w.weight}, {{"perm", {1, 0}}})});
  return w.bias.empty() ? y : ctx.emit("Add", {y, w.bias});
}

// quantized::linear[_relu](X, W_prepack, Y_scale, Y_zero_point)
ConvertFn linear(bool relu) {
  return [relu](Context& ctx, const Node& node) -> Status {
    if (Status s = requireRecorded(ctx, node); !s.ok) return s;
    auto w = ctx.packedWeights(ctx.input(node, 1), 0);
    std::string y = packedLinear(ctx, ctx.input(node, 0), ctx.tensor(ctx.input(node, 0)), w);
    ctx.bind(ctx.output(node), relu ? ctx.emit("Relu", {y}) : y);
    return Status::Ok();
  };
}

// dynamicQdq's 7-bit form.
std::string reducedRangeQdq(Context& ctx, const std::string& x) {
  std::string zero = ctx.scalar(0.0, DType::kFloat);
  std::string lo = ctx.emit("Min", {ctx.reduce("ReduceMin", x, {}, false), zero});
  std::string hi = ctx.emit("Max", {ctx.reduce("ReduceMax", x, {}, false), zero});
  std::string scale = ctx.emit("Div", {ctx.emit("Sub", {hi, lo}), ctx.scalar(127.0, DType::kFloat)});
  // An all-zero input has no range; any positive scale gives zeros back.
  scale = ctx.emit("Max", {scale, ctx.scalar(1e-30, DType::kFloat)});
  std::string zero_point = roundHalfEven(ctx, ctx.emit("Div", {ctx.emit("Neg", {lo}), scale}), DType::kFloat);
  zero_point = ctx.cast(zero_point, DType::kFloat, DType::kUInt8);
  std::string q = ctx.emit("QuantizeLinear", {x, scale, zero_point});
  return ctx.emit("DequantizeLinear", {q, scale, zero_point});
}

}  // namespace

std::string dynamicQdq(Context& ctx, const std::string& x, bool reduce_range) {
  if (reduce_range) return reducedRangeQdq(ctx, x);
  auto q = ctx.emitN("DynamicQuantizeLinear", {x}, {}, 3);
  return ctx.emit("DequantizeLinear", {q[0], q[1], q[2]});
}

namespace {

// quantized::linear[_relu]_dynamic(X, W_prepack, reduce_range): X quantized per call over its own
// range (DynamicQuantizeLinear; 7 bits with reduce_range), the product in float. The _fp16 forms
// keep float activations and weights rounded to float16.
ConvertFn dynamicLinear(bool relu, bool fp16) {
  return [relu, fp16](Context& ctx, const Node& node) -> Status {
    const Value* input = ctx.input(node, 0);
    if (ctx.requireDType(input) != DType::kFloat) return ctx.fail(node, "dynamic quantized linear takes float32 input");
    auto w = ctx.packedWeights(ctx.input(node, 1), 0, fp16);
    std::string x = ctx.tensor(input);
    if (!fp16) x = dynamicQdq(ctx, x, ctx.constBool(ctx.input(node, 2)));
    std::string y = packedLinear(ctx, input, x, w);
    ctx.bind(ctx.output(node), relu ? ctx.emit("Relu", {y}) : y);
    return Status::Ok();
  };
}

// quantized::add/mul[_relu](qa, qb, scale, zero_point) and their Scalar forms, matmul.
ConvertFn binary(std::string op_type, bool relu) {
  return [op_type, relu](Context& ctx, const Node& node) -> Status {
    if (Status s = requireRecorded(ctx, node); !s.ok) return s;
    std::string y = ctx.emit(
        op_type, {ctx.tensor(ctx.input(node, 0), DType::kFloat), ctx.tensor(ctx.input(node, 1), DType::kFloat)});
    ctx.bind(ctx.output(node), relu ? ctx.emit("Relu", {y}) : y);
    return Status::Ok();
  };
}

// quantized::cat[_relu](qx[], dim, scale?, zero_point?)
ConvertFn cat(bool relu) {
  return [relu](Context& ctx, const Node& node) -> Status {
    if (Status s = requireRecorded(ctx, node); !s.ok) return s;
    auto parts = ctx.tensorList(ctx.input(node, 0));
    int64_t axis = normalizeAxis(ctx.constInt(ctx.input(node, 1)), ctx.requireRank(ctx.output(node)));
    std::string y = ctx.emit("Concat", parts, {{"axis", axis}});
    ctx.bind(ctx.output(node), relu ? ctx.emit("Relu", {y}) : y);
    return Status::Ok();
  };
}

// quantized::batch_norm{,1d,2d,3d}[_relu](qx, weight?, bias?, mean, var, eps, output_scale, output_zero_point)
ConvertFn batchNorm(bool relu) {
  return [relu](Context& ctx, const Node& node) -> Status {
    if (Status s = requireRecorded(ctx, node); !s.ok) return s;
    const Value* mean = ctx.input(node, 3);
    std::string x = ctx.tensor(ctx.input(node, 0));
    auto channels = ctx.shape(mean);
    auto param = [&](size_t i, double fill) {
      return ctx.isNone(ctx.input(node, i))
                 ? ctx.constTensor(std::vector<double>(channels.at(0), fill), channels, DType::kFloat)
                 : ctx.tensor(ctx.input(node, i), DType::kFloat);
    };
    std::string y = ctx.emit("BatchNormalization",
                             {x, param(1, 1.0), param(2, 0.0), ctx.tensor(mean, DType::kFloat),
                              ctx.tensor(ctx.input(node, 4), DType::kFloat)},
                             {{"epsilon", ctx.constDouble(ctx.input(node, 5))}});
    ctx.bind(ctx.output(node), relu ? ctx.emit("Relu", {y}) : y);
    return Status::Ok();
  };
}

// quantized::instance_norm(input, weight?, bias?, eps, output_scale, output_zero_point)
Status instanceNorm(Context& ctx, const Node& node) {
  if (Status s = requireRecorded(ctx, node); !s.ok) return s;
  const Value* input = ctx.input(node, 0);
  auto shape = ctx.shape(input);
  if (shape.size() < 3 || shape[1] < 0) return ctx.fail(node, "instance norm needs a known channel count");
  const int64_t c = shape[1];
  auto param = [&](size_t i, double fill) {
    return ctx.isNone(ctx.input(node, i)) ? ctx.constTensor(std::vector<double>(c, fill), {c}, DType::kFloat)
                                          : ctx.tensor(ctx.input(node, i), DType::kFloat);
  };
  ctx.bind(ctx.output(node), ctx.emit("InstanceNormalization", {ctx.tensor(input), param(1, 1.0), param(2, 0.0)},
                                      {{"epsilon", ctx.constDouble(ctx.input(node, 3))}}));
  return Status::Ok();
}

// quantized::elu(self, output_scale, output_zero_point, alpha, scale, input_scale) and
// quantized::celu(self, output_scale, output_zero_point, alpha).
Status elu(Context& ctx, const Node& node) {
  if (Status s = requireRecorded(ctx, node); !s.ok) return s;
  const double alpha = ctx.constDouble(ctx.input(node, 3));
  std::string x = ctx.tensor(ctx.input(node, 0));
  const bool celu = ctx.kind(node) == "quantized::celu";
  if (!celu && (ctx.constDouble(ctx.input(node, 4)) != 1.0 || ctx.constDouble(ctx.input(node, 5)) != 1.0))
    return ctx.fail(node, "quantized elu with scale or input_scale other than 1");
  // celu(x, a) = elu(x / a) * a.
  if (celu && alpha != 1.0) {
    std::string a = ctx.scalar(alpha, DType::kFloat);
    x = ctx.emit("Div", {x, a});
    ctx.bind(ctx.output(node), ctx.emit("Mul", {ctx.emit("Elu", {x}, {{"alpha", 1.0}}), a}));
    return Status::Ok();
  }
  ctx.bind(ctx.output(node), ctx.emit("Elu", {x}, {{"alpha", alpha}}));
  return Status::Ok();
}

// quantized::dropout(self, output_scale, output_zero_point, p, training): eval dropout.
Status dropout(Context& ctx, const Node& node) {
  if (ctx.inputCount(node) > 4 && ctx.constBool(ctx.input(node, 4)))
    return ctx.fail(node, "dropout in training mode (call model.eval() before saving)");
  return passThrough(ctx, node);
}

}  // namespace

void registerQuantizedOps(Registry& r) {
  // QuantizeLinear/DequantizeLinear are in ONNX from opset 10.
  r.add("quantized::conv1d", 10, conv(1, false));
  r.add("quantized::conv1d_relu", 10, conv(1, true));
  r.add("quantized::conv2d", 10, conv(2, false));
  r.add("quantized::conv2d_relu", 10, conv(2, true));
  r.add("quantized::conv3d", 10, conv(3, false));
  r.add("quantized::conv3d_relu", 10, conv(3, true));
  r.add("quantized::conv_transpose1d", 10, conv(1, false));
  r.add("quantized::conv_transpose2d", 10, conv(2, false));
  r.add("quantized::conv_transpose3d", 10, conv(3, false));
  r.add("quantized::linear", 10, linear(false));
  r.add("quantized::linear_relu", 10, linear(true));
  // DynamicQuantizeLinear and Round are in ONNX from opset 11.
  r.add("quantized::linear_dynamic", 10, dynamicLinear(false, false));
  r.add("quantized::linear_relu_dynamic", 10, dynamicLinear(true, false));
  r.add("quantized::linear_dynamic_fp16", 10, dynamicLinear(false, true));
  r.add("quantized::linear_relu_dynamic_fp16", 10, dynamicLinear(true, true));
  r.add("quantized::add", 10, binary("Add", false));
  r.add("quantized::add_relu", 10, binary("Add", true));
  r.add("quantized::add_scalar", 10, binary("Add", false));
  r.add("quantized::add_scalar_relu", 10, binary("Add", true));
  r.add("quantized::mul", 10, binary("Mul", false));
  r.add("quantized::mul_relu", 10, binary("Mul", true));
  r.add("quantized::mul_scalar", 10, binary("Mul", false));
  r.add("quantized::mul_scalar_relu", 10, binary("Mul", true));
  r.add("quantized::matmul", 10, binary("MatMul", false));
  r.add("quantized::cat", 10, cat(false));
  r.add("quantized::cat_relu", 10, cat(true));
  for (const char* kind :
       {"quantized::batch_norm", "quantized::batch_norm1d", "quantized::batch_norm2d", "quantized::batch_norm3d"})
    r.add(kind, 10, batchNorm(false));
  for (const char* kind : {"quantized::batch_norm_relu", "quantized::batch_norm1d_relu", "quantized::batch_norm2d_relu",
                           "quantized::batch_norm3d_relu"})
    r.add(kind, 10, batchNorm(true));
  r.add("quantized::instance_norm", 10, instanceNorm);
  r.add("quantized::layer_norm", 10, like("aten::layer_norm"));
  r.add("quantized::group_norm", 10, like("aten::group_norm"));
  r.add("quantized::hardswish", 10, like("aten::hardswish"));
  r.add("quantized::leaky_relu", 10, like("aten::leaky_relu"));
  r.add("quantized::clamp", 10, like("aten::clamp"));
  r.add("quantized::max_pool1d", 10, like("aten::max_pool1d"));
  r.add("quantized::max_pool2d", 10, like("aten::max_pool2d"));
  r.add("quantized::elu", 10, elu);
  r.add("quantized::celu", 10, elu);
  r.add("quantized::dropout", 10, dropout);
}

}  // namespace pt2onnx
