// Converters: convolution (1-3d, groups, dilation, padding, 'same'/'valid') and transposed convolution.
#include <algorithm>

#include "ops/common.h"

namespace pt2onnx {
namespace {

struct ConvArgs {
  const Value *input, *weight, *bias;
  std::vector<int64_t> stride, padding, dilation, output_padding;
  std::string padding_mode;  // "same"/"valid" string padding, else empty
  bool transposed = false;
  int64_t groups = 1;
};

Status emitConv(Context& ctx, const Node& node, ConvArgs a) {
  auto wshape = ctx.shape(a.weight);
  if (wshape.size() < 3) return ctx.fail(node, "convolution weight must have rank 3 to 5");
  const size_t n = wshape.size() - 2;
  std::vector<int64_t> kernel(wshape.begin() + 2, wshape.end());
  for (auto k : kernel)
    if (k < 0) return ctx.fail(node, "convolution weight needs a fixed shape");
  a.stride = expandInts(a.stride, n);
  a.dilation = expandInts(a.dilation, n);
  std::vector<int64_t> pads;
  if (a.padding_mode == "same") {
    // PyTorch puts the odd extra padding at the end, as ONNX's SAME_UPPER would.
    std::vector<int64_t> begin, end;
    for (size_t i = 0; i < n; ++i) {
      int64_t total = a.dilation[i] * (kernel[i] - 1);
      begin.push_back(total / 2);
      end.push_back(total - total / 2);
    }
    pads = begin;
    pads.insert(pads.end(), end.begin(), end.end());
  } else if (a.padding_mode == "valid") {
    pads.assign(2 * n, 0);
  } else {
    a.padding = expandInts(a.padding, n);
    pads = a.padding;
    pads.insert(pads.end(), a.padding.begin(), a.padding.end());
  }
  DType dt = ctx.requireDType(a.input);
  std::vector<std::string> inputs = {ctx.tensor(a.input), ctx.tensor(a.weight, dt)};
  if (a.bias && !ctx.isNone(a.bias)) inputs.push_back(ctx.tensor(a.bias, dt));
  std::vector<Attr> attrs = {
      {"kernel_shape", kernel}, {"strides", a.stride}, {"pads", pads}, {"dilations", a.dilation}, {"group", a.groups}};
  if (a.transposed) {
    a.output_padding = expandInts(a.output_padding, n);
    if (std::any_of(a.output_padding.begin(), a.output_padding.end(), [](int64_t v) { return v != 0; }))
      attrs.push_back({"output_padding", a.output_padding});
  }
  ctx.bind(ctx.output(node), ctx.emit(a.transposed ? "ConvTranspose" : "Conv", inputs, attrs));
  return Status::Ok();
}

std::vector<int64_t> intsOrEmpty(Context& ctx, const Value* v) {
  return ctx.isNone(v) ? std::vector<int64_t>{} : ctx.constInts(v);
}

// aten::_convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding, groups, ...)
Status convolutionFull(Context& ctx, const Node& node) {
  ConvArgs a;
  a.input = ctx.input(node, 0);
  a.weight = ctx.input(node, 1);
  a.bias = ctx.input(node, 2);
  a.stride = ctx.constInts(ctx.input(node, 3));
  a.padding = ctx.constInts(ctx.input(node, 4));
  a.dilation = ctx.constInts(ctx.input(node, 5));
  a.transposed = ctx.constBool(ctx.input(node, 6));
  a.output_padding = ctx.constInts(ctx.input(node, 7));
  a.groups = ctx.constInt(ctx.input(node, 8));
  return emitConv(ctx, node, a);
}

// aten::conv{1,2,3}d(input, weight, bias, stride, padding, dilation, groups); padding may be a string.
Status convNd(Context& ctx, const Node& node) {
  ConvArgs a;
  a.input = ctx.arg(node, "input");
  a.weight = ctx.arg(node, "weight");
  a.bias = ctx.arg(node, "bias");
  a.stride = ctx.constInts(ctx.arg(node, "stride"));
  const Value* padding = ctx.arg(node, "padding");
  if (ctx.maybeConstInts(padding))
    a.padding = ctx.constInts(padding);
  else
    a.padding_mode = ctx.constString(padding);
  a.dilation = ctx.constInts(ctx.arg(node, "dilation"));
  a.groups = ctx.constInt(ctx.arg(node, "groups"));
  return emitConv(ctx, node, a);
}

// aten::conv_transpose{1,2,3}d(input, weight, bias, stride, padding, output_padding, groups, dilation)
Status convTransposeNd(Context& ctx, const Node& node) {
  ConvArgs a;
  a.input = ctx.arg(node, "input");
  a.weight = ctx.arg(node, "weight");
  a.bias = ctx.arg(node, "bias");
  a.stride = ctx.constInts(ctx.arg(node, "stride"));
  a.padding = ctx.constInts(ctx.arg(node, "padding"));
  a.output_padding = ctx.constInts(ctx.arg(node, "output_padding"));
  a.groups = ctx.constInt(ctx.arg(node, "groups"));
  a.dilation = ctx.constInts(ctx.arg(node, "dilation"));
  a.transposed = true;
  return emitConv(ctx, node, a);
}

}  // namespace

void registerConvOps(Registry& r) {
  r.add("aten::_convolution", 9, convolutionFull);
  r.add("aten::convolution", 9, convolutionFull);
  for (const char* kind : {"aten::conv1d", "aten::conv2d", "aten::conv3d"}) r.add(kind, 9, convNd);
  for (const char* kind : {"aten::conv_transpose1d", "aten::conv_transpose2d", "aten::conv_transpose3d"})
    r.add(kind, 9, convTransposeNd);
}

}  // namespace pt2onnx
