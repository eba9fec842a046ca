// Converters: max/avg pooling (max with indices) and adaptive pooling.
#include <algorithm>

#include "ops/common.h"

namespace pt2onnx {
namespace {

struct PoolArgs {
  std::vector<int64_t> kernel, stride, pads;
  bool ceil_mode = false;
};

PoolArgs poolArgs(Context& ctx, const Node& node, size_t spatial) {
  PoolArgs p;
  p.kernel = expandInts(ctx.constInts(ctx.arg(node, "kernel_size")), spatial);
  auto stride = ctx.constInts(ctx.arg(node, "stride"));
  p.stride = stride.empty() ? p.kernel : expandInts(stride, spatial);  // PyTorch: empty stride = kernel
  auto padding = expandInts(ctx.constInts(ctx.arg(node, "padding")), spatial);
  p.pads = padding;
  p.pads.insert(p.pads.end(), padding.begin(), padding.end());
  p.ceil_mode = ctx.constBool(ctx.arg(node, "ceil_mode"));
  return p;
}

// MaxPool and AveragePool gained ceil_mode (and MaxPool dilations) at opset 10: before it, those
// attributes are left out when they hold their defaults, and other values are refused.
std::string poolAttrsBefore10(const PoolArgs& p, const std::vector<int64_t>& dilation) {
  if (p.ceil_mode) return "ceil_mode=True needs opset 10 or later (ceil_mode of MaxPool/AveragePool); try --opset 10";
  for (auto d : dilation)
    if (d != 1) return "dilation other than 1 needs opset 10 or later (MaxPool's dilations); try --opset 10";
  return "";
}

ConvertFn maxPool(size_t spatial) {
  return [spatial](Context& ctx, const Node& node) {
    PoolArgs p = poolArgs(ctx, node, spatial);
    auto dilation = expandInts(ctx.constInts(ctx.arg(node, "dilation")), spatial);
    std::string x = ctx.tensor(ctx.input(node, 0));
    std::vector<Attr> attrs = {{"kernel_shape", p.kernel}, {"strides", p.stride}, {"pads", p.pads}};
    if (ctx.opset() < 10) {
      std::string why = poolAttrsBefore10(p, dilation);
      if (!why.empty()) return ctx.fail(node, "max_pool with " + why);
    } else {
      attrs.push_back({"dilations", dilation});
      attrs.push_back({"ceil_mode", static_cast<int64_t>(p.ceil_mode)});
    }
    if (ctx.outputCount(node) < 2) {
      ctx.bind(ctx.output(node), ctx.emit("MaxPool", {x}, attrs));
      return Status::Ok();
    }
    // max_pool{k}d_with_indices: ONNX counts indices over the whole flattened input, PyTorch
    // within each plane of spatial dims; the plane's offset is a multiple of its size.
    auto outs = ctx.emitN("MaxPool", {x}, attrs, 2);
    int64_t rank = ctx.requireRank(ctx.input(node, 0));
    std::string dims = ctx.shapeOf(x);
    std::string plane = sliceConst(ctx, dims, {rank - 1}, {rank}, {0});
    for (int64_t a = rank - static_cast<int64_t>(spatial); a < rank - 1; ++a)
      plane = ctx.emit("Mul", {plane, sliceConst(ctx, dims, {a}, {a + 1}, {0})});
    ctx.bind(ctx.output(node, 0), outs[0]);
    ctx.bind(ctx.output(node, 1), ctx.emit("Mod", {outs[1], plane}));
    return Status::Ok();
  };
}

// Per output position o along each spatial axis, a window [o * stride - pad, + kernel) holds
// min(end, in) - max(start, 0) input cells and min(end, in + pad_end) - start cells PyTorch counts
// with its padding: the ratio turns an average over input cells into PyTorch's. The product over
// the axes broadcasts against the pooled [N, C, spatial...] tensor; empty when it cannot be made
// (sizes known only at run time before opset 11, which has no Range).
std::string ceilPoolScale(Context& ctx, const Node& node, const PoolArgs& p, const std::string& x,
                          const std::string& y) {
  const Value* in = ctx.input(node, 0);
  const Value* out = ctx.output(node);
  const int64_t rank = ctx.requireRank(in);
  const size_t spatial = p.kernel.size();
  const DType dt = ctx.requireDType(in);
  std::string scale;
  for (size_t i = 0; i < spatial; ++i) {
    const int64_t axis = rank - static_cast<int64_t>(spatial) + static_cast<int64_t>(i);
    const int64_t s = p.stride[i], k = p.kernel[i], pb = p.pads[i], pe = p.pads[spatial + i];
    const int64_t n_in = ctx.shape(in)[axis], n_out = ctx.shape(out)[axis];
    std::vector<int64_t> trailing;  // the ratio [n_out] as [n_out, 1, ...] up to the last axis
    for (int64_t t = 1; t < rank - axis; ++t) trailing.push_back(t);
    std::string ratio;
    if (n_in >= 0 && n_out >= 0) {
      std::vector<double> r;
      for (int64_t o = 0; o < n_out; ++o) {
        const int64_t start = o * s - pb, end = start + k;
        const int64_t cells = std::min(end, n_in) - std::max<int64_t>(start, 0);
        const int64_t counted = std::min(end, n_in + pe) - start;
        r.push_back(counted > 0 ? static_cast<double>(cells) / static_cast<double>(counted) : 1.0);
      }
      std::vector<int64_t> dims(1 + trailing.size(), 1);
      dims[0] = n_out;
      ratio = ctx.constTensor(r, dims, dt);
    } else {
      if (ctx.opset() < 11) return "";
      // In float (Min and Max take int64 from opset 12 only); sizes this small are exact.
      const DType f = DType::kFloat;
      std::string n = ctx.cast(ctx.dimOf(y, axis), DType::kInt64, f);
      std::string size = ctx.cast(ctx.dimOf(x, axis), DType::kInt64, f);
      std::string o = ctx.emit("Range", {ctx.scalar(0, f), n, ctx.scalar(1, f)});
      std::string start = ctx.emit(
          "Sub", {ctx.emit("Mul", {o, ctx.scalar(static_cast<double>(s), f)}), ctx.scalar(static_cast<double>(pb), f)});
      std::string end = ctx.emit("Add", {start, ctx.scalar(static_cast<double>(k), f)});
      std::string cells = ctx.emit("Sub", {ctx.emit("Min", {end, size}), ctx.emit("Max", {start, ctx.scalar(0, f)})});
      std::string counted = ctx.emit(
          "Sub", {ctx.emit("Min", {end, ctx.emit("Add", {size, ctx.scalar(static_cast<double>(pe), f)})}), start});
      ratio = ctx.cast(ctx.emit("Div", {cells, counted}), f, dt);
      if (!trailing.empty()) ratio = ctx.unsqueeze(ratio, trailing);
    }
    scale = scale.empty() ? ratio : ctx.emit("Mul", {scale, ratio});
  }
  return scale;
}

ConvertFn avgPool(size_t spatial) {
  return [spatial](Context& ctx, const Node& node) {
    PoolArgs p = poolArgs(ctx, node, spatial);
    bool count_include_pad = ctx.constBool(ctx.arg(node, "count_include_pad"));
    if (spatial > 1 && !ctx.isNone(ctx.arg(node, "divisor_override")))
      return ctx.fail(node, "avg_pool with divisor_override has no ONNX equivalent");
    std::string x = ctx.tensor(ctx.input(node, 0));
    // A ceil-mode window can reach past the padded input: PyTorch then divides by the cells inside
    // the input and its padding, ONNX Runtime by the whole window. Without padding that is ONNX's
    // count without padding; with padding, that count is rescaled per position.
    const bool rescale =
        p.ceil_mode && count_include_pad && std::any_of(p.pads.begin(), p.pads.end(), [](int64_t v) { return v != 0; });
    if (p.ceil_mode) count_include_pad = false;
    std::vector<Attr> attrs = {{"kernel_shape", p.kernel},
                               {"strides", p.stride},
                               {"pads", p.pads},
                               {"count_include_pad", static_cast<int64_t>(count_include_pad)}};
    if (ctx.opset() < 10) {
      std::string why = poolAttrsBefore10(p, {});
      if (!why.empty()) return ctx.fail(node, "avg_pool with " + why);
    } else {
      attrs.push_back({"ceil_mode", static_cast<int64_t>(p.ceil_mode)});
    }
    std::string y = ctx.emit("AveragePool", {x}, attrs);
    if (rescale) {
      std::string scale = ceilPoolScale(ctx, node, p, x, y);
      if (scale.empty())
        return ctx.fail(node,
                        "avg_pool in ceil mode counting padding, on sizes known only at run time, needs opset 11 or "
                        "later (Range); try --opset 11");
      y = ctx.emit("Mul", {y, scale});
    }
    ctx.bind(ctx.output(node), y);
    return Status::Ok();
  };
}

// Adaptive pooling: global pooling for output 1, a plain pool when every input size divides
// evenly, otherwise one slice and reduction per output bin (bins [floor(i*in/out), ceil((i+1)*in/out))).
ConvertFn adaptivePool(bool is_max) {
  return [is_max](Context& ctx, const Node& node) {
    const Value* self = ctx.input(node, 0);
    int64_t rank = ctx.requireRank(self);
    auto out_size = ctx.constInts(ctx.input(node, 1));
    size_t spatial = out_size.size();
    if (static_cast<int64_t>(spatial) > rank) return ctx.fail(node, "output_size longer than the input's rank");
    std::string x = ctx.tensor(self);
    const Value* out = ctx.output(node);
    auto bindResult = [&](const std::string& y) {
      ctx.bind(out, y);
      // adaptive_max_pool also returns indices, which ONNX pooling cannot give here.
      return Status::Ok();
    };
    if (std::all_of(out_size.begin(), out_size.end(), [](int64_t v) { return v == 1; }) &&
        static_cast<int64_t>(spatial) == rank - 2)
      return bindResult(ctx.emit(is_max ? "GlobalMaxPool" : "GlobalAveragePool", {x}));
    auto shape = ctx.shape(self);
    std::vector<int64_t> in_size(shape.end() - spatial, shape.end());
    for (auto s : in_size)
      if (s < 0) return ctx.fail(node, "adaptive pooling to a size other than 1 needs fixed input sizes");
    bool divisible = true;
    for (size_t i = 0; i < spatial; ++i) divisible = divisible && in_size[i] % out_size[i] == 0;
    if (divisible) {
      if (in_size == out_size) return bindResult(x);
      std::vector<int64_t> kernel, pads(2 * spatial, 0);
      for (size_t i = 0; i < spatial; ++i) kernel.push_back(in_size[i] / out_size[i]);
      if (is_max)
        return bindResult(ctx.emit("MaxPool", {x}, {{"kernel_shape", kernel}, {"strides", kernel}, {"pads", pads}}));
      return bindResult(ctx.emit("AveragePool", {x}, {{"kernel_shape", kernel}, {"strides", kernel}, {"pads", pads}}));
    }
    std::string y = x;
    for (size_t d = 0; d < spatial; ++d) {
      int64_t axis = rank - static_cast<int64_t>(spatial) + static_cast<int64_t>(d);
      std::vector<std::string> bins;
      for (int64_t i = 0; i < out_size[d]; ++i) {
        int64_t begin = (i * in_size[d]) / out_size[d];
        int64_t end = ((i + 1) * in_size[d] + out_size[d] - 1) / out_size[d];
        std::string s = sliceConst(ctx, y, {begin}, {end}, {axis});
        bins.push_back(ctx.reduce(is_max ? "ReduceMax" : "ReduceMean", s, {axis}, true));
      }
      y = bins.size() == 1 ? bins[0] : ctx.emit("Concat", bins, {{"axis", axis}});
    }
    return bindResult(y);
  };
}

}  // namespace

void registerPoolOps(Registry& r) {
  r.add("aten::max_pool1d", 9, maxPool(1));
  r.add("aten::max_pool2d", 9, maxPool(2));
  r.add("aten::max_pool3d", 9, maxPool(3));
  // Mod (for the indices) is in ONNX from opset 10.
  r.add("aten::max_pool1d_with_indices", 10, maxPool(1));
  r.add("aten::max_pool2d_with_indices", 10, maxPool(2));
  r.add("aten::max_pool3d_with_indices", 9, maxPool(3));
  r.add("aten::avg_pool1d", 9, avgPool(1));
  r.add("aten::avg_pool2d", 9, avgPool(2));
  r.add("aten::avg_pool3d", 9, avgPool(3));
  for (const char* kind : {"aten::adaptive_avg_pool1d", "aten::adaptive_avg_pool2d", "aten::adaptive_avg_pool3d"})
    r.add(kind, 9, adaptivePool(false));
  for (const char* kind : {"aten::adaptive_max_pool1d", "aten::adaptive_max_pool2d", "aten::adaptive_max_pool3d"})
    r.add(kind, 9, adaptivePool(true));
}

}  // namespace pt2onnx
