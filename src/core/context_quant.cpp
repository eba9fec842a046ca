// Context: quantized tensors. ONNX holds a quantized TorchScript value as floats on its grid (the
// dequantized values); a QuantizeLinear/DequantizeLinear pair puts a result back on its grid. This
// is the QDQ form that ONNX Runtime and TensorRT run in 8 bits.
#include <ATen/ATen.h>
#include <torch/csrc/jit/runtime/operator.h>

#include <unordered_set>

#include "core/context.h"
#include "core/context_impl.h"
#include "frontend/frontend.h"
#include "onnx/dtype.h"

namespace pt2onnx {
namespace {

// Kinds whose result is on the grid of their input already (they move, pick or compare values), and
// kinds whose converters quantize their own result.
bool keepsGrid(const std::string& kind) {
  static const std::unordered_set<std::string> kinds = {"aten::view",
                                                        "aten::reshape",
                                                        "aten::flatten",
                                                        "aten::permute",
                                                        "aten::transpose",
                                                        "aten::t",
                                                        "aten::contiguous",
                                                        "aten::clone",
                                                        "aten::detach",
                                                        "aten::squeeze",
                                                        "aten::unsqueeze",
                                                        "aten::slice",
                                                        "aten::select",
                                                        "aten::narrow",
                                                        "aten::expand",
                                                        "aten::expand_as",
                                                        "aten::max_pool1d",
                                                        "aten::max_pool2d",
                                                        "aten::max_pool3d",
                                                        "aten::adaptive_max_pool2d",
                                                        "aten::relu",
                                                        "aten::relu_",
                                                        "aten::dropout",
                                                        "aten::feature_dropout",
                                                        "aten::pixel_shuffle",
                                                        "aten::pixel_unshuffle",
                                                        "aten::channel_shuffle",
                                                        "aten::upsample_nearest1d",
                                                        "aten::upsample_nearest2d",
                                                        "aten::upsample_nearest3d",
                                                        "aten::max",
                                                        "aten::min",
                                                        "aten::quantize_per_tensor",
                                                        "aten::quantize_per_channel",
                                                        "aten::__getitem__",
                                                        "quantized::max_pool1d",
                                                        "quantized::max_pool2d",
                                                        "aten::to",
                                                        "aten::type_as"};
  return kinds.count(kind) > 0 || kind.rfind("prim::", 0) == 0;
}

}  // namespace

const Quantization* Context::quantization(const Value* value) const {
  auto it = impl_->meta->find(value->unique());
  if (it == impl_->meta->end() || !it->second.quant) return nullptr;
  return &*it->second.quant;
}

namespace {

struct QdqParams {
  std::string scale, zero_point;
  std::vector<Attr> attrs;
};

QdqParams qdqParams(Context& ctx, const Quantization& q) {
  if (q.storage == DType::kUndefined)
    throw ConvertError(
        "the tensor is quantized to a type ONNX has no 8-bit form of (qint32, 4-bit or float zero points)");
  if (q.varies)
    throw ConvertError(
        "its quantization parameters come from the data (they changed between example runs), which ONNX's "
        "QuantizeLinear takes as constants");
  if (ctx.opset() < 10) throw ConvertError("quantized tensors need opset 10 (QuantizeLinear); try --opset 13");
  QdqParams p;
  if (q.axis < 0) {
    p.scale = ctx.scalar(q.scales.at(0), DType::kFloat);
    p.zero_point = ctx.scalar(static_cast<double>(q.zero_points.at(0)), q.storage);
    return p;
  }
  if (ctx.opset() < 13)
    throw ConvertError("per-channel quantization needs opset 13 (QuantizeLinear's axis); try --opset 13");
  const auto n = static_cast<int64_t>(q.scales.size());
  p.scale = ctx.constTensor(q.scales, {n}, DType::kFloat);
  p.zero_point = ctx.constTensor(std::vector<double>(q.zero_points.begin(), q.zero_points.end()), {n}, q.storage);
  p.attrs.push_back({"axis", q.axis});
  return p;
}

}  // namespace

std::string Context::quantizeLinear(const std::string& x, const Quantization& q) {
  QdqParams p = qdqParams(*this, q);
  return emit("QuantizeLinear", {x, p.scale, p.zero_point}, p.attrs);
}

std::string Context::quantizeDequantize(const std::string& x, const Quantization& q) {
  QdqParams p = qdqParams(*this, q);
  std::string y = emit("QuantizeLinear", {x, p.scale, p.zero_point}, p.attrs);
  return emit("DequantizeLinear", {y, p.scale, p.zero_point}, p.attrs);
}

std::string Context::Impl::constantTensor(Context& ctx, const at::Tensor& tensor, const std::string& hint) {
  if (!tensor.is_quantized()) return addInitializer(tensor, hint);
  // An 8-bit storage with its scale and zero point, dequantized in the graph; weights stay 8-bit in
  // the file. Forms ONNX cannot hold (qint32, per-channel before opset 13) are stored dequantized.
  const Quantization q = quantizationOf(tensor);
  if (q.storage == DType::kUndefined || opset < 10 || (q.axis >= 0 && opset < 13))
    return addInitializer(tensor.dequantize(), hint);
  const QdqParams p = qdqParams(ctx, q);
  return ctx.emit("DequantizeLinear", {addInitializer(tensor.int_repr(), hint), p.scale, p.zero_point}, p.attrs);
}

namespace {

// Runs a LibTorch operator (the packed-parameter queries) on one argument.
torch::jit::Stack callOperator(const char* name, const c10::IValue& arg) {
  auto ops = torch::jit::getAllOperatorsFor(c10::Symbol::fromQualString(name));
  if (ops.empty()) throw ConvertError(std::string("this LibTorch has no ") + name + " to read the packed weights");
  torch::jit::Stack stack{arg};
  ops.front()->getOperation()(stack);
  return stack;
}

std::vector<int64_t> lastEntries(std::vector<int64_t> v, int dims) {
  if (static_cast<int>(v.size()) > dims) v.erase(v.begin(), v.end() - dims);
  return v;
}

}  // namespace

Context::PackedWeights Context::packedWeights(const Value* packed, int dims, bool fp16) {
  auto iv = torch::jit::toIValue(const_cast<Value*>(packed));
  if (!iv || !iv->isObject())
    throw ConvertError("the packed weights " + describe(packed) + " are not a constant of the saved module");
  return packedWeights(*iv, impl_->nameHint(packed), dims, fp16);
}

Context::PackedWeights Context::packedWeights(const c10::IValue& packed, const std::string& hint, int dims, bool fp16) {
  const c10::IValue* iv = &packed;
  PackedWeights out;
  const std::string family = dims == 3 ? "quantized::conv3d_" : "quantized::conv2d_";
  // A transposed convolution's weights unpack through its own operator (the plain one gives
  // another layout in some LibTorch versions).
  if (dims > 0) out.transposed = callOperator((family + "transpose").c_str(), *iv).at(0).toInt() != 0;
  const std::string unpack = dims == 0 ? (fp16 ? "quantized::linear_unpack_fp16" : "quantized::linear_unpack")
                                       : std::string(out.transposed ? "quantized::conv_transpose" : "quantized::conv") +
                                             std::to_string(dims) + "d_unpack";
  torch::jit::Stack unpacked = callOperator(unpack.c_str(), *iv);
  const at::Tensor weight = unpacked.at(0).toTensor();
  out.weight_shape = weight.sizes().vec();
  out.weight = impl_->constantTensor(*this, weight, hint + "_weight");
  if (unpacked.size() > 1 && unpacked[1].isTensor())
    out.bias = impl_->addInitializer(unpacked[1].toTensor().to(at::kFloat), hint + "_bias");
  if (dims == 0) return out;
  auto ints = [&](const std::string& what) { return callOperator((family + what).c_str(), *iv).at(0).toIntVector(); };
  out.stride = lastEntries(ints("stride"), dims);
  out.padding = lastEntries(ints("padding"), dims);
  out.dilation = lastEntries(ints("dilation"), dims);
  out.output_padding = lastEntries(ints("output_padding"), dims);
  out.groups = callOperator((family + "groups").c_str(), *iv).at(0).toInt();
  return out;
}

void Context::Impl::requantize(Context& ctx, const Node& node) {
  const std::string kind = node.kind().toQualString();
  if (keepsGrid(kind)) return;
  for (const Value* out : node.outputs()) {
    const Quantization* q = ctx.quantization(out);
    auto it = names.find(out);
    if (!q || it == names.end()) continue;
    it->second = ctx.quantizeDequantize(it->second, *q);
  }
}

}  // namespace pt2onnx
