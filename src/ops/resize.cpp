// Converters: upsample_{nearest,linear,bilinear,trilinear,bicubic}* and their exact/antialiased forms as ONNX Resize.
//
// PyTorch 1.13 and ONNX Runtime both work in float32 but with different formulas: PyTorch
// multiplies output indices by float(1 / factor), Resize divides them by its float scale and also
// derives the output length from it. Each Resize scale is therefore the float32 value, among the
// few nearest the factor, that reproduces PyTorch's lengths (and source indices, for nearest
// modes); a nearest resize that no float scale reproduces becomes Gathers with PyTorch's formula.
#include "ops/resize.h"

#include <algorithm>

namespace pt2onnx {
namespace resize {

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
    const Value* list = ctx.input(node, first);
    if (!ctx.isConstant(list) && ctx.kind(*ctx.producer(list)) == "prim::ListConstruct" &&
        ctx.inputCount(*ctx.producer(list)) == spatial) {
      t.scale_list = list;
      return t;
    }
    t.scales = ctx.constDoubles(list);
  } else {
    for (size_t i = first; i < ctx.inputCount(node) && !ctx.isNone(ctx.input(node, i)); ++i)
      t.scales.push_back(ctx.constDouble(ctx.input(node, i)));
  }
  if (t.scales.size() != spatial) t.scales.clear();
  if (t.scales.empty() && !t.output_size) return std::nullopt;
  return t;
}

bool isNearest(Interp interp) { return interp == Interp::kNearest || interp == Interp::kNearestExact; }

// ---- the float32 index arithmetic of both sides ---------------------------------------------

// PyTorch's nearest source index for output index i: min(floor(float(i) * inv), in - 1), or for
// nearest-exact min(floor(float((i + 0.5) * inv)), in - 1) with the product in double; inv is
// float(1 / factor) when a factor is given, else float(in) / out.
int64_t torchSource(Interp interp, int64_t i, int64_t in, float inv) {
  float src = interp == Interp::kNearest ? static_cast<float>(i) * inv
                                         : static_cast<float>((static_cast<double>(i) + 0.5) * inv);
  return std::min(static_cast<int64_t>(std::floor(src)), in - 1);
}

// ONNX Runtime's for Resize scale c: "asymmetric" + "floor" is floor(float(i) / c), "half_pixel" +
// "round_prefer_ceil" is round((float(i) + 0.5) / c - 0.5); both clamped to [0, in - 1].
int64_t ortSource(Interp interp, int64_t i, int64_t in, float c) {
  float x = static_cast<float>(i);
  float src = interp == Interp::kNearest ? std::floor(x / c) : std::round((x + 0.5f) / c - 0.5f);
  return std::clamp<int64_t>(static_cast<int64_t>(src), 0, in - 1);
}

bool sameIndices(Interp interp, int64_t in, int64_t out, float inv, float c) {
  for (int64_t i = 0; i < out; ++i)
    if (torchSource(interp, i, in, inv) != ortSource(interp, i, in, c)) return false;
  return true;
}

// Input lengths checked on a dynamic axis.
constexpr int64_t kProbeLengths = 512;

// The Resize scale for a dim resized by factor s, whose input length is `fixed` (-1 on a dynamic
// axis: lengths 1..kProbeLengths are checked), or nullopt when no float32 scale reproduces
// PyTorch (nearest modes only). Output lengths: PyTorch trunc(in * s) in double, Resize
// trunc(c * float(in)) in float32, where 90 * 1.3f gives 116 for PyTorch's 117.
std::optional<float> floatScale(Interp interp, double s, int64_t fixed) {
  // PyTorch's linear modes copy a dim whose length does not change, whatever the factor.
  if (interp == Interp::kLinear && fixed > 0 && static_cast<int64_t>(static_cast<double>(fixed) * s) == fixed)
    return 1.0f;
  const float inv = static_cast<float>(1.0 / s);
  float up = static_cast<float>(s), down = up;
  std::vector<float> candidates = {up};
  for (int k = 0; k < 4; ++k) {
    candidates.push_back(up = std::nextafter(up, std::numeric_limits<float>::infinity()));
    candidates.push_back(down = std::nextafter(down, 0.0f));
  }
  int64_t first = fixed >= 0 ? fixed : 1, last = fixed >= 0 ? fixed : kProbeLengths;
  for (float c : candidates) {
    bool ok = true;
    for (int64_t in = first; ok && in <= last; ++in) {
      auto out = static_cast<int64_t>(static_cast<double>(in) * s);
      ok = static_cast<int64_t>(c * static_cast<float>(in)) == out &&
           (!isNearest(interp) || sameIndices(interp, in, out, inv, c));
    }
    if (ok) return c;
  }
  if (isNearest(interp)) return std::nullopt;
  return static_cast<float>(s);
}

// With an output_size, PyTorch's nearest uses inv = float(in) / out and Resize c = float(out) / float(in).
bool outputSizeAgrees(Interp interp, int64_t fixed_in, int64_t out) {
  int64_t first = fixed_in >= 0 ? fixed_in : 1, last = fixed_in >= 0 ? fixed_in : kProbeLengths;
  for (int64_t in = first; in <= last; ++in) {
    float fin = static_cast<float>(in), fout = static_cast<float>(out);
    if (!sameIndices(interp, in, out, fin / fout, fout / fin)) return false;
  }
  return true;
}

// ---- emission -------------------------------------------------------------------------------

// Attributes per mode. Coordinates: PyTorch maps output index i to i * scale (nearest),
// (i + 0.5) * scale - 0.5 (linear/cubic, scale = 1/factor when a factor is given, else in/out;
// ONNX "half_pixel") or i * (in - 1) / (out - 1) (align_corners). For an output length of 1,
// PyTorch 1.13 keeps the half-pixel formula, so "pytorch_half_pixel" (which returns 0 there) would
// differ. nearest-exact is floor((i + 0.5) * scale), i.e. half_pixel then round half up.
std::vector<Attr> resizeAttrs(Interp interp, bool align_corners) {
  const char* transform = align_corners ? "align_corners" : "half_pixel";
  switch (interp) {
    case Interp::kNearest:
      return {{"mode", "nearest"}, {"coordinate_transformation_mode", "asymmetric"}, {"nearest_mode", "floor"}};
    case Interp::kNearestExact:
      return {
          {"mode", "nearest"}, {"coordinate_transformation_mode", "half_pixel"}, {"nearest_mode", "round_prefer_ceil"}};
    case Interp::kLinear:
      return {{"mode", "linear"}, {"coordinate_transformation_mode", transform}};
    case Interp::kCubic:
      // PyTorch's bicubic kernel uses A = -0.75 and clamps reads to the border (exclude_outside=0).
      // Known gap: ONNX Runtime returns the input as is when no length changes, while PyTorch still
      // filters with 1/factor (factors just above 1 on inputs so small no length grows).
      return {{"mode", "cubic"}, {"coordinate_transformation_mode", transform}, {"cubic_coeff_a", -0.75}};
  }
  return {};
}

// Resize-11 takes roi and scales as tensors (empty when unused); Resize-13 made both optional.
std::string resizeOp(Context& ctx, const std::string& x, Interp interp, bool align_corners, const std::string& scales,
                     const std::string& sizes) {
  std::string none = ctx.opset() >= 13 ? std::string() : ctx.constTensor({}, {0}, DType::kFloat);
  std::vector<std::string> inputs = {x, none, scales.empty() ? none : scales};
  if (!sizes.empty()) inputs.push_back(sizes);
  return ctx.emit("Resize", inputs, resizeAttrs(interp, align_corners));
}

std::string scaledLength(Context& ctx, const std::string& n, const std::string& s) {
  std::string scaled = ctx.emit("Mul", {ctx.cast(n, DType::kInt64, DType::kDouble), s});
  return ctx.cast(ctx.emit("Floor", {scaled}), DType::kDouble, DType::kInt64);
}

std::string outputSizeAt(Context& ctx, const Target& t, size_t k, int64_t fixed) {
  if (fixed >= 0) return ctx.scalarI64(fixed);
  return ctx.emit("Gather", {ctx.intsTensor(t.output_size), ctx.scalarI64(static_cast<int64_t>(k))}, {{"axis", 0}});
}

// One nearest Gather along `axis` computed in the graph: source indices from the output length
// (0-d int64) and inv (0-d float32, the input step per output index), PyTorch's formula.
std::string gatherAxis(Context& ctx, const std::string& x, int64_t axis, Interp interp, const std::string& n,
                       const std::string& length, const std::string& inv) {
  std::string i = ctx.emit("Range", {ctx.scalarI64(0), length, ctx.scalarI64(1)});
  std::string src;
  if (interp == Interp::kNearest) {
    src = ctx.emit("Mul", {ctx.cast(i, DType::kInt64, DType::kFloat), inv});
  } else {
    std::string half = ctx.emit("Add", {ctx.cast(i, DType::kInt64, DType::kDouble), ctx.scalar(0.5, DType::kDouble)});
    src =
        ctx.cast(ctx.emit("Mul", {half, ctx.cast(inv, DType::kFloat, DType::kDouble)}), DType::kDouble, DType::kFloat);
  }
  std::string index = ctx.cast(ctx.emit("Floor", {src}), DType::kFloat, DType::kInt64);
  std::string last = ctx.emit("Sub", {n, ctx.scalarI64(1)});
  index = ctx.emit("Where", {ctx.emit("Less", {index, n}), index, last});
  return ctx.emit("Gather", {x, index}, {{"axis", axis}});
}

// Nearest resizing as one Gather per spatial dim with PyTorch's source indices: constants when the
// lengths are fixed, else computed in the graph with PyTorch's float32 formula (the output length
// trunc(in * factor) in double, as PyTorch).
std::string nearestByGather(Context& ctx, const Node& node, Interp interp, const Target& t) {
  const Value* self = ctx.input(node, 0);
  auto shape = ctx.shape(self);
  auto fixed_out = t.output_size ? ctx.maybeConstInts(t.output_size) : std::nullopt;
  std::string x = ctx.tensor(self);
  for (size_t k = 0; k + 2 < shape.size(); ++k) {
    auto axis = static_cast<int64_t>(k + 2);
    int64_t in = shape[axis], out = -1;
    if (!t.scales.empty() && in >= 0) out = static_cast<int64_t>(static_cast<double>(in) * t.scales[k]);
    if (t.scales.empty() && fixed_out) out = (*fixed_out)[k];
    if (in >= 0 && out >= 0) {
      float inv =
          t.scales.empty() ? static_cast<float>(in) / static_cast<float>(out) : static_cast<float>(1.0 / t.scales[k]);
      std::vector<int64_t> table;
      bool identity = out == in;
      for (int64_t i = 0; i < out; ++i) {
        table.push_back(torchSource(interp, i, in, inv));
        identity = identity && table.back() == i;
      }
      if (!identity) x = ctx.emit("Gather", {x, ctx.constI64(table)}, {{"axis", axis}});
      continue;
    }
    std::string n = ctx.dimOf(x, axis), length, inv;
    if (!t.scales.empty()) {
      length = scaledLength(ctx, n, ctx.scalar(t.scales[k], DType::kDouble));
      inv = ctx.scalar(static_cast<float>(1.0 / t.scales[k]), DType::kFloat);
    } else {
      length = outputSizeAt(ctx, t, k, out);
      inv =
          ctx.emit("Div", {ctx.cast(n, DType::kInt64, DType::kFloat), ctx.cast(length, DType::kInt64, DType::kFloat)});
    }
    x = gatherAxis(ctx, x, axis, interp, n, length, inv);
  }
  return x;
}

// PyTorch's linear modes (align_corners off) copy a dim whose length does not change, whatever
// the factor. On a dynamic axis with 1 < s < 1.5 that happens for lengths below 1 / (s - 1) (with
// s >= 1.5 only for length 1, where it changes nothing), so there the scale is picked in the graph:
// 1 when trunc(in * s) == in, else c.
std::string linearScaleInGraph(Context& ctx, const std::string& x, int64_t axis, double s, float c) {
  std::string in = ctx.emit("Gather", {ctx.shapeOf(x), ctx.constI64({axis})}, {{"axis", 0}});
  std::string out = scaledLength(ctx, in, ctx.scalar(s, DType::kDouble));
  return ctx.emit("Where", {ctx.emit("Equal", {out, in}), ctx.constTensor({1.0}, {1}, DType::kFloat),
                            ctx.constTensor({c}, {1}, DType::kFloat)});
}

std::string emitResize(Context& ctx, const Node& node, Interp interp, const Target& t) {
  const Value* self = ctx.input(node, 0);
  auto shape = ctx.shape(self);
  std::string x = ctx.tensor(self);
  if (!t.scales.empty()) {
    std::vector<double> fixed = {1.0, 1.0};
    std::vector<std::string> parts;
    for (size_t k = 0; k < t.scales.size(); ++k) {
      double s = t.scales[k];
      auto axis = static_cast<int64_t>(k + 2);
      auto c = floatScale(interp, s, shape[axis]);
      if (!c) return nearestByGather(ctx, node, interp, t);
      if (interp != Interp::kLinear || t.align_corners || shape[axis] >= 0 || s <= 1.0 || s >= 1.5) {
        fixed.push_back(*c);
        continue;
      }
      if (!fixed.empty()) parts.push_back(ctx.constTensor(fixed, {static_cast<int64_t>(fixed.size())}, DType::kFloat));
      fixed.clear();
      parts.push_back(linearScaleInGraph(ctx, x, axis, s, *c));
    }
    if (!fixed.empty()) parts.push_back(ctx.constTensor(fixed, {static_cast<int64_t>(fixed.size())}, DType::kFloat));
    std::string scales = parts.size() == 1 ? parts[0] : ctx.emit("Concat", parts, {{"axis", 0}});
    return resizeOp(ctx, x, interp, t.align_corners, scales, "");
  }
  auto out = ctx.maybeConstInts(t.output_size);
  if (isNearest(interp) && out)
    for (size_t k = 0; k < out->size(); ++k)
      if (!outputSizeAgrees(interp, shape[k + 2], (*out)[k])) return nearestByGather(ctx, node, interp, t);
  std::string sizes;
  if (out && shape[0] >= 0 && shape[1] >= 0) {
    std::vector<int64_t> all = {shape[0], shape[1]};
    all.insert(all.end(), out->begin(), out->end());
    sizes = ctx.constI64(all);
  } else {
    std::string lead = ctx.emit("Slice", {ctx.shapeOf(x), ctx.constI64({0}), ctx.constI64({2})});
    sizes = ctx.emit("Concat", {lead, ctx.intsTensor(t.output_size)}, {{"axis", 0}});
  }
  return resizeOp(ctx, x, interp, t.align_corners, "", sizes);
}

// Scale factors computed in the graph (a factor read from an input, say): nearest modes gather with
// PyTorch's indices (output length floor(in * s) in double, step float(1 / s)); the other modes
// give Resize the factors as its scales, which it uses the way PyTorch does (length floor(in * s),
// source (i + 0.5) / s - 0.5).
std::string resizeByComputedScales(Context& ctx, const Node& node, Interp interp, const Target& t) {
  const Node& list = *ctx.producer(t.scale_list);
  std::string x = ctx.tensor(ctx.input(node, 0));
  if (isNearest(interp)) {
    for (size_t k = 0; k < ctx.inputCount(list); ++k) {
      auto axis = static_cast<int64_t>(k + 2);
      std::string s = ctx.tensor(ctx.input(list, k), DType::kDouble);
      std::string n = ctx.dimOf(x, axis);
      std::string length = scaledLength(ctx, n, s);
      std::string inv = ctx.cast(ctx.emit("Div", {ctx.scalar(1.0, DType::kDouble), s}), DType::kDouble, DType::kFloat);
      x = gatherAxis(ctx, x, axis, interp, n, length, inv);
    }
    return x;
  }
  std::vector<std::string> parts = {ctx.constTensor({1.0, 1.0}, {2}, DType::kFloat)};
  for (size_t k = 0; k < ctx.inputCount(list); ++k)
    parts.push_back(ctx.unsqueeze(ctx.tensor(ctx.input(list, k), DType::kFloat), {0}));
  return resizeOp(ctx, x, interp, t.align_corners, ctx.emit("Concat", parts, {{"axis", 0}}), "");
}

ConvertFn upsample(Interp interp, size_t spatial, bool has_align) {
  return [=](Context& ctx, const Node& node) {
    if (ctx.requireRank(ctx.input(node, 0)) != static_cast<int64_t>(spatial) + 2)
      return ctx.fail(node, "expected an input of rank " + std::to_string(spatial + 2));
    auto target = readTarget(ctx, node, spatial, has_align);
    if (!target) return ctx.fail(node, "neither output_size nor scale factors are given");
    ctx.bind(ctx.output(node), target->scale_list ? resizeByComputedScales(ctx, node, interp, *target)
                                                  : emitResize(ctx, node, interp, *target));
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
  if (target->scale_list)
    return ctx.fail(node,
                    "antialiased bilinear resizing with scale factors computed in the graph: whether it "
                    "shrinks is only known at run time");
  bool grows = !target->align_corners;
  if (!target->scales.empty()) {
    for (double s : target->scales) grows = grows && s >= 1.0;
  } else {
    auto shape = ctx.shape(self);
    auto out = ctx.maybeConstInts(target->output_size);
    grows = grows && out && shape[2] >= 0 && shape[3] >= 0 && (*out)[0] >= shape[2] && (*out)[1] >= shape[3];
  }
  if (!grows)
    return ctx.fail(node,
                    "antialiased bilinear resizing that shrinks (or uses align_corners) needs Resize's "
                    "antialias attribute, added in ONNX opset 18: convert with --opset 18 or later");
  ctx.bind(ctx.output(node), emitResize(ctx, node, Interp::kLinear, *target));
  return Status::Ok();
}

// Opset 18: Resize's antialias attribute stretches the filter by 1 / scale when a dim shrinks, as
// PyTorch's antialiased modes do (PIL's filters: a triangle, or cubic with A = -0.5), with taps
// outside the input dropped and the weights renormalized (exclude_outside).
ConvertFn antialiased(Interp interp) {
  return [=](Context& ctx, const Node& node) {
    const Value* self = ctx.input(node, 0);
    if (ctx.requireRank(self) != 4) return ctx.fail(node, "expected an input of rank 4");
    auto target = readTarget(ctx, node, 2, true);
    if (!target) return ctx.fail(node, "neither output_size nor scale factors are given");
    if (target->align_corners)
      return ctx.fail(node, "antialiased resizing with align_corners=True has no ONNX Resize form");
    std::vector<Attr> attrs = {{"mode", interp == Interp::kCubic ? "cubic" : "linear"},
                               {"coordinate_transformation_mode", "half_pixel"},
                               {"antialias", int64_t{1}},
                               {"exclude_outside", int64_t{1}}};
    if (interp == Interp::kCubic) attrs.push_back({"cubic_coeff_a", -0.5});
    std::string x = ctx.tensor(self);
    std::string scales, sizes;
    if (target->scale_list) {
      std::vector<std::string> parts = {ctx.constTensor({1.0, 1.0}, {2}, DType::kFloat)};
      const Node& list = *ctx.producer(target->scale_list);
      for (size_t k = 0; k < ctx.inputCount(list); ++k)
        parts.push_back(ctx.unsqueeze(ctx.tensor(ctx.input(list, k), DType::kFloat), {0}));
      scales = ctx.emit("Concat", parts, {{"axis", 0}});
    } else if (!target->scales.empty()) {
      scales = ctx.constTensor({1.0, 1.0, target->scales[0], target->scales[1]}, {4}, DType::kFloat);
    } else {
      std::string lead = ctx.emit("Slice", {ctx.shapeOf(x), ctx.constI64({0}), ctx.constI64({2})});
      sizes = ctx.emit("Concat", {lead, ctx.intsTensor(target->output_size)}, {{"axis", 0}});
    }
    std::vector<std::string> inputs = {x, "", scales};
    if (!sizes.empty()) inputs.push_back(sizes);
    ctx.bind(ctx.output(node), ctx.emit("Resize", inputs, attrs));
    return Status::Ok();
  };
}

}  // namespace resize

using namespace resize;

void registerResizeOps(Registry& r) {
  r.add("aten::upsample_nearest1d", 9, nearestBeforeOpset11(Interp::kNearest, 1));
  r.add("aten::upsample_nearest2d", 9, nearestBeforeOpset11(Interp::kNearest, 2));
  r.add("aten::upsample_nearest3d", 9, nearestBeforeOpset11(Interp::kNearest, 3));
  r.add("aten::_upsample_nearest_exact1d", 9, nearestBeforeOpset11(Interp::kNearestExact, 1));
  r.add("aten::_upsample_nearest_exact2d", 9, nearestBeforeOpset11(Interp::kNearestExact, 2));
  r.add("aten::_upsample_nearest_exact3d", 9, nearestBeforeOpset11(Interp::kNearestExact, 3));
  r.add("aten::upsample_nearest1d", 11, upsample(Interp::kNearest, 1, false));
  r.add("aten::upsample_nearest2d", 11, upsample(Interp::kNearest, 2, false));
  r.add("aten::upsample_nearest3d", 11, upsample(Interp::kNearest, 3, false));
  r.add("aten::_upsample_nearest_exact1d", 11, upsample(Interp::kNearestExact, 1, false));
  r.add("aten::_upsample_nearest_exact2d", 11, upsample(Interp::kNearestExact, 2, false));
  r.add("aten::_upsample_nearest_exact3d", 11, upsample(Interp::kNearestExact, 3, false));
  r.add("aten::upsample_linear1d", 9, interpolateBeforeOpset11(Interp::kLinear, 1));
  r.add("aten::upsample_bilinear2d", 9, interpolateBeforeOpset11(Interp::kLinear, 2));
  r.add("aten::upsample_trilinear3d", 9, interpolateBeforeOpset11(Interp::kLinear, 3));
  r.add("aten::upsample_bicubic2d", 9, interpolateBeforeOpset11(Interp::kCubic, 2));
  r.add("aten::upsample_linear1d", 11, upsample(Interp::kLinear, 1, true));
  r.add("aten::upsample_bilinear2d", 11, upsample(Interp::kLinear, 2, true));
  r.add("aten::upsample_trilinear3d", 11, upsample(Interp::kLinear, 3, true));
  r.add("aten::upsample_bicubic2d", 11, upsample(Interp::kCubic, 2, true));
  r.add("aten::_upsample_bilinear2d_aa", 11, upsampleBilinearAa);
  r.add("aten::_upsample_bilinear2d_aa", 18, antialiased(Interp::kLinear));
  r.add("aten::_upsample_bicubic2d_aa", 18, antialiased(Interp::kCubic));
}

}  // namespace pt2onnx
