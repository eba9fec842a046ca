// The resizing family's shared pieces (resize.cpp): what decides an upsample's output, PyTorch's
// nearest source indices, and the forms opsets 9 and 10 take (resize_old.cpp).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ops/common.h"

namespace pt2onnx::resize {

enum class Interp { kNearest, kNearestExact, kLinear, kCubic };

// What decides the output size: scale factors (one per spatial dim) or an output_size int list.
struct Target {
  std::vector<double> scales;
  const Value* scale_list = nullptr;  // scale factors computed in the graph (scales is empty)
  const Value* output_size = nullptr;
  bool align_corners = false;
};

// The output size or scale factors of an upsample_* node (`has_align`: it takes align_corners).
std::optional<Target> readTarget(Context& ctx, const Node& node, size_t spatial, bool has_align);
bool isNearest(Interp interp);
// The float32 Resize scale that reproduces PyTorch for factor s (see resize.cpp), or nullopt.
std::optional<float> floatScale(Interp interp, double s, int64_t fixed);
// PyTorch's output length floor(n * s) for an input length n (int64, 0-d or [1]) and a factor s
// (double), computed in the graph.
std::string scaledLength(Context& ctx, const std::string& n, const std::string& s);
// Entry k of the target's output size as a 0-d int64: the constant `fixed` when it is >= 0.
std::string outputSizeAt(Context& ctx, const Target& t, size_t k, int64_t fixed);
// Nearest modes as Gathers of PyTorch's own source indices.
std::string nearestByGather(Context& ctx, const Node& node, Interp interp, const Target& t);
// Scale factors computed in the graph: Gathers (nearest modes) or Resize with computed scales.
std::string resizeByComputedScales(Context& ctx, const Node& node, Interp interp, const Target& t);

// Before opset 11 (resize_old.cpp): nearest as Upsample/Resize-10 or Gathers; linear and cubic as
// weighted sums of Gathers along each resized axis.
ConvertFn nearestBeforeOpset11(Interp interp, size_t spatial);
ConvertFn interpolateBeforeOpset11(Interp interp, size_t spatial);

}  // namespace pt2onnx::resize
