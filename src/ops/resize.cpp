// Converters: upsample_{nearest,linear,bilinear,trilinear,bicubic}* and their exact/antialiased forms as ONNX Resize.
#include "ops/common.h"

namespace pt2onnx {
namespace {

enum class Interp { kNearest, kNearestExact, kLinear, kCubic };

// What decides the output size: scale factors (one per spatial dim) or an output_size int list.
struct Target {
  std::vector<double> scales;
  const Value* output_size = nullptr;
  bool align_corners = false;
};

// Both overloads: `.vec` (input, output_size?, [align_corners,] scale_factors?) and the plain one
// (self, output_size, [align_corners,] scales_d?, scales_h?, scales_w?). After output_size and
// align_corners, `.vec` has one float[]? argument and the plain overload one float? per spatial
// dim; for 1-d ops both have one, told apart by list type. Scales win when all are given, since
// PyTorch then maps coordinates with 1/scale rather than in/out.
std::optional<Target> readTarget(Context& ctx, const Node& node, size_t spatial, bool has_align) {
  Target t;
  size_t first = has_align ? 3 : 2;
  if (has_align) t.align_corners = ctx.constBool(ctx.input(node, 2));
  if (!ctx.isNone(ctx.input(node, 1))) t.output_size = ctx.input(node, 1);
  size_t rest = ctx.inputCount(node) - first;
  if (rest == 1 && ctx.isList(ctx.input(node, first))) {
    t.scales = ctx.constDoubles(ctx.input(node, first));
  } else {
    for (size_t i = first; i < ctx.inputCount(node) && !ctx.isNone(ctx.input(node, i)); ++i)
      t.scales.push_back(ctx.constDouble(ctx.input(node, i)));
  }
  if (t.scales.size() != spatial) t.scales.clear();
  if (t.scales.empty() && !t.output_size) return std::nullopt;
  return t;
}

// ONNX Resize computes floor(in * scale) in float32 while PyTorch works in double. Rounding the
// scale up to the next float32 keeps that floor from dropping below PyTorch's size when in * scale
// is a whole number (10 * 0.7); the coordinate mapping moves by under 1e-7 relative.
double roundUpToFloat(double s) {
  float f = static_cast<float>(s);
  if (static_cast<double>(f) < s) f = std::nextafter(f, std::numeric_limits<float>::infinity());
  return static_cast<double>(f);
}

// Attributes per mode. Coordinates: PyTorch maps output index i to i * scale (nearest),
// (i + 0.5) * scale - 0.5 (linear/cubic, scale = 1/factor when a factor is given, else in/out;
// ONNX "half_pixel") or i * (in - 1) / (out - 1) (align_corners). For an output length of 1,
// PyTorch 1.13 keeps the half-pixel formula, so "pytorch_half_pixel" (which returns 0 there) would
// differ. nearest-exact is floor((i + 0.5) * scale), i.e. half_pixel then round half up.
std::vector<Attr> resizeAttrs(Interp interp, bool align_corners) {
  switch (interp) {
    case Interp::kNearest:
      return {{"mode", "nearest"}, {"coordinate_transformation_mode", "asymmetric"}, {"nearest_mode", "floor"}};
    case Interp::kNearestExact:
      return {{"mode", "nearest"}, {"coordinate_transformation_mode", "half_pixel"},
              {"nearest_mode", "round_prefer_ceil"}};
    case Interp::kLinear:
      return {{"mode", "linear"}, {"coordinate_transformation_mode", align_corners ? "align_corners" : "half_pixel"}};
    case Interp::kCubic:
      // PyTorch's bicubic kernel uses A = -0.75 and clamps reads to the border (exclude_outside=0).
      return {{"mode", "cubic"}, {"coordinate_transformation_mode", align_corners ? "align_corners" : "half_pixel"},
              {"cubic_coeff_a", -0.75}};
  }
  return {};
}

std::string emitResize(Context& ctx, const Node& node, Interp interp, const Target& t) {
  const Value* self = ctx.input(node, 0);
  std::string x = ctx.tensor(self);
  // Resize-11 needs roi and scales as tensors (empty when unused); Resize-13 made both optional.
  std::string empty = ctx.opset() >= 13 ? std::string() : ctx.constTensor({}, {0}, DType::kFloat);
  std::string roi = empty;
  std::vector<std::string> inputs;
  if (!t.scales.empty()) {
    std::vector<double> scales = {1.0, 1.0};
    for (double s : t.scales) scales.push_back(roundUpToFloat(s));
    inputs = {x, roi, ctx.constTensor(scales, {static_cast<int64_t>(scales.size())}, DType::kFloat)};
  } else {
    auto shape = ctx.shape(self);
    auto out = ctx.maybeConstInts(t.output_size);
    std::string sizes;
    if (out && shape[0] >= 0 && shape[1] >= 0) {
      std::vector<int64_t> all = {shape[0], shape[1]};
      all.insert(all.end(), out->begin(), out->end());
      sizes = ctx.constI64(all);
    } else {
      std::string lead = ctx.emit("Slice", {ctx.shapeOf(x), ctx.constI64({0}), ctx.constI64({2})});
      sizes = ctx.emit("Concat", {lead, ctx.intsTensor(t.output_size)}, {{"axis", 0}});
    }
    inputs = {x, roi, empty, sizes};
  }
  return ctx.emit("Resize", inputs, resizeAttrs(interp, t.align_corners));
}

ConvertFn upsample(Interp interp, size_t spatial, bool has_align) {
  return [=](Context& ctx, const Node& node) {
    if (ctx.requireRank(ctx.input(node, 0)) != static_cast<int64_t>(spatial) + 2)
      return ctx.fail(node, "expected an input of rank " + std::to_string(spatial + 2));
    auto target = readTarget(ctx, node, spatial, has_align);
    if (!target) return ctx.fail(node, "neither output_size nor scale factors are given");
    ctx.bind(ctx.output(node), emitResize(ctx, node, interp, *target));
    return Status::Ok();
  };
}

// Antialiased bilinear equals plain bilinear when no dim shrinks and align_corners is off (the
// triangle filter's support stays 1); anything else needs Resize's antialias attribute (opset 18).
Status upsampleBilinearAa(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  if (ctx.requireRank(self) != 4) return ctx.fail(node, "expected an input of rank 4");
  auto target = readTarget(ctx, node, 2, true);
  if (!target) return ctx.fail(node, "neither output_size nor scale factors are given");
  bool grows = !target->align_corners;
  if (!target->scales.empty()) {
    for (double s : target->scales) grows = grows && s >= 1.0;
  } else {
    auto shape = ctx.shape(self);
    auto out = ctx.maybeConstInts(target->output_size);
    grows = grows && out && shape[2] >= 0 && shape[3] >= 0 && (*out)[0] >= shape[2] && (*out)[1] >= shape[3];
  }
  if (!grows)
    return ctx.fail(node, "antialiased bilinear resizing that shrinks (or uses align_corners) needs Resize's "
                          "antialias attribute, added in ONNX opset 18; pt2onnx targets opsets up to 17");
  ctx.bind(ctx.output(node), emitResize(ctx, node, Interp::kLinear, *target));
  return Status::Ok();
}

Status upsampleBicubicAa(Context& ctx, const Node& node) {
  return ctx.fail(node, "antialiased bicubic resizing uses a different kernel (A = -0.5, scale-dependent support); "
                        "ONNX Resize supports antialiasing only from opset 18; pt2onnx targets opsets up to 17");
}

}  // namespace

void registerResizeOps(Registry& r) {
  r.add("aten::upsample_nearest1d", 1, upsample(Interp::kNearest, 1, false));
  r.add("aten::upsample_nearest2d", 1, upsample(Interp::kNearest, 2, false));
  r.add("aten::upsample_nearest3d", 1, upsample(Interp::kNearest, 3, false));
  r.add("aten::_upsample_nearest_exact1d", 1, upsample(Interp::kNearestExact, 1, false));
  r.add("aten::_upsample_nearest_exact2d", 1, upsample(Interp::kNearestExact, 2, false));
  r.add("aten::_upsample_nearest_exact3d", 1, upsample(Interp::kNearestExact, 3, false));
  r.add("aten::upsample_linear1d", 1, upsample(Interp::kLinear, 1, true));
  r.add("aten::upsample_bilinear2d", 1, upsample(Interp::kLinear, 2, true));
  r.add("aten::upsample_trilinear3d", 1, upsample(Interp::kLinear, 3, true));
  r.add("aten::upsample_bicubic2d", 1, upsample(Interp::kCubic, 2, true));
  r.add("aten::_upsample_bilinear2d_aa", 1, upsampleBilinearAa);
  r.add("aten::_upsample_bicubic2d_aa", 1, upsampleBicubicAa);
}

}  // namespace pt2onnx
