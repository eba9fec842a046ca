// The multi-head attention core shared by the fused attention and transformer-layer converters.
#pragma once

#include <string>

#include "ops/common.h"

namespace pt2onnx {

// x @ w^T + b for x [..., in], w [out, in], b [out].
std::string project(Context& ctx, const std::string& x, const std::string& w, const std::string& b);

// Attention over H heads of D = E / H on projected q, k, v [B, L|S, E] (B and lengths may be
// dynamic): softmax(q / sqrt(D) @ k^T, -inf where `mask` is true) @ v, heads merged back to
// [B, L, E] before the output projection. `mask` (bool, broadcasting to [B, H, L, S]) may be
// empty. Returns {merged, weights [B, H, L, S]}.
struct Attended {
  std::string merged;
  std::string weights;
};
Attended attendHeads(Context& ctx, const std::string& q, const std::string& k, const std::string& v, int64_t heads,
                     int64_t embed, const std::string& mask, DType dt);

}  // namespace pt2onnx
