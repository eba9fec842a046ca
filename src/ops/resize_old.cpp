// Converters' forms before opset 11, whose Resize (10) and Upsample (9) have no coordinate modes:
// nearest as Upsample/Resize-10 or Gathers of PyTorch's indices, linear and cubic as weighted sums
// of Gathers along each resized axis, with PyTorch's own source positions and weights.
#include <algorithm>
#include <cmath>

#include "ops/resize.h"

namespace pt2onnx::resize {
namespace {

constexpr float kCubicA = -0.75f;  // PyTorch's bicubic kernel

float cubicNear(float x) { return ((kCubicA + 2) * x - (kCubicA + 3)) * x * x + 1; }                   // |x| <= 1
float cubicFar(float x) { return ((kCubicA * x - 5 * kCubicA) * x + 8 * kCubicA) * x - 4 * kCubicA; }  // 1 < |x| < 2

// One resized axis: for each tap, the source index and weight of every output position; the
// output is the sum over taps of x gathered at the indices times the weights.
struct Taps {
  std::vector<std::string> index, weight;  // ONNX names: [out] int64 and [out] float
};

// PyTorch's source position of output i (area_pixel_compute_source_index, in float32): with
// align_corners i * (in - 1) / (out - 1); else (i + 0.5) * scale - 0.5, not below 0 for linear.
// scale is float(1 / factor) when a factor is given, else float(in) / out.
Taps staticTaps(Context& ctx, Interp interp, bool align_corners, int64_t in, int64_t out,
                std::optional<double> factor) {
  float scale = 0;
  if (align_corners)
    scale = out > 1 ? static_cast<float>(in - 1) / static_cast<float>(out - 1) : 0.0f;
  else
    scale =
        factor && *factor > 0 ? static_cast<float>(1.0 / *factor) : static_cast<float>(in) / static_cast<float>(out);
  const int taps = interp == Interp::kCubic ? 4 : 2;
  std::vector<std::vector<int64_t>> index(taps);
  std::vector<std::vector<double>> weight(taps);
  for (int64_t i = 0; i < out; ++i) {
    float src = align_corners ? scale * static_cast<float>(i) : scale * (static_cast<float>(i) + 0.5f) - 0.5f;
    if (interp != Interp::kCubic && !align_corners && src < 0) src = 0;
    const int64_t i0 = std::min(static_cast<int64_t>(std::floor(src)), in - 1);
    const float t = std::clamp(src - static_cast<float>(i0), 0.0f, 1.0f);
    if (interp == Interp::kCubic) {
      const float w[4] = {cubicFar(t + 1), cubicNear(t), cubicNear(1 - t), cubicFar(2 - t)};
      for (int k = 0; k < 4; ++k) {
        index[k].push_back(std::clamp<int64_t>(i0 - 1 + k, 0, in - 1));
        weight[k].push_back(w[k]);
      }
    } else {
      index[0].push_back(i0);
      index[1].push_back(i0 + (i0 < in - 1 ? 1 : 0));
      weight[0].push_back(1.0f - t);
      weight[1].push_back(t);
    }
  }
  Taps result;
  for (int k = 0; k < taps; ++k) {
    result.index.push_back(ctx.constI64(index[k]));
    result.weight.push_back(ctx.constTensor(weight[k], {out}, DType::kFloat));
  }
  return result;
}

// The same in the graph, for a length known only at run time: n and length are 0-d int64, and
// inv_factor a 0-d float (1 / factor) or empty (an output size: in / out).
Taps graphTaps(Context& ctx, Interp interp, bool align_corners, const std::string& n, const std::string& length,
               const std::string& inv_factor) {
  const DType f = DType::kFloat, i64 = DType::kInt64;
  auto asFloat = [&](const std::string& v) { return ctx.cast(v, i64, f); };
  std::string i = asFloat(ctx.emit("Range", {ctx.scalarI64(0), length, ctx.scalarI64(1)}));
  std::string last = ctx.emit("Sub", {n, ctx.scalarI64(1)});
  std::string src;
  if (align_corners) {
    // out == 1 has only i == 0, so the divisor may be clamped to 1
    std::string steps = ctx.emit("Max", {asFloat(ctx.emit("Sub", {length, ctx.scalarI64(1)})), ctx.scalar(1, f)});
    src = ctx.emit("Mul", {i, ctx.emit("Div", {asFloat(last), steps})});
  } else {
    std::string scale = inv_factor.empty() ? ctx.emit("Div", {asFloat(n), asFloat(length)}) : inv_factor;
    src = ctx.emit("Sub", {ctx.emit("Mul", {ctx.emit("Add", {i, ctx.scalar(0.5, f)}), scale}), ctx.scalar(0.5, f)});
    if (interp != Interp::kCubic) src = ctx.emit("Max", {src, ctx.scalar(0, f)});
  }
  std::string i0 = ctx.cast(ctx.emit("Floor", {src}), f, i64);
  i0 = ctx.emit("Where", {ctx.emit("Less", {i0, last}), i0, last});
  std::string t = ctx.emit("Clip", {ctx.emit("Sub", {src, asFloat(i0)}), ctx.scalar(0, f), ctx.scalar(1, f)});
  std::string one = ctx.scalar(1, f);
  Taps result;
  if (interp != Interp::kCubic) {
    result.index = {i0, ctx.emit("Add", {i0, ctx.cast(ctx.emit("Less", {i0, last}), DType::kBool, i64)})};
    result.weight = {ctx.emit("Sub", {one, t}), t};
    return result;
  }
  auto poly = [&](const std::string& x, bool near) {  // cubicNear / cubicFar in the graph
    auto c = [&](double v) { return ctx.scalar(v, f); };
    const double a = kCubicA;
    if (near) {
      std::string p = ctx.emit("Sub", {ctx.emit("Mul", {c(a + 2), x}), c(a + 3)});
      return ctx.emit("Add", {ctx.emit("Mul", {ctx.emit("Mul", {p, x}), x}), one});
    }
    std::string p = ctx.emit("Sub", {ctx.emit("Mul", {c(a), x}), c(5 * a)});
    p = ctx.emit("Add", {ctx.emit("Mul", {p, x}), c(8 * a)});
    return ctx.emit("Sub", {ctx.emit("Mul", {p, x}), c(4 * a)});
  };
  std::string u = ctx.emit("Sub", {one, t});
  result.weight = {poly(ctx.emit("Add", {t, one}), false), poly(t, true), poly(u, true),
                   poly(ctx.emit("Add", {u, one}), false)};
  for (int64_t k = -1; k <= 2; ++k) {
    std::string j = k == 0 ? i0 : ctx.emit("Add", {i0, ctx.scalarI64(k)});
    j = ctx.emit("Where", {ctx.emit("Less", {j, ctx.scalarI64(0)}), ctx.scalarI64(0), j});
    result.index.push_back(ctx.emit("Where", {ctx.emit("Greater", {j, last}), last, j}));
  }
  return result;
}

// sum over taps of Gather(x, index, axis) * weight, the weights along `axis` of a rank-`rank` value.
std::string weightedGathers(Context& ctx, const std::string& x, int64_t axis, int64_t rank, const Taps& taps,
                            DType dt) {
  std::vector<int64_t> trailing;
  for (int64_t k = 1; k < rank - axis; ++k) trailing.push_back(k);
  std::string sum;
  for (size_t k = 0; k < taps.index.size(); ++k) {
    std::string w = ctx.cast(taps.weight[k], DType::kFloat, dt);
    if (!trailing.empty()) w = ctx.unsqueeze(w, trailing);
    std::string term = ctx.emit("Mul", {ctx.emit("Gather", {x, taps.index[k]}, {{"axis", axis}}), w});
    sum = sum.empty() ? term : ctx.emit("Add", {sum, term});
  }
  return sum;
}

}  // namespace

// Nearest modes before opset 11, whose Resize has no coordinate modes: whole enlarging factors as
// Upsample (opset 9) or Resize-10, which pick floor(i / factor) when enlarging, as PyTorch does (the
// factor checked as floatScale checks Resize-11's); any other factor or size as Gathers of PyTorch's
// own source indices.
ConvertFn nearestBeforeOpset11(Interp interp, size_t spatial) {
  return [=](Context& ctx, const Node& node) {
    const Value* self = ctx.input(node, 0);
    if (ctx.requireRank(self) != static_cast<int64_t>(spatial) + 2)
      return ctx.fail(node, "expected an input of rank " + std::to_string(spatial + 2));
    auto target = readTarget(ctx, node, spatial, false);
    if (!target) return ctx.fail(node, "neither output_size nor scale factors are given");
    if (target->scale_list) {
      ctx.bind(ctx.output(node), resizeByComputedScales(ctx, node, interp, *target));
      return Status::Ok();
    }
    auto shape = ctx.shape(self);
    bool whole = interp == Interp::kNearest && !target->scales.empty();
    std::vector<double> scales = {1.0, 1.0};
    for (size_t k = 0; whole && k < target->scales.size(); ++k) {
      double f = target->scales[k];
      auto c = floatScale(interp, f, shape[k + 2]);
      whole = f >= 1.0 && f == std::floor(f) && c && *c == static_cast<float>(f);
      scales.push_back(f);
    }
    if (!whole) {
      ctx.bind(ctx.output(node), nearestByGather(ctx, node, interp, *target));
      return Status::Ok();
    }
    std::string factors = ctx.constTensor(scales, {static_cast<int64_t>(scales.size())}, DType::kFloat);
    ctx.bind(ctx.output(node),
             ctx.emit(ctx.opset() < 10 ? "Upsample" : "Resize", {ctx.tensor(self), factors}, {{"mode", "nearest"}}));
    return Status::Ok();
  };
}

ConvertFn interpolateBeforeOpset11(Interp interp, size_t spatial) {
  return [=](Context& ctx, const Node& node) {
    const Value* self = ctx.input(node, 0);
    const auto rank = static_cast<int64_t>(spatial) + 2;
    if (ctx.requireRank(self) != rank) return ctx.fail(node, "expected an input of rank " + std::to_string(rank));
    auto target = readTarget(ctx, node, spatial, true);
    if (!target) return ctx.fail(node, "neither output_size nor scale factors are given");
    const DType dt = ctx.requireDType(self);
    if (!isFloating(dt)) return ctx.fail(node, "interpolation needs a floating-point input");
    auto shape = ctx.shape(self);
    auto fixed_out = target->output_size ? ctx.maybeConstInts(target->output_size) : std::nullopt;
    const Node* factors = target->scale_list ? ctx.producer(target->scale_list) : nullptr;
    std::string x = ctx.tensor(self);
    for (size_t k = 0; k < spatial; ++k) {
      const auto axis = static_cast<int64_t>(k + 2);
      const int64_t in = shape[axis];
      std::optional<double> factor;
      if (!target->scales.empty()) factor = target->scales[k];
      int64_t out = -1;
      if (fixed_out) out = (*fixed_out)[k];
      if (factor && in >= 0) out = static_cast<int64_t>(static_cast<double>(in) * *factor);
      Taps taps;
      if (in >= 0 && out >= 0) {
        // PyTorch's linear modes copy an axis whose length does not change, whatever the factor
        if (out == in && (interp == Interp::kLinear || !factor || *factor == 1.0)) continue;
        taps = staticTaps(ctx, interp, target->align_corners, in, out, factor);
      } else {
        std::string n = ctx.dimOf(x, axis), length, inv;
        if (factor || factors) {
          std::string f =
              factor ? ctx.scalar(*factor, DType::kDouble) : ctx.tensor(ctx.input(*factors, k), DType::kDouble);
          length = scaledLength(ctx, n, f);
          inv = ctx.cast(ctx.emit("Div", {ctx.scalar(1.0, DType::kDouble), f}), DType::kDouble, DType::kFloat);
        } else {
          length = outputSizeAt(ctx, *target, k, out);
        }
        taps = graphTaps(ctx, interp, target->align_corners, n, length, inv);
      }
      x = weightedGathers(ctx, x, axis, rank, taps, dt);
    }
    ctx.bind(ctx.output(node), x);
    return Status::Ok();
  };
}

}  // namespace pt2onnx::resize
