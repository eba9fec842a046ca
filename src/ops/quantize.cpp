// Converters: quantize_per_tensor/_per_channel and dequantize. A quantized tensor is held as floats on
// its grid (see Context::quantization), so quantizing is a QuantizeLinear/DequantizeLinear pair and
// dequantizing reads those floats; int_repr, q_scale and q_zero_point read the recorded grid.
// fake_quantize_per_tensor/_per_channel_affine and fused_moving_avg_obs_fake_quant with its
// observer off (a QDQ pair, or the rounding written out for ranges other than 8 bits).
#include "ops/common.h"

namespace pt2onnx {
namespace {

// torch.qint8, torch.quint8 and torch.qint32 as ScalarType codes.
constexpr int64_t kQInt8 = 12, kQUInt8 = 13;

// Quantization parameters as ONNX names: scale FLOAT, zero point in the storage type.
struct QParams {
  std::string scale, zero_point;
  int64_t axis = -1;  // -1: per tensor
  DType storage = DType::kUInt8;
};

// A scale or zero point given as a Python number or as a tensor (of one entry per tensor, or one
// per channel), in `dt`; per-tensor ones become 0-d, as DequantizeLinear-10 wants.
std::string qparam(Context& ctx, const Value* v, DType dt, bool per_tensor) {
  if (!ctx.isTensor(v)) return ctx.scalar(ctx.constDouble(v), dt);
  std::string t = ctx.tensor(v, dt);
  if (per_tensor && ctx.requireRank(v) != 0) t = ctx.emit("Reshape", {t, ctx.constI64({})});
  return t;
}

// The storage type of a quantized dtype code, or kUndefined when ONNX has none (qint32, 4-bit).
DType storageOf(int64_t code) {
  if (code == kQUInt8) return DType::kUInt8;
  if (code == kQInt8) return DType::kInt8;
  return DType::kUndefined;
}

// The parameters a quantize node recorded, for the dequantize that reads its result.
std::optional<QParams> producerParams(Context& ctx, const Node& q) {
  std::string kind = ctx.kind(q);
  QParams p;
  if (kind == "aten::quantize_per_tensor") {
    p.storage = storageOf(ctx.constInt(ctx.input(q, 3)));
    p.scale = qparam(ctx, ctx.input(q, 1), DType::kFloat, true);
    p.zero_point = qparam(ctx, ctx.input(q, 2), p.storage, true);
    return p;
  }
  if (kind == "aten::quantize_per_channel") {
    p.storage = storageOf(ctx.constInt(ctx.input(q, 4)));
    p.scale = qparam(ctx, ctx.input(q, 1), DType::kFloat, false);
    p.zero_point = qparam(ctx, ctx.input(q, 2), p.storage, false);
    p.axis = normalizeAxis(ctx.constInt(ctx.input(q, 3)), ctx.requireRank(ctx.input(q, 0)));
    return p;
  }
  return std::nullopt;
}

std::vector<Attr> axisAttr(const QParams& p) {
  if (p.axis < 0) return {};
  return {{"axis", p.axis}};
}

// quantize_per_tensor(self, scale, zero_point, dtype) / quantize_per_channel(self, scales,
// zero_points, axis, dtype): the integer storage of the quantized tensor.
Status quantize(Context& ctx, const Node& node) {
  auto p = producerParams(ctx, node);
  if (p->storage == DType::kUndefined) return ctx.fail(node, "ONNX quantizes to 8-bit types only (quint8, qint8)");
  if (p->axis >= 0 && ctx.opset() < 13)
    return ctx.fail(node, "per-channel quantization needs opset 13 (QuantizeLinear's axis); try --opset 13");
  std::string x = ctx.tensor(ctx.input(node, 0), DType::kFloat);
  std::string q = ctx.emit("QuantizeLinear", {x, p->scale, p->zero_point}, axisAttr(*p));
  ctx.bind(ctx.output(node), ctx.emit("DequantizeLinear", {q, p->scale, p->zero_point}, axisAttr(*p)));
  return Status::Ok();
}

// dequantize(self): the floats a quantized value is held as (a float tensor is returned as is).
Status dequantize(Context& ctx, const Node& node) {
  DType dt = ctx.requireDType(ctx.output(node));
  ctx.bind(ctx.output(node), ctx.cast(ctx.tensor(ctx.input(node, 0), DType::kFloat), DType::kFloat, dt));
  return Status::Ok();
}

const Quantization& recorded(Context& ctx, const Node& node) {
  const Quantization* q = ctx.quantization(ctx.input(node, 0));
  if (!q) throw ConvertError("the example runs did not see this tensor quantized (a branch they did not take?)");
  return *q;
}

// int_repr(self): the 8-bit storage of a quantized tensor.
Status intRepr(Context& ctx, const Node& node) {
  ctx.bind(ctx.output(node), ctx.quantizeLinear(ctx.tensor(ctx.input(node, 0)), recorded(ctx, node)));
  return Status::Ok();
}

// q_scale(self) / q_zero_point(self) of a per-tensor quantized tensor: Python numbers.
Status qScale(Context& ctx, const Node& node) {
  const Quantization& q = recorded(ctx, node);
  if (q.axis >= 0) return ctx.fail(node, "q_scale of a per-channel quantized tensor");
  ctx.bind(ctx.output(node), ctx.scalar(q.scales.at(0), DType::kFloat));
  return Status::Ok();
}

Status qZeroPoint(Context& ctx, const Node& node) {
  const Quantization& q = recorded(ctx, node);
  if (q.axis >= 0) return ctx.fail(node, "q_zero_point of a per-channel quantized tensor");
  ctx.bind(ctx.output(node), ctx.scalarI64(q.zero_points.at(0)));
  return Status::Ok();
}

// (clamp(round(x / scale) + zero_point, quant_min, quant_max) - zero_point) * scale in the input's
// type. A range of 8 bits is a QuantizeLinear/DequantizeLinear pair (round half to even in both)
// from opset 10 (13 per channel); other ranges, and opset 9, are written out.
Status fakeQuantize(Context& ctx, const Node& node, const Value* scale, const Value* zero_point, int64_t axis,
                    int64_t qmin, int64_t qmax) {
  const Value* self = ctx.input(node, 0);
  DType dt = ctx.requireDType(self);
  if (!isFloating(dt)) return ctx.fail(node, "fake quantization takes a floating-point tensor");
  if (axis >= 0 && !ctx.isTensor(scale)) return ctx.fail(node, "per-channel fake quantization takes scale tensors");
  if (ctx.isTensor(zero_point) && isFloating(ctx.requireDType(zero_point)))
    return ctx.fail(node, "fake quantization with a floating-point zero point is not supported");
  DType storage = qmin == 0 && qmax == 255      ? DType::kUInt8
                  : qmin == -128 && qmax == 127 ? DType::kInt8
                                                : DType::kUndefined;
  if (storage != DType::kUndefined && ctx.opset() >= 10 && (axis < 0 || ctx.opset() >= 13)) {
    QParams p{qparam(ctx, scale, DType::kFloat, axis < 0), qparam(ctx, zero_point, storage, axis < 0), axis, storage};
    std::string q = ctx.emit("QuantizeLinear", {ctx.tensor(self, DType::kFloat), p.scale, p.zero_point}, axisAttr(p));
    std::string y = ctx.emit("DequantizeLinear", {q, p.scale, p.zero_point}, axisAttr(p));
    ctx.bind(ctx.output(node), ctx.cast(y, DType::kFloat, dt));
    return Status::Ok();
  }
  std::string s = qparam(ctx, scale, dt, axis < 0), z = qparam(ctx, zero_point, dt, axis < 0);
  if (axis >= 0) {
    std::vector<int64_t> trailing;
    for (int64_t a = 1; a < ctx.requireRank(self) - axis; ++a) trailing.push_back(a);
    if (!trailing.empty()) {
      s = ctx.unsqueeze(s, trailing);
      z = ctx.unsqueeze(z, trailing);
    }
  }
  std::string x = ctx.tensor(self);
  // PyTorch multiplies by the reciprocal of the scale rather than dividing by it.
  std::string q = ctx.emit("Add", {roundHalfEven(ctx, ctx.emit("Mul", {x, ctx.emit("Reciprocal", {s})}), dt), z});
  q = ctx.emit("Clip", {q, ctx.scalar(static_cast<double>(qmin), dt), ctx.scalar(static_cast<double>(qmax), dt)});
  ctx.bind(ctx.output(node), ctx.emit("Mul", {ctx.emit("Sub", {q, z}), s}));
  return Status::Ok();
}

// fake_quantize_per_tensor_affine(self, scale, zero_point, quant_min, quant_max), with numbers or
// one-entry tensors as parameters.
Status fakeQuantPerTensor(Context& ctx, const Node& node) {
  return fakeQuantize(ctx, node, ctx.input(node, 1), ctx.input(node, 2), -1, ctx.constInt(ctx.input(node, 3)),
                      ctx.constInt(ctx.input(node, 4)));
}

// fake_quantize_per_channel_affine(self, scale, zero_point, axis, quant_min, quant_max)
Status fakeQuantPerChannel(Context& ctx, const Node& node) {
  int64_t axis = normalizeAxis(ctx.constInt(ctx.input(node, 3)), ctx.requireRank(ctx.input(node, 0)));
  return fakeQuantize(ctx, node, ctx.input(node, 1), ctx.input(node, 2), axis, ctx.constInt(ctx.input(node, 4)),
                      ctx.constInt(ctx.input(node, 5)));
}

// fused_moving_avg_obs_fake_quant(self, observer_on, fake_quant_on, running_min, running_max,
// scale, zero_point, averaging_const, quant_min, quant_max, ch_axis, per_row_fake_quant,
// symmetric_quant), what a QAT model traces to. With the observer on, every call moves the
// module's running statistics and scale, which an ONNX model cannot carry between runs.
Status fusedObsFakeQuant(Context& ctx, const Node& node) {
  if (!ctx.isConstant(ctx.input(node, 1)) || ctx.constDouble(ctx.input(node, 1)) != 0)
    return ctx.fail(node,
                    "the fake-quantize observer is on, so every call updates the scale; call "
                    "model.apply(torch.ao.quantization.disable_observer) before tracing");
  if (ctx.constDouble(ctx.input(node, 2)) == 0) return passThrough(ctx, node);
  bool per_row = ctx.inputCount(node) > 11 && ctx.constBool(ctx.input(node, 11));
  int64_t axis = per_row ? normalizeAxis(ctx.constInt(ctx.input(node, 10)), ctx.requireRank(ctx.input(node, 0))) : -1;
  return fakeQuantize(ctx, node, ctx.input(node, 5), ctx.input(node, 6), axis, ctx.constInt(ctx.input(node, 8)),
                      ctx.constInt(ctx.input(node, 9)));
}

}  // namespace

void registerQuantizeOps(Registry& r) {
  r.add("aten::quantize_per_tensor", 10, quantize);
  r.add("aten::quantize_per_channel", 10, quantize);
  r.add("aten::dequantize", 10, dequantize);
  r.add("aten::int_repr", 10, intRepr);
  r.add("aten::q_scale", 10, qScale);
  r.add("aten::q_zero_point", 10, qZeroPoint);
  // Round (for ranges other than 8 bits) and Clip's bounds as inputs are in ONNX from opset 11.
  r.add("aten::fake_quantize_per_tensor_affine", 9, fakeQuantPerTensor);
  r.add("aten::fake_quantize_per_channel_affine", 9, fakeQuantPerChannel);
  r.add("aten::fused_moving_avg_obs_fake_quant", 9, fusedObsFakeQuant);
}

}  // namespace pt2onnx
